import ArgumentParser
import TandemJSON
import TandemStore

struct Tokens: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Issue, list and revoke API tokens.", subcommands: [Issue.self, List.self, Revoke.self])

    struct Issue: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a token for a user (the secret is printed once).",
            discussion: "Example: tandem-admin tokens issue alice --label laptop")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The user id.") var user: String
        @Option(help: "A label to tell tokens apart.") var label = ""
        @OptionGroup var output: JSONOption

        func run() throws {
            let issued = try database.withStore { store in try store.createToken(userID: user, label: label) }
            if output.json {
                Output.json(issued.token.json.merging(["secret": .string(issued.secret)]))
            } else {
                print("token \(issued.token.id) for \(user): \(issued.secret)")
            }
            Output.note(TokenSecret.warning)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List tokens (of one user, or of everyone), oldest first, a page at a time; secrets are never shown.",
            discussion: """
                A page holds at most --limit tokens; when more are left the last line on stderr (or the JSON's \
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
            let page = try database.withStore { store in try store.adminTokenPage(user: user, after: after, limit: limit) }
            let next = page.more ? page.tokens.last?.id : nil
            if output.json {
                var object: [String: JSONValue] = ["tokens": .array(page.tokens.map(\.json)), "more": .bool(next != nil)]
                if let next { object["next"] = .string(next) }
                Output.json(.object(object))
            } else {
                Output.table(["ID", "USER", "LABEL", "CREATED", "LAST USED", "REVOKED"],
                             page.tokens.map { [$0.id, $0.userID, $0.label.isEmpty ? "-" : $0.label, Output.time($0.createdAt),
                                                Output.time($0.lastUsedAt), Output.time($0.revokedAt)] },
                             empty: "no tokens")
                if let next { Output.note("(more tokens: --after \(next))") }
            }
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
