// nn.LSTM, nn.GRU and nn.RNN as functions of their input, state and weights:
// layers stacked, directions joined, batch_first and unbatched input handled,
// dropout between layers. Each layer and direction is one fused kernel node;
// what joins them is ordinary differentiable tensor operations.
//
// Shapes (PyTorch's): input [T, B, I] ([B, T, I] with batch_first, [T, I]
// unbatched); h0 [D·L, B, Hout]; c0 [D·L, B, H]; out [T, B, D·Hout];
// Hout = proj_size if set (LSTM only), else H; D = 2 if bidirectional.

import Tensors

public enum RecurrentMode: String, Sendable {
    case lstm = "LSTM", gru = "GRU", rnnTanh = "RNN_TANH", rnnRelu = "RNN_RELU"

    /// Gate blocks per layer: LSTM 4, GRU 3, RNN 1.
    public var gates: Int {
        switch self {
        case .lstm: return 4
        case .gru: return 3
        case .rnnTanh, .rnnRelu: return 1
        }
    }

    public var name: String {
        switch self {
        case .lstm: return "LSTM"
        case .gru: return "GRU"
        case .rnnTanh, .rnnRelu: return "RNN"
        }
    }
}

public struct RecurrentOptions: Sendable {
    public var mode: RecurrentMode
    public var inputSize: Int
    public var hiddenSize: Int
    public var numLayers = 1
    public var bias = true
    public var batchFirst = false
    public var dropout: Float = 0
    public var bidirectional = false
    public var projSize = 0

    public init(mode: RecurrentMode, inputSize: Int, hiddenSize: Int) {
        self.mode = mode
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
    }

    public var directions: Int { bidirectional ? 2 : 1 }
    public var outputHidden: Int { projSize > 0 ? projSize : hiddenSize }

    /// Checks the options as PyTorch's RNNBase does.
    public func validate() throws(TensorError) {
        guard inputSize >= 0 else { throw TensorError("input_size must be non-negative, got \(inputSize)") }
        guard hiddenSize > 0 else { throw TensorError("hidden_size must be greater than zero, got \(hiddenSize)") }
        guard numLayers > 0 else { throw TensorError("num_layers must be greater than zero, got \(numLayers)") }
        guard dropout >= 0 && dropout <= 1 else {
            throw TensorError("dropout should be a number in range [0, 1] representing the probability of an element being zeroed, got \(dropout)")
        }
        guard projSize >= 0 else { throw TensorError("proj_size should be a positive integer or zero to disable projections") }
        guard projSize < hiddenSize else { throw TensorError("proj_size has to be smaller than hidden_size") }
        guard projSize == 0 || mode == .lstm else { throw TensorError("proj_size argument is only supported for LSTM, not RNN or GRU") }
        guard numLayers <= RecurrentOptions.maxLayers else {
            throw TensorError("num_layers must be at most \(RecurrentOptions.maxLayers), got \(numLayers)")
        }
        guard let n = parameterCount(), n <= Shape.maxElements else {
            throw TensorError("input_size \(inputSize), hidden_size \(hiddenSize) and num_layers \(numLayers) make more than \(Shape.maxElements) parameters")
        }
        // each parameter is allocated, and so is its gradient
        guard MemoryLimit.fits(bytes: n * 2 * MemoryLayout<Float>.stride) else {
            throw TensorError("input_size \(inputSize), hidden_size \(hiddenSize) and num_layers \(numLayers) make \(n) parameters; with their gradients, \(MemoryLimit.describe(bytes: n * 8)), more than this machine can hold")
        }
    }

    /// Far past any stack that trains, and small enough that its parameter list fits in memory.
    public static let maxLayers = 10_000

