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
}
