// init_process_group's timeout: a blocked collective cannot be cancelled (MPI has no
// way to take back a call the other ranks never join), so when one waits longer than
// the timeout a watchdog thread says which call on which rank waited, and ends the
// whole job, as PyTorch's NCCL watchdog tears the process down.

import Foundation

#if canImport(Glibc)
import Glibc
#endif

final class Watchdog: @unchecked Sendable {
    private let condition = NSCondition()
    private var deadline: Date?
    private var call = ""
    private let timeout: Double
    private let fire: @Sendable (String) -> Void

    /// `fire` gets the message when a call overstays; it must end the process.
    init(timeout: Double, fire: @escaping @Sendable (String) -> Void) {
        self.timeout = timeout
        self.fire = fire
        // The thread keeps the watchdog alive: it waits on it for the rest of the process.
        let thread = Thread { self.watch() }
        thread.name = "lstmlua-distributed-watchdog"
        thread.start()
    }

    /// Runs `body` (a blocking call named `name`) under the timeout.
    func guarding<T, E: Error>(_ name: String, _ body: () throws(E) -> T) throws(E) -> T {
        condition.lock()
        deadline = Date(timeIntervalSinceNow: timeout)
        call = name
        condition.signal()
        condition.unlock()
        defer {
            condition.lock()
            deadline = nil
            condition.unlock()
        }
        return try body()
    }

    private func watch() {
        condition.lock()
        while true {
            guard let d = deadline else { condition.wait(); continue }
            if Date() < d { _ = condition.wait(until: d); continue }
            let name = call
            condition.unlock()
            fire("\(name) waited more than \(Watchdog.format(timeout)) s for the other ranks (init_process_group's timeout); ending the job")
            _exit(1)
        }
    }

    static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() && seconds < 1e15 ? String(Int(seconds)) : String(seconds)
    }
}
