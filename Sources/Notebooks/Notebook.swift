// A notebook: an optional header, then cells of code or prose, each code cell with
// the outputs its last run produced. Knows nothing of Lua or of how cells run.

public struct Notebook: Equatable, Sendable {
    /// The header's lines as written (YAML inside `-- ` comments, between `-- ---` lines), kept verbatim.
    public var header: [String]
    public var cells: [Cell]
    /// The file as read, for writing back everything that is not an output byte for byte:
    /// the lines between the header and the first cell, the line ending new lines get
    /// ("\r\n" when most lines had it), and whether the last line ended with one.
    public var headerGap: [String]?
    public var lineEnding = "\n"
    public var finalNewline = true

    public init(header: [String] = [], cells: [Cell] = []) {
        self.header = header
        self.cells = cells
    }

    /// The code cells with their positions among all cells.
    public var codeCells: [(index: Int, cell: Cell)] {
        cells.enumerated().filter { $0.element.kind == .code }.map { ($0.offset, $0.element) }
    }
}

public struct Cell: Equatable, Sendable {
    public static func == (a: Cell, b: Cell) -> Bool {
        a.kind == b.kind && a.title == b.title && a.metadata == b.metadata && a.source == b.source
            && a.outputs == b.outputs && a.line == b.line && a.markerLine == b.markerLine && a.blankLinesAfter == b.blankLinesAfter
    }

    public enum Kind: String, Sendable { case code, markdown, raw }

    public var kind: Kind
    public var title: String
    /// `key=value` pairs from the cell marker, values as JSON text, in the order written.
    public var metadata: [MetadataItem]
    /// The cell's lines: Lua for code, the text without its `-- ` for prose.
    public var source: [String]
    public var outputs: [Output]
    /// The line of the file the cell's first source line is on (1-based), for messages.
    public var line: Int
    /// The marker line as written (nil for a first code cell without one), kept verbatim.
    public var markerLine: String?
    /// Blank lines written after the cell, kept so that rewriting changes nothing else.
    public var blankLinesAfter: Int
    /// The source as read and its lines as written (carriage returns, blank lines with
    /// spaces, prose without `-- ` and all): written back as they were while `source` is
    /// unchanged. The blank lines after the cell as written, likewise.
    var written: (source: [String], lines: [String])?
    var writtenBlankLines: [String]?

    public init(kind: Kind = .code, title: String = "", metadata: [MetadataItem] = [], source: [String],
                outputs: [Output] = [], line: Int = 0, markerLine: String? = nil, blankLinesAfter: Int = 1) {
        self.kind = kind
        self.title = title
        self.metadata = metadata
        self.source = source
        self.outputs = outputs
        self.line = line
        self.markerLine = markerLine
        self.blankLinesAfter = blankLinesAfter
    }

    public var code: String { source.joined(separator: "\n") }

    /// A metadata value by key.
    public func value(_ key: String) -> MetadataValue? {
        metadata.last(where: { $0.key == key })?.value
    }

    public var tags: [String] { value("tags")?.strings ?? [] }

    /// lstmlua's tag, or its name in nbval (and Jupyter's tag conventions), which it also accepts.
    public func hasTag(_ tag: String) -> Bool {
        tags.contains(tag) || Cell.jupyterTagNames[tag].map { tags.contains($0) } == true
    }

    /// lstmlua's short tags and nbval's names for them; an ipynb export writes nbval's.
    public static let jupyterTagNames = ["raises": "raises-exception", "skip": "skip-execution",
                                         "ignore-output": "nbval-ignore-output"]

    /// How the cell is named in messages: its title, or its place.
    public func label(number: Int) -> String {
        title.isEmpty ? "cell \(number)" : "cell \(number) \"\(title)\""
    }
}

public struct MetadataItem: Equatable, Sendable {
    public var key: String
    /// The value as written, so an unchanged notebook is rewritten byte for byte.
    public var text: String

    public init(key: String, text: String) {
        self.key = key
        self.text = text
    }

    public var value: MetadataValue? { MetadataValue(json: text) }
}

/// One thing a code cell produced.
public enum Output: Equatable, Sendable {
    /// Text written to standard output (`name` "stdout") or standard error ("stderr").
    case stream(name: String, text: String)
    /// The value of the cell's last expression, as the REPL prints it.
    case value(String)
    /// The error that stopped the cell.
    case error(String)
    /// An image shown by `fig:show()`, stored beside the notebook.
    case image(Image)

    public struct Image: Equatable, Sendable {
        /// Relative to the notebook's folder, e.g. `sine.files/3f2a9c0d1e2b4a6f.png`.
        public var path: String
        public var width: Int
        public var height: Int

        public init(path: String, width: Int, height: Int) {
            self.path = path
            self.width = width
            self.height = height
        }

        /// The content hash the file is named by.
        public var hash: String {
            let name = path.split(separator: "/").last.map(String.init) ?? path
            return name.hasSuffix(".png") ? String(name.dropLast(4)) : name
        }
    }

    public var isError: Bool {
        if case .error = self { return true }
        return false
    }
}
