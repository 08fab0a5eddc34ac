import TandemStore

/// A failure with its exit code and a message that says what to do next.
struct AdminFailure: Error {
    static let usage: Int32 = 1
    static let notFound: Int32 = 2
    static let conflict: Int32 = 3
    static let database: Int32 = 4

    var exitCode: Int32
    var message: String

    init(_ exitCode: Int32, _ message: String) {
        self.exitCode = exitCode
        self.message = message
    }

    /// The one place store errors become exit codes and advice. `session` names the session the
    /// command was about, for hints like "list members with: tandem-admin members S"; `busySeconds`
    /// is how long the command waited for the write lock (--busy-timeout), `mergeSeconds` for a
    /// branch merge (--merge-wait).
    init(_ error: StoreError, session: String? = nil, busySeconds: Double = 5, mergeSeconds: Double = 600) {
        switch error.kind {
        case .busy where error.mergeWait != nil:
            // The store's words (`MergeWait.refusal`), naming tandemd, ids printable, and the flag.
            self.init(Self.database, error.mergeWait!.refusal(after: Self.seconds(mergeSeconds), merger: "tandemd", show: Output.printable)
                + ", or wait longer with --merge-wait SECONDS")
        case .notFound, .notMember:
            self.init(Self.notFound, Self.notFoundMessage(error.message, session: session))
        case .alreadyExists, .conflict, .invalidState, .staleCheckpoint, .sessionArchived, .sessionPaused, .limitExceeded:
            self.init(Self.conflict, error.message)
        case .schemaTooNew:
            // The message says the database is newer and what to do about the server; this says the tool.
            self.init(Self.database, "\(error.message); for tandem-admin: use the one of that Tandem version")
        case .schemaTooOld:
            self.init(Self.database, error.message)
        case .busy:
            self.init(Self.database, Self.busyMessage(busySeconds))
        case .sqlite where [5, 6].contains((error.sqliteCode ?? 0) & 0xFF):
            self.init(Self.database, Self.busyMessage(busySeconds))
        case .sqlite where (error.sqliteCode ?? 0) & 0xFF == 8 /* SQLITE_READONLY */:
            self.init(Self.database, "database error: \(error.message)")
        case .sqlite, .closed:
            self.init(Self.database, "database error: \(error.message) (check --db, disk space and file permissions)")
        case .invalidArgument, .invalidJSON, .tooLarge, .forbidden, .removedMember, .unauthorized:
            self.init(Self.usage, error.message)
        }
    }

    static func busyMessage(_ seconds: Double) -> String {
        "the database is busy: another process (tandemd in a long write, or another tandem-admin) held its "
            + "write lock for more than \(Self.seconds(seconds)) s; try again, or wait longer with --busy-timeout SECONDS"
    }

    /// "5", "0.3": seconds as the operator wrote them.
    static func seconds(_ seconds: Double) -> String { MergeWait.seconds(seconds) }

    /// What a write waits for, in the store's words (`MergeWait.described`): "session 'b' is being
    /// merged into by tandemd (branch 'c')", or for the branch itself "session 'c' is being merged
    /// into 'b' by tandemd". Ids are shown printable.
    static func merging(_ wait: MergeWait) -> String {
        wait.described(merger: "tandemd", show: Output.printable)
    }

    /// "session x not found" → "no session 'x'; list sessions with: tandem-admin sessions list".
    private static func notFoundMessage(_ message: String, session: String?) -> String {
        let hints: [(kind: String, hint: String)] = [
            ("share link", "list share links with: tandem-admin share list"),
            ("session", "list sessions with: tandem-admin sessions list"),
            ("user", "list users with: tandem-admin users list"),
            ("token", "list tokens with: tandem-admin tokens list"),
            ("member", "list members with: tandem-admin members \(session ?? "SESSION")"),
        ]
        guard message.hasSuffix(" not found") else { return message }
        let what = String(message.dropLast(" not found".count))
        for (kind, hint) in hints where what.hasPrefix(kind + " ") {
            let name = what.dropFirst(kind.count + 1)
            if kind == "member" { return "'\(name)' is not a member of session '\(session ?? "?")'; \(hint)" }
            return "no \(kind) '\(name)'; \(hint)"
        }
        return message
    }
}
