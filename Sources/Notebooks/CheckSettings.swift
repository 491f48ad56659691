// How `replay --check` compares a cell's fresh outputs with its saved ones. Set for
// a notebook in its header (under `jupyter: lstmlua:`) and for a cell in its marker:
//   tolerance=1e-3        relative tolerance for numbers (default 1e-4)
//   abs_tolerance=1e-6    absolute tolerance for numbers (default 0)
//   sanitize=["\\d+ ms"]  regexes for run-dependent text, masked on both sides
//   images="tol=5"        compare images pixel by pixel within an RMS of 5 levels of 255
//                         (default "tol=2"), by "hash", by "size" or not at all ("ignore")

import Foundation
import Yams

public struct CheckSettings: Sendable {
    public enum ImageCheck: Sendable, Equatable {
        /// Pixel by pixel, within this root-mean-square difference in levels of 255.
        case tolerance(Double)
        case hash, size, ignore

        public static let standard = ImageCheck.tolerance(2)

        /// `tol=N`, `hash`, `size` or `ignore`.
        public init?(_ text: String) {
            switch text {
            case "hash": self = .hash
            case "size": self = .size
            case "ignore": self = .ignore
            default:
                guard text.hasPrefix("tol="), let n = Double(text.dropFirst(4)), n >= 0, n.isFinite else { return nil }
                self = .tolerance(n)
            }
        }

        public static let expected = "images must be \"tol=N\" (N >= 0), \"hash\", \"size\" or \"ignore\""
    }

    public var tolerance = 1e-4
    public var absoluteTolerance = 0.0
    public var sanitizer = Sanitizer.standard
    public var images = ImageCheck.standard
    /// Set on the command line: wins over the notebook's and the cells' settings.
    public var imagesFixed = false

    public init() {}

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    /// These settings with a notebook's or a cell's overrides applied.
    public func overridden(by values: [String: MetadataValue], where place: String) throws(Invalid) -> CheckSettings {
        var s = self
        if let v = values["tolerance"] {
            guard let n = v.number, n >= 0 else { throw Invalid(description: "\(place): tolerance must be a number >= 0") }
            s.tolerance = n
        }
        if let v = values["abs_tolerance"] {
            guard let n = v.number, n >= 0 else { throw Invalid(description: "\(place): abs_tolerance must be a number >= 0") }
            s.absoluteTolerance = n
        }
        if let v = values["sanitize"] {
            guard let patterns = v.strings else { throw Invalid(description: "\(place): sanitize must be a regex or a list of regexes") }
            do { s.sanitizer = try s.sanitizer.adding(patterns) } catch {
                throw Invalid(description: "\(place): \(error.description)")
            }
        }
        if let v = values["images"] {
            guard let name = v.string, let check = ImageCheck(name) else {
                throw Invalid(description: "\(place): \(ImageCheck.expected)")
            }
            if !imagesFixed { s.images = check }
        }
        return s
    }

    /// The settings for one cell, from the notebook's and the cell's.
    public func forCell(_ cell: Cell, label: String) throws(Invalid) -> CheckSettings {
        var values: [String: MetadataValue] = [:]
        for item in cell.metadata {
            guard let v = item.value else { throw Invalid(description: "\(label): \(item.key) is not JSON") }
            values[item.key] = v
        }
        return try overridden(by: values, where: label)
    }
}

/// The notebook's header: Jupytext's YAML (in `-- ` comments), whose `jupyter:` part
/// is the notebook's metadata.
public struct NotebookHeader: Sendable {
    public var metadata: [String: MetadataValue] = [:]

    public init(lines: [String]) throws(CheckSettings.Invalid) {
        guard lines.count >= 2 else { return }
        let yaml = lines.dropFirst().dropLast().map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 }.map { line -> String in
            if line.hasPrefix("-- ") { return String(line.dropFirst(3)) }
            if line == "--" { return "" }
            return line
        }.joined(separator: "\n")
        let root: MetadataValue
        do {
            root = try YAMLDecoder().decode(MetadataValue.self, from: yaml)
        } catch let DecodingError.dataCorrupted(context) {
            // Yams' own message says where (line and column); the decoder's wrapping says nothing more.
            let why = context.underlyingError.map { "\($0)" } ?? context.debugDescription
            throw CheckSettings.Invalid(description: "the header is not valid YAML: \(why)")
        } catch {
            throw CheckSettings.Invalid(description: "the header is not valid YAML: \(error)")
        }
        if case .object(let top) = root, case .object(let jupyter)? = top["jupyter"] {
            metadata = jupyter
        }
    }

    /// The notebook's check settings (`jupyter: lstmlua:` in the header).
    public func checkSettings(base: CheckSettings = CheckSettings()) throws(CheckSettings.Invalid) -> CheckSettings {
        guard case .object(let own)? = metadata["lstmlua"] else { return base }
        return try base.overridden(by: own, where: "the header")
    }
}
