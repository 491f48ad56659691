// Which lines of a notebook start inside a Lua string or comment. A notebook is a
// Lua script, so a `-- %%` or `--> ...` line inside `[==[ ... ]==]` is text, not a
// cell marker or an output: the splitter and the output reader ask this first.
// Only what spans lines matters: long brackets (strings and comments) and short
// strings continued with a backslash-newline or `\z`.

enum LuaLines {
    /// For each line (without its line ending), whether it starts inside a long string,
    /// a long comment or a continued short string.
    static func startsInside(_ lines: [Substring]) -> [Bool] {
        var inside: [Bool] = []
        inside.reserveCapacity(lines.count)
        var state = State.code
        for line in lines {
            inside.append(state != .code)
            state = scan(Array(line.utf8), from: state)
        }
        return inside
    }

    enum State: Equatable {
        case code
        /// Inside a long bracket of this level (`[==[` is 2), string or comment alike.
        case long(Int)
        /// Inside a short string with this quote, continued onto the next line.
        case short(UInt8)
    }

    private static let dash = UInt8(ascii: "-"), open = UInt8(ascii: "["), close = UInt8(ascii: "]")
    private static let equals = UInt8(ascii: "="), backslash = UInt8(ascii: "\\")
    private static let quote = UInt8(ascii: "'"), doubleQuote = UInt8(ascii: "\""), z = UInt8(ascii: "z")

    /// The level of a long bracket opening at i (`[`, `=`*, `[`), if one does.
    private static func longOpening(_ b: [UInt8], _ i: Int) -> Int? {
        guard i < b.count, b[i] == open else { return nil }
        var j = i + 1
        while j < b.count && b[j] == equals { j += 1 }
        return j < b.count && b[j] == open ? j - i - 1 : nil
    }

    /// The state at the end of a line that began in `state`.
    static func scan(_ b: [UInt8], from start: State) -> State {
        var state = start
        var i = 0
        while i < b.count {
            switch state {
            case .long(let level):
                // look for `]`, `level` × `=`, `]`
                guard b[i] == close else { i += 1; continue }
                var j = i + 1
                while j < b.count && b[j] == equals { j += 1 }
                if j < b.count && b[j] == close && j - i - 1 == level {
                    state = .code
                    i = j + 1
                } else {
                    i += 1
                }
            case .short(let q):
                if b[i] == backslash {
                    if i + 1 == b.count { return .short(q) }           // backslash-newline: the string goes on
                    if b[i + 1] == z {
                        // \z skips the whitespace that follows, newlines included
                        var j = i + 2
                        while j < b.count && (b[j] == 32 || b[j] == 9) { j += 1 }
                        if j == b.count { return .short(q) }
                        i = j
                        continue
                    }
                    i += 2
                } else if b[i] == q {
                    state = .code
                    i += 1
                } else {
                    i += 1
                }
            case .code:
                let c = b[i]
                if c == dash && i + 1 < b.count && b[i + 1] == dash {
                    if let level = longOpening(b, i + 2) {
                        state = .long(level)
                        i += 2 + level + 2
                        continue
                    }
                    return .code                                        // a line comment ends the line
                }
                if let level = longOpening(b, i) {
                    state = .long(level)
                    i += level + 2
                } else if c == quote || c == doubleQuote {
                    state = .short(c)
                    i += 1
                } else {
                    i += 1
                }
            }
        }
        // A short string not continued ends with its line (Lua reports it unfinished).
        if case .short = state { return .code }
        return state
    }
}
