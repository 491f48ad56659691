// Scripts/examples: ports of public PyTorch scripts, each run as its README says,
// with a configuration small enough for the suite.

import Foundation
import Testing

@Suite(.serialized) struct ExampleScriptTests {
    static let examples = Command.root.appendingPathComponent("Scripts/examples")

    /// The numbers after `prefix` on the lines that start with it.
    static func numbers(after prefix: String, in text: String) -> [Double] {
        text.split(separator: "\n").compactMap { line in
            guard line.hasPrefix(prefix) else { return nil }
            return Double(line.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces))
        }
    }

    /// pytorch/examples time_sequence_prediction: float64 LSTMCells trained by L-BFGS
    /// (the original's default, and with strong Wolfe), predicting into the future; plots as PDF.
    @Test func timeSequencePredictionTrainsAndPredicts() throws {
        let dir = try Command.temporaryDirectory()
        let folder = ExampleScriptTests.examples.appendingPathComponent("time_sequence_prediction")
        let generate = try Command.run([folder.appendingPathComponent("generate_sine_wave.lua").path, "8", "60"], directory: dir)
        #expect(generate.status == 0, "\(generate.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("traindata.npy").path))
        let r = try Command.run([folder.appendingPathComponent("train.lua").path, "--steps", "2", "--future", "30", "--hidden", "12"],
                                directory: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let losses = ExampleScriptTests.numbers(after: "loss:", in: r.stdout)
        let tests = ExampleScriptTests.numbers(after: "test loss:", in: r.stdout)
        #expect(losses.count >= 4, "\(r.stdout)")
        #expect(tests.count == 2)
        #expect(losses.last! < losses.first! / 2, "loss \(losses.first ?? .nan) -> \(losses.last ?? .nan)")
        for step in 0..<2 {
            let pdf = dir.appendingPathComponent("predict\(step).pdf")
            let head = try FileHandle(forReadingFrom: pdf).readData(ofLength: 5)
            #expect(head == Data("%PDF-".utf8), "predict\(step).pdf is a PDF")
        }
        let wolfe = try Command.run([folder.appendingPathComponent("train.lua").path, "--steps", "1", "--future", "10", "--hidden", "8",
                                     "--line-search", "strong_wolfe", "--out", dir.path], directory: dir)
        #expect(wolfe.status == 0, "\(wolfe.stderr)")
        let wolfeLosses = ExampleScriptTests.numbers(after: "loss:", in: wolfe.stdout)
        // each closure call of the line search prints; they never rise above the first by much
        #expect(wolfeLosses.count >= 3 && wolfeLosses.min()! < wolfeLosses.first!, "\(wolfe.stdout)")
    }

    /// pytorch/examples word_language_model: a tied-weight LSTM language model learns a
    /// small grammar (Tests/Fixtures/corpus) far below the uniform perplexity.
    @Test func wordLanguageModelLearnsTheCorpus() throws {
        let dir = try Command.temporaryDirectory()
        let corpus = Command.root.appendingPathComponent("Tests/Fixtures/corpus").path
        let main = ExampleScriptTests.examples.appendingPathComponent("word_language_model/main.lua").path
        let r = try Command.run([main, "--data", corpus, "--epochs", "10", "--emsize", "24", "--nhid", "24", "--nlayers", "2",
                                 "--bptt", "10", "--batch_size", "8", "--lr", "10", "--dropout", "0.1", "--tied",
                                 "--log-interval", "5"], directory: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("| end of epoch   1 |"))
        let test = r.stdout.split(separator: "\n").first { $0.hasPrefix("| End of training") }
        let ppl = test.flatMap { Double($0.split(separator: " ").last(where: { Double($0) != nil }) ?? "") }
        // 22 words: a model that learned nothing has a perplexity near 22; the grammar allows about 2
        #expect(ppl != nil && ppl! < 4, "\(r.stdout)")
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("model.safetensors").path))
        let check = try Command.script("""
            local s = torch.load("model.safetensors")
            assert(s["encoder.weight"] and s["decoder.weight"], "both names of the tied weight are saved")
            assert(torch.equal(s["encoder.weight"], s["decoder.weight"]))
            """)
        let c = try Command.run([check.path], directory: dir)
        #expect(c.status == 0, "\(c.stderr)")
    }
}
