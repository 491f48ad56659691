// The time module, named as Python's: a monotonic clock for timing code
// (os.clock counts CPU time of every thread, which is not wall time).

import LuaBridge
import Tensors

#if canImport(Glibc)
import Glibc
#endif

enum TimeBindings {
    static let functions: [LuaFunction] = [perfCounter, sleep]

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    static let perfCounter = LuaFunction("perf_counter", "time.perf_counter() -> seconds",
                                         "A monotonic clock in seconds, for measuring intervals.") { lua in
        lua.push(now())
        return 1
    }

    static let sleep = LuaFunction("sleep", "time.sleep(seconds)", "Pauses for the given number of seconds.") { lua in
        let s = try lua.number(1)
        guard s >= 0 && s < 1e7 else { throw LuaError.argument(1, "seconds must be between 0 and 1e7, got \(s)") }
        var request = timespec(tv_sec: Int(s), tv_nsec: Int((s - s.rounded(.down)) * 1e9))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR {
            // Ctrl-C (or a kernel's interrupt) ends the sleep
            if Interrupt.pending { throw LuaError.message("interrupted!") }
            request = remaining
        }
        return 0
    }
}

/// A monotonic clock in seconds, for timing in Swift as time.perf_counter does in Lua.
public enum WallClock {
    public static func now() -> Double { TimeBindings.now() }
}
