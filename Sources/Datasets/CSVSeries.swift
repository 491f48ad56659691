// A user's own series from a CSV file: one numeric column.
//
// A small RFC 4180 reader (quoted fields, doubled quotes, CRLF) written here
// because the task is to refuse bad input by line: the CSV packages available
// accept malformed quoting silently and report no positions.

import Foundation
import SafeFiles
import Tensors

public enum CSVSeries {
    public struct Options {
        /// The column: a header name, or a 1-based index; nil means the only (or last) column.
        public var column: Column? = nil
        /// Whether the first row names the columns; nil guesses (a first row that is not all numbers).
        public var header: Bool? = nil
        public var delimiter: Character = ","
        public init() {}
    }

    public enum Column {
        case name(String)
        case index(Int)
    }

    public struct Table {
        public let header: [String]?
        /// Each row with the line it started on.
        public let rows: [(line: Int, fields: [String])]
    }

    /// The values of one column, and the column's name (if the file has a header).
    public static func load(path: String, options: Options = Options()) throws(TensorError) -> (values: [Double], name: String?) {
        let data: Data
        do { data = try SafeFile.read(path) } catch { throw TensorError(error.description) }
        guard let text = String(data: data, encoding: .utf8) else {
            throw TensorError("cannot read '\(path)': not UTF-8 text (a CSV file is text)")
        }
        return try column(parse(text, options: options, source: path), options: options, source: path)
    }

    public static func parse(_ text: String, options: Options, source: String) throws(TensorError) -> Table {
        var records: [(line: Int, fields: [String])] = []
        var fields: [String] = []
        var field = ""
        var line = 1, recordLine = 1
        var quoted = false, wasQuoted = false, afterQuote = false
        var iterator = text.makeIterator()
        var pending: Character? = nil
        func next() -> Character? {
            if let p = pending { pending = nil; return p }
            return iterator.next()
        }
        func endRecord() {
            fields.append(field)
            if !(fields.count == 1 && fields[0].isEmpty && !wasQuoted) { records.append((recordLine, fields)) }
            fields = []
            field = ""
            wasQuoted = false
            afterQuote = false
        }
        while let c = next() {
            if quoted {
                if c == "\"" {
                    if let n = next() {
                        if n == "\"" { field.append("\""); continue }
                        pending = n
                    }
                    quoted = false
                    afterQuote = true
                } else {
                    if c == "\n" || c == "\r\n" { line += 1 }
                    field.append(c)
                }
                continue
            }
            switch c {
            case "\"":
                guard field.isEmpty && !afterQuote else {
                    throw TensorError("\(source):\(line): a quote inside an unquoted field")
                }
                quoted = true
                wasQuoted = true
            case options.delimiter:
                fields.append(field)
                field = ""
                afterQuote = false
            case "\n", "\r\n", "\r":
                endRecord()
                line += 1
                recordLine = line
            default:
                guard !afterQuote else {
                    throw TensorError("\(source):\(line): text after the closing quote of a field")
                }
                field.append(c)
            }
        }
        if quoted { throw TensorError("\(source):\(recordLine): a quoted field is never closed") }
        if !field.isEmpty || !fields.isEmpty || wasQuoted { endRecord() }
        guard let first = records.first else { throw TensorError("\(source): the file holds no rows") }
        let hasHeader = options.header ?? first.fields.contains { Double($0.trimmingCharacters(in: .whitespaces)) == nil }
        let width = first.fields.count
        for r in records where r.fields.count != width {
            throw TensorError("\(source):\(r.line): expected \(width) fields, found \(r.fields.count)")
        }
        return Table(header: hasHeader ? first.fields : nil, rows: Array(records.dropFirst(hasHeader ? 1 : 0)))
    }

    static func column(_ table: Table, options: Options, source: String) throws(TensorError) -> (values: [Double], name: String?) {
        let width = table.header?.count ?? table.rows.first?.fields.count ?? 0
        let index: Int
        switch options.column {
        case nil:
            index = width - 1
        case .index(let i)?:
            guard i >= 1 && i <= width else { throw TensorError("\(source): column \(i) does not exist (the file has \(width))") }
            index = i - 1
        case .name(let name)?:
            guard let header = table.header else { throw TensorError("\(source): the file has no header row to find column '\(name)' in") }
            guard let i = header.firstIndex(of: name) else {
                throw TensorError("\(source): no column named '\(name)' (columns: \(header.joined(separator: ", ")))")
            }
            index = i
        }
        var values: [Double] = []
        values.reserveCapacity(table.rows.count)
        for r in table.rows {
            let s = r.fields[index].trimmingCharacters(in: .whitespaces)
            guard let v = Double(s), v.isFinite else {
                throw TensorError("\(source):\(r.line): '\(r.fields[index])' in column \(index + 1) is not a number")
            }
            values.append(v)
        }
        guard !values.isEmpty else { throw TensorError("\(source): the column has no values") }
        return (values, table.header?[index])
    }
}
