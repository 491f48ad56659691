// swift-tools-version:6.1
// lstmlua: small sequence-model experiments in Lua over a native Swift core.
//
// The targets, bottom up:
//   C libraries (Debian)  CLua, COpenBLAS, CCairo, CEdit, CZMQ  systemLibrary targets
//                         CMPI                                  Open MPI, for torch.distributed
//                         CCmarkGFM                             Markdown (CommonMark, GitHub's) for HTML reports
//   C glue                CInterrupt, LuaGlue, LuaPrelude       what must be C, and the Lua prelude
//                         CKernels                              inner loops built for several instruction sets
//   Swift core            Tensors, NeuralNets, Datasets,        knows nothing of Lua
//                         Checkpoints, Plotting, Distributed    (Distributed: the ranks of a job, over MPI)
//                         SafeFiles                             the one way a user's file is written
//   Lua layer             LuaBridge (safe calls into Lua),      bindings over the core
//                         Bindings (torch, nn, optim, data, plot)
//   Front ends            Shell (REPL, Jupyter kernel),         the command
//                         Notebooks, Jupyter (the protocol), lstmlua
import PackageDescription

// Every layer is optimised across modules. Only the tensor core's inner loops (Tensors,
// NeuralNets) drop exclusivity checks and count references non-atomically: their worker
// threads run jobs the compiler knows hold no references (Parallel.forRows takes
// BitwiseCopyable jobs); nothing else runs off the main thread.
let optimize: [SwiftSetting] = [.unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))]
let kernelFlags: [SwiftSetting] = [.unsafeFlags(["-cross-module-optimization", "-enforce-exclusivity=unchecked", "-Xfrontend", "-assume-single-threaded"], .when(configuration: .release))]

let package = Package(
    name: "lstmlua",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "lstmlua", targets: ["lstmlua"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.0.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        .systemLibrary(name: "CLua", pkgConfig: "lua5.4", providers: [.apt(["liblua5.4-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CCairo", pkgConfig: "cairo", providers: [.apt(["libcairo2-dev"])]),
        .systemLibrary(name: "CEdit", pkgConfig: "libedit", providers: [.apt(["libedit-dev"])]),
        .systemLibrary(name: "CZMQ", pkgConfig: "libzmq", providers: [.apt(["libzmq3-dev"])]),
        .systemLibrary(name: "CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev"])]),
        .systemLibrary(name: "CCmarkGFM", pkgConfig: "libcmark-gfm", providers: [.apt(["libcmark-gfm-dev", "libcmark-gfm-extensions-dev"])]),

        .target(name: "CInterrupt"),
        // errno from sqrtf would keep its loops scalar; nothing reads it.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-fno-math-errno"])]),
        .target(name: "LuaGlue", dependencies: ["CLua", "CInterrupt"]),
        .target(name: "LuaPrelude", exclude: ["lua"]),
        .target(name: "LineEditGlue", dependencies: ["CEdit"]),

        .target(name: "SafeFiles"),
        .target(name: "Tensors", dependencies: ["COpenBLAS", "CInterrupt", "CKernels"], swiftSettings: kernelFlags),
        .target(name: "NeuralNets", dependencies: ["Tensors", "CKernels"], swiftSettings: kernelFlags),
        .target(name: "Datasets", dependencies: ["Tensors", "SafeFiles"], swiftSettings: optimize),
        .target(name: "Checkpoints", dependencies: ["Tensors", "SafeFiles", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
                swiftSettings: optimize),
        .target(name: "Distributed", dependencies: ["CMPI", "Tensors"], swiftSettings: optimize),
        .target(name: "Plotting", dependencies: ["CCairo", "CInterrupt", "SafeFiles"], swiftSettings: optimize),
        .target(name: "LuaBridge", dependencies: ["CLua", "LuaGlue"], swiftSettings: optimize),
        .target(name: "Bindings",
                dependencies: ["LuaBridge", "Tensors", "NeuralNets", "Datasets", "Checkpoints", "Plotting", "LuaPrelude", "SafeFiles",
                               "Distributed"],
                swiftSettings: optimize),
        .target(name: "Notebooks",
                dependencies: ["CCairo", "CCmarkGFM", "SafeFiles", .product(name: "Yams", package: "Yams"),
                               .product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "Jupyter", dependencies: ["CZMQ", "SafeFiles", .product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "Shell", dependencies: ["Bindings", "LineEditGlue", "Notebooks", "Jupyter", "Plotting"], swiftSettings: optimize),
        .executableTarget(name: "lstmlua",
                          dependencies: ["Bindings", "Shell", "Notebooks", "Jupyter", "Plotting", "Tensors", .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          swiftSettings: optimize),

        .testTarget(name: "TensorsTests", dependencies: ["Tensors"]),
        .testTarget(name: "SafeFilesTests", dependencies: ["SafeFiles"]),
        .testTarget(name: "BindingsTests", dependencies: ["Bindings"], exclude: ["lua"]),
        .testTarget(name: "NotebooksTests", dependencies: ["Notebooks", "SafeFiles", "Plotting"]),
        .testTarget(name: "CLITests", dependencies: ["lstmlua", "CCairo"]),
    ],
    swiftLanguageModes: [.v6],
    cLanguageStandard: .gnu2x
)