    /// The number of parameter elements, or nil if counting them overflows.
    func parameterCount() -> Int? {
        func product(_ a: Int, _ b: Int) -> Int? {
            let (p, o) = a.multipliedReportingOverflow(by: b)
            return o ? nil : p
        }
        func sum(_ a: Int, _ b: Int) -> Int? {
            let (p, o) = a.addingReportingOverflow(b)
            return o ? nil : p
        }
        guard let gates = product(mode.gates, hiddenSize), let wide = product(outputHidden, directions),
              let projection = product(projSize, hiddenSize) else { return nil }
        // per direction: weight_ih, weight_hh, the biases and weight_hr
        func layer(_ input: Int) -> Int? {
            guard let ih = sum(input, outputHidden), let w = product(gates, ih),
                  let withBias = sum(w, bias ? 2 * gates : 0), let all = sum(withBias, projection) else { return nil }
            return product(all, directions)
        }
        guard let first = layer(inputSize), let rest = layer(wide), let others = product(rest, numLayers - 1) else { return nil }
        return sum(first, others)
    }

    /// PyTorch's parameter names and shapes, in registration order.
    public func parameterLayout() -> [(name: String, shape: Dims)] {
        var out: [(String, Dims)] = []
        let gates = mode.gates * hiddenSize
        for layer in 0..<numLayers {
            for direction in 0..<directions {
                let suffix = "_l\(layer)" + (direction == 1 ? "_reverse" : "")
                let input = layer == 0 ? inputSize : outputHidden * directions
                out.append(("weight_ih" + suffix, [gates, input]))
                out.append(("weight_hh" + suffix, [gates, outputHidden]))
                if bias {
                    out.append(("bias_ih" + suffix, [gates]))
                    out.append(("bias_hh" + suffix, [gates]))
                }
                if projSize > 0 { out.append(("weight_hr" + suffix, [projSize, hiddenSize])) }
            }
        }
        return out
    }
}

/// A layer's validated options with its parameter layout, computed once.
public final class RecurrentSpec {
    public let options: RecurrentOptions
    public let layout: [(name: String, shape: Dims)]

    public init(_ options: RecurrentOptions) throws(TensorError) {
        try options.validate()
        self.options = options
        self.layout = options.parameterLayout()
    }
}

/// What a recurrent layer gives back: the output sequence and the final states.
public struct RecurrentResult {
    public let output: Tensor
    public let h: Tensor
    public let c: Tensor?
}

public enum Recurrent {
    /// Where a problem was, so the Lua layer can blame the right argument.
    public enum Argument: Sendable { case input, hx, cx, weights }

    public struct Failure: Error {
        public let argument: Argument
        public let error: TensorError
    }

