// The lines a terminal shows after some output, for the few controls lstmlua's
// progress bars write (CR, LF, ESC[K, ESC[J, ESC[nA, ESC[...m colours). Any other
// escape sequence is recorded, so that a test notices output it cannot judge.

struct TerminalScreen {
    private(set) var lines: [[Character]] = [[]]
    private var row = 0, column = 0
    private(set) var unknown: [String] = []

    init(_ output: String) {
        var chars = Array(output)[...]
        while let c = chars.popFirst() {
            switch c {
            case "\r": column = 0
            case "\n", "\r\n":
                // the pty turns "\n" into "\r\n", one Character in Swift
                row += 1
                column = 0
                if row == lines.count { lines.append([]) }
            case "\u{1B}":
                guard chars.first == "[" else { unknown.append("ESC"); continue }
                chars.removeFirst()
                var parameter = ""
                while let d = chars.first, d.isNumber || d == ";" || d == "?" { parameter.append(d); chars.removeFirst() }
                guard let final = chars.popFirst() else { unknown.append("ESC[" + parameter); continue }
                switch final {
                case "K": if column < lines[row].count { lines[row].removeSubrange(column...) }
                case "J":
                    if column < lines[row].count { lines[row].removeSubrange(column...) }
                    lines.removeSubrange((row + 1)...)
                case "A": row = max(0, row - (Int(parameter) ?? 1))
                case "m": break
                default: unknown.append("ESC[" + parameter + String(final))
                }
            default:
                while lines[row].count < column { lines[row].append(" ") }
                if column < lines[row].count { lines[row][column] = c } else { lines[row].append(c) }
                column += 1
            }
        }
    }

    /// The screen's lines, trailing blanks and empty lines at the end dropped.
    var text: [String] {
        var out = lines.map { String($0).replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) }
        while out.last?.isEmpty == true { out.removeLast() }
        return out
    }
}
