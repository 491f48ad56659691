// A notebook as a report anyone can open: Markdown that links the images beside
// it, or one self-contained HTML page (prose through cmark-gfm with its TeX for MathJax,
// code highlighted, images embedded).

import Foundation

public enum MarkdownExport {
    /// `imageFolder` is where the notebook's folder is, seen from the Markdown file's
    /// ("" when they are the same).
    public static func text(_ notebook: Notebook, imageFolder: String = "") -> String {
        var parts: [String] = []
        for cell in notebook.cells {
            switch cell.kind {
            case .markdown:
                parts.append(cell.source.joined(separator: "\n"))
            case .raw:
                parts.append("```\n" + cell.source.joined(separator: "\n") + "\n```")
            case .code:
                if !cell.title.isEmpty { parts.append("**" + cell.title + "**") }
                parts.append("```lua\n" + cell.code + "\n```")
                var text: [String] = []
                func flushText() {
                    if !text.isEmpty { parts.append("```text\n" + text.joined(separator: "\n") + "\n```"); text = [] }
                }
                for output in cell.outputs {
                    switch output {
                    case .stream(_, let s): text.append(s.hasSuffix("\n") ? String(s.dropLast()) : s)
                    case .value(let s): text.append(s)
                    case .error(let s): text.append(s)
                    case .image(let img):
                        flushText()
                        parts.append("![figure \(img.width)x\(img.height)](\(imageFolder)\(img.path))")
                    }
                }
                flushText()
            }
        }
        return parts.joined(separator: "\n\n") + "\n"
    }
}

/// The path from folder `from` to folder `to` ("" for the same one, else ending in "/").
public func relativeFolderPath(from: URL, to: URL) -> String {
    let a = from.standardizedFileURL.pathComponents, b = to.standardizedFileURL.pathComponents
    var common = 0
    while common < a.count && common < b.count && a[common] == b[common] { common += 1 }
    let parts = Array(repeating: "..", count: a.count - common) + b[common...]
    return parts.isEmpty ? "" : parts.joined(separator: "/") + "/"
}

public enum HTMLExport {
    /// MathJax 3 typesets the prose's TeX when the reader is online (offline the TeX
    /// reads as written). The policy lets in its folder on the CDN, whose extensions it
    /// loads on demand, and no other script; its SVG output needs no web fonts.
    static let mathJaxFolder = "https://cdn.jsdelivr.net/npm/mathjax@3.2.2/es5/"
    static let mathJax = mathJaxFolder + "tex-svg.js"

    public static func page(_ notebook: Notebook, title: String, image: (Output.Image) -> Data?) -> String {
        var body: [String] = []
        for cell in notebook.cells {
            switch cell.kind {
            case .markdown:
                body.append("<div class=\"prose\">" + MarkdownHTML.html(cell.source.joined(separator: "\n")) + "</div>")
            case .raw:
                body.append("<pre class=\"raw\">" + escape(cell.source.joined(separator: "\n")) + "</pre>")
            case .code:
                var html = "<div class=\"cell\">"
                if !cell.title.isEmpty { html += "<div class=\"title\">" + escape(cell.title) + "</div>" }
                html += "<pre class=\"code\"><code class=\"language-lua\">" + LuaHighlighter.html(cell.code) + "</code></pre>"
                for output in cell.outputs {
                    switch output {
                    case .stream(let name, let s):
                        html += "<pre class=\"\(name)\">" + escape(s.hasSuffix("\n") ? String(s.dropLast()) : s) + "</pre>"
                    case .value(let s): html += "<pre class=\"value\">" + escape(s) + "</pre>"
                    case .error(let s): html += "<pre class=\"error\">" + escape(s) + "</pre>"
                    case .image(let img):
                        if let png = image(img) {
                            html += "<img alt=\"figure\" width=\"\(img.width)\" height=\"\(img.height)\" src=\"data:image/png;base64,"
                                + png.base64EncodedString() + "\">"
                        } else {
                            html += "<pre class=\"error\">missing image " + escape(img.path) + "</pre>"
                        }
                    }
                }
                body.append(html + "</div>")
            }
        }
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src \(mathJaxFolder)">
            <script async src="\(mathJax)"></script>
            <title>\(escape(title))</title>
            <style>
            body { max-width: 52em; margin: 2em auto; padding: 0 1em; font: 16px/1.5 system-ui, sans-serif; color: #222; }
            pre { padding: .5em .75em; overflow-x: auto; font: 13px/1.4 ui-monospace, monospace; margin: .25em 0; }
            .code { background: #f5f5f7; border-left: 3px solid #4a7bd0; }
            .stdout, .value { background: #fff; border-left: 3px solid #ccc; }
            .stderr { background: #fff8e6; border-left: 3px solid #e0b040; }
            .error { background: #fdecec; border-left: 3px solid #d04a4a; color: #8a1f1f; }
            .cell { margin: 1.25em 0; }
            .title { font-weight: 600; font-size: 14px; color: #555; }
            img { max-width: 100%; height: auto; display: block; margin: .5em 0; }
            .code .keyword { color: #a626a4; }
            .code .string { color: #50a14f; }
            .code .comment { color: #8a8f98; font-style: italic; }
            .code .number { color: #b76b01; }
            table { border-collapse: collapse; margin: .75em 0; }
            th, td { border: 1px solid #d0d0d5; padding: .3em .7em; }
            th { background: #f5f5f7; }
            .prose code { background: #f5f5f7; padding: 0 .2em; border-radius: 3px; font-size: 90%; }
            </style>
            </head>
            <body>
            \(body.joined(separator: "\n"))
            </body>
            </html>

            """
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