    /// Runs the layer. `weights` are in parameterLayout() order. Dropout applies
    /// between layers when `training`, drawing from `generator`.
    public static func run(_ spec: RecurrentSpec, input: Tensor, h0: Tensor?, c0: Tensor?, weights: [Tensor],
                           training: Bool, generator: Generator = .shared) throws(Failure) -> RecurrentResult {
        let o = spec.options
        let kind = o.mode.name
        func fail(_ a: Argument, _ m: String) -> Failure { Failure(argument: a, error: TensorError(m)) }

        let layout = spec.layout
        try checkWeights(spec, weights)
        guard input.dim == 2 || input.dim == 3 else {
            throw fail(.input, "\(kind): expected input to be 2-D or 3-D, got \(input.dim)-D instead")
        }
        let unbatched = input.dim == 2
        guard input.shape[input.dim - 1] == o.inputSize else {
            throw fail(.input, "input.size(-1) must be equal to input_size. Expected \(o.inputSize), got \(input.shape[input.dim - 1])")
        }
        let x3 = unbatched ? input.unsqueeze(1) : input
        // Time-major [T, B, I]. One step of a batch of one (a generation loop) is the same
        // tensor either way round: no view to make, none to undo on the output.
        let swapsAxes = o.batchFirst && !unbatched && !(x3.shape[0] == 1 && x3.shape[1] == 1)
        let x = swapsAxes ? x3.transpose(0, 1) : x3
        let (T, B) = (x.shape[0], x.shape[1])
        guard T > 0 else { throw fail(.input, "\(kind): expected a non-empty sequence, got length 0") }
        let states = o.directions * o.numLayers
        let hShape: Dims = unbatched ? [states, o.outputHidden] : [states, B, o.outputHidden]
        let cShape: Dims = unbatched ? [states, o.hiddenSize] : [states, B, o.hiddenSize]
        let hFull = try state(h0, expected: hShape, unbatched: unbatched, name: kind == "LSTM" ? "hidden[0]" : "hidden",
                              argument: .hx, dtype: input.dtype)
        var cFull: Tensor? = nil
        if o.mode == .lstm {
            cFull = try state(c0, expected: cShape, unbatched: unbatched, name: "hidden[1]", argument: .cx, dtype: input.dtype)
        } else if c0 != nil {
            throw fail(.cx, "\(kind) has no cell state; pass only h0")
        }

        let perDirection = layout.count / states
        /// One layer in one direction over `input`: its output and final states.
        func runLayer(_ index: Int, _ input: Tensor) throws(TensorError) -> (Tensor, Tensor, Tensor?) {
            let w = weights[(index * perDirection)..<((index + 1) * perDirection)]
            let base = w.startIndex
            // One layer and direction: the stack itself, no view of it.
            let h = states == 1 ? hFull : hFull.select(0, index: index)
            let reverse = index % o.directions == 1
            let bih = o.bias ? w[base + 2] : nil, bhh = o.bias ? w[base + 3] : nil
            let fused = input.dtype == .float32 && h.dtype == .float32 && (cFull?.dtype ?? .float32) == .float32
                && w.allSatisfy { $0.dtype == .float32 }
            if !fused {
                let c = o.mode != .lstm ? nil : (states == 1 ? cFull! : cFull!.select(0, index: index))
                let whr = o.mode == .lstm && o.projSize > 0 ? w[base + (o.bias ? 4 : 2)] : nil
                return try ReferenceLayers.run(o.mode, x: input, h0: h, c0: c, wih: w[base], whh: w[base + 1], bih: bih,
                                               bhh: bhh, whr: whr, reverse: reverse)
            }
            switch o.mode {
            case .lstm:
                let c = states == 1 ? cFull! : cFull!.select(0, index: index)
                let weights = LSTMKernel.Weights(wih: w[base], whh: w[base + 1], bih: bih, bhh: bhh,
                                                 whr: o.projSize > 0 ? w[base + (o.bias ? 4 : 2)] : nil)
                return try LSTMKernel.run(x: input, h0: h, c0: c, weights: weights, reverse: reverse)
            case .gru:
                let (out, hT) = try GRUKernel.run(x: input, h0: h, wih: w[base], whh: w[base + 1], bih: bih, bhh: bhh,
                                                  reverse: reverse)
                return (out, hT, nil)
            case .rnnTanh, .rnnRelu:
                let (out, hT) = try RNNKernel.run(x: input, h0: h, wih: w[base], whh: w[base + 1], bih: bih, bhh: bhh,
                                                  relu: o.mode == .rnnRelu, reverse: reverse)
                return (out, hT, nil)
            }
        }

        var layerInput = x
        var hN: Tensor, cN: Tensor?
        do throws(TensorError) {
            if states == 1 {
                // The common case without arrays: one call per step of a generation loop counts.
                (layerInput, hN, cN) = try runLayer(0, x)
            } else {
                var hs: [Tensor] = [], cs: [Tensor] = []
                for layer in 0..<o.numLayers {
                    var outputs: [Tensor] = []
                    for direction in 0..<o.directions {
                        let (out, hT, cT) = try runLayer(layer * o.directions + direction, layerInput)
                        outputs.append(out); hs.append(hT)
                        if let cT { cs.append(cT) }
                    }
                    layerInput = outputs.count == 1 ? outputs[0] : try Tensor.cat(outputs, dim: 2)
                    if o.dropout > 0 && training && layer < o.numLayers - 1 {
                        layerInput = Dropout.apply(layerInput, p: o.dropout, generator: generator)
                    }
                }
                // Shapes are equal by construction.
                hN = try Tensor.stack(hs, dim: 0)
                cN = cs.isEmpty ? nil : try Tensor.stack(cs, dim: 0)
            }
        } catch {
            throw Failure(argument: .input, error: error)
        }

        // Batch-first output is made contiguous (PyTorch returns a transposed view),
        // so that out:view(-1, hidden) works for any batch size.
        var out = swapsAxes ? layerInput.transpose(0, 1).contiguous() : layerInput
        if unbatched {
            out = out.squeeze(1)
            hN = hN.squeeze(1)
            cN = cN?.squeeze(1)
        }
        return RecurrentResult(output: out, h: hN, c: cN)
    }

