// Compares a cell's saved outputs with a fresh run's, line by line as they are
// written in the file. Text is sanitized on both sides; numbers match within the
// tolerance, allowing for how they were printed: two printed numbers match when
// the values they could have been rounded from are within tolerance, so a last
// digit that rounds the other way never fails a check.

import Foundation

public enum OutputComparison {
    /// nil when the outputs match; otherwise a diff of the saved (-) and fresh (+) lines.
    /// Images are compared through `images` (by hash alone when no files are at hand).
    public static func diff(saved: [Output], fresh: [Output], settings: CheckSettings,
                            images: ImageComparer = .byHash) -> [String]? {
        let a = lines(saved, settings), b = lines(fresh, settings)
        let match = { (x: Line, y: Line) in OutputComparison.match(x, y, settings, images) }
        if a.count == b.count && zip(a, b).allSatisfy(match) { return nil }
        return render(a, b, settings, match: match, images: images)
    }

    struct Line {
        let written: String
        let kind: Substring
        let text: String
        let image: Output.Image?
    }

    static func lines(_ outputs: [Output], _ settings: CheckSettings) -> [Line] {
        NotebookFormat.outputLines(outputs).compactMap { written in
            let kind = written.prefix(3)
            let raw = written.count > 4 ? String(written.dropFirst(4)) : ""
            if kind == NotebookFormat.OutputPrefix.image.rawValue {
                if settings.images == .ignore { return nil }
                return Line(written: written, kind: kind, text: raw, image: NotebookFormat.parseImage(Substring(raw)))
            }
            var text = settings.sanitizer.apply(raw)
            if kind == NotebookFormat.OutputPrefix.error.rawValue { text = maskLocations(text) }
            return Line(written: written, kind: kind, text: text, image: nil)
        }
    }

    /// `file.lua:12:`, `[string "..."]:3:` and a REPL entry's `[entry 7]:1:` become
    /// `<where>:`: where an expected error was raised moves whenever lines are added above it.
    static func maskLocations(_ text: String) -> String {
        locationPattern.stringByReplacingMatches(in: text, range: NSRange(text.startIndex..., in: text), withTemplate: "<where>:")
    }

    static let locationPattern = try! NSRegularExpression(pattern: "(\\[string \"[^\"]*\"\\]|\\[entry \\d+\\]|[\\w./\\[\\]-]+):\\d+:")

    static func match(_ a: Line, _ b: Line, _ settings: CheckSettings, _ images: ImageComparer) -> Bool {
        guard a.kind == b.kind else { return false }
        if let x = a.image, let y = b.image {
            switch settings.images {
            case .tolerance(let tolerance):
                switch images.verdict(saved: x, fresh: y) {
                case .same: return true
                case .moved(let d): return d.rms <= tolerance
                case .incomparable: return false
                }
            case .hash: return x.hash == y.hash && x.width == y.width && x.height == y.height
            case .size: return x.width == y.width && x.height == y.height
            case .ignore: return true
            }
        }
        return NumericText.match(a.text, b.text, tolerance: settings.tolerance, absolute: settings.absoluteTolerance)
    }

    // MARK: the diff

    static func render(_ a: [Line], _ b: [Line], _ settings: CheckSettings, match: (Line, Line) -> Bool,
                       images: ImageComparer) -> [String] {
        // Longest common subsequence under `match`; outputs are short.
        let n = a.count, m = b.count
        guard n * m <= 4_000_000 else {
            return a.map { "- " + $0.written } + b.map { "+ " + $0.written }
        }
        var table = Array(repeating: Array(repeating: 0, count: m + 1), count: n + 1)
        for i in stride(from: n - 1, through: 0, by: -1) {
            for j in stride(from: m - 1, through: 0, by: -1) {
                table[i][j] = match(a[i], b[j]) ? table[i + 1][j + 1] + 1 : max(table[i + 1][j], table[i][j + 1])
            }
        }
        enum Step { case same(Int, Int), saved(Int), fresh(Int) }
        var steps: [Step] = []
        var i = 0, j = 0
        while i < n || j < m {
            if i < n && j < m && match(a[i], b[j]) { steps.append(.same(i, j)); i += 1; j += 1 }
            else if i < n && (j == m || table[i + 1][j] >= table[i][j + 1]) { steps.append(.saved(i)); i += 1 }
            else { steps.append(.fresh(j)); j += 1 }
        }
        // Hunks with two lines of context; a changed pair of lines gets a note on its numbers.
        let context = 2
        var keep = Array(repeating: false, count: steps.count)
        for (k, step) in steps.enumerated() {
            if case .same = step { continue }
            for c in max(0, k - context)...min(steps.count - 1, k + context) { keep[c] = true }
        }
        var out: [String] = []
        var skipped = false
        for (k, step) in steps.enumerated() {
            guard keep[k] else { skipped = true; continue }
            if skipped && !out.isEmpty { out.append("  ...") }
            skipped = false
            switch step {
            case .same(let x, _): out.append("  " + a[x].written)
            case .saved(let x): out.append("- " + a[x].written)
            case .fresh(let y):
                out.append("+ " + b[y].written)
                guard k > 0, case .saved(let x) = steps[k - 1], a[x].kind == b[y].kind else { break }
                if let old = a[x].image, let new = b[y].image {
                    if let note = imageNote(old, new, settings, images) { out.append("  ^ " + note) }
                } else if let note = NumericText.explain(a[x].text, b[y].text, tolerance: settings.tolerance,
                                                         absolute: settings.absoluteTolerance) {
                    out.append("  ^ " + note)
                }
            }
        }
        return out
    }
}

