// Masks run-dependent text (timings, rates, addresses, dates) before outputs are
// compared, as nbval's sanitizers do. Both sides are masked, so the saved file
// keeps the real text.

import Foundation

public struct Sanitizer: Sendable {
    struct Rule {
        let pattern: NSRegularExpression
        let replacement: String
    }

    let rules: [Rule]

    /// Patterns every notebook gets; the order matters (a date before a clock time).
    public static let standard = Sanitizer(rules: [
        // 2026-11-27, 2026-11-27T21:04:05.123Z
        ("\\b\\d{4}-\\d{2}-\\d{2}([ T]\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:?\\d{2})?)?\\b", "<date>"),
        // progress bars: [00:01<00:02, 40.10it/s], [00:01, 3.20batch/s] (no total, any unit)
        ("\\[\\d+:\\d{2}(:\\d{2})?(<[?\\d:]+(, *[\\d.?]+ *(s/\\w+|\\w+/s))?|, *[\\d.?]+ *(s/\\w+|\\w+/s))", "[<elapsed>"),
        ("\\b\\d+(\\.\\d+)? *(it/s|s/it|steps/s|samples/s)", "<rate>"),
        // 12.5 ms, 3 s, 1.2 µs, 4.0 seconds
        ("\\b\\d+(\\.\\d+)? *(ns|µs|us|ms|s|sec|secs|seconds|min|minutes)\\b", "<duration>"),
        ("\\b\\d{1,2}:\\d{2}:\\d{2}\\b", "<time>"),
        // table: 0x55d0c2a4b6e0
        ("0x[0-9a-fA-F]{4,}", "0x<address>"),
    ].map { Rule(pattern: try! NSRegularExpression(pattern: $0.0), replacement: $0.1) })

    public static let none = Sanitizer(rules: [])

    public struct BadPattern: Error, CustomStringConvertible {
        public let description: String
    }

    /// These rules followed by the user's regexes (each match becomes `<masked>`).
    public func adding(_ patterns: [String]) throws(BadPattern) -> Sanitizer {
        var more: [Rule] = []
        for p in patterns {
            guard let re = try? NSRegularExpression(pattern: p) else { throw BadPattern(description: "sanitize pattern '\(p)' is not a valid regex") }
            more.append(Rule(pattern: re, replacement: "<masked>"))
        }
        return Sanitizer(rules: rules + more)
    }

    public func apply(_ text: String) -> String {
        var s = text
        for rule in rules {
            s = rule.pattern.stringByReplacingMatches(in: s, range: NSRange(s.startIndex..., in: s),
                                                      withTemplate: NSRegularExpression.escapedTemplate(for: rule.replacement))
        }
        return s
    }
}
