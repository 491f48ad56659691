// --check's comparison: numbers within tolerance (allowing for how they were
// printed), masked run-dependent text, error locations, images, and the diff.

import Notebooks
import Foundation
import Testing

@Suite struct OutputComparisonTests {
    let settings = CheckSettings()

    func same(_ a: String, _ b: String, _ s: CheckSettings? = nil) -> Bool {
        OutputComparison.diff(saved: [.stream(name: "stdout", text: a + "\n")], fresh: [.stream(name: "stdout", text: b + "\n")],
                              settings: s ?? settings) == nil
    }

    @Test func numbersWithinToleranceMatch() {
        #expect(same("loss 0.123456", "loss 0.123460"))
        #expect(!same("loss 0.123456", "loss 0.123556"))
        #expect(same("tensor([1.0000e-05, 2.5000e+03])", "tensor([1.0000e-05, 2.5001e+03])"))
        var loose = settings
        loose.tolerance = 1e-2
        #expect(same("loss 0.123456", "loss 0.123556", loose))
    }

    @Test func aLastDigitThatRoundsTheOtherWayMatches() {
        #expect(same("0.1235", "0.1234"))
        #expect(!same("0.1235", "0.1233"))
        #expect(!same("epoch 3", "epoch 4"), "integers must be equal")
        #expect(!same("size 10", "size 11"))
    }

    @Test func textMustMatch() {
        #expect(!same("hello", "hullo"))
        #expect(!same("a 1", "b 1"))
        #expect(!same("1 2", "1 2 3"))
        #expect(same("lstm2 ok", "lstm2 ok"))
        #expect(!same("lstm2 ok", "lstm3 ok"), "digits inside a word are text")
    }

    @Test func runDependentTextIsMasked() {
        #expect(same("took 12.5 ms", "took 3.1 ms"))
        #expect(same("train 100%|██████████| 100/100 [00:01<00:00, 81.23it/s, loss=0.1]",
                     "train 100%|██████████| 100/100 [00:03<00:00, 30.02it/s, loss=0.1]"))
        #expect(same("windows 100%|██████████| 8/8 [00:01<00:00, 6.12batch/s]", "windows 100%|██████████| 8/8 [00:02<00:00, 3.50batch/s]"))
        #expect(same("lines 120it [00:01, 95.30it/s, loss=0.1]", "lines 120it [00:00, 812.00it/s, loss=0.1]"))
        #expect(!same("lines 120it [00:01, 95.30it/s]", "lines 121it [00:01, 95.30it/s]"), "the count is the run's own")
        #expect(same("table: 0x55d0c2a4b6e0", "table: 0x7f00aa11bb22"))
        #expect(same("run on 2026-11-27 10:00:01", "run on 2027-01-02 23:59:59"))
        #expect(!same("took 12.5 ms", "took 12.5 ms!"))
    }

    @Test func errorsCompareWithoutTheirLocation() {
        let a: [Output] = [.error("nb.lua:12: bad argument #1 to 'view' (shape [3] is invalid)")]
        let moved: [Output] = [.error("nb.lua:15: bad argument #1 to 'view' (shape [3] is invalid)")]
        let other: [Output] = [.error("nb.lua:12: bad argument #1 to 'view' (shape [4] is invalid)")]
        #expect(OutputComparison.diff(saved: a, fresh: moved, settings: settings) == nil)
        #expect(OutputComparison.diff(saved: a, fresh: other, settings: settings) != nil)
        #expect(OutputComparison.diff(saved: a, fresh: [.stream(name: "stdout", text: "nb.lua:12: bad argument\n")], settings: settings) != nil,
                "an error is not printed text")
    }

    @Test func imagesByHashSizeOrNotAtAll() {
        let a: [Output] = [.image(Output.Image(path: "nb.files/aaaaaaaaaaaaaaaa.png", width: 800, height: 500))]
        let b: [Output] = [.image(Output.Image(path: "nb.files/bbbbbbbbbbbbbbbb.png", width: 800, height: 500))]
        let c: [Output] = [.image(Output.Image(path: "nb.files/bbbbbbbbbbbbbbbb.png", width: 640, height: 500))]
        #expect(OutputComparison.diff(saved: a, fresh: b, settings: settings) != nil)
        var size = settings
        size.images = .size
        #expect(OutputComparison.diff(saved: a, fresh: b, settings: size) == nil)
        #expect(OutputComparison.diff(saved: a, fresh: c, settings: size) != nil)
        var ignore = settings
        ignore.images = .ignore
        #expect(OutputComparison.diff(saved: a, fresh: [], settings: ignore) == nil)
    }

    @Test func imagesThatCannotBeDecodedFailTheToleranceCheckAndSayWhy() throws {
        let a: [Output] = [.image(Output.Image(path: "nb.files/aaaaaaaaaaaaaaaa.png", width: 800, height: 500))]
        let b: [Output] = [.image(Output.Image(path: "nb.files/bbbbbbbbbbbbbbbb.png", width: 800, height: 500))]
        #expect(settings.images == .tolerance(2), "figures are compared pixel by pixel by default")
        let missing = ImageComparer(saved: { _ in nil }, fresh: { _ in Data([1, 2, 3]) })
        let diff = try #require(OutputComparison.diff(saved: a, fresh: b, settings: settings, images: missing))
        #expect(diff.contains("  ^ the image cannot be compared: the saved image nb.files/aaaaaaaaaaaaaaaa.png is missing"))
        let garbage = ImageComparer(saved: { _ in Data("not a png".utf8) }, fresh: { _ in Data([1, 2, 3]) })
        let bad = try #require(OutputComparison.diff(saved: a, fresh: b, settings: settings, images: garbage))
        #expect(bad.contains { $0.contains("is not a readable PNG") })
        #expect(OutputComparison.diff(saved: a, fresh: a, settings: settings) == nil, "by name alone when no files are at hand")
        #expect(OutputComparison.diff(saved: a, fresh: a, settings: settings, images: missing) != nil,
                "a saved image whose file is gone fails even under the same name")
        #expect(CheckSettings.ImageCheck("tol=0.5") == .tolerance(0.5))
        #expect(CheckSettings.ImageCheck("tol=-1") == nil)
        #expect(CheckSettings.ImageCheck("pixels") == nil)
    }

    @Test func theDiffShowsSavedAndFreshLinesAndTheNumberThatMoved() throws {
        let saved: [Output] = [.stream(name: "stdout", text: "one\ntwo\nthree\nfour\nfive\nsix\n"), .value("0.5000")]
        let fresh: [Output] = [.stream(name: "stdout", text: "one\ntwo\nthree\nfour\nfive\nsix\n"), .value("0.7500")]
        let diff = try #require(OutputComparison.diff(saved: saved, fresh: fresh, settings: settings))
        #expect(diff == [
            "  ...",
            "  --| five",
            "  --| six",
            "- --= 0.5000",
            "+ --= 0.7500",
            "  ^ 0.5000 became 0.7500: relative difference 0.33, tolerance 0.0001",
        ] || diff == [
            "  --| five",
            "  --| six",
            "- --= 0.5000",
            "+ --= 0.7500",
            "  ^ 0.5000 became 0.7500: relative difference 0.33, tolerance 0.0001",
        ])
        let inserted = try #require(OutputComparison.diff(saved: [.stream(name: "stdout", text: "a\nc\n")],
                                                          fresh: [.stream(name: "stdout", text: "a\nb\nc\n")], settings: settings))
        #expect(inserted == ["  --| a", "+ --| b", "  --| c"])
    }
}
