// torch.distributed and nn.DDP in real jobs: `mpirun -np 2` running the scripts in
// Tests/Distributed. Skipped, saying so, where Open MPI's mpirun is not installed
// (Scripts/test installs openmpi-bin, so CI runs them).

import Foundation
import Testing

enum MPIRun {
    static let path: String? = {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init) + ["/usr/bin"]
        return dirs.map { $0 + "/mpirun" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// Runs `lstmlua script args` as two ranks on this machine. Root (as in a container)
    /// needs Open MPI's consent; the shared-memory transport's single-copy mechanism
    /// (CMA) is off because containers often forbid the ptrace it relies on.
    static func run(_ script: String, _ args: [String] = [], killAfter: Double = 120) throws -> (result: CommandResult, seconds: Double) {
        let started = Date()
        let result = try Command.runProgram(path!, ["-np", "2", "--oversubscribe", "--allow-run-as-root",
                                                     Command.binary.path, Command.root.appendingPathComponent(script).path] + args,
                                             environment: ["LUA_PATH": Command.root.path + "/Tests/BindingsTests/lua/?.lua;;",
                                                           "OMPI_MCA_btl_vader_single_copy_mechanism": "none",
                                                           "OMPI_MCA_rmaps_base_oversubscribe": "1"],
                                             killAfter: killAfter)
        return (result, Date().timeIntervalSince(started))
    }
}

@Suite(.serialized, .enabled(if: MPIRun.path != nil, "needs Open MPI's mpirun (apt-get install openmpi-bin libopenmpi-dev)"))
struct DistributedTests {
    @Test func collectivesEveryOpDtypeAndSize() throws {
        let (r, _) = try MPIRun.run("Tests/Distributed/collectives.lua")
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stdout.contains("rank 0: collectives ok"), "\(r.stdout)")
        #expect(r.stdout.contains("rank 1: collectives ok"), "\(r.stdout)")
    }

    @Test func ddpMatchesOneProcessWithTheWholeBatch() throws {
        let (r, _) = try MPIRun.run("Tests/Distributed/ddp_parity.lua")
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stdout.contains("rank 0: 4 cases passed"), "\(r.stdout)")
        #expect(r.stdout.contains("rank 1: 4 cases passed"), "\(r.stdout)")
    }

    /// Scripts/train_sine.lua --distributed: rank 0 alone prints and plots, and two ranks of
    /// batch 4 train as one process of batch 8 does.
    @Test func trainSineDistributed() throws {
        let dir = try Command.temporaryDirectory(), single = try Command.temporaryDirectory()
        let options = ["--iterations", "40", "--hidden", "8"]
        let (r, _) = try MPIRun.run("Scripts/train_sine.lua", ["--distributed", "--batch", "4", "--out", dir.path] + options)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.components(separatedBy: "Net(").count == 2, "the model printed once: \(r.stdout)")
        #expect(r.stdout.components(separatedBy: "Iteration: 40 loss").count == 2)
        #expect(r.stdout.contains("batch 4 per rank × 2 ranks"), "\(r.stdout)")
        for name in ["sine_lstm_loss.png", "sine_lstm_prediction.png"] {
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(name).path), "\(name)")
        }
        let one = try Command.run([TrainSineTests.script, "--batch", "8", "--out", single.path] + options)
        #expect(one.status == 0, "\(one.stderr)")
        func finalLoss(_ s: String) -> Double? {
            s.range(of: "final loss ").flatMap { Double(s[$0.upperBound...].prefix { $0 != "," }) }
        }
        let (a, b) = (try #require(finalLoss(r.stdout)), try #require(finalLoss(one.stdout)))
        #expect(abs(a - b) <= 1e-4 * b, "2 ranks × batch 4: \(a), 1 process × batch 8: \(b)")
    }

    @Test func anErrorOnOneRankEndsTheJob() throws {
        let (r, seconds) = try MPIRun.run("Tests/Distributed/raise.lua", killAfter: 30)
        #expect(r.status != 0)
        #expect(seconds < 10, "mpirun took \(seconds) s to end")
        #expect(r.stderr.contains("lstmlua: rank 1: ") && r.stderr.contains("rank one failed on purpose"), "\(r.stderr)")
        #expect(!r.stdout.contains("rank 0 passed the barrier"))
    }

    @Test func initTimesOutWhenARankNeverComes() throws {
        let (r, seconds) = try MPIRun.run("Tests/Distributed/late.lua", killAfter: 30)
        #expect(r.status != 0)
        #expect(seconds < 10, "mpirun took \(seconds) s to end")
        #expect(r.stderr.contains("init_process_group waited more than 1 s for the other ranks"), "\(r.stderr)")
        #expect(!r.stdout.contains("initialised"))
    }
}
