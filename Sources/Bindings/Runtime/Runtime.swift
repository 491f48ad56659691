// lstmlua's Lua runtime: a Lua state with the standard libraries, tensor storage
// in Lua's heap, and the modules torch (and, as they land, nn, optim, data, plot)
// preloaded as globals and for require.

import Distributed
import Foundation
import LuaBridge
import LuaPrelude
import Plotting
import Tensors

public final class Runtime {
    public let state: LuaState
    /// This runtime's tensor state (memory account, grad mode, generator), current while it lives.
    public let context = TensorContext()
    let memory: TensorMemory
    /// The folder files may be written in (--safe); nil when writes are not restricted.
    public internal(set) var sandboxRoot: String?
    /// Gets each figure fig:show() shows; returns true when it took the figure's place
    /// (nothing is drawn in the terminal). Notebooks and the Jupyter kernel set it.
    public var figureSink: ((Figure) throws -> Bool)?
    /// What a frontend richer than a terminal does for display.clear(), progress bars
    /// and io.read (the Jupyter kernel); nil in a terminal.
    /// Told which stream (1 stdout, 2 stderr) is about to be written, once repl.order()
    /// is installed: a cell runner keeps captured stdout and stderr in order with it.
    public var streamSwitch: ((Int32) -> Void)?
    public var frontend: (any Frontend)? {
        didSet { DisplayBindings.routeInput(state, toFrontend: frontend != nil) }
    }

    /// The ranks of the job (torch.distributed.init_process_group), once joined.
    public internal(set) var processGroup: ProcessGroup?

    /// The terminal lines this runtime's progress bars are drawn on, and what passes above them.
    let progressTerminal = ProgressTerminal()

