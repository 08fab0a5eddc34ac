import ArgumentParser
import Foundation
import TandemJSON
import TandemStore

struct Sessions: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, inspect, archive, delete, export and import sessions.",
        subcommands: [List.self, Show.self, Archive.self, Delete.self, Export.self, Import.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List sessions, most recently updated first.",
            discussion: "Example: tandem-admin sessions list --status archived --member bob --json")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "Only sessions with this status: active, paused or archived.") var status: String?
        @Option(help: "Only sessions this user is a member of.") var member: String?
        @Option(help: "At most this many (1-1000).") var limit = 100
        @Option(help: "Continue after a previous page (its next cursor).") var after: String?
        @OptionGroup var output: JSONOption

        func validate() throws {
            guard (1...1000).contains(limit) else { throw ValidationError("--limit must be 1...1000") }
            if let status, SessionStatus(rawValue: status) == nil {
                throw ValidationError("unknown status '\(status)'; statuses are active, paused, archived")
            }
        }

        func run() throws {
            var filter = SessionFilter(member: member, status: status.flatMap(SessionStatus.init(rawValue:)), limit: limit)
            filter.after = after
            let page = try database.withStore { store in
                // A mistyped user is not "no sessions": say there is no such user (exit 2).
                if let member { _ = try store.user(id: member) }
                return try store.listSessions(filter)
            }
            if output.json {
                var object: [String: JSONValue] = ["sessions": .array(page.sessions.map(\.json)), "more": .bool(page.nextCursor != nil)]
                if let next = page.nextCursor { object["next"] = .string(next) }
                Output.json(.object(object))
            } else {
                Output.table(["ID", "STATUS", "TITLE", "OWNER", "TURNS", "UPDATED"],
                             page.sessions.map { [$0.id, $0.status.rawValue, $0.title, $0.owner, String($0.lastTurnSeq), Output.time($0.updatedAt)] },
                             empty: "no sessions")
                if let next = page.nextCursor { Output.note("(more sessions: --after \(next))") }
            }
        }
    }

    struct Show: ParsableCommand {
        /// Members shown at most: a session may have 10,000 (`tandem-admin members` pages them all).
        static let membersShown = 100

        static let configuration = CommandConfiguration(
            abstract: "Show one session with its first 100 members (tandem-admin members lists them all).",
            discussion: "Example: tandem-admin sessions show review")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The session id.") var session: String
        @OptionGroup var output: JSONOption

        func run() throws {
            let (s, page) = try database.withStore(session: session) { store in
                (try store.session(id: session), try store.adminMemberPage(session: session, limit: Self.membersShown))
            }
            let members = page.members
            if page.more { Output.note("(more members than these \(members.count): tandem-admin members \(session))") }
            if output.json {
                Output.json(s.json.merging(["members": .array(members.map(\.json)), "members_more": .bool(page.more)]))
                return
            }
            let fields: [(String, String)] = [
                ("id", s.id), ("title", s.title), ("status", s.status.rawValue), ("owner", s.owner),
                ("created", Output.time(s.createdAt)), ("updated", Output.time(s.updatedAt)),
                ("archived", Output.time(s.archivedAt)), ("turns", String(s.lastTurnSeq)), ("events", String(s.lastEventSeq)),
                ("metadata", s.metadata.serialized()), ("parent", s.parentID ?? "-"),
                ("members", members.map { "\($0.userID) (\($0.role.rawValue))" }.joined(separator: ", ")),
            ]
            for (key, value) in fields { print("\(key):\(String(repeating: " ", count: 10 - key.count))\(Output.printable(value))") }
        }
    }

    struct Archive: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Archive a session (read-only for good; purge can delete it later).",
            discussion: "Archiving is final, as over the wire: nothing resumes an archived session.\n\nExample: tandem-admin sessions archive review --yes")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The session id.") var session: String
        @Flag(help: "Confirm the archiving (it cannot be undone).") var yes = false

        // A mistyped id must not make another session read-only for good (and purgeable).
        func validate() throws {
            guard yes else {
                throw ValidationError("archiving session '\(session)' is final: it becomes read-only for good and purge can "
                    + "delete it later; add --yes to confirm (check it first: tandem-admin sessions show \(session))")
            }
        }

        func run() throws {
            _ = try database.withStore(session: session) { store in try store.adminArchiveSession(id: session) }
            print("archived session \(session)")
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a session and everything in it.",
            discussion: "Live members get the session's deleted event within a second.\n\nExample: tandem-admin sessions delete review --yes")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The session id.") var session: String
        @Flag(help: "Confirm the deletion.") var yes = false

        // In validate(), not run(): a usage error from run() is shown with the root command's usage.
        func validate() throws {
            guard yes else {
                throw ValidationError("deleting session '\(session)' erases its turns, rows and history; add --yes to confirm "
                    + "(or export it first: tandem-admin sessions export \(session) -o FILE)")
            }
        }

        func run() throws {
            try database.withStore(session: session) { store in try store.adminDeleteSession(id: session) }
            print("deleted session \(session)")
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a session as one JSON document (to stdout or a file).",
            discussion: "An existing file is not replaced (exit 3) unless --force is given, as with backup.\n\nExample: tandem-admin sessions export review -o review.json")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The session id.") var session: String
        @Option(name: .shortAndLong, help: "Write to this file instead of stdout.") var output: String?
        @Flag(help: "Overwrite the -o file when it exists.") var force = false

        func run() throws {
            if let output {
                try DatabaseFiles.refuseAsTarget(output, database: database.path, what: "export")
                // Refused before the database is opened, like backup: an export must not eat a file by a typo.
                if FileManager.default.fileExists(atPath: output) && !force {
                    throw AdminFailure(AdminFailure.conflict, "'\(output)' exists; choose another name or add --force")
                }
            }
            // Streamed from one snapshot: a session of any size takes about one chunk of memory.
            let file = try ExportFile(path: output)
            do {
                try database.withStore(session: session) { store in try store.adminWriteExport(id: session, to: file.write) }
                try file.commit()
            } catch {
                file.discard()
                if let message = file.failureMessage { throw AdminFailure(AdminFailure.usage, message) }
                throw error
            }
            if let output { Output.note("exported session \(session) to \(output)") }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a session from an export document ('-' reads stdin).",
            discussion: "Users the document references are created when missing. Fails with exit 3 when the session id exists; use --as.\n\nExample: tandem-admin sessions import review.json --as review-copy")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The export file, or - for stdin.") var file: String
        @Option(name: .customLong("as"), help: "Import under this session id.") var asID: String?

        func run() throws {
            // Bytes, not a String: the store reads the document from them (a file in place) as it imports.
            let text: FileBytes
            do { text = try FileBytes(file == "-" ? nil : file) } catch {
                throw AdminFailure(AdminFailure.usage, "cannot read '\(file)': \(error); give an export file made by sessions export")
            }
            let session = try database.withStore { store in
                try text.withBytes { bytes in try store.importSession(json: bytes, asID: asID, actor: "admin") }
            }
            print("imported session \(session.id) (\(session.lastTurnSeq) turns)")
        }
    }
}
