// A Markdown cell as HTML: CommonMark with GitHub's extensions (cmark-gfm), in its safe
// mode, with TeX kept as written for MathJax.
//
// A notebook may come from anyone, and its page must not run their code in the reader's
// browser: raw HTML becomes text (what was written shows, nothing runs), and the safe
// mode drops javascript: and other unsafe link targets.

import CCmarkGFM
import Foundation

enum MarkdownHTML {
    static let extensions = ["table", "strikethrough", "autolink", "tagfilter", "tasklist"]

    static func html(_ markdown: String) -> String {
        _ = coreExtensionsRegistered
        var math = MathSpans()
        let protected = math.protect(markdown)
        // CMARK_OPT_UNSAFE stays unset: that is the safe mode
        let options = CMARK_OPT_DEFAULT
        guard let parser = cmark_parser_new(options) else { return "" }
        defer { cmark_parser_free(parser) }
        for name in extensions {
            if let ext = cmark_find_syntax_extension(name) { cmark_parser_attach_syntax_extension(parser, ext) }
        }
        var bytes = Array(protected.utf8)
        bytes.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress.map { base in
                base.withMemoryRebound(to: CChar.self, capacity: buffer.count) { cmark_parser_feed(parser, $0, buffer.count) }
            }
        }
        guard let document = cmark_parser_finish(parser) else { return "" }
        defer { cmark_node_free(document) }
        restore(math, in: document)
        guard let rendered = cmark_render_html(document, options, cmark_parser_get_syntax_extensions(parser)) else { return "" }
        defer { free(rendered) }
        return String(cString: rendered)
    }

    /// Math back into the document: as MathJax's delimiters in prose, as written
    /// anywhere else (a code span or block that held a dollar, a link's target);
    /// raw HTML as the text it is.
    private static func restore(_ math: MathSpans, in document: OpaquePointer) {
        var nodes: [OpaquePointer] = []
        if let iterator = cmark_iter_new(document) {
            defer { cmark_iter_free(iterator) }
            while cmark_iter_next(iterator) != CMARK_EVENT_DONE {
                if cmark_iter_get_event_type(iterator) == CMARK_EVENT_ENTER, let node = cmark_iter_get_node(iterator) {
                    nodes.append(node)
                }
            }
        }
        for node in nodes {
            let type = cmark_node_get_type(node)
            if type == CMARK_NODE_TEXT {
                replace(cmark_node_get_literal(node), in: node, cmark_node_set_literal) { mathJaxSource($0) }
            } else if type == CMARK_NODE_CODE || type == CMARK_NODE_CODE_BLOCK {
                replace(cmark_node_get_literal(node), in: node, cmark_node_set_literal) { $0.source }
            } else if type == CMARK_NODE_LINK || type == CMARK_NODE_IMAGE {
                replace(cmark_node_get_url(node), in: node, cmark_node_set_url) { $0.source }
                replace(cmark_node_get_title(node), in: node, cmark_node_set_title) { $0.source }
            } else if type == CMARK_NODE_HTML_INLINE || type == CMARK_NODE_HTML_BLOCK {
                let literal = cmark_node_get_literal(node).map { String(cString: $0) } ?? ""
                let text = math.restore(literal) { $0.source }
                guard let textNode = cmark_node_new(CMARK_NODE_TEXT) else { continue }
                cmark_node_set_literal(textNode, type == CMARK_NODE_HTML_BLOCK ? text.trimmingCharacters(in: .newlines) : text)
                var replacement = textNode
                if type == CMARK_NODE_HTML_BLOCK, let paragraph = cmark_node_new(CMARK_NODE_PARAGRAPH) {
                    cmark_node_append_child(paragraph, textNode)
                    replacement = paragraph
                }
                cmark_node_replace(node, replacement)
                cmark_node_free(node)
            }
        }

        func replace(_ value: UnsafePointer<CChar>?, in node: OpaquePointer,
                     _ set: (OpaquePointer, UnsafePointer<CChar>) -> Int32, _ as: (MathSpans.Span) -> String) {
            guard let value else { return }
            let text = String(cString: value)
            let restored = math.restore(text, `as`)
            if restored != text { _ = set(node, restored) }
        }
    }

    /// MathJax's default delimiters: `$$` for display, `\(...\)` inline (its single
    /// dollars need a configuration script, which the page's policy forbids).
    private static func mathJaxSource(_ span: MathSpans.Span) -> String {
        span.display ? span.source : "\\(" + span.tex + "\\)"
    }
}

/// cmark-gfm's registry of extensions is global in the C library; filling it once,
/// under Swift's lazy-global once, keeps concurrent exports from racing on it.
private let coreExtensionsRegistered: Void = cmark_gfm_core_extensions_ensure_registered()