extension OutputComparison {
    /// How a changed figure moved, for the diff.
    static func imageNote(_ old: Output.Image, _ new: Output.Image, _ settings: CheckSettings, _ images: ImageComparer) -> String? {
        guard case .tolerance(let tolerance) = settings.images else { return nil }
        switch images.verdict(saved: old, fresh: new) {
        case .same: return nil
        case .moved(let d): return "the image moved: \(d.description) (tolerance RMS \(String(format: "%g", tolerance)))"
        case .incomparable(let why): return "the image cannot be compared: \(why)"
        }
    }
}

/// Text with numbers in it, compared with a tolerance on the numbers.
enum NumericText {
    static let number = try! NSRegularExpression(
        pattern: "[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?|[-+]?\\b(nan|inf)\\b")

    struct Token {
        let text: Substring
        let value: Double?
        /// The place of the last printed digit (0.01 for "1.23", 0 for an integer).
        let unit: Double
    }

    static func tokens(_ s: String) -> [Token] {
        var out: [Token] = []
        var last = s.startIndex
        for m in number.matches(in: s, range: NSRange(s.startIndex..., in: s)) {
            guard let r = Range(m.range, in: s) else { continue }
            // a digit run inside a word ("lstm2", "x1") is text
            if r.lowerBound > s.startIndex, s[s.index(before: r.lowerBound)].isLetter || s[s.index(before: r.lowerBound)] == "_" { continue }
            if r.lowerBound > last { out.append(Token(text: s[last..<r.lowerBound], value: nil, unit: 0)) }
            let t = s[r]
            out.append(Token(text: t, value: Double(t.replacingOccurrences(of: "+", with: "")), unit: unit(t)))
            last = r.upperBound
        }
        if last < s.endIndex { out.append(Token(text: s[last...], value: nil, unit: 0)) }
        return out
    }

    static func unit(_ t: Substring) -> Double {
        var mantissa = t
        var exponent = 0
        if let e = t.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = t[..<e]
            exponent = Int(t[t.index(after: e)...]) ?? 0
        }
        guard let dot = mantissa.firstIndex(of: ".") else { return exponent == 0 ? 0 : pow(10, Double(exponent)) }
        let decimals = mantissa.distance(from: dot, to: mantissa.endIndex) - 1
        return pow(10, Double(exponent - decimals))
    }

    static func close(_ a: Token, _ b: Token, tolerance: Double, absolute: Double) -> Bool {
        guard let x = a.value, let y = b.value else { return a.text == b.text }
        if x.isNaN || y.isNaN { return x.isNaN && y.isNaN }
        if x.isInfinite || y.isInfinite { return x == y }
        return abs(x - y) <= absolute + tolerance * max(abs(x), abs(y)) + (a.unit + b.unit) / 2 * (1 + 1e-9)
    }

    static func match(_ a: String, _ b: String, tolerance: Double, absolute: Double) -> Bool {
        if a == b { return true }
        let x = tokens(a), y = tokens(b)
        guard x.count == y.count else { return false }
        return zip(x, y).allSatisfy { p, q in
            (p.value == nil) == (q.value == nil) && close(p, q, tolerance: tolerance, absolute: absolute)
        }
    }

    /// Names the first number that differs beyond tolerance, when the lines differ only in numbers.
    static func explain(_ a: String, _ b: String, tolerance: Double, absolute: Double) -> String? {
        let x = tokens(a), y = tokens(b)
        guard x.count == y.count, zip(x, y).allSatisfy({ ($0.value == nil) == ($1.value == nil) }) else { return nil }
        for (p, q) in zip(x, y) where !close(p, q, tolerance: tolerance, absolute: absolute) {
            guard let u = p.value, let v = q.value else { return nil }
            let relative = abs(u - v) / max(abs(u), abs(v))
            return "\(p.text) became \(q.text): relative difference \(String(format: "%.2g", relative)), tolerance \(tolerance)"
        }
        return nil
    }
}
