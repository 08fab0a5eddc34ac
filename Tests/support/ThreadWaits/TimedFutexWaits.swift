import Foundation

/// What a thread of this process is blocked in, read from the kernel (`/proc/self/task/*/syscall`):
/// the futex operation of each timed wait seen, to tell which clock its deadline is on.
/// Shared by the store's and the server's tests (target `ThreadWaits`).
public enum TimedFutexWaits {
    /// `FUTEX_CLOCK_REALTIME`: set in the operation of a wait whose deadline is on the wall clock
    /// (glibc's `pthread_cond_timedwait` on a condition without a monotonic clock attribute).
    public static let clockRealtimeFlag: UInt64 = 0x100
    /// `FUTEX_WAIT_BITSET`, the operation a timed condition wait uses (without the private and
    /// clock flags).
    public static let waitBitset: UInt64 = 9

    #if arch(x86_64)
    private static let futexSyscall = "202"
    #else
    private static let futexSyscall = "98"
    #endif

    /// Samples the threads named `name` until `count` timed futex waits were seen or `timeout`
    /// seconds passed; returns the operations seen.
    public static func operations(ofThreadsNamed name: String, count: Int = 3, timeout: Double = 5) -> [UInt64] {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(timeout * 1e9)
        var seen: [UInt64] = []
        while seen.count < count && DispatchTime.now().uptimeNanoseconds < deadline {
            for task in threads(named: name) {
                // "202 uaddr op val timeout uaddr2 val3 sp pc" while blocked in futex; "running" else.
                guard let line = try? String(contentsOfFile: "/proc/self/task/\(task)/syscall", encoding: .utf8) else { continue }
                let fields = line.split(separator: " ")
                guard fields.count >= 5, fields[0] == futexSyscall, fields[4] != "0x0",
                      let op = UInt64(fields[2].dropFirst(2), radix: 16) else { continue }
                seen.append(op)
            }
            usleep(2_000)
        }
        return seen
    }

    private static func threads(named name: String) -> [String] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        return tasks.filter { task in
            (try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines) == name
        }
    }
}
