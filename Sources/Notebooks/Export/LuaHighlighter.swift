// Lua source as HTML with its tokens in classed spans (keyword, string, comment, number),
// for an exported page that must carry its own highlighting: it runs no script.
// Follows Lua 5.4's lexer (llex.c) where it matters for colour: long brackets of any
// level for strings and comments, escapes in quoted strings, Lua's greedy numerals.

enum LuaHighlighter {
    static let keywords: Set<String> = [
        "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if", "in",
        "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while",
    ]

    static func html(_ source: String) -> String {
        let s = Array(source.utf8)
        var out = "", plainStart = 0, i = 0
        func emit(_ cls: String, _ end: Int) {
            out += HTMLExport.escape(text(s, plainStart, i))
            out += "<span class=\"\(cls)\">" + HTMLExport.escape(text(s, i, end)) + "</span>"
            i = end
            plainStart = end
        }
        while i < s.count {
            let c = s[i]
            if c == ch("-"), at(s, i + 1) == ch("-") {
                if let level = longBracketLevel(s, i + 2) {
                    emit("comment", longBracketEnd(s, from: i + 2, level: level))
                } else {
                    var j = i + 2
                    while j < s.count && s[j] != ch("\n") { j += 1 }
                    emit("comment", j)
                }
            } else if c == ch("["), let level = longBracketLevel(s, i) {
                emit("string", longBracketEnd(s, from: i, level: level))
            } else if c == ch("\"") || c == ch("'") {
                var j = i + 1
                while j < s.count && s[j] != c && s[j] != ch("\n") { j += s[j] == ch("\\") ? 2 : 1 }
                emit("string", j < s.count && s[j] == c ? j + 1 : min(j, s.count))
            } else if isDigit(c) || (c == ch(".") && isDigit(at(s, i + 1))) {
                let hex = c == ch("0") && (at(s, i + 1) | 0x20) == ch("x")
                let exponent = hex ? ch("p") : ch("e")
                var j = i + 1
                while j < s.count {
                    let d = s[j]
                    if (d == ch("+") || d == ch("-")) && (s[j - 1] | 0x20) == exponent { j += 1; continue }
                    guard isIdentifier(d) || d == ch(".") else { break }
                    j += 1
                }
                emit("number", j)
            } else if isIdentifier(c) {
                var j = i + 1
                while j < s.count && isIdentifier(s[j]) { j += 1 }
                if keywords.contains(text(s, i, j)) { emit("keyword", j) } else { i = j }
            } else {
                i += 1
            }
        }
        return out + HTMLExport.escape(text(s, plainStart, s.count))
    }

    /// The level of a long bracket `[==[` opening at `i` (its `=` count), if one does.
    private static func longBracketLevel(_ s: [UInt8], _ i: Int) -> Int? {
        guard at(s, i) == ch("[") else { return nil }
        var j = i + 1
        while at(s, j) == ch("=") { j += 1 }
        return at(s, j) == ch("[") ? j - i - 1 : nil
    }

    /// Just past the `]==]` closing the long bracket opened at `i`, or the end of the source.
    private static func longBracketEnd(_ s: [UInt8], from i: Int, level: Int) -> Int {
        var j = i + level + 2
        while j < s.count {
            if s[j] == ch("]") {
                var k = j + 1
                while at(s, k) == ch("=") { k += 1 }
                if k - j - 1 == level && at(s, k) == ch("]") { return k + 1 }
            }
            j += 1
        }
        return s.count
    }

    private static func ch(_ c: Unicode.Scalar) -> UInt8 { UInt8(ascii: c) }
    private static func at(_ s: [UInt8], _ i: Int) -> UInt8 { i < s.count ? s[i] : 0 }
    private static func isDigit(_ c: UInt8) -> Bool { c >= ch("0") && c <= ch("9") }
    private static func isIdentifier(_ c: UInt8) -> Bool {
        isDigit(c) || c == ch("_") || ((c | 0x20) >= ch("a") && (c | 0x20) <= ch("z"))
    }
    private static func text(_ s: [UInt8], _ from: Int, _ to: Int) -> String { String(decoding: s[from..<to], as: UTF8.self) }
}
