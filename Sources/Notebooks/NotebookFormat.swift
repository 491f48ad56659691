// Reading and writing a notebook file: Jupytext's percent format for Lua, with each
// code cell's outputs kept as comments right after its code, so the file stays Lua
// text that `lstmlua nb.lua` runs cell by cell.
//
//   -- %% Train [tags=["slow"]]        a cell marker (title, type, key=value metadata)
//   print(loss)                        the cell's code
//   --| 0.0123                         what it printed on stdout
//   --: train 100%|...                 ... on stderr
//   --= tensor([1., 2.])               the value of its last expression
//   --! [string "..."]:3: boom         the error that stopped it
//   --@ sine.files/3f2a9c0d.png (640x480)   an image from fig:show()
//
// Only the run of such lines at the very end of a cell is read as outputs.

import Foundation

public enum NotebookFormat {
    public struct SyntaxError: Error, CustomStringConvertible, Equatable {
        public let line: Int
        public let message: String
        public var description: String { "line \(line): \(message)" }
    }

    static let headerDelimiter = "-- ---"

    enum OutputPrefix: String, CaseIterable {
        case stdout = "--|", stderr = "--:", value = "--=", error = "--!", image = "--@"
    }

    static func outputLine(_ line: Substring) -> (OutputPrefix, Substring)? {
        for p in OutputPrefix.allCases where line.hasPrefix(p.rawValue) {
            let rest = line.dropFirst(3)
            if rest.isEmpty { return (p, rest) }
            if rest.first == " " { return (p, rest.dropFirst()) }
        }
        return nil
    }

    // MARK: reading

    /// Whether text reads as a notebook: some line is a cell marker.
    public static func looksLikeNotebook(_ text: String) -> Bool {
        text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
            .contains { CellMarker.isMarker($0) }
    }

    /// Reads a notebook. Lines end with "\n" or "\r\n"; a marker or output line inside a
    /// long string or comment is part of it (LuaLines).
    public static func parse(_ text: String) throws(SyntaxError) -> Notebook {
        var raw = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { Substring($0) }
        var notebook = Notebook()
        notebook.finalNewline = text.unicodeScalars.last == "\n"
        if notebook.finalNewline || raw.last == "" { raw.removeLast() }
        let crlf = raw.reduce(0) { $0 + ($1.hasSuffix("\r") ? 1 : 0) }
        if crlf * 2 > raw.count { notebook.lineEnding = "\r\n" }
        let lines = raw.map { l -> Substring in l.hasSuffix("\r") ? l.dropLast() : l }
        let inside = LuaLines.startsInside(lines)
        var i = 0
        if lines.first == Substring(headerDelimiter) {
            guard let close = lines[1...].firstIndex(of: Substring(headerDelimiter)) else {
                throw SyntaxError(line: 1, message: "the header that starts with '-- ---' has no closing '-- ---'")
            }
            notebook.header = raw[0...close].map(String.init)
            i = close + 1
            let gapStart = i
            while i < lines.count && isBlank(lines[i]) { i += 1 }
            notebook.headerGap = raw[gapStart..<i].map(String.init)
        }
        var current: (marker: CellMarker?, markerLine: String?, start: Int, first: Int)? = nil
        func finish(at end: Int) throws(SyntaxError) {
            guard let c = current else { return }
            notebook.cells.append(try cell(marker: c.marker, markerLine: c.markerLine, start: c.start,
                                           lines: lines[c.first..<end], raw: raw[c.first..<end], inside: inside[c.first..<end]))
        }
        while i < lines.count {
            let line = lines[i]
            if !inside[i] && CellMarker.isMarker(line) {
                try finish(at: i)
                let marker: CellMarker
                do { marker = try CellMarker.parse(line) } catch { throw SyntaxError(line: i + 1, message: error.message) }
                current = (marker, String(raw[i]), i + 2, i + 1)
            } else if current == nil {
                current = (nil, nil, i + 1, i)
            }
            i += 1
        }
        try finish(at: lines.count)
        return notebook
    }

    static func isBlank(_ line: Substring) -> Bool { line.allSatisfy { $0 == " " || $0 == "\t" } }

