import ArgumentParser
import TandemJSON
import TandemStore

struct Users: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Add, list, disable, enable and remove users.",
        subcommands: [Add.self, List.self, Disable.self, Enable.self, Remove.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a user and issue their first token (printed once).",
            discussion: """
                The user id is NAME when NAME is a valid id (1-64 of A-Z a-z 0-9 - _ . @), else random; --id sets it. \
                The id of a removed user is refused.

                Example: tandem-admin users add "Alice Martin" --id alice
                """)

        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The display name.") var name: String
        @Option(help: "The user id (default: NAME when it is a valid id).") var id: String?
        @Flag(help: "Do not issue a token.") var noToken = false
        @Option(help: "The first token's label.") var label = "initial"
        @Option(parsing: .unconditional, help: "How long the first token works: e.g. 30d, 90d (default: until revoked).",
                transform: AdminDuration.parse)
        var expires: AdminDuration?
        @OptionGroup var output: JSONOption

        func run() throws {
            let validName = !name.isEmpty && name.utf8.count <= 64 && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.@".contains($0)) }
            let userID = id ?? (validName ? name : nil)
            let (user, token) = try database.withStore { store in
                let user = try store.createUser(id: userID, displayName: name)
                return (user, noToken ? nil : try store.createToken(userID: user.id, label: label, lifetime: expires?.milliseconds))
            }
            if output.json {
                Output.json(["user": user.json, "token": token.map { $0.token.json(now: $0.token.createdAt).merging(["secret": .string($0.secret)]) } ?? .null])
            } else {
                print("added user \(user.id) (\(user.displayName))")
                if let token { print("token \(token.token.id): \(token.secret)") }
            }
            if let at = token?.token.expiresAt { Output.note("token \(token!.token.id) expires \(Output.time(at))") }
            if token != nil { Output.note(TokenSecret.warning) }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List users by id, a page at a time.",
            discussion: """
                STATUS is active or disabled (users disable); TOKENS counts those neither revoked nor expired. \
                A page holds at most --limit users; when more are left the last line on stderr (or the JSON's \
                "next") gives the --after to pass for the next page.

                Example: tandem-admin users list --json --limit 1000 --after bob
                """)
        @OptionGroup var database: DatabaseOptions
        @Option(help: "At most this many (1-1000).") var limit = 100
        @Option(help: "Continue after a previous page (its next cursor: a user id).") var after: String?
        @OptionGroup var output: JSONOption

        func validate() throws {
            guard (1...1000).contains(limit) else { throw ValidationError("--limit must be 1...1000") }
        }

        func run() throws {
            let page = try database.withStore { store in try store.adminUserPage(after: after, limit: limit) }
            let next = page.more ? page.users.last?.user.id : nil
            if output.json {
                var object: [String: JSONValue] = [
                    "users": .array(page.users.map { $0.user.json.merging(["active_tokens": .integer(Int64($0.activeTokens))]) }),
                    "more": .bool(next != nil),
                ]
                if let next { object["next"] = .string(next) }
                Output.json(.object(object))
            } else {
                // New columns go last: scripts reading the tab-separated lines keep their positions.
                Output.table(["ID", "NAME", "CREATED", "TOKENS", "STATUS"],
                             page.users.map { [$0.user.id, $0.user.displayName, Output.time($0.user.createdAt), String($0.activeTokens),
                                               $0.user.status] },
                             empty: "no users; add one with: tandem-admin users add NAME")
                if let next { Output.note("(more users: --after \(next))") }
            }
        }
    }

    struct Disable: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Suspend a user: every token of theirs is refused and their live connections close.",
            discussion: """
                The handshake refuses their tokens (401) and their live connections close within a second \
                (code 4401, reason "account disabled"). Everything else stays: tokens, memberships, templates, \
                turns, and the share links they created (those keep working: they are read access to sessions, \
                handed to others; revoke them with tandem-admin share revoke). users enable restores access with \
                the same tokens. A warning names the sessions they own (they stay theirs).

                Example: tandem-admin users disable bob
                """)
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The user id.") var user: String

        func run() throws {
            let (changed, notes) = try database.withStore { store in
                // One more than is shown: "..." only when there is more.
                (try store.adminSetUserDisabled(id: user, disabled: true), try store.adminSuspensionNotes(id: user, limit: 6))
            }
            print(changed ? "disabled user \(user)" : "user \(user) was already disabled")
            if !notes.ownedSessions.isEmpty {
                let more = notes.ownedSessions.count > 5 ? ", ..." : ""
                Output.note("warning: \(user) owns session(s) \(notes.ownedSessions.prefix(5).joined(separator: ", "))\(more): "
                            + "no one can act as their owner until they are enabled (grant another member owner if needed)")
            }
            if notes.liveShareLinks > 0 {
                Output.note("note: \(notes.liveShareLinks) share link(s) \(user) created still work; list them with: tandem-admin share list")
            }
        }
    }

    struct Enable: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Restore a disabled user: their tokens work again (those not revoked or expired).",
            discussion: "Example: tandem-admin users enable bob")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The user id.") var user: String

        func run() throws {
            let changed = try database.withStore { store in try store.adminSetUserDisabled(id: user, disabled: false) }
            print(changed ? "enabled user \(user)" : "user \(user) was not disabled")
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
