import ArgumentParser
import TandemJSON
import TandemStore

struct Tokens: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Issue, list, rotate and revoke API tokens.", subcommands: [Issue.self, List.self, Rotate.self, Revoke.self])

    struct Issue: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a token for a user (the secret is printed once).",
            discussion: """
                With --expires the token stops working that long after it is issued: the handshake refuses it \
                (401) and its live connections close (code 4401, reason "token expired") at that moment.

                Example: tandem-admin tokens issue alice --label laptop --expires 90d
                """)
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The user id.") var user: String
        @Option(help: "A label to tell tokens apart.") var label = ""
        // Unconditional, as share links': "--expires -5m" is a bad duration to explain, not a missing value.
        @Option(parsing: .unconditional, help: "How long the token works: e.g. 12h, 30d, 90d (default: until revoked).",
                transform: AdminDuration.parse)
        var expires: AdminDuration?
        @OptionGroup var output: JSONOption

        func run() throws {
            let issued = try database.withStore { store in
                try store.createToken(userID: user, label: label, lifetime: expires?.milliseconds)
            }
            if output.json {
                Output.json(issued.token.json(now: issued.token.createdAt).merging(["secret": .string(issued.secret)]))
            } else {
                print("token \(issued.token.id) for \(user): \(issued.secret)")
            }
            if let at = issued.token.expiresAt { Output.note("token \(issued.token.id) expires \(Output.time(at))") }
            Output.note(TokenSecret.warning)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List tokens (of one user, or of everyone), oldest first, a page at a time; secrets are never shown.",
            discussion: """
                STATE is active, expired or revoked (JSON: "state", with "expires_at"); a disabled user's tokens \
                keep their state (see users list). A page holds at most --limit tokens; when more are left the last line on stderr (or the JSON's \
                "next") gives the --after to pass for the next page.

                Example: tandem-admin tokens list alice --json
                """)
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "Only this user's tokens.") var user: String?
        @Option(help: "At most this many (1-1000).") var limit = 100
        @Option(help: "Continue after a previous page (its next cursor: a token id).") var after: String?
        @OptionGroup var output: JSONOption

        func validate() throws {
            guard (1...1000).contains(limit) else { throw ValidationError("--limit must be 1...1000") }
        }

        func run() throws {
            let (page, now) = try database.withStore { store in (try store.adminTokenPage(user: user, after: after, limit: limit), store.now) }
            let next = page.more ? page.tokens.last?.id : nil
            if output.json {
                var object: [String: JSONValue] = ["tokens": .array(page.tokens.map { $0.json(now: now) }), "more": .bool(next != nil)]
                if let next { object["next"] = .string(next) }
                Output.json(.object(object))
            } else {
                // New columns go last: scripts reading the tab-separated lines keep their positions.
                Output.table(["ID", "USER", "LABEL", "CREATED", "LAST USED", "REVOKED", "EXPIRES", "STATE"],
                             page.tokens.map { [$0.id, $0.userID, $0.label.isEmpty ? "-" : $0.label, Output.time($0.createdAt),
                                                Output.time($0.lastUsedAt), Output.time($0.revokedAt), Output.time($0.expiresAt),
                                                $0.state(now: now)] },
                             empty: "no tokens")
                if let next { Output.note("(more tokens: --after \(next))") }
            }
        }
    }

    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace a token with a new secret for the same user and label (printed once).",
            discussion: """
                The old token stops working after --grace (default 0: at once, as revoked; else it expires \
                then), and its live connections close (code 4401) when it does. The new token lives as long as \
                the old one was given (counted from now). One transaction: no moment without a working token.

                Example: tandem-admin tokens rotate KSszlXLz44CVFbgp --grace 10m
                """)
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The token id (from tokens list).") var id: String
        @Option(parsing: .unconditional, help: "How long the old secret keeps working: 0 (default), or e.g. 10m, 1h, 2d.",
                transform: { $0 == "0" ? AdminDuration(milliseconds: 0) : try AdminDuration.parse($0) })
        var grace = AdminDuration(milliseconds: 0)
        @OptionGroup var output: JSONOption

        func run() throws {
            let issued = try database.withStore { store in try store.adminRotateToken(id: id, grace: grace.milliseconds) }
            if output.json {
                Output.json(issued.token.json(now: issued.token.createdAt).merging(["secret": .string(issued.secret), "replaces": .string(id)]))
            } else {
                print("token \(issued.token.id) for \(issued.token.userID) replaces \(id): \(issued.secret)")
            }
            Output.note(grace.milliseconds == 0 ? "token \(id) is revoked"
                        : "token \(id) stops working at \(Output.time(issued.token.createdAt + grace.milliseconds))")
            Output.note(TokenSecret.warning)
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a token; its live connections close (code 4401) within a second.",
            discussion: "Example: tandem-admin tokens revoke KSszlXLz44CVFbgp (ids from: tandem-admin tokens list USER)")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The token id (from tokens list).") var id: String

        func run() throws {
            let revoked = try database.withStore { store in try store.adminRevokeToken(id: id) }
            print(revoked ? "revoked token \(id)" : "token \(id) was already revoked")
        }
    }
}
