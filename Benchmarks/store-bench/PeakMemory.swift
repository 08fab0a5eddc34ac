import Foundation

/// The process's resident memory from /proc/self/status, for a job's peak: `reset` sets the
/// kernel's high-water mark (VmHWM) back to the current RSS (writing 5 to /proc/self/clear_refs),
/// so a peak read after the job is the job's own, not the set-up's.
enum PeakMemory {
    /// Sets VmHWM back to the current VmRSS; false when the kernel refuses (then `peak` may be the set-up's).
    @discardableResult
    static func reset() -> Bool {
        guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
        defer { try? handle.close() }
        do { try handle.write(contentsOf: Data("5".utf8)) } catch { return false }
        return true
    }

    /// VmRSS now, in MiB.
    static var resident: Double { field("VmRSS:") }
    /// VmHWM (the highest VmRSS since the start or the last `reset`), in MiB.
    static var peak: Double { field("VmHWM:") }

    private static func field(_ name: String) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix(name) }),
              let kb = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) })
        else { return 0 }
        return kb / 1024
    }
}
