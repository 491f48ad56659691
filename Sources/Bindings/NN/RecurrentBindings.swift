// The native half of nn.LSTM, nn.GRU, nn.RNN and their cells: a validated
// specification (options and parameter layout) made once per layer, and the
// forward call that runs the fused kernels.

import LuaBridge
import NeuralNets
import Tensors

/// A recurrent layer's validated options and parameter layout, held by the Lua module.
enum RecurrentSpecBindings {
    static let type = UserdataClass<RecurrentSpec>(name: "nn.RecurrentSpec")
    static let methods: [LuaFunction] = [parameters]

    static let parameters = LuaFunction("parameters", "spec:parameters() -> {{name=, shape=}, ...}",
                                        "The layer's parameter names and shapes, in PyTorch's order.") { lua in
        let spec = try type.check(lua, 1)
        lua.pushArray(spec.layout) { lua, p in
            lua.newTable(fields: 2)
            lua.push(p.name)
            lua.rawSet(-2, "name")
            lua.pushArray(p.shape) { $0.push($1) }
            lua.rawSet(-2, "shape")
        }
        return 1
    }
}

enum RecurrentBindings {
    static let functions: [LuaFunction] = [spec, rnn, cell]

    private static let optionNames: Set<String> = [
        "input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout", "bidirectional", "proj_size",
    ]

    static func mode(_ lua: Lua, _ i: Int32) throws(LuaError) -> RecurrentMode {
        let s = try lua.string(i)
        guard let m = RecurrentMode(rawValue: s) else {
            throw LuaError.argument(i, "mode must be LSTM, GRU, RNN_TANH or RNN_RELU, got '\(s)'")
        }
        return m
    }

    static let spec = LuaFunction("rnn_spec", "nn.functional.rnn_spec(mode, options) -> spec",
                                  "Validates a recurrent layer's options (PyTorch's names) and fixes its parameter layout.") { lua in
        let m = try mode(lua, 1)
        guard let o = try lua.options(2, optionNames) else { throw lua.typeError(2, "table") }
        guard let input = try o.integer("input_size"), let hidden = try o.integer("hidden_size") else {
            throw LuaError.argument(2, "input_size and hidden_size are required")
        }
        var options = RecurrentOptions(mode: m, inputSize: input, hiddenSize: hidden)
        options.numLayers = try o.integer("num_layers") ?? 1
        options.bias = try o.boolean("bias") ?? true
        options.batchFirst = try o.boolean("batch_first") ?? false
        options.dropout = Float(try o.number("dropout") ?? 0)
        options.bidirectional = try o.boolean("bidirectional") ?? false
        options.projSize = try o.integer("proj_size") ?? 0
        let spec = try lua.blame(2) { () throws(TensorError) in try RecurrentSpec(options) }
        RecurrentSpecBindings.type.push(spec, lua)
        return 1
    }

    private static func weights(_ lua: Lua, _ i: Int32) throws(LuaError) -> [Tensor] {
        try lua.tensorArray(i) { "weight \($0)" }
    }

    /// A state argument: a Tensor, or nil.
    private static func state(_ lua: Lua, _ i: Int32, kind: String, what: String) throws(LuaError) -> Tensor? {
        if lua.isNoneOrNil(i) { return nil }
        guard let t = TensorClass.shared.test(lua, i) else {
            throw LuaError.plain("bad argument #2 to '\(kind)' (\(what) must be a Tensor, got \(lua.typeName(i)))")
        }
        return t
    }

    static let rnn = LuaFunction("rnn", "nn.functional.rnn(spec, input, h0, c0, weights, training) -> output, h_n [, c_n]",
                                 "Runs a recurrent layer over a sequence with the fused kernels.") { lua in
        let spec = try RecurrentSpecBindings.type.check(lua, 1)
        let kind = spec.options.mode.name
        guard let input = TensorClass.shared.test(lua, 2) else {
            throw LuaError.plain("bad argument #1 to '\(kind)' (Tensor expected, got \(lua.typeName(2)))")
        }
        let h0 = try state(lua, 3, kind: kind, what: spec.options.mode == .lstm ? "h0" : "hx")
        let c0 = try state(lua, 4, kind: kind, what: "c0")
        let w = try weights(lua, 5)
        let training = lua.isNoneOrNil(6) ? true : try lua.boolean(6)
        do throws(Recurrent.Failure) {
            let r = try Recurrent.run(spec, input: input, h0: h0, c0: c0, weights: w, training: training)
            lua.push(r.output)
            lua.push(r.h)
            if let c = r.c { lua.push(c); return 3 }
            return 2
        } catch {
            throw recurrentError(error, kind: kind)
        }
    }

    /// An error from the layer, worded as a bad argument of the layer's call: model.rnn(input, hx).
    static func recurrentError(_ f: Recurrent.Failure, kind: String) -> LuaError {
        if f.error == .interrupted { return .interrupted }
        switch f.argument {
        case .input: return .plain("bad argument #1 to '\(kind)' (\(f.error.message))")
        case .hx, .cx: return .plain("bad argument #2 to '\(kind)' (\(f.error.message))")
        case .weights: return .plain("\(kind): \(f.error.message)")
        }
    }

    static let cell = LuaFunction("rnn_cell", "nn.functional.rnn_cell(spec, input, h, c, weights) -> h' [, c']",
                                  "One step of a recurrent cell on input [B, I] (or [I]).") { lua in
        let spec = try RecurrentSpecBindings.type.check(lua, 1)
        let kind = spec.options.mode.name + "Cell"
        guard let input = TensorClass.shared.test(lua, 2) else {
            throw LuaError.plain("bad argument #1 to '\(kind)' (Tensor expected, got \(lua.typeName(2)))")
        }
        guard input.dim == 1 || input.dim == 2 else {
            throw LuaError.plain("bad argument #1 to '\(kind)' (expected input to be 1-D or 2-D, got \(input.dim)-D instead)")
        }
        let h = try state(lua, 3, kind: kind, what: "h")
        let c = try state(lua, 4, kind: kind, what: "c")
        let w = try weights(lua, 5)
        let batched = input.dim == 2
        func checkState(_ t: Tensor?, _ width: Int) throws(LuaError) {
            guard let t else { return }
            let expected: Dims = batched ? [input.shape[0], width] : [width]
            guard t.shape == expected else {
                throw LuaError.plain("bad argument #2 to '\(kind)' (expected state of size \(Shape.describe(expected)), got \(Shape.describe(t.shape)))")
            }
        }
        try checkState(h, spec.options.hiddenSize)
        try checkState(c, spec.options.hiddenSize)
        do throws(Recurrent.Failure) {
            // A batched step runs on its 2-D tensors; an unbatched one is the layer over a sequence of one step.
            if batched {
                let r = try Recurrent.cell(spec, input: input, h: h, c: c, weights: w)
                lua.push(r.h)
                if let cn = r.c { lua.push(cn); return 2 }
                return 1
            }
            let r = try Recurrent.run(spec, input: input.unsqueeze(0), h0: h?.unsqueeze(0), c0: c?.unsqueeze(0), weights: w,
                                      training: false)
            lua.push(r.h.squeeze(0))
            if let cn = r.c { lua.push(cn.squeeze(0)); return 2 }
            return 1
        } catch {
            throw recurrentError(error, kind: kind)
        }
    }
}
