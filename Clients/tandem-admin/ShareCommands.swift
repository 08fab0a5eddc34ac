import ArgumentParser
import Foundation
import TandemJSON
import TandemStore

struct Share: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create, list and revoke read-only share links.", subcommands: [Create.self, List.self, Revoke.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a read-only link to a session and print its URL (shown once).",
            discussion: "The URL is BASE/s/SECRET; BASE is --url, else TANDEM_PUBLIC_URL, else http://127.0.0.1:8765.\n\n"
                + "Example: tandem-admin share create review --expires 7d --url https://tandem.example.com")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The session id.") var session: String
        // Unconditional: "--expires -5m" is a bad duration to explain, not a missing value.
        @Option(parsing: .unconditional, help: "How long the link works: e.g. 30m, 12h, 7d (default 7d, at most 365d).", transform: AdminDuration.parse)
        var expires = AdminDuration(milliseconds: 7 * 86_400_000)
        @Option(help: "The server's public base URL.") var url: String?
        @OptionGroup var output: JSONOption

        /// The longest a link may live, as over the wire (docs/protocol.md, Limits).
        static let maxLifetime = AdminDuration(milliseconds: 365 * 86_400_000)

        func validate() throws {
            guard expires.milliseconds <= Self.maxLifetime.milliseconds else {
                throw ValidationError("--expires may be at most 365d (a share link's longest lifetime)")
            }
            guard base.hasPrefix("http://") || base.hasPrefix("https://") else {
                throw ValidationError("bad --url '\(base)': give the server's base URL, e.g. https://tandem.example.com")
            }
        }

        static let assumedBaseWarning = "warning: no --url or TANDEM_PUBLIC_URL given, so the URL assumes a server at "
            + "http://127.0.0.1:8765; if yours listens elsewhere, put its address before /s/ (or revoke and create with --url)"

        private var base: String { url ?? ProcessInfo.processInfo.environment["TANDEM_PUBLIC_URL"] ?? "http://127.0.0.1:8765" }

        func run() throws {
            let issued = try database.withStore(session: session) { store in
                try store.adminCreateShareLink(session: session, expiresAt: store.now + expires.milliseconds)
            }
            let link = (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/s/" + issued.secret
            if output.json {
                Output.json(issued.link.json(now: issued.link.createdAt).merging(["url": .string(link)]))
            } else {
                print(link)
            }
            Output.note("share link \(issued.link.id) for \(session), read-only, expires \(Output.time(issued.link.expiresAt)); "
                + "the URL is shown only once")
            // The database does not say where its tandemd listens: a guessed base must not pass for the server's
            // (on another port the printed link does not open, and its secret is shown this once).
            if url == nil && ProcessInfo.processInfo.environment["TANDEM_PUBLIC_URL"] == nil {
                Output.note(Self.assumedBaseWarning)
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the working share links of one session, or of all sessions, oldest first, a page at a time.",
            discussion: "Revoked and expired links are kept (the audit log names them too); --all lists them as well. "
                + "A page holds at most --limit links; when more are left the last line (or the JSON's \"next\") "
                + "gives the --after to pass for the next page.\n\nExample: tandem-admin share list review --all --json")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "Only this session's links.") var session: String?
        @Flag(help: "Also the links that no longer work (revoked or expired).") var all = false
        @Option(help: "At most this many (1-1000).") var limit = 100
        @Option(help: "Continue after a previous page (its next cursor: a link id).") var after: String?
        @OptionGroup var output: JSONOption

        func validate() throws {
            guard (1...1000).contains(limit) else { throw ValidationError("--limit must be 1...1000") }
        }

        func run() throws {
            let (page, now) = try database.withStore(session: session) { store in
                (try store.adminShareLinkPage(session: session, includeRevoked: all, after: after, limit: limit), store.now)
            }
            let next = page.more ? page.links.last?.id : nil
            if output.json {
                var object: [String: JSONValue] = ["shares": .array(page.links.map { $0.json(now: now) }), "more": .bool(next != nil)]
                if let next { object["next"] = .string(next) }
                Output.json(.object(object))
            } else {
                Output.table(["ID", "SESSION", "STATE", "EXPIRES", "CREATED BY", "CREATED", "LAST USED"],
                             page.links.map { [$0.id, $0.sessionID, $0.state(now: now), Output.time($0.expiresAt), $0.createdBy,
                                               Output.time($0.createdAt), Output.time($0.lastUsedAt)] },
                             empty: "no share links")
                if let next { Output.note("(more share links: --after \(next))") }
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a share link; its viewers are disconnected within a second.",
            discussion: "Example: tandem-admin share revoke 3mUXnAHTr4-RqNJk")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The link id (from share list).") var id: String

        func run() throws {
            let revoked = try database.withStore { store in try store.adminRevokeShareLink(id: id) }
            print(revoked ? "revoked share link \(id)" : "share link \(id) was already revoked")
        }
    }
}
