/// Which process is writing a hidden session (an import, a fork, a session from a template), and
/// whether that process is provably gone. Pure: what the machine says is read by `LocalProcesses`.
///
/// Every process that opens the database runs on one host (SQLite's WAL needs shared memory), so
/// a process is named by the boot it runs in (`/proc/sys/kernel/random/boot_id`), its pid
/// namespace (`/proc/self/ns/pid`: a container sees other pids), its pid, and its start time in
/// clock ticks since boot (`/proc/PID/stat` field 22). Pids are reused; a pid with the same start
/// time in the same boot is the same process.
struct ImportOwner: Sendable, Equatable {
    var bootID: String
    var pidNamespace: String
    var pid: Int32
    var startTicks: UInt64

    /// What `sessions.importer` holds: `v1 BOOT PIDNS PID START` (no field holds a space).
    var token: String { "v1 \(bootID) \(pidNamespace) \(pid) \(startTicks)" }

    /// Reads a `token`; nil for anything else (a column older builds left null included).
    init?(token: String?) {
        guard let fields = token?.split(separator: " ", omittingEmptySubsequences: false), fields.count == 5,
              fields[0] == "v1", !fields[1].isEmpty, !fields[2].isEmpty,
              let pid = Int32(fields[3]), pid > 0, let start = UInt64(fields[4]) else { return nil }
        self.init(bootID: String(fields[1]), pidNamespace: String(fields[2]), pid: pid, startTicks: start)
    }

    init(bootID: String, pidNamespace: String, pid: Int32, startTicks: UInt64) {
        self.bootID = bootID
        self.pidNamespace = pidNamespace
        self.pid = pid
        self.startTicks = startTicks
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
        /// Not provable either way (an older build wrote no owner, another pid namespace, no
        /// `/proc`): the same 10 minutes.
        case unknown
    }

    /// Judges `owner` (nil: not recorded) from the process `here` (nil: this process could not
    /// name itself), with `probe` telling what the machine says about a pid of this namespace.
    static func judge(_ owner: ImportOwner?, from here: ImportOwner?, probe: (Int32) -> Probe) -> Verdict {
        guard let owner, let here else { return .unknown }
        // Another boot: every process of that one is gone (the file outlived a reboot).
        if owner.bootID != here.bootID { return .gone }
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
