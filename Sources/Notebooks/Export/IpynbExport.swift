// A notebook as Jupyter's .ipynb (nbformat 4.5): code, markdown and raw cells;
// stream, execute_result, display_data (PNG in base64) and error outputs; the
// header's metadata, with a kernelspec and language_info for Lua.

import Foundation

public enum IpynbExport {
    public static func json(_ notebook: Notebook, header: NotebookHeader, image: (Output.Image) -> Data?) throws -> Data {
        var metadata = header.metadata.mapValues(\.foundation)
        if metadata["kernelspec"] == nil {
            metadata["kernelspec"] = ["name": "lstmlua", "display_name": "lstmlua (Lua 5.4)", "language": "lua"]
        }
        if metadata["language_info"] == nil {
            metadata["language_info"] = ["name": "lua", "version": "5.4", "file_extension": ".lua",
                                         "mimetype": "text/x-lua", "codemirror_mode": "lua"]
        }
        var count = 0
        let cells: [[String: Any]] = notebook.cells.enumerated().map { index, cell in
            var json: [String: Any] = [
                "cell_type": cell.kind.rawValue,
                "id": "cell-\(index + 1)",
                "metadata": cellMetadata(cell),
                "source": lines(cell.source.joined(separator: "\n")),
            ]
            if cell.kind == .code {
                count += 1
                json["execution_count"] = count
                json["outputs"] = cell.outputs.map { output(of: $0, count: count, image: image) }
            }
            return json
        }
        let root: [String: Any] = ["cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5]
        return try JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }

    static func cellMetadata(_ cell: Cell) -> [String: Any] {
        var m: [String: Any] = [:]
        for item in cell.metadata { if let v = item.value { m[item.key] = v.foundation } }
        // Jupyter's tools know nbval's names for lstmlua's short tags
        if !cell.tags.isEmpty { m["tags"] = cell.tags.map { Cell.jupyterTagNames[$0] ?? $0 } }
        if !cell.title.isEmpty { m["title"] = cell.title }
        return m
    }

    /// Jupyter's multi-line strings: a list of lines, each but the last ending in "\n".
    static func lines(_ text: String) -> [String] {
        guard !text.isEmpty else { return [] }
        var parts = text.split(separator: "\n", omittingEmptySubsequences: false).map { String($0) + "\n" }
        parts[parts.count - 1].removeLast()
        if parts.last == "" { parts.removeLast() }
        return parts
    }

    static func output(of output: Output, count: Int, image: (Output.Image) -> Data?) -> [String: Any] {
        switch output {
        case .stream(let name, let text):
            return ["output_type": "stream", "name": name, "text": lines(text)]
        case .value(let text):
            return ["output_type": "execute_result", "execution_count": count, "metadata": [String: Any](),
                    "data": ["text/plain": lines(text)]]
        case .error(let text):
            return ["output_type": "error", "ename": "LuaError", "evalue": text,
                    "traceback": text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)]
        case .image(let img):
            var data: [String: Any] = ["text/plain": ["<Figure \(img.width)x\(img.height)>"]]
            if let png = image(img) {
                data["image/png"] = png.base64EncodedString()
            } else {
                data["text/plain"] = ["[missing image \(img.path)]"]
            }
            return ["output_type": "display_data", "data": data,
                    "metadata": ["image/png": ["width": img.width, "height": img.height]]]
        }
    }
}
