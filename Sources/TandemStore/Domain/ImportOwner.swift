/// Which process is writing a hidden session (an import, a fork, a session from a template), and
/// whether that process is provably gone. Pure: what the machine says is read by `LocalProcesses`
/// and `WriterLock`.
///
/// Every process that opens the database runs on one host (SQLite's WAL needs shared memory), so
/// a process is named by the boot it runs in (`/proc/sys/kernel/random/boot_id`), its pid
/// namespace (`/proc/self/ns/pid`: a container sees other pids), its pid, and its start time in
/// clock ticks since boot (`/proc/PID/stat` field 22). Pids are reused; a pid with the same start
/// time in the same boot is the same process. A pid of another namespace cannot be looked up, so
/// the writing store also names the byte of `DB-writers` it holds locked (`lock`, `WriterLock`):
/// the kernel drops that lock when the process dies, in whatever namespace it ran.
struct ImportOwner: Sendable, Equatable {
    var bootID: String
    var pidNamespace: String
    var pid: Int32
    var startTicks: UInt64
    /// The byte the writing store holds locked; nil when it could take none (`v1`).
    var lock: LockSlot?

    /// One byte of one lock file: the file's device and inode (the file the slot was taken in, not
    /// merely one at the same path) and the byte's offset.
    struct LockSlot: Sendable, Hashable {
        var device: UInt64
        var inode: UInt64
        var offset: Int64
        /// Offsets are drawn below this (2^62): far from `off_t`'s end, and 2^62 of them.
        static let offsetLimit: Int64 = 1 << 62
    }

    /// What the lock file says about a slot now.
    enum LockState: Sendable, Equatable {
        /// Someone holds the byte: its store is open in a live process.
        case held
        /// Nobody holds it, in the very file it was taken in: its store closed or its process died.
        case free
    }

    /// What `sessions.importer` holds: `v1 BOOT PIDNS PID START`, or with a lock slot
    /// `v2 BOOT PIDNS PID START DEVICE INODE OFFSET` (no field holds a space).
    var token: String {
        let v1 = "\(bootID) \(pidNamespace) \(pid) \(startTicks)"
        guard let lock else { return "v1 " + v1 }
        return "v2 \(v1) \(lock.device) \(lock.inode) \(lock.offset)"
    }

    /// Reads a `token` (either version); nil for anything else (a column older builds left null included).
    init?(token: String?) {
        guard let fields = token?.split(separator: " ", omittingEmptySubsequences: false),
              fields.count == 5 && fields[0] == "v1" || fields.count == 8 && fields[0] == "v2",
              !fields[1].isEmpty, !fields[2].isEmpty,
              let pid = Int32(fields[3]), pid > 0, let start = UInt64(fields[4]) else { return nil }
        var lock: LockSlot?
        if fields.count == 8 {
            guard let device = UInt64(fields[5]), let inode = UInt64(fields[6]), let offset = Int64(fields[7]),
                  (0..<LockSlot.offsetLimit).contains(offset) else { return nil }
            lock = LockSlot(device: device, inode: inode, offset: offset)
        }
        self.init(bootID: String(fields[1]), pidNamespace: String(fields[2]), pid: pid, startTicks: start, lock: lock)
    }

    init(bootID: String, pidNamespace: String, pid: Int32, startTicks: UInt64, lock: LockSlot? = nil) {
        self.bootID = bootID
        self.pidNamespace = pidNamespace
        self.pid = pid
        self.startTicks = startTicks
        self.lock = lock
    }

    /// What the machine says about a pid now.
    enum Probe: Sendable, Equatable {
        /// No process has that pid.
        case none
        /// A process has it: its start time, and whether it has already exited (a zombie or dead
        /// task, `Z` or `X`, waiting for its parent to reap it).
        case running(startTicks: UInt64, exited: Bool)
        /// It cannot be told (another user's process under `hidepid`, an unreadable `/proc`).
        case unknown
    }

    /// The verdict on a hidden session's writer.
    enum Verdict: Sendable, Equatable {
        /// Provably gone: its hidden session is handed to the delete steps at once.
        case gone
        /// Running: its hidden session is handed over only once not heard from for
        /// `SessionImport.abandonedAfterMilliseconds` (a hung process).
        case alive
        /// Not provable either way (an older build wrote no owner; another pid namespace, or no
        /// `/proc`, with no lock slot the lock file answers for): the same 10 minutes.
        case unknown
    }

    /// Judges `owner` (nil: not recorded) from the process `here` (nil: this process could not
    /// name itself), with `lock` telling what the lock file says about a slot (nil: it cannot
    /// tell) and `probe` what the machine says about a pid of this namespace.
    static func judge(_ owner: ImportOwner?, from here: ImportOwner?, lock: (LockSlot) -> LockState? = { _ in nil },
                      probe: (Int32) -> Probe) -> Verdict {
        guard let owner else { return .unknown }
        // Another boot: every process of that one is gone (the file outlived a reboot).
        if let here, owner.bootID != here.bootID { return .gone }
        // Its lock, in whatever pid namespace it runs: held while its store is open in a live process.
        if let slot = owner.lock, let state = lock(slot) { return state == .held ? .alive : .gone }
        guard let here else { return .unknown }
        // Its pids are not ours to look up (a container beside the host, or another container).
        if owner.pidNamespace != here.pidNamespace { return .unknown }
        if owner.pid == here.pid { return owner.startTicks == here.startTicks ? .alive : .gone }
        switch probe(owner.pid) {
        case .none: return .gone
        case .running(let start, let exited):
            // Another start time: the pid was reused by a later process.
            return start != owner.startTicks || exited ? .gone : .alive
        case .unknown: return .unknown
        }
    }

    /// The state (field 3) and start time (field 22) in the text of `/proc/PID/stat`. Field 2,
    /// the command name in parentheses, may hold spaces and parentheses: the fields are counted
    /// from the last `)`.
    static func parseStat(_ text: String) -> (state: Character, startTicks: UInt64)? {
        guard let close = text.lastIndex(of: ")") else { return nil }
        let rest = text[text.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        // rest[0] is field 3; field 22 is rest[19].
        guard rest.count > 19, let state = rest[0].first, rest[0].count == 1,
              let start = UInt64(rest[19]) else { return nil }
        return (state, start)
    }
}
