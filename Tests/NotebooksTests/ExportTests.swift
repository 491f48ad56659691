// Exports: the .ipynb structure nbformat 4.5 asks for, and reports in Markdown and HTML.

import Foundation
import Notebooks
import Testing

@Suite struct ExportTests {
    let notebook: Notebook = {
        var code = Cell(title: "Plot", metadata: [MetadataItem(key: "tags", text: "[\"slow\"]")], source: ["print(1)", "x"])
        code.outputs = [.stream(name: "stdout", text: "1\n"), .image(Output.Image(path: "nb.files/00.png", width: 4, height: 3)),
                        .value("tensor([1., 2.])"), .error("nb.lua:2: boom")]
        return Notebook(cells: [Cell(kind: .markdown, source: ["# Title", "", "Some *prose*."]), code])
    }()

    @Test func ipynbHasNbformat45CellsAndOutputs() throws {
        let png = Data([0x89, 0x50, 0x4E, 0x47])
        let data = try IpynbExport.json(notebook, header: try NotebookHeader(lines: []), image: { _ in png })
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(root["nbformat"] as? Int == 4)
        #expect(root["nbformat_minor"] as? Int == 5)
        let metadata = try #require(root["metadata"] as? [String: Any])
        #expect((metadata["kernelspec"] as? [String: Any])?["language"] as? String == "lua")
        #expect((metadata["language_info"] as? [String: Any])?["name"] as? String == "lua")
        let cells = try #require(root["cells"] as? [[String: Any]])
        #expect(cells.map { $0["cell_type"] as? String } == ["markdown", "code"])
        #expect(cells.map { $0["id"] as? String } == ["cell-1", "cell-2"])
        #expect(cells[0]["source"] as? [String] == ["# Title\n", "\n", "Some *prose*."])
        #expect(cells[1]["execution_count"] as? Int == 1)
        #expect((cells[1]["metadata"] as? [String: Any])?["tags"] as? [String] == ["slow"])
        let outputs = try #require(cells[1]["outputs"] as? [[String: Any]])
        #expect(outputs.map { $0["output_type"] as? String } == ["stream", "display_data", "execute_result", "error"])
        #expect((outputs[1]["data"] as? [String: Any])?["image/png"] as? String == png.base64EncodedString())
        #expect((outputs[2]["data"] as? [String: Any])?["text/plain"] as? [String] == ["tensor([1., 2.])"])
        #expect(outputs[3]["evalue"] as? String == "nb.lua:2: boom")
    }

    @Test func markdownLinksImagesAndHtmlEmbedsThem() {
        let md = MarkdownExport.text(notebook)
        #expect(md.contains("```lua\nprint(1)\nx\n```"))
        #expect(md.contains("![figure 4x3](nb.files/00.png)"))
        #expect(md.contains("```text\ntensor([1., 2.])\nnb.lua:2: boom\n```"))
        #expect(MarkdownExport.text(notebook, imageFolder: "../nbs/").contains("](../nbs/nb.files/00.png)"))
        #expect(relativeFolderPath(from: URL(fileURLWithPath: "/a/b"), to: URL(fileURLWithPath: "/a/b")) == "")
        #expect(relativeFolderPath(from: URL(fileURLWithPath: "/a/out"), to: URL(fileURLWithPath: "/a/nbs")) == "../nbs/")
        #expect(relativeFolderPath(from: URL(fileURLWithPath: "/a"), to: URL(fileURLWithPath: "/a/nbs")) == "nbs/")
        let html = HTMLExport.page(notebook, title: "nb <1>", image: { _ in Data([1, 2, 3]) })
        #expect(html.contains("<title>nb &lt;1&gt;</title>"))
        #expect(html.contains("<h1>Title</h1>"))
        #expect(html.contains("<em>prose</em>"))
        #expect(html.contains("src=\"data:image/png;base64,AQID\""))
        #expect(html.contains("<pre class=\"error\">nb.lua:2: boom</pre>"))
    }

    /// Prose as its writer meant it: names with underscores, TeX for MathJax, GitHub's
    /// tables; raw HTML as text, never as a tag.
    @Test func htmlKeepsNamesAndMathAsWrittenDrawsTablesAndRunsNoHtml() {
        let prose = Cell(kind: .markdown, source: [
            "The `lstm_cell` and snake_case_name, inline $\\alpha$ and *emphasis*, a price of $5 and $6:", "",
            "$$\\sum_i x_i^2$$", "",
            "| model | loss |", "|---|---:|", "| LSTM | $h_t$ |", "", "A set $\\{a*b*c\\}$.", "",
            "<script>alert(1)</script>", "",
            "Inline <script>alert(2)</script> and [a link](javascript:alert(3)).",
        ])
        let html = HTMLExport.page(Notebook(cells: [prose]), title: "nb", image: { _ in nil })
        #expect(html.contains("snake_case_name"))
        #expect(html.contains("<code>lstm_cell</code>"))
        #expect(html.contains("\\(\\alpha\\)"), "inline math in MathJax's delimiters, its backslash kept")
        #expect(html.contains("$$\\sum_i x_i^2$$"))
        #expect(html.contains("\\(\\{a*b*c\\}\\)"), "CommonMark would drop the backslashes and make *b* emphasis")
        #expect(html.contains("<em>emphasis</em>") && html.contains("a price of $5 and $6"))
        #expect(html.contains("<table>") && html.contains("<th>model</th>") && html.contains("<td align=\"right\">\\(h_t\\)</td>"))
        #expect(!html.contains("<script>alert") && !html.contains("javascript:"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && html.contains("&lt;script&gt;alert(2)&lt;/script&gt;"))
    }

    /// The page's one script is MathJax, and its policy lets in no other.
    @Test func htmlLoadsMathJaxAndNoOtherScript() {
        let html = HTMLExport.page(notebook, title: "nb", image: { _ in nil })
        #expect(html.components(separatedBy: "<script").count == 2)
        #expect(html.contains("<script async src=\"https://cdn.jsdelivr.net/npm/mathjax@3.2.2/es5/tex-svg.js\"></script>"))
        #expect(html.contains("content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
            + "script-src https://cdn.jsdelivr.net/npm/mathjax@3.2.2/es5/\""))
    }

    /// Lua's tokens in classed spans: long brackets of any level, escaped quotes, numerals.
    @Test func htmlHighlightsLuaCode() {
        let code = Cell(source: [
            "local s = \"a\\\"b\" .. [==[x ]] y]==] -- done",
            "--[[ block", "comment ]] return 0x1F + 1e-3, nil, a<b",
        ])
        let html = HTMLExport.page(Notebook(cells: [code]), title: "nb", image: { _ in nil })
        #expect(html.contains("<code class=\"language-lua\"><span class=\"keyword\">local</span> s = "
            + "<span class=\"string\">&quot;a\\&quot;b&quot;</span> .. <span class=\"string\">[==[x ]] y]==]</span> "
            + "<span class=\"comment\">-- done</span>\n<span class=\"comment\">--[[ block\ncomment ]]</span> "
            + "<span class=\"keyword\">return</span> <span class=\"number\">0x1F</span> + <span class=\"number\">1e-3</span>, "
            + "<span class=\"keyword\">nil</span>, a&lt;b</code>"))
    }
}
