// TeX in Markdown prose, `$...$` and `$$...$$`, set aside before a CommonMark parser
// sees it: CommonMark reads `\alpha`'s backslash, `x_i`'s underscore and `a*b`'s asterisk
// as Markdown, and MathJax needs them as written. Each span becomes a placeholder that
// no Markdown rule touches (private-use characters around a number), and the renderer
// puts the TeX back into the parsed document.

/// The math of one Markdown text, by placeholder.
struct MathSpans {
    struct Span {
        /// The span as written, delimiters included.
        let source: String
        let tex: String
        let display: Bool
    }

    static let open: Character = "\u{E000}", close: Character = "\u{E001}"

    private(set) var spans: [Span] = []

    /// `markdown` with each math span replaced by its placeholder. Code spans and
    /// fenced code blocks keep their dollars; `\$` is a dollar, not a delimiter.
    /// A text already holding the placeholder characters is left as it is (no math).
    mutating func protect(_ markdown: String) -> String {
        if markdown.contains(Self.open) || markdown.contains(Self.close) { return markdown }
        var out: [String] = [], paragraph: [Substring] = []
        var fence: (char: Character, count: Int)?
        func flush() {
            if !paragraph.isEmpty { out.append(protectProse(paragraph.joined(separator: "\n"))); paragraph = [] }
        }
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            let marker = Self.fenceMarker(line)
            if let open = fence {
                out.append(String(line))
                if let m = marker, m.char == open.char, m.count >= open.count, m.rest.allSatisfy(\.isWhitespace) { fence = nil }
            } else if let m = marker {
                flush()
                out.append(String(line))
                fence = (m.char, m.count)
            } else if line.allSatisfy(\.isWhitespace) {
                // math never spans a blank line, as a paragraph does not
                flush()
                out.append(String(line))
            } else {
                paragraph.append(line)
            }
        }
        flush()
        return out.joined(separator: "\n")
    }

    /// The span a placeholder stands for, by its number.
    func span(_ index: Int) -> Span? { spans.indices.contains(index) ? spans[index] : nil }

    /// `text` with every placeholder replaced by `replacement(span)`.
    func restore(_ text: String, _ replacement: (Span) -> String) -> String {
        guard !spans.isEmpty, text.contains(Self.open) else { return text }
        var result = "", rest = Substring(text)
        while let start = rest.firstIndex(of: Self.open) {
            result += rest[..<start]
            let digits = rest[rest.index(after: start)...].prefix(while: \.isASCIIDigit)
            let end = digits.endIndex
            if end < rest.endIndex, rest[end] == Self.close, let n = Int(digits), let span = span(n) {
                result += replacement(span)
                rest = rest[rest.index(after: end)...]
            } else {
                result.append(Self.open)
                rest = rest[rest.index(after: start)...]
            }
        }
        return result + rest
    }

    /// A fence line: up to three spaces, then three or more backticks or tildes.
    private static func fenceMarker(_ line: Substring) -> (char: Character, count: Int, rest: Substring)? {
        let indent = line.prefix(while: { $0 == " " })
        guard indent.count <= 3, let c = line.dropFirst(indent.count).first, c == "`" || c == "~" else { return nil }
        let run = line.dropFirst(indent.count).prefix(while: { $0 == c })
        guard run.count >= 3 else { return nil }
        let rest = line[run.endIndex...]
        // a backtick fence's info string has no backtick (else it is a code span)
        if c == "`" && rest.contains("`") { return nil }
        return (c, run.count, rest)
    }

    private mutating func protectProse(_ text: String) -> String {
        let chars = Array(text)
        var out = "", i = 0
        while i < chars.count {
            let c = chars[i]
            if c == "\\" {
                out.append(c)
                if i + 1 < chars.count { out.append(chars[i + 1]) }
                i += 2
            } else if c == "`" {
                // a code span: a run of n backticks up to the next run of exactly n
                let n = Self.run(of: "`", in: chars, at: i)
                var j = i + n, closing: Int?
                while j < chars.count {
                    if chars[j] == "`" {
                        let m = Self.run(of: "`", in: chars, at: j)
                        if m == n { closing = j; break }
                        j += m
                    } else { j += 1 }
                }
                let end = closing.map { $0 + n } ?? i + n
                out += String(chars[i..<end])
                i = end
            } else if c == "$", let (end, tex, display) = Self.math(in: chars, at: i) {
                out += "\(Self.open)\(spans.count)\(Self.close)"
                spans.append(Span(source: String(chars[i..<end]), tex: tex, display: display))
                i = end
            } else {
                out.append(c)
                i += 1
            }
        }
        return out
    }

    private static func run(of c: Character, in chars: [Character], at i: Int) -> Int {
        var j = i
        while j < chars.count && chars[j] == c { j += 1 }
        return j - i
    }

    /// The math span starting at `chars[i] == "$"`: its end, its TeX, and whether it is
    /// display math. Inline math (pandoc's rule, so prices stay prose) opens with a
    /// non-space, closes after a non-space, is not followed by a digit and stays on one line.
    private static func math(in chars: [Character], at i: Int) -> (end: Int, tex: String, display: Bool)? {
        let display = i + 1 < chars.count && chars[i + 1] == "$"
        let start = i + (display ? 2 : 1)
        var j = start
        while j < chars.count {
            let c = chars[j]
            if c == "\\" { j += 2; continue }
            if !display && c == "\n" { return nil }
            if c == "$" {
                if display {
                    guard j + 1 < chars.count, chars[j + 1] == "$" else { return nil }
                    let tex = String(chars[start..<j])
                    return tex.allSatisfy(\.isWhitespace) ? nil : (j + 2, tex, true)
                }
                guard j > start, !chars[start].isWhitespace, !chars[j - 1].isWhitespace,
                      !(j + 1 < chars.count && chars[j + 1].isASCIIDigit) else { return nil }
                return (j + 1, String(chars[start..<j]), false)
            }
            j += 1
        }
        return nil
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
