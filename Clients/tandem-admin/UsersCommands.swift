import ArgumentParser
import TandemJSON
import TandemStore

struct Users: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Add, list and remove users.", subcommands: [Add.self, List.self, Remove.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a user and issue their first token (printed once).",
            discussion: "The user id is NAME when NAME is a valid id (1-64 of A-Z a-z 0-9 - _ . @), else random; --id sets it. The id of a removed user is refused.")

        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The display name.") var name: String
        @Option(help: "The user id (default: NAME when it is a valid id).") var id: String?
        @Flag(help: "Do not issue a token.") var noToken = false
        @Option(help: "The first token's label.") var label = "initial"
        @OptionGroup var output: JSONOption

        func run() throws {
            let validName = !name.isEmpty && name.utf8.count <= 64 && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.@".contains($0)) }
            let userID = id ?? (validName ? name : nil)
            let (user, token) = try database.withStore { store in
                let user = try store.createUser(id: userID, displayName: name)
                return (user, noToken ? nil : try store.createToken(userID: user.id, label: label))
            }
            if output.json {
                Output.json(["user": user.json, "token": token.map { $0.token.json.merging(["secret": .string($0.secret)]) } ?? .null])
            } else {
                print("added user \(user.id) (\(user.displayName))")
                if let token { print("token \(token.token.id): \(token.secret)") }
            }
            if token != nil { Output.note(TokenSecret.warning) }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every user.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: JSONOption

        func run() throws {
            let (users, tokens) = try database.withStore { store in (try store.adminUsers(), try store.adminTokens()) }
            let active = Dictionary(grouping: tokens.filter { $0.revokedAt == nil }, by: \.userID).mapValues(\.count)
            if output.json {
                Output.json(["users": .array(users.map { $0.json.merging(["active_tokens": .integer(Int64(active[$0.id] ?? 0))]) })])
            } else {
                Output.table(["ID", "NAME", "CREATED", "TOKENS"],
                             users.map { [$0.id, $0.displayName, Output.time($0.createdAt), String(active[$0.id] ?? 0)] },
                             empty: "no users; add one with: tandem-admin users add NAME")
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a user with their tokens, memberships and templates (live connections are closed).",
            discussion: """
                Their turns and comments stay, under their id; the id is not given to a new user. The share links \
                they created are revoked. A session they own passes to another owner member; when they are its \
                only owner the removal is refused (exit 3, naming the sessions): grant someone owner or delete it first.

                Example: tandem-admin users remove bob --yes
                """)
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The user id.") var user: String
        @Flag(help: "Confirm the removal.") var yes = false

        // In validate(), not run(): a usage error from run() is shown with the root command's usage.
        func validate() throws {
            guard yes else { throw ValidationError("removing user '\(user)' deletes their tokens and memberships; add --yes to confirm") }
        }

        func run() throws {
            try database.withStore { store in try store.adminRemoveUser(id: user) }
            print("removed user \(user)")
        }
    }
}

enum TokenSecret {
    static let warning = "warning: the token secret is shown only once and cannot be recovered; store it now "
        + "(if lost: tandem-admin tokens revoke ID, then tokens issue)"
}
