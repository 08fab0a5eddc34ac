import ArgumentParser
import TandemProtocol
import TandemClientKit

/// `tandem members`.
struct Members: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List a session's members, strongest role first (● online).")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The session id.") var session: String
    @Flag(help: "One JSON member per line.") var json = false

    func run() throws {
        try runConnected(connection) { c in
            let list = try c.allMembers(session: session)
            let renderer = Output.renderer()
            for member in list { if json { Output.json(member.json) } else { Output.rendered(renderer.member(member)) } }
        }
    }
}

/// `tandem role`.
struct RoleSet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "role",
        abstract: "Add USER to a session with ROLE, or change their role (admin; only an owner grants owner).",
        discussion: "Roles, strongest first: owner, admin, write, comment, read.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The session id.") var session: String
    @Argument(help: "The user's id.") var user: String
    @Argument(help: "owner, admin, write, comment or read.") var role: String

    func run() throws {
        try runReporting {
            guard let wanted = Role(rawValue: role) else {
                throw Failure("ROLE must be owner, admin, write, comment or read, got '\(role)'")
            }
            let c = try connect(connection)
            defer { c.close() }
            try Self.assign(MemberRoleParams(session: session, user: user, role: wanted), on: c)
            Output.line("\(user) is \(wanted.rawValue) in \(session)")
        }
    }

    /// A role change, or an add for someone not a member yet, as the view's `/role` does.
    static func assign(_ params: MemberRoleParams, on c: Connection) throws(ClientError) {
        do {
            _ = try c.call(.memberSetRole(params), as: MemberResult.self)
        } catch .server(let e) where e.code == .notFound {
            // Not a member yet (or no such session: then the add says not_found as well).
            _ = try c.call(.memberAdd(params), as: MemberResult.self)
        }
    }
}

/// `tandem remove`.
struct Remove: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove a member from a session (admin); remove yourself to leave it.",
        discussion: "Their connections stop receiving the session's events at once.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The session id.") var session: String
    @Argument(help: "The user's id.") var user: String

    func run() throws {
        try runConnected(connection) { c in
            _ = try c.call(.memberRemove(MemberRemoveParams(session: session, user: user)), as: EventSeqResult.self)
            Output.line("\(user) removed from \(session)")
        }
    }
}

/// `tandem stats`.
struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Contributions per member of a session: turns, tokens, comments, row writes, merges, conflicts, undos.",
        discussion: "Without a session id: your own, per session you are a member of, with a total.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The session id (absent: your own usage across your sessions).") var session: String?
    @Flag(help: "One JSON contribution per line.") var json = false

    func run() throws {
        try runConnected(connection) { c in
            var params = ContributionsParams(session: session)
            if session == nil {
                guard let me = try c.call(.ping, as: PongResult.self).user else {
                    throw Failure("a share link has no usage of its own; give a session id")
                }
                params = ContributionsParams(user: me)
            }
            let list = try c.allContributions(params)
            if json {
                for contribution in list { Output.json(contribution.json) }
            } else if !list.isEmpty {
                for line in Output.renderer().contributions(list, bySession: session == nil) { Output.rendered(line) }
            }
        }
    }
}
