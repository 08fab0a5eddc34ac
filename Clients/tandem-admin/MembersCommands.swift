import ArgumentParser
import TandemJSON
import TandemStore

struct Grant: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Give a user a role in a session (adds them, or changes their role).",
        discussion: "Roles: owner > admin > write > comment > read. Live members see the change within a second.\n\nExample: tandem-admin grant bob review write")
    @OptionGroup var database: DatabaseOptions
    @Argument(help: "The user id.") var user: String
    @Argument(help: "The session id.") var session: String
    @Argument(help: "owner, admin, write, comment or read.", transform: parseRole) var role: Role

    func run() throws {
        let changed = try database.withStore(session: session) { store in
            try store.adminSetMember(session: session, user: user, role: role) != nil
        }
        print(changed ? "\(user) is now \(role.rawValue) in \(session)" : "\(user) already has role \(role.rawValue) in \(session)")
    }
}

struct Revoke: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove a user from a session (live members see it within a second).",
        discussion: "The session's last owner cannot be removed (exit 3): grant another owner first.\n\nExample: tandem-admin revoke bob review")
    @OptionGroup var database: DatabaseOptions
    @Argument(help: "The user id.") var user: String
    @Argument(help: "The session id.") var session: String

    func run() throws {
        try database.withStore(session: session) { store in try store.adminRemoveMember(session: session, user: user) }
        print("removed \(user) from \(session)")
    }
}

struct Members: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List a session's members and their roles, by user id, a page at a time.",
        discussion: """
            A page holds at most --limit members; when more are left the last line on stderr (or the JSON's \
            "next") gives the --after to pass for the next page.

            Example: tandem-admin members review --json
            """)
    @OptionGroup var database: DatabaseOptions
    @Argument(help: "The session id.") var session: String
    @OptionGroup var page: PageOptions
    @OptionGroup var output: JSONOption

    func run() throws {
        let found = try database.withStore(session: session) { store in
            try store.adminMemberPage(session: session, after: page.after, limit: page.limit)
        }
        let next = found.more ? found.members.last?.userID : nil
        if output.json {
            Output.json(PageOptions.document(["session": .string(session), "members": .array(found.members.map(\.json))], next: next))
        } else {
            Output.table(["USER", "ROLE", "ADDED"], found.members.map { [$0.userID, $0.role.rawValue, Output.time($0.addedAt)] },
                         empty: "no members")
            if let next { Output.note("(more members: --after \(next))") }
        }
    }
}
