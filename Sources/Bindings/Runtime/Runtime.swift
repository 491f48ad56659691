// lstmlua's Lua runtime: a Lua state with the standard libraries, tensor storage
// in Lua's heap, and the modules torch (and, as they land, nn, optim, data, plot)
// preloaded as globals and for require.

import LuaBridge
import LuaPrelude
import Tensors

public final class Runtime {
    public let state: LuaState
    let memory: TensorMemory

    public init() {
        state = LuaState()
        // Most tensors die young (the temporaries of an expression or a loop
        // iteration); generational collection frees them at a fraction of the cost.
        state.useGenerationalCollector()
        memory = TensorMemory(state: state)
        memory.install()
        registerTorch()
        loadPrelude()
    }

    deinit {
        memory.uninstall()
    }

    public var lua: Lua { state.lua }

    private func registerTorch() {
        let lua = state.lua
        state.pushLibrary("torch", TorchLibrary.functions)
        TensorClass.register(in: state)
        lua.rawSet(-2, "Tensor")
        state.pushLibrary("torch.autograd", TorchLibrary.autograd)
        lua.rawSet(-2, "autograd")
        GradGuard.shared.register(lua, methods: [], close: GradGuardClose.function)
        lua.pop()
        lua.pushValue(-1)
        state.setLoaded("torch")
        state.setGlobal("torch")
    }

    private func loadPrelude() {
        var count = 0
        guard let chunks = lp_chunks(&count) else { return }
        for i in 0..<count {
            let chunk = chunks[i]
            let name = String(cString: chunk.name)
            let source = String(decoding: UnsafeRawBufferPointer(start: chunk.source, count: chunk.length), as: UTF8.self)
            do {
                try state.load(source, name: "=[\(name)]")
                try state.call(results: 1)
                state.setLoaded(name)
            } catch {
                // The prelude is part of the binary; a failure here is a build defect.
                fatalError("lstmlua: prelude module \(name) failed to load: \(error)")
            }
        }
    }
}

/// __close of torch.no_grad()'s guard: restores the recording mode it replaced.
enum GradGuardClose {
    static let function = LuaFunction("__close", "guard:__close()", "Restores the gradient mode that no_grad()/enable_grad() replaced.") { lua in
        if let g = GradGuard.shared.test(lua, 1) { GradMode.set(g.previous) }
        GradGuard.shared.release(lua, 1)
        return 0
    }
}
