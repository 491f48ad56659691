// Scripts/train_sine.lua: the article end to end, its images and its options.

import CCairo
import Foundation
import Testing

@Suite(.serialized) struct TrainSineTests {
    static let script = Command.root.appendingPathComponent("Scripts/train_sine.lua").path

    func train(_ args: [String], in dir: URL) throws -> CommandResult {
        try Command.run([TrainSineTests.script] + args + ["--out", dir.path])
    }

    @Test func trainsPrintsTheModelAndAFallingLoss() throws {
        let dir = try Command.temporaryDirectory()
        let r = try train(["--iterations", "60"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("Net(\n  (rnn): LSTM(1, 10, batch_first=True)\n  (linear): Linear(in_features=10, out_features=1, bias=True)\n)"))
        let losses = r.stdout.split(separator: "\n").compactMap { line -> Double? in
            guard line.hasPrefix("Iteration:") else { return nil }
            return Double(line.split(separator: " ").last!)
        }
        #expect(losses.count >= 5)
        #expect(losses.last! < losses.first! / 4, "loss \(losses.first!) -> \(losses.last!)")
        #expect(r.stdout.contains("free-running test MSE"))
        // the progress bar goes to stderr, never stdout
        #expect(r.stderr.contains("100%|██████████| 60/60"))
        #expect(!r.stdout.contains("it/s"))
    }

    @Test func pngHasTheSizeAndIsNotBlank() throws {
        let dir = try Command.temporaryDirectory()
        let r = try train(["--iterations", "20", "--quiet"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        for name in ["sine_lstm_loss.png", "sine_lstm_prediction.png"] {
            let path = dir.appendingPathComponent(name).path
            let surface = cairo_image_surface_create_from_png(path)
            defer { cairo_surface_destroy(surface) }
            #expect(cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS, "\(name) is a valid PNG")
            #expect(cairo_image_surface_get_width(surface) == 800)
            #expect(cairo_image_surface_get_height(surface) == 500)
            // count pixels that are not white: axes, text and curves
            cairo_surface_flush(surface)
            let data = cairo_image_surface_get_data(surface)!
            let stride = Int(cairo_image_surface_get_stride(surface))
            var coloured = 0, drawn = 0
            for y in 0..<500 {
                let row = (data + y * stride).withMemoryRebound(to: UInt32.self, capacity: 800) { $0 }
                for x in 0..<800 {
                    let p = row[x]
                    let (r, g, b) = ((p >> 16) & 0xff, (p >> 8) & 0xff, p & 0xff)
                    if p & 0xffffff != 0xffffff { drawn += 1 }
                    if max(r, g, b) - min(r, g, b) > 60 { coloured += 1 }
                }
            }
            #expect(drawn > 4000, "\(name): \(drawn) drawn pixels")
            #expect(coloured > 500, "\(name): \(coloured) coloured pixels (the curves)")
        }
    }

    @Test func svgAndPdfOnRequest() throws {
        let dir = try Command.temporaryDirectory()
        #expect(try train(["--iterations", "10", "--quiet", "--format", "svg"], in: dir).status == 0)
        #expect(try train(["--iterations", "10", "--quiet", "--format", "pdf"], in: dir).status == 0)
        let svg = try String(contentsOf: dir.appendingPathComponent("sine_lstm_prediction.svg"), encoding: .utf8)
        #expect(svg.hasPrefix("<?xml"))
        #expect(svg.contains("width=\"800px\" height=\"500px\""))
        #expect(svg.components(separatedBy: "<path").count > 20, "curves and text are drawn")
        let pdf = try Data(contentsOf: dir.appendingPathComponent("sine_lstm_loss.pdf"))
        #expect(pdf.starts(with: Array("%PDF-".utf8)))
        let text = String(decoding: pdf, as: UTF8.self)
        #expect(text.contains("/MediaBox [ 0 0 800 500 ]"))
        #expect(pdf.count > 10_000, "the page has content")
    }

    @Test func sameSeedSameBytes() throws {
        for format in ["png", "svg", "pdf"] {
            let a = try Command.temporaryDirectory(), b = try Command.temporaryDirectory()
            let ra = try train(["--iterations", "30", "--quiet", "--seed", "7", "--format", format], in: a)
            let rb = try train(["--iterations", "30", "--quiet", "--seed", "7", "--format", format], in: b)
            #expect(ra.status == 0 && rb.status == 0)
            // the numbers match too (the summary without its timing)
            let summary = { (s: String) in s.replacingOccurrences(of: #", [0-9.]+ s; images.*"#, with: "", options: .regularExpression) }
            #expect(summary(ra.stdout) == summary(rb.stdout))
            for name in ["sine_lstm_loss", "sine_lstm_prediction"] {
                let x = try Data(contentsOf: a.appendingPathComponent("\(name).\(format)"))
                let y = try Data(contentsOf: b.appendingPathComponent("\(name).\(format)"))
                #expect(x == y, "\(name).\(format) differs between runs")
            }
        }
        let c = try Command.temporaryDirectory()
        let other = try train(["--iterations", "30", "--quiet", "--seed", "8"], in: c)
        let first = try train(["--iterations", "30", "--quiet", "--seed", "7"], in: c)
        #expect(other.stdout != first.stdout, "another seed gives other numbers")
    }

    @Test func everyCellTrains() throws {
        for cell in ["gru", "rnn"] {
            let dir = try Command.temporaryDirectory()
            let r = try train(["--iterations", "20", "--quiet", "--cell", cell, "--batch", "3", "--warmup", "5"], in: dir)
            #expect(r.status == 0, "\(cell): \(r.stderr)")
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("sine_\(cell)_prediction.png").path))
        }
    }

    @Test func helpAndBadOptions() throws {
        let help = try Command.run([TrainSineTests.script, "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("--warmup K"))
        let bad = try Command.run([TrainSineTests.script, "--iterations", "ten"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("--iterations expects an integer, got 'ten'"))
        let unknown = try Command.run([TrainSineTests.script, "--hiden", "3"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("unknown option '--hiden'"))
    }
}
