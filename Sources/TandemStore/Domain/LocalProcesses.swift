import Glibc

/// What `/proc` says about this process and the others of this host (`ImportOwner` judges it).
enum LocalProcesses {
    /// This process, read once (nil when `/proc` cannot tell: hidden sessions it writes then
    /// record no owner and are judged by the 10-minute rule alone).
    static let current: ImportOwner? = {
        guard let boot = read("/proc/sys/kernel/random/boot_id")?.split(whereSeparator: \.isWhitespace).first.map(String.init),
              let namespace = link("/proc/self/ns/pid"), !namespace.isEmpty, !namespace.contains(" "),
              let stat = read("/proc/self/stat").flatMap(ImportOwner.parseStat) else { return nil }
        return ImportOwner(bootID: boot, pidNamespace: namespace, pid: getpid(), startTicks: stat.startTicks)
    }()

    /// What the machine says about `pid` now. `/proc/PID/stat` first; when it cannot be read,
    /// `kill(pid, 0)` tells no such process (ESRCH) from one we may not look at (EPERM).
    static func probe(_ pid: Int32) -> ImportOwner.Probe {
        if let stat = read("/proc/\(pid)/stat").flatMap(ImportOwner.parseStat) {
            return .running(startTicks: stat.startTicks, exited: stat.state == "Z" || stat.state == "X")
        }
        if kill(pid, 0) != 0 && errno == ESRCH { return .none }
        return .unknown
    }

    /// The verdict on the writer a hidden session's `importer` names, with `locks` what the lock
    /// file said about the slots of the writers judged (`WriterLock.look`).
    static func judge(_ importer: String?, locks: [ImportOwner.LockSlot: ImportOwner.LockState] = [:]) -> ImportOwner.Verdict {
        ImportOwner.judge(ImportOwner(token: importer), from: current, lock: { locks[$0] }, probe: probe)
    }

    /// A small file's text (the files of `/proc` read here are under 1 KiB); nil when unreadable.
    private static func read(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1024)
        while bytes.count < 16_384 {
            // Safe: read(2) writes at most `count` bytes into the array's own buffer.
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            bytes += chunk[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Where a symbolic link points (`pid:[4026531836]` for a pid namespace); nil when unreadable.
    private static func link(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        // Safe: readlink(2) writes at most `count` bytes into the array's own buffer (no NUL added).
        let n = buffer.withUnsafeMutableBufferPointer { readlink(path, $0.baseAddress!, $0.count) }
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