    private static func checkWeights(_ spec: RecurrentSpec, _ weights: [Tensor]) throws(Failure) {
        let kind = spec.options.mode.name, layout = spec.layout
        guard weights.count == layout.count else {
            throw Failure(argument: .weights, error: TensorError("\(kind) expects \(layout.count) weights, got \(weights.count)"))
        }
        for (w, l) in zip(weights, layout) where w.shape != l.shape {
            throw Failure(argument: .weights, error: TensorError(
                "\(kind) parameter \(l.name) must have shape \(Shape.describe(l.shape)), got \(Shape.describe(w.shape))"))
        }
    }

    /// One step of a cell (LSTMCell, GRUCell, RNNCell) on input [B, I] with states h (and c,
    /// LSTM) [B, H], zeros when nil: h' (and c'). In float32 the kernel runs on these 2-D
    /// tensors as they are, with the numbers of a layer over a sequence of one step but none
    /// of the views (nor their graph nodes) that would make it one; anything else (another
    /// dtype, a spec that is no cell's) runs as that layer, which reports what is wrong.
    public static func cell(_ spec: RecurrentSpec, input: Tensor, h: Tensor?, c: Tensor?,
                            weights: [Tensor]) throws(Failure) -> (h: Tensor, c: Tensor?) {
        let o = spec.options
        let isCell = o.numLayers == 1 && o.directions == 1 && o.projSize == 0 && input.dim == 2
            && (o.mode == .lstm || c == nil)
        let fused = input.dtype == .float32 && (h?.dtype ?? .float32) == .float32 && (c?.dtype ?? .float32) == .float32
            && weights.allSatisfy { $0.dtype == .float32 }
        if isCell { try checkWeights(spec, weights) }
        guard isCell, fused, input.shape[1] == o.inputSize else {
            let r = try run(spec, input: input.unsqueeze(0), h0: h?.unsqueeze(0), c0: c?.unsqueeze(0), weights: weights,
                            training: false)
            return (r.h.squeeze(0), r.c?.squeeze(0))
        }
        let state: Dims = [input.shape[0], o.hiddenSize]
        let h0 = h ?? Tensor.zeros(state)
        let bih = o.bias ? weights[2] : nil, bhh = o.bias ? weights[3] : nil
        do throws(TensorError) {
            switch o.mode {
            case .lstm:
                let w = LSTMKernel.Weights(wih: weights[0], whh: weights[1], bih: bih, bhh: bhh, whr: nil)
                let (_, hT, cT) = try LSTMKernel.run(x: input, h0: h0, c0: c ?? Tensor.zeros(state), weights: w, reverse: false)
                return (hT, cT)
            case .gru:
                let (_, hT) = try GRUKernel.run(x: input, h0: h0, wih: weights[0], whh: weights[1], bih: bih, bhh: bhh,
                                                reverse: false)
                return (hT, nil)
            case .rnnTanh, .rnnRelu:
                let (_, hT) = try RNNKernel.run(x: input, h0: h0, wih: weights[0], whh: weights[1], bih: bih, bhh: bhh,
                                                relu: o.mode == .rnnRelu, reverse: false)
                return (hT, nil)
            }
        } catch {
            throw Failure(argument: .input, error: error)
        }
    }

    /// A given initial state, checked against its expected shape and made 3-D; zeros when absent.
    private static func state(_ t: Tensor?, expected: Dims, unbatched: Bool, name: String,
                              argument: Argument, dtype: DType) throws(Failure) -> Tensor {
        guard let t else {
            return Tensor.zeros(unbatched ? [expected[0], 1, expected[1]] : expected, dtype: dtype)
        }
        guard t.shape == expected else {
            let message = unbatched && t.dim == 3
                ? "for unbatched 2-D input, \(name) should also be 2-D but got \(t.dim)-D tensor"
                : "expected \(name) size \(Shape.describe(expected)), got \(Shape.describe(t.shape))"
            throw Failure(argument: argument, error: TensorError(message))
        }
        return unbatched ? t.unsqueeze(1) : t
    }
}
