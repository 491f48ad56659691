// Reading lines on a terminal with libedit: editing keys, Ctrl-R search, a
// history file, TAB completion, bracketed paste, and Ctrl-C that clears the line.

import LineEditGlue

#if canImport(Glibc)
import Glibc
#endif

final class LineEditor {
    enum Input {
        case line(String)
        case interrupted
        case end
    }

    private let editor: OpaquePointer
    /// Computes completions for (line, cursor): the text to insert and the candidates to list.
    var completer: ((String, Int) -> (insert: String, candidates: [String]))?

    /// The editor whose completion is running (libedit's callback is a C function).
    nonisolated(unsafe) private static var active: LineEditor?

    init?(historyPath: String?) {
        guard let e = le_open("lstmlua", historyPath, 1000) else { return nil }
        editor = e
        le_set_completer(e) { editor, line, cursor in
            guard let self_ = LineEditor.active, let editor, let line else { return }
            let text = String(cString: line)
            // the cursor is a byte offset into the UTF-8 line
            let bytes = Array(text.utf8)
            let before = String(decoding: bytes[0..<min(Int(cursor), bytes.count)], as: UTF8.self)
            guard let (insert, candidates) = self_.completer?(before, Int(cursor)) else { return }
            if !insert.isEmpty { le_insert(editor, insert) }
            if insert.isEmpty && candidates.count > 1 {
                le_show_candidates(editor, LineEditor.columns(candidates, width: Int(le_columns(editor))))
            }
        }
    }

    deinit { le_close(editor) }

    /// One line, or a whole multi-line paste (its lines after the first are echoed after `continuation`).
    func read(prompt: String, continuation: String) -> Input {
        LineEditor.active = self
        defer { LineEditor.active = nil }
        var status: Int32 = 0
        guard let s = le_read(editor, prompt, continuation, &status) else { return .end }
        switch Int(status) {
        case LE_INTERRUPTED: return .interrupted
        case LE_EOF: return .end
        default: return .line(String(cString: s))
        }
    }

    func addHistory(_ entry: String) { le_add_history(editor, entry) }

    /// Candidates laid out in columns of the terminal's width.
    static func columns(_ items: [String], width: Int = 80) -> String {
        let cell = (items.map(\.count).max() ?? 0) + 2
        let width = max(width, 1)
        let perLine = max(1, width / cell)
        var lines: [String] = []
        var i = 0
        while i < items.count {
            let row = items[i..<min(i + perLine, items.count)].map { $0.padding(toLength: cell, withPad: " ", startingAt: 0) }
            lines.append(row.joined().trimmingTrailingSpaces())
            i += perLine
        }
        return lines.joined(separator: "\n")
    }

    /// The default history file: $LSTMLUA_HISTORY, else ~/.lstmlua_history.
    static var defaultHistoryPath: String? {
        if let p = getenv("LSTMLUA_HISTORY") { return String(cString: p) }
        guard let home = getenv("HOME") else { return nil }
        return String(cString: home) + "/.lstmlua_history"
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}

import Foundation
