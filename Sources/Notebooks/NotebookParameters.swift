// Papermill's parameters: values given on the command line (`-p lr 0.005`, typed as
// papermill types them) or in a YAML file, written as Lua assignments into a cell
// tagged `injected-parameters` right after the cell tagged `parameters` (at the top
// when there is none), replacing an earlier injected cell, as papermill does.

import Foundation
import Yams

public enum ParameterValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case list([ParameterValue])
    case map([(String, ParameterValue)])

    public static func == (a: ParameterValue, b: ParameterValue) -> Bool { a.lua == b.lua }

    /// A command-line value as papermill's `-p` reads it: True, False, None, an integer,
    /// a float, else the string itself.
    public init(commandLine text: String) {
        switch text {
        case "True": self = .bool(true)
        case "False": self = .bool(false)
        case "None": self = .null
        default:
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if let i = Int(trimmed.hasPrefix("+") ? String(trimmed.dropFirst()) : trimmed) {
                self = .int(i)
            } else if let d = ParameterValue.pythonFloat(trimmed) {
                self = .double(d)
            } else {
                self = .string(text)
            }
        }
    }

    /// Python's float(): decimal and exponent forms, inf, infinity and nan in any case.
    static func pythonFloat(_ s: String) -> Double? {
        let lower = s.lowercased()
        let body = lower.hasPrefix("+") || lower.hasPrefix("-") ? String(lower.dropFirst()) : lower
        let sign: Double = lower.hasPrefix("-") ? -1 : 1
        if body == "inf" || body == "infinity" { return sign * .infinity }
        if body == "nan" { return .nan }
        guard !body.isEmpty, body.allSatisfy({ "0123456789.e+-_".contains($0) }), body.first != "e" else { return nil }
        return Double(s)
    }

    /// A YAML value as papermill's yaml.safe_load gives it.
    init(yaml node: Node) {
        switch node {
        case .scalar(let scalar):
            if let b = Bool.construct(from: scalar) { self = .bool(b); return }
            if let i = Int.construct(from: scalar) { self = .int(i); return }
            if let d = Double.construct(from: scalar) { self = .double(d); return }
            if NSNull.construct(from: scalar) != nil { self = .null; return }
            self = .string(scalar.string)
        case .sequence(let sequence):
            self = .list(sequence.map { ParameterValue(yaml: $0) })
        case .mapping(let mapping):
            self = .map(mapping.map { (key, value) in (key.string ?? "\(key)", ParameterValue(yaml: value)) })
        case .alias(let alias):
            self = .string("\(alias)")
        }
    }

    /// The value as Lua source: what papermill-lstmlua's translator writes.
    public var lua: String {
        switch self {
        case .null: return "nil"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d):
            if d.isNaN { return "(0/0)" }
            if d.isInfinite { return d > 0 ? "math.huge" : "-math.huge" }
            return ParameterValue.pythonRepr(d)
        case .string(let s): return ParameterValue.quoted(s)
        case .list(let items): return "{" + items.map(\.lua).joined(separator: ", ") + "}"
        case .map(let pairs): return "{" + pairs.map { "[\(ParameterValue.quoted($0.0))] = \($0.1.lua)" }.joined(separator: ", ") + "}"
        }
    }

    /// Python's repr of a float, which Swift's description matches: the shortest text that
    /// reads back, with an exponent from 1e16 up and below 1e-4 (`1e-05`, `1e+16`, `0.005`).
    static func pythonRepr(_ d: Double) -> String { "\(d)" }

    static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\0": out += "\\0"
            default:
                if scalar.value < 0x20 { out += "\\\(scalar.value)" } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}

public enum NotebookParameters {
    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    /// `name value` pairs from the command line, in order; a later name replaces an earlier one.
    public static func commandLine(_ pairs: [(String, String)]) throws(Invalid) -> [(String, ParameterValue)] {
        var out: [(String, ParameterValue)] = []
        for (name, text) in pairs {
            try checkName(name)
            out.removeAll { $0.0 == name }
            out.append((name, ParameterValue(commandLine: text)))
        }
        return out
    }

    /// A YAML mapping of names to values (papermill's --parameters_file).
    public static func yaml(_ text: String, file: String) throws(Invalid) -> [(String, ParameterValue)] {
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch { throw Invalid(description: "\(file): not YAML (\(error))") }
        guard let node else { return [] }
        guard case .mapping(let mapping) = node else { throw Invalid(description: "\(file): a mapping of names to values is expected") }
        var out: [(String, ParameterValue)] = []
        for (key, value) in mapping {
            guard let name = key.string else { throw Invalid(description: "\(file): a parameter's name must be a string") }
            try checkName(name)
            out.append((name, ParameterValue(yaml: value)))
        }
        return out
    }

    /// A Lua name that is not a keyword: anything else would not assign a variable.
    static func checkName(_ name: String) throws(Invalid) {
        let keywords: Set<String> = ["and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if", "in",
                                     "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while"]
        guard let first = name.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic),
              name.unicodeScalars.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }),
              !keywords.contains(name) else {
            throw Invalid(description: "'\(name)' is not a Lua variable name")
        }
    }

    /// The notebook with the parameters' cell in place; where it went (its index).
    public static func inject(_ parameters: [(String, ParameterValue)], into notebook: Notebook) -> (Notebook, Int) {
        var notebook = notebook
        notebook.cells.removeAll { $0.kind == .code && $0.tags.contains("injected-parameters") }
        let source = ["-- Parameters"] + parameters.map { "\($0.0) = \($0.1.lua)" }
        let metadata = [MetadataItem(key: "tags", text: "[\"injected-parameters\"]")]
        let marker = CellMarker(kind: .code, title: "", metadata: metadata)
        let cell = Cell(kind: .code, metadata: metadata, source: source, markerLine: marker.line)
        let at = (notebook.cells.firstIndex { $0.kind == .code && $0.tags.contains("parameters") }).map { $0 + 1 } ?? 0
        notebook.cells.insert(cell, at: at)
        return (notebook, at)
    }
}
