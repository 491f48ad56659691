// The line that starts a cell, in Jupytext's percent format for Lua:
//   -- %% Optional title [markdown] key="value" tags=["skip"]
// Values are JSON, as Jupytext writes them.

import Foundation

public enum MetadataValue: Equatable, Sendable, Codable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case array([MetadataValue])
    case object([String: MetadataValue])
    case null

    /// Parses JSON text (a fragment such as `"a"` or `1e-3` is fine); nil when it is not JSON.
    public init?(json text: String) {
        guard let data = text.data(using: .utf8), let value = try? JSONDecoder().decode(MetadataValue.self, from: data) else {
            return nil
        }
        self = value
    }

    public var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// A number, or a string that reads as one (YAML 1.1 reads `1e-3` as a string).
    public var number: Double? {
        switch self {
        case .number(let n): return n
        case .string(let s): return Double(s)
        default: return nil
        }
    }

    /// A list of strings (a single string counts as a list of one).
    public var strings: [String]? {
        switch self {
        case .string(let s): return [s]
        case .array(let a): return a.compactMap(\.string)
        default: return nil
        }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([MetadataValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: MetadataValue].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .string(let s): try c.encode(s)
        case .number(let n): if n == n.rounded() && abs(n) < 1e15 { try c.encode(Int(n)) } else { try c.encode(n) }
        case .bool(let b): try c.encode(b)
        case .array(let a): try c.encode(a)
        case .object(let d): try c.encode(d)
        case .null: try c.encodeNil()
        }
    }

    /// The value as Foundation objects, for JSONSerialization.
    public var foundation: Any {
        switch self {
        case .string(let s): return s
        case .number(let n): return n == n.rounded() && abs(n) < 1e15 ? NSNumber(value: Int(n)) : NSNumber(value: n)
        case .bool(let b): return NSNumber(value: b)
        case .array(let a): return a.map(\.foundation)
        case .object(let d): return d.mapValues(\.foundation)
        case .null: return NSNull()
        }
    }
}

public struct CellMarker: Equatable, Sendable {
    public var kind: Cell.Kind
    public var title: String
    public var metadata: [MetadataItem]

    public static let prefix = "-- %%"

    public init(kind: Cell.Kind, title: String, metadata: [MetadataItem]) {
        self.kind = kind
        self.title = title
        self.metadata = metadata
    }

    /// Is the line a cell marker (`-- %%` alone or followed by a space)?
    public static func isMarker(_ line: Substring) -> Bool {
        guard line.hasPrefix(prefix) else { return false }
        let rest = line.dropFirst(prefix.count)
        return rest.isEmpty || rest.first == " " || rest.first == "\t"
    }

    public struct SyntaxError: Error, Equatable {
        public let message: String
    }

    /// Reads a marker line's title, cell type and metadata.
    public static func parse(_ line: Substring) throws(SyntaxError) -> CellMarker {
        var marker = CellMarker(kind: .code, title: "", metadata: [])
        let chars = Array(line.dropFirst(prefix.count))
        var i = 0
        var titleWords: [String] = []
        func skipSpaces() { while i < chars.count && (chars[i] == " " || chars[i] == "\t") { i += 1 } }
        while true {
            skipSpaces()
            guard i < chars.count else { break }
            if chars[i] == "[", let close = chars[i...].firstIndex(of: "]") {
                let word = String(chars[(i + 1)..<close])
                switch word {
                case "markdown", "md": marker.kind = .markdown
                case "raw": marker.kind = .raw
                case "code": marker.kind = .code
                default: throw SyntaxError(message: "unknown cell type [\(word)] (expected [markdown], [md] or [raw])")
                }
                i = close + 1
                continue
            }
            if let (key, afterEquals) = metadataKey(chars, at: i) {
                let end = try jsonEnd(chars, from: afterEquals)
                let text = String(chars[afterEquals..<end])
                guard MetadataValue(json: text) != nil else {
                    throw SyntaxError(message: "the value of \(key) is not JSON: \(text)")
                }
                marker.metadata.append(MetadataItem(key: key, text: text))
                i = end
                continue
            }
            guard marker.metadata.isEmpty else {
                throw SyntaxError(message: "expected key=value after the metadata, found \"\(String(chars[i...]))\"")
            }
            var j = i
            while j < chars.count && chars[j] != " " && chars[j] != "\t" { j += 1 }
            titleWords.append(String(chars[i..<j]))
            i = j
        }
        marker.title = titleWords.joined(separator: " ")
        return marker
    }

    /// `key=` at `i`: the key and the index after `=`.
    private static func metadataKey(_ chars: [Character], at i: Int) -> (String, Int)? {
        var j = i
        guard j < chars.count, chars[j].isLetter || chars[j] == "_" else { return nil }
        while j < chars.count, chars[j].isLetter || chars[j].isNumber || chars[j] == "_" || chars[j] == "-" || chars[j] == "." { j += 1 }
        guard j < chars.count, chars[j] == "=", j + 1 < chars.count else { return nil }
        return (String(chars[i..<j]), j + 1)
    }

    /// Where the JSON value starting at `start` ends: a string to its closing quote,
    /// an array or object to its closing bracket, anything else to the next space.
    private static func jsonEnd(_ chars: [Character], from start: Int) throws(SyntaxError) -> Int {
        var i = start
        var depth = 0
        var inString = false
        while i < chars.count {
            let c = chars[i]
            if inString {
                if c == "\\" { i += 2; continue }
                if c == "\"" {
                    inString = false
                    if depth == 0 { return i + 1 }
                }
            } else {
                switch c {
                case "\"": inString = true
                case "[", "{": depth += 1
                case "]", "}":
                    depth -= 1
                    if depth == 0 { return i + 1 }
                case " ", "\t": if depth == 0 { return i }
                default: break
                }
            }
            i += 1
        }
        guard !inString && depth == 0 else { throw SyntaxError(message: "unfinished metadata value: \(String(chars[start...]))") }
        return i
    }

    /// The marker line as written back.
    public var line: String {
        var parts = [CellMarker.prefix]
        if !title.isEmpty { parts.append(title) }
        switch kind {
        case .markdown: parts.append("[markdown]")
        case .raw: parts.append("[raw]")
        case .code: break
        }
        parts += metadata.map { "\($0.key)=\($0.text)" }
        return parts.joined(separator: " ")
    }
}