    private static func cell(marker: CellMarker?, markerLine: String?, start: Int, lines: ArraySlice<Substring>,
                             raw: ArraySlice<Substring>, inside: ArraySlice<Bool>) throws(SyntaxError) -> Cell {
        var end = lines.endIndex
        while end > lines.startIndex, isBlank(lines[end - 1]) { end -= 1 }
        let kind = marker?.kind ?? .code
        var outputs: [Output] = []
        var first = end
        if kind == .code {
            while first > lines.startIndex, !inside[first - 1], outputLine(lines[first - 1]) != nil { first -= 1 }
            outputs = try readOutputs(lines[first..<end], firstLine: start + (first - lines.startIndex))
        }
        let body = lines[lines.startIndex..<first]
        let source: [String] = kind == .code ? body.map(String.init) : body.map { line in
            if line.hasPrefix("-- ") { return String(line.dropFirst(3)) }
            if line == "--" { return "" }
            return String(line)
        }
        var c = Cell(kind: kind, title: marker?.title ?? "", metadata: marker?.metadata ?? [], source: source,
                     outputs: outputs, line: start, markerLine: markerLine, blankLinesAfter: lines.endIndex - end)
        c.written = (source, raw[raw.startIndex..<first].map(String.init))
        c.writtenBlankLines = raw[end...].map(String.init)
        return c
    }

    private static func readOutputs(_ lines: ArraySlice<Substring>, firstLine: Int) throws(SyntaxError) -> [Output] {
        var outputs: [Output] = []
        var pending: (OutputPrefix, [Substring])? = nil
        func flush() {
            guard let (kind, texts) = pending else { return }
            let joined = texts.joined(separator: "\n")
            switch kind {
            case .stdout: outputs.append(.stream(name: "stdout", text: joined + "\n"))
            case .stderr: outputs.append(.stream(name: "stderr", text: joined + "\n"))
            case .value: outputs.append(.value(joined))
            case .error: outputs.append(.error(joined))
            case .image: break
            }
            pending = nil
        }
        for (n, line) in zip(firstLine..., lines) {
            guard let (kind, text) = outputLine(line) else { continue }
            if kind == .image {
                flush()
                guard let image = parseImage(text) else {
                    throw SyntaxError(line: n, message: "an image output is written '--@ NAME.files/HASH.png (WIDTHxHEIGHT)', not '\(line)'")
                }
                outputs.append(.image(image))
                continue
            }
            if let p = pending, p.0 == kind {
                pending!.1.append(text)
            } else {
                flush()
                pending = (kind, [text])
            }
        }
        flush()
        return outputs
    }

    static func parseImage(_ text: Substring) -> Output.Image? {
        guard let open = text.lastIndex(of: "("), text.hasSuffix(")") else { return nil }
        let path = text[..<open].trimmingCharacters(in: .whitespaces)
        let size = text[text.index(after: open)..<text.index(before: text.endIndex)].split(separator: "x")
        guard !path.isEmpty, size.count == 2, let w = Int(size[0]), let h = Int(size[1]) else { return nil }
        return Output.Image(path: path, width: w, height: h)
    }

    // MARK: writing

    /// The notebook as text. What was read and not changed is written as it was read,
    /// byte for byte (so `--update` changes only output lines); new lines get the file's
    /// line ending.
    public static func write(_ notebook: Notebook) -> String {
        let cr = notebook.lineEnding == "\r\n" ? "\r" : ""
        var out: [String] = []
        func generated(_ lines: [String]) { out += lines.map { $0 + cr } }
        if !notebook.header.isEmpty {
            out += notebook.header
            if let gap = notebook.headerGap { out += gap } else { generated([""]) }
        }
        for (index, cell) in notebook.cells.enumerated() {
            if let marker = cell.markerLine {
                out.append(marker)
            } else if index > 0 || cell.kind != .code || !cell.title.isEmpty || !cell.metadata.isEmpty {
                generated([CellMarker(kind: cell.kind, title: cell.title, metadata: cell.metadata).line])
            }
            if let written = cell.written, written.source == cell.source {
                out += written.lines
            } else {
                switch cell.kind {
                case .code: generated(cell.source)
                case .markdown, .raw: generated(cell.source.map { $0.isEmpty ? "--" : "-- " + $0 })
                }
            }
            generated(outputLines(cell.outputs))
            if let blank = cell.writtenBlankLines {
                out += blank
            } else if index < notebook.cells.count - 1 {
                generated(Array(repeating: "", count: cell.blankLinesAfter))
            }
        }
        if out.isEmpty { return "" }
        return out.joined(separator: "\n") + (notebook.finalNewline ? "\n" : "")
    }

    public static func outputLines(_ outputs: [Output]) -> [String] {
        var out: [String] = []
        func add(_ prefix: OutputPrefix, _ text: String) {
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                out.append(line.isEmpty ? prefix.rawValue : prefix.rawValue + " " + line)
            }
        }
        for output in outputs {
            switch output {
            case .stream(let name, let text):
                add(name == "stderr" ? .stderr : .stdout, text.hasSuffix("\n") ? String(text.dropLast()) : text)
            case .value(let text): add(.value, text)
            case .error(let text): add(.error, text)
            case .image(let image): out.append("\(OutputPrefix.image.rawValue) \(image.path) (\(image.width)x\(image.height))")
            }
        }
        return out
    }
}
