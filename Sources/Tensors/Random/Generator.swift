// The random number generator: PyTorch's CPU generator, rebuilt.
//
// An MT19937 engine seeded as torch.manual_seed seeds it, with PyTorch's
// transformations on top, so that the same seed draws the same numbers:
// rand, uniform_ (and so every layer's initial weights), randint and randperm match
// PyTorch bit for bit; randn matches for fewer than 16 values and follows
// PyTorch's Box-Muller scheme (to within float rounding) beyond.

import Foundation

/// The 32-bit Mersenne Twister, as std::mt19937 and at::mt19937.
struct MT19937 {
    private var state = [UInt32](repeating: 0, count: 624)
    private var index = 624

    init(seed: UInt32) {
        state[0] = seed
        for i in 1..<624 {
            state[i] = 1_812_433_253 &* (state[i - 1] ^ (state[i - 1] >> 30)) &+ UInt32(i)
        }
        index = 624
    }

    mutating func next() -> UInt32 {
        if index >= 624 { twist() }
        var y = state[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }

    private mutating func twist() {
        for i in 0..<624 {
            let y = (state[i] & 0x8000_0000) | (state[(i + 1) % 624] & 0x7FFF_FFFF)
            var v = state[(i + 397) % 624] ^ (y >> 1)
            if y & 1 != 0 { v ^= 0x9908_B0DF }
            state[i] = v
        }
        index = 0
    }
}

public final class Generator {
    /// The current context's generator, behind torch.manual_seed and every random draw.
    public static var shared: Generator { TensorContext.current.generator }

    private var engine: MT19937
    private var cachedNormal: Double?
    public private(set) var seed: UInt64

    public init(seed: UInt64) {
        self.seed = seed
        engine = MT19937(seed: UInt32(truncatingIfNeeded: seed))
    }

    /// torch.manual_seed: restarts the stream.
    public func manualSeed(_ seed: UInt64) {
        self.seed = seed
        engine = MT19937(seed: UInt32(truncatingIfNeeded: seed))
        cachedNormal = nil
    }

    public func random() -> UInt32 { engine.next() }

    public func random64() -> UInt64 {
        let hi = UInt64(engine.next()), lo = UInt64(engine.next())
        return (hi << 32) | lo
    }

    /// at::uniform_real_distribution<float>: 24 random bits scaled into [from, to).
    public func uniformFloat(_ from: Float = 0, _ to: Float = 1) -> Float {
        let x = Float(random() & 0xFF_FFFF) * (1 / Float(1 << 24))
        // PyTorch's kernel is compiled with FMA contraction: one rounding, not two.
        return from.addingProduct(x, to - from)
    }

    /// at::uniform_real_distribution<T>: 24 random bits for float32, 53 for float64.
    @inline(__always)
    public func uniform<T: TensorFloat>(_ from: T, _ to: T) -> T {
        if T.self == Double.self { return from.addingProduct(T(uniformDouble()), to - from) }
        return T(uniformFloat(Float(from), Float(to)))
    }

    /// at::uniform_real_distribution<double>: 53 random bits.
    public func uniformDouble() -> Double {
        Double(random64() & ((1 << 53) - 1)) * (1 / Double(UInt64(1) << 53))
    }

    /// at::normal_distribution<double>: Box-Muller in double, the second value cached.
    public func normalDouble(mean: Double = 0, std: Double = 1) -> Double {
        if let cached = cachedNormal {
            cachedNormal = nil
            return cached * std + mean
        }
        let u1 = uniformDouble(), u2 = uniformDouble()
        let r = Foundation.sqrt(-2 * Foundation.log1p(-u2))
        let theta = 2 * Double.pi * u1
        cachedNormal = r * Foundation.sin(theta)
        return r * Foundation.cos(theta) * std + mean
    }

    /// An integer in [low, high): PyTorch's random_from_to (a draw modulo the range).
    public func integer(_ low: Int, _ high: Int) -> Int {
        // unsigned, as PyTorch's random_from_to: [mininteger, maxinteger) spans more than Int.max
        let range = UInt64(bitPattern: Int64(high &- low))
        if range >= 1 << 32 { return low &+ Int(truncatingIfNeeded: random64() % range) }
        return low &+ Int(UInt64(random()) % range)
    }

    /// torch.randperm(n): PyTorch's CPU shuffle.
    public func permutation(_ n: Int) -> [Int] {
        var r = Array(0..<n)
        if n < 2 { return r }
        for i in 0..<(n - 1) {
            let z = Int(UInt64(random()) % UInt64(n - i))
            r.swapAt(i, z + i)
        }
        return r
    }

    /// normal_ on `count` values, as PyTorch's CPU kernel fills a tensor.
    public func fillNormal<T: TensorFloat>(_ data: UnsafeMutablePointer<T>, count: Int, mean: T = 0, std: T = 1) {
        if count < 16 {
            for i in 0..<count { data[i] = T(normalDouble(mean: Double(mean), std: Double(std))) }
            return
        }
        for i in 0..<count { data[i] = uniform(0, 1) }
        var i = 0
        while i + 16 <= count { Generator.normal16(data + i, mean, std); i += 16 }
        if count % 16 != 0 {
            let tail = data + count - 16
            for j in 0..<16 { tail[j] = uniform(0, 1) }
            Generator.normal16(tail, mean, std)
        }
    }

    /// Box-Muller on 16 uniforms: the first 8 give radii, the last 8 angles.
    private static func normal16<T: TensorFloat>(_ data: UnsafeMutablePointer<T>, _ mean: T, _ std: T) {
        for j in 0..<8 {
            let u1 = 1 - data[j], u2 = data[j + 8]
            let radius = (-2 * T.log(u1)).squareRoot()
            let theta = 2 * T.pi * u2
            data[j] = radius * T.cos(theta) * std + mean
            data[j + 8] = radius * T.sin(theta) * std + mean
        }
    }
}
