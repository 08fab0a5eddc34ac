import ArgumentParser
import Foundation
import TandemJSON
import TandemStore

struct Contributions: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show who contributed what to a session, by user id, a page at a time.",
        discussion: """
            A page holds at most --limit users; when more are left the last line on stderr (or the JSON's \
            "next") gives the --after to pass for the next page.

            Example: tandem-admin contributions review --json
            """)
    @OptionGroup var database: DatabaseOptions
    @Argument(help: "The session id.") var session: String
    @OptionGroup var page: PageOptions
    @OptionGroup var output: JSONOption

    func run() throws {
        let found = try database.withStore(session: session) { store in
            try store.adminContributionPage(session: session, after: page.after, limit: page.limit)
        }
        let next = found.more ? found.contributions.last?.userID : nil
        if output.json {
            Output.json(PageOptions.document(["session": .string(session), "contributions": .array(found.contributions.map(\.json))],
                                             next: next))
        } else {
            Output.table(["USER", "TURNS", "TOKENS IN", "TOKENS OUT", "COMMENTS", "ROW WRITES", "MERGES", "CONFLICTS", "UNDOS"],
                         found.contributions.map(\.cells), empty: "no contributions yet")
            if let next { Output.note("(more contributions: --after \(next))") }
        }
    }
}

struct Backup: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy the live database to a file (online and consistent; tandemd may keep running; any schema version, left as it is).",
        discussion: "Example: sudo -u tandem tandem-admin backup --db /var/lib/tandem/tandem.db /var/backups/tandem-$(date +%F).db")
    @OptionGroup var database: DatabaseOptions
    @Argument(help: "The backup file to write.") var file: String
    @Flag(help: "Overwrite FILE when it exists.") var force = false
    @Flag(help: "Leave out the free pages deleted data left (SQLite's VACUUM INTO: slower, rebuilds every table); the copy keeps the database's auto_vacuum mode (see compact).")
    var compact = false

    func run() throws {
        try DatabaseFiles.refuseAsTarget(file, database: database.path, what: "backup")
        if FileManager.default.fileExists(atPath: file) && !force {
            throw AdminFailure(AdminFailure.conflict, "'\(file)' exists; choose another name or add --force")
        }
        // Written beside FILE and renamed over it once whole: a failed backup leaves FILE as it was.
        let partial = "\(file).partial-\(getpid())"
        try? FileManager.default.removeItem(atPath: partial)
        do {
            try database.backup(to: partial, compact: compact)
            guard rename(partial, file) == 0 else {
                throw AdminFailure(AdminFailure.usage, "cannot write '\(file)': \(String(cString: strerror(errno)))")
            }
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        }
        print("backed up \(database.path) to \(file)")
    }
}

struct Compact: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rewrite the database and its search file packed, and able to give freed space back while tandemd runs (stop tandemd first).",
        discussion: """
            The opt-in to online reclaiming (new files do not reclaim; tandemd names this command at start when \
            a file holds much free space): it sets auto_vacuum INCREMENTAL and VACUUMs each file (about the \
            file's size free beside it; minutes for gigabytes). From then on tandemd gives freed pages back \
            (reclaim-free-mib), and every write costs a little more (deploy/README.md, Disk space). Refused while \
            tandemd serves the database.

            Example: systemctl stop tandemd && sudo -u tandem tandem-admin compact --db /var/lib/tandem/tandem.db
            """)
    @OptionGroup var database: DatabaseOptions

    func run() throws {
        for file in try database.compact() {
            print("compacted \(file.path): \(file.bytesBefore) -> \(file.bytesAfter) bytes"
                  + (file.converted ? " (now gives freed space back online)" : ""))
        }
    }
}

struct Purge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Delete sessions archived longer ago than an age.",
        discussion: "Example: tandem-admin purge --archived-older-than 90d --yes")
    @OptionGroup var database: DatabaseOptions
    @Option(help: "The age, e.g. 90d, 12h.", transform: AdminDuration.parse) var archivedOlderThan: AdminDuration
    @Flag(help: "Confirm the deletion (a purge erases the sessions' turns, rows and history).") var yes = false
    @OptionGroup var output: JSONOption

    func validate() throws {
        guard yes else {
            throw ValidationError("purge deletes every session archived longer ago than that, with its turns, rows and history; "
                + "add --yes to confirm (list them first: tandem-admin sessions list --status archived)")
        }
    }

    func run() throws {
        let purged = try database.withStore { store in
            let purged = try store.purgeArchived(olderThan: archivedOlderThan.milliseconds, actor: "admin")
            try store.finishDeletes()
            return purged
        }
        if output.json {
            Output.json(["purged": .array(purged.map(JSONValue.string))])
        } else {
            print(purged.isEmpty ? "nothing to purge" : "purged \(purged.count) session(s): \(purged.joined(separator: ", "))")
        }
    }
}

struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show recent user, token, permission, share and deletion events (who did what, when), newest first.",
        discussion: """
            A page holds at most --limit events; when older ones are left the last line on stderr (or the \
            JSON's "next") gives the --before to pass for the next page.

            Example: tandem-admin audit --session review --limit 200 --json
            """)
    @OptionGroup var database: DatabaseOptions
    @Option(help: "Only events of this session (a deleted session's events stay listed; an id no event names and no session has is not found, exit 2).") var session: String?
    @Option(help: "At most this many (1-10000).") var limit = 50
    @Option(help: "Continue with events older than this one (a previous page's next cursor: an event id, 1 or more).") var before: Int64?
    @OptionGroup var output: JSONOption

    func validate() throws {
        guard (1...10_000).contains(limit) else { throw ValidationError("--limit must be 1...10000") }
        // Event ids start at 1: a smaller cursor lists nothing ever, so it is a mistake, not a last page.
        if let before, before < 1 { throw ValidationError("--before must be an event id (1 or more), as a page's next gives") }
    }

    func run() throws {
        let page = try database.withStore(session: session) { store in try store.auditPage(session: session, before: before, limit: limit) }
        let next = page.more ? page.entries.last?.id : nil
        if output.json {
            var object: [String: JSONValue] = ["audit": .array(page.entries.map(\.json)), "more": .bool(next != nil)]
            if let next { object["next"] = .integer(next) }
            Output.json(.object(object))
        } else {
            Output.table(["ID", "AT", "ACTOR", "ACTION", "SESSION", "TARGET", "DETAIL"],
                         page.entries.map { e in
                             [String(e.id), Output.time(e.at), e.actor ?? "-", e.action, e.sessionID ?? "-", e.target ?? "-",
                              e.detail == [:] ? "-" : e.detail.serialized()]
                         },
                         empty: "no audit events")
            if let next { Output.note("(older events: --before \(next))") }
        }
    }
}
