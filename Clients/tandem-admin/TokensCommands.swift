import ArgumentParser
import TandemJSON
import TandemStore

struct Tokens: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Issue, list and revoke API tokens.", subcommands: [Issue.self, List.self, Revoke.self])

    struct Issue: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Issue a token for a user (the secret is printed once).")
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
        static let configuration = CommandConfiguration(abstract: "List tokens (of one user, or of everyone); secrets are never shown.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "Only this user's tokens.") var user: String?
        @OptionGroup var output: JSONOption

        func run() throws {
            let tokens = try database.withStore { store in
                guard let user else { return try store.adminTokens() }
                _ = try store.user(id: user)
                return try store.tokens(userID: user)
            }
            if output.json {
                Output.json(["tokens": .array(tokens.map(\.json))])
            } else {
                Output.table(["ID", "USER", "LABEL", "CREATED", "LAST USED", "REVOKED"],
                             tokens.map { [$0.id, $0.userID, $0.label.isEmpty ? "-" : $0.label, Output.time($0.createdAt),
                                           Output.time($0.lastUsedAt), Output.time($0.revokedAt)] },
                             empty: "no tokens")
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a token; its live connections close (code 4401) within a second.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The token id (from tokens list).") var id: String

        func run() throws {
            let revoked = try database.withStore { store in try store.adminRevokeToken(id: id) }
            print(revoked ? "revoked token \(id)" : "token \(id) was already revoked")
        }
    }
}