    nonisolated(unsafe) private static let registryKey = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1)

    /// The runtime whose Lua state a binding runs in.
    static func owning(_ lua: Lua) -> Runtime? {
        lua.getRegistry(registryKey)
        defer { lua.pop() }
        guard let p = lua.userdata(-1) else { return nil }
        return Unmanaged<Runtime>.fromOpaque(p).takeUnretainedValue()
    }

    public init() {
        context.makeCurrent()
        state = LuaState()
        memory = TensorMemory(state: state, account: context.memory)
        memory.install()
        // Bindings find their runtime here (it outlives its state's every call).
        state.lua.pushLightUserdata(Unmanaged.passUnretained(self).toOpaque())
        state.lua.setRegistry(Runtime.registryKey)
        Help.install(state)
        registerTorch()
        // before nn: a saved module's description is JSON
        registerJSON()
        registerNN()
        registerDistributed()
        registerOptim()
        registerData()
        registerTime()
        registerPlot()
        registerDisplay()
        registerREPLSupport()
        ProgressTerminalBindings.install(in: state)
        // Most tensors die young (the temporaries of an expression or a loop
        // iteration); generational collection frees them at a fraction of the cost.
        // Switched on last, so that everything loaded above starts old: switched on
        // first, loading it made the young collections "bad" and Lua 5.4 kept
        // running major ones instead (6 % of an `a + b`).
        state.useGenerationalCollector()
    }

    deinit {
        memory.uninstall()
        context.resign()
    }

    public var lua: Lua { state.lua }

    /// Collections tensor memory has set off so far: full ones, and young ones.
    public var tensorCollections: (full: Int, young: Int) { (memory.collections, memory.youngCollections) }

    /// The tensor at stack index i, if the value is one.
    public func tensor(at i: Int32) -> Tensor? { TensorClass.shared.test(lua, i) }

    /// The figure at stack index i, if it is one (the kernel shows a figure a cell returns).
    public func figure(at i: Int32) -> Figure? { PlotBindings.type.test(lua, i)?.figure }

    private func registerTorch() {
        let lua = state.lua
        state.pushLibrary("torch", TorchLibrary.functions + CheckpointBindings.functions + DTypeBindings.functions + NumPyBindings.functions)
        DTypeBindings.registerConstants(lua)
        TensorClass.register(in: state)
        lua.rawSet(-2, "Tensor")
        state.pushLibrary("torch.autograd", TorchLibrary.autograd)
        lua.rawSet(-2, "autograd")
        state.pushLibrary("torch.backends", TorchLibrary.backends)
        lua.rawSet(-2, "backends")
        GradGuard.shared.register(lua, methods: [], close: GradGuardClose.function)
        lua.pop()
        ProgressBindings.register(in: state)
        publish("torch")
    }

    /// The module on top of the stack (popped) becomes require(name) and the global `name`.
    private func publish(_ name: String) {
        state.lua.pushValue(-1)
        state.setLoaded(name)
        state.setGlobal(name)
    }

    private func registerNN() {
        let lua = state.lua
        state.pushLibrary("nn", [])
        state.pushLibrary("nn.functional", FunctionalBindings.functions + RecurrentBindings.functions
                          + [TensorMath.tanh, TensorMath.relu, TensorMath.sigmoid])
        lua.rawSet(-2, "functional")
        state.pushLibrary("nn.utils", UtilsBindings.functions)
        lua.rawSet(-2, "utils")
        RecurrentSpecBindings.type.register(lua, methods: RecurrentSpecBindings.methods)
        lua.pop()
        loadPrelude("nn", global: true)
    }

    /// torch.distributed, and nn.parallel over it (the prelude needs nn).
    private func registerDistributed() {
        state.pushLibrary("torch.distributed", DistributedBindings.functions)
        DistributedBindings.register(in: state)
        loadPrelude("torch.distributed", global: false)
    }

    /// In a distributed job, an uncaught error ends every rank (MPI_Abort) with its message
    /// and this rank; the others would otherwise wait for this one until the timeout.
    public func abortDistributedJob(_ message: String) {
        if let g = processGroup, !g.isDestroyed { g.abort(message) }
    }

    /// Leaves the job at the end of a script that did not call destroy_process_group.
    public func finishDistributedJob() {
        if let g = processGroup, !g.isDestroyed { try? g.destroy() }
    }

    private func registerOptim() {
        let lua = state.lua
        state.pushLibrary("optim", OptimBindings.constructors + [LBFGSBindings.constructor])
        state.pushLibrary("optim.lr_scheduler", SchedulerBindings.constructors)
        lua.rawSet(-2, "lr_scheduler")
        OptimBindings.register(in: state)
        SchedulerBindings.register(in: state)
        LBFGSBindings.register(in: state)
        publish("optim")
    }

    private func registerData() {
        state.pushLibrary("data", DataBindings.functions)
        DataBindings.register(in: state)
        publish("data")
    }

    private func registerPlot() {
        state.pushLibrary("plot", PlotBindings.functions)
        PlotBindings.register(in: state)
        publish("plot")
    }

    private func registerTime() {
        state.pushLibrary("time", TimeBindings.functions)
        publish("time")
    }

    private func registerDisplay() {
        state.pushLibrary("display", DisplayBindings.functions)
        publish("display")
    }

    private func registerJSON() {
        state.pushLibrary("json", JSONBindings.functions)
        JSONBindings.pushNull(state.lua)
        state.lua.rawSet(-2, "null")
        publish("json")
    }

    private func registerREPLSupport() {
        state.pushLibrary("lstmlua.repl", [REPLSupport.functionName, REPLSupport.streamSwitch])
        loadPrelude("lstmlua.repl", global: false)
        state.pushLibrary("", [Help.help])
        state.lua.rawGet(-1, "help")
        state.setGlobal("help")
        state.lua.pop()
    }

    /// Runs the --safe prelude (lstmlua.sandbox), which rewires io, os, package, load and debug.
    func loadSandbox() {
        state.pushLibrary("lstmlua.sandbox", [Sandbox.checkWriteFunction])
        loadPrelude("lstmlua.sandbox", global: false)
    }

    /// Runs prelude chunk `name` with the native table on top of the stack (popped)
    /// and the docs table as its arguments; what it returns becomes require(name)
    /// and, when `global`, the global `name`.
    private func loadPrelude(_ name: String, global: Bool) {
        var count = 0
        guard let chunks = lp_chunks(&count) else { fatalError("lstmlua: the Lua prelude is missing") }
        for i in 0..<count where String(cString: chunks[i].name) == name {
            let chunk = chunks[i]
            let source = String(decoding: UnsafeRawBufferPointer(start: chunk.source, count: chunk.length), as: UTF8.self)
            do {
                try state.load(source, name: "=[lstmlua:\(name)]")
                state.lua.rotate(-2, 1)
                Help.pushDocs(state.lua)
                try state.call(nargs: 2, results: 1)
            } catch {
                // The prelude is part of the binary; a failure here is a build defect.
                fatalError("lstmlua: prelude module \(name) failed to load: \(error)")
            }
            if global { publish(name) } else { state.setLoaded(name) }
            return
        }
        fatalError("lstmlua: no prelude module \(name)")
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
