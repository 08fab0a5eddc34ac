#if !TANDEM_WITHOUT_JEMALLOC
import CJemalloc
#endif

/// The memory allocator of the process: jemalloc, linked in place of glibc's malloc.
///
/// Why: the server hands objects from thread to thread (a request parsed on an event loop becomes
/// a write job freed by the completion thread, whose frames are freed back on the loop). glibc's
/// per-thread caches take only a few chunks of each size, so under load most frees of memory from
/// another thread's arena go through that arena's lock and most allocations through the slow path
/// (`_int_malloc` and friends were 9% of the event loop's samples). jemalloc returns such frees to
/// their owner cheaply: server CPU per turn on 1000x10 fell 11-15% (docs/benchmarks.md).
///
/// Sanitizer builds (`TANDEM_WITHOUT_JEMALLOC`, see Package.swift) leave jemalloc out: the
/// sanitizer's allocator serves the process, and every member here answers nil or false.
public enum Allocator {
    #if TANDEM_WITHOUT_JEMALLOC
    public static var version: String? { nil }
    public static func statistics() -> (allocated: Int, resident: Int)? { nil }
    @discardableResult
    public static func releaseFreedMemory() -> Bool { false }
    static var allocatedByThisThread: UInt64? { nil }
    #else
    /// jemalloc's version, e.g. "5.3.0-0-g54eaed1d8b56b1aa528be3bdd1877e59c56fa90c"; nil if the
    /// process does not run on jemalloc.
    public static var version: String? {
        // Safe: mallctl stores one pointer into `pointer` (size checked below); it points at jemalloc's static version string, copied by String(cString:)
        var pointer: UnsafePointer<CChar>?
        var size = MemoryLayout<UnsafePointer<CChar>?>.size
        // Safe: mallctl writes exactly `size` bytes (one pointer) into `pointer`.
        guard mallctl("version", &pointer, &size, nil, 0) == 0, let pointer else { return nil }
        return String(cString: pointer)
    }

    /// Bytes the application holds (`allocated`) and bytes of physical memory the allocator maps
    /// (`resident`: held, cached for reuse and its own metadata), as of this call.
    public static func statistics() -> (allocated: Int, resident: Int)? {
        // Statistics are a snapshot taken when the epoch is advanced.
        var epoch: UInt64 = 1
        // Safe: mallctl reads `MemoryLayout<UInt64>.size` bytes from `epoch`.
        guard mallctl("epoch", nil, nil, &epoch, MemoryLayout<UInt64>.size) == 0,
              let allocated = readSize("stats.allocated"), let resident = readSize("stats.resident")
        else { return nil }
        return (allocated, resident)
    }

    /// Returns the free pages of every arena to the system now, instead of after jemalloc's decay
    /// time, which only advances while the process allocates (an idle server would keep them).
    @discardableResult
    public static func releaseFreedMemory() -> Bool {
        // 4096 is MALLCTL_ARENAS_ALL (a macro of jemalloc.h, which is not imported): every arena.
        mallctl("arena.4096.purge", nil, nil, nil, 0) == 0
    }

    /// Bytes the calling thread has allocated since it started (a running total, never lowered by
    /// frees); nil if the process does not run on jemalloc.
    static var allocatedByThisThread: UInt64? {
        var value: UInt64 = 0
        var size = MemoryLayout<UInt64>.size
        // Safe: mallctl writes at most `size` bytes (one uint64_t) into `value`.
        return mallctl("thread.allocated", &value, &size, nil, 0) == 0 ? value : nil
    }

    private static func readSize(_ name: String) -> Int? {
        var value = 0
        var size = MemoryLayout<Int>.size
        // Safe: mallctl writes at most `size` bytes (one size_t) into `value`.
        return mallctl(name, &value, &size, nil, 0) == 0 ? value : nil
    }
    #endif
}
