import TandemJSON
import TandemStore

/// One operation of the matrix: how to prepare a fresh session so the operation would succeed for
/// a caller allowed to do it, and the request to send.
struct PermissionCase: Sendable {
    /// The row of `PermissionTable` (a wire op, or a wire op with a qualifier).
    let name: String
    /// The wire operation.
    let op: String
    /// Runs against a branch of the fresh session (branch.merge / branch.discard).
    var onBranch = false
    /// Sends `session.join` first (for `session.leave`).
    var joinFirst = false
    /// Extra preparation in the store, given the fixture and the caller's user id (nil for a viewer).
    var prepare: (@Sendable (Store, PermissionFixture, String?) throws -> Void)? = nil
    let params: @Sendable (PermissionFixture, String?) -> [String: JSONValue]
}

/// What a fresh matrix session holds: one turn (by the owner), row `k` at version 1, checkpoint
/// `cp`, a live share link; members of every role plus `extra` (write), a target for member ops.
struct PermissionFixture: Sendable {
    var session: String
    var branch: String?
    var shareID: String
    var shareSecret: String
    /// Unique per case, for names that must not collide (templates, new session ids).
    var unique: String
}

enum PermissionCases {
    static let owner = "olivia"

    static func session(_ f: PermissionFixture, _: String?) -> [String: JSONValue] { ["session": .string(f.session)] }

    static let sessionScoped: [PermissionCase] = [
        PermissionCase(name: "session.get", op: "session.get", params: session),
        PermissionCase(name: "session.update", op: "session.update") { f, _ in ["session": .string(f.session), "title": "Renamed"] },
        PermissionCase(name: "session.pause", op: "session.pause", params: session),
        PermissionCase(name: "session.resume", op: "session.resume",
                       prepare: { store, f, _ in _ = try store.pauseSession(id: f.session, actor: owner) }, params: session),
        PermissionCase(name: "session.archive", op: "session.archive", params: session),
        PermissionCase(name: "session.delete", op: "session.delete", params: session),
        PermissionCase(name: "session.join", op: "session.join", params: session),
        PermissionCase(name: "session.leave", op: "session.leave", joinFirst: true, params: session),
        PermissionCase(name: "history", op: "history") { f, _ in ["session": .string(f.session), "last": 10] },
        PermissionCase(name: "turn.post", op: "turn.post") { f, _ in ["session": .string(f.session), "content": "a new turn"] },
        PermissionCase(name: "turn.undo (own turn)", op: "turn.undo", prepare: { store, f, caller in
            // The caller authors the last turn (briefly made a writer if its role cannot post).
            guard let caller, let role = try store.role(session: f.session, user: caller) else { return }
            if role < .write { _ = try store.setMember(session: f.session, actor: owner, user: caller, role: .write) }
            _ = try store.appendTurn(session: f.session, actor: caller, NewTurn(role: .user, content: "mine"))
            if role < .write { _ = try store.setMember(session: f.session, actor: owner, user: caller, role: role) }
        }, params: session),
        PermissionCase(name: "turn.undo (another's turn)", op: "turn.undo", prepare: { store, f, _ in
            _ = try store.appendTurn(session: f.session, actor: "extra", NewTurn(role: .user, content: "extra's turn"))
        }, params: session),
        PermissionCase(name: "session.clear", op: "session.clear", params: session),
        PermissionCase(name: "state.get", op: "state.get", params: session),
        PermissionCase(name: "state.put", op: "state.put") { f, _ in
            ["session": .string(f.session), "key": "k", "value": ["a": 2], "base": 1]
        },
        PermissionCase(name: "comment.add", op: "comment.add") { f, _ in ["session": .string(f.session), "seq": 1, "text": "nice"] },
        PermissionCase(name: "comment.list", op: "comment.list", params: session),
        PermissionCase(name: "member.list", op: "member.list", params: session),
        PermissionCase(name: "member.add", op: "member.add") { f, _ in
            ["session": .string(f.session), "user": "newbie", "role": "read"]
        },
        PermissionCase(name: "member.set_role", op: "member.set_role") { f, _ in
            ["session": .string(f.session), "user": "extra", "role": "comment"]
        },
        PermissionCase(name: "member.remove", op: "member.remove") { f, _ in ["session": .string(f.session), "user": "extra"] },
        PermissionCase(name: "contributions (session)", op: "contributions", params: session),
        PermissionCase(name: "checkpoint.save", op: "checkpoint.save") { f, _ in ["session": .string(f.session), "name": "cp2"] },
        PermissionCase(name: "checkpoint.list", op: "checkpoint.list", params: session),
        PermissionCase(name: "checkpoint.get", op: "checkpoint.get") { f, _ in ["session": .string(f.session), "name": "cp"] },
        PermissionCase(name: "checkpoint.restore", op: "checkpoint.restore") { f, _ in ["session": .string(f.session), "name": "cp"] },
        PermissionCase(name: "branch.create", op: "branch.create", params: session),
        PermissionCase(name: "branch.merge", op: "branch.merge", onBranch: true) { f, _ in ["session": .string(f.branch!)] },
        PermissionCase(name: "branch.discard", op: "branch.discard", onBranch: true) { f, _ in ["session": .string(f.branch!)] },
        PermissionCase(name: "template.save", op: "template.save") { f, _ in ["session": .string(f.session), "name": .string("t-" + f.unique)] },
        PermissionCase(name: "session.export", op: "session.export", params: session),
        PermissionCase(name: "share.create", op: "share.create") { f, _ in ["session": .string(f.session), "expires_in": 3600] },
        PermissionCase(name: "share.list", op: "share.list", params: session),
        PermissionCase(name: "share.revoke", op: "share.revoke") { f, _ in ["share": .string(f.shareID)] },
    ]

    /// Operations outside one session. `document` is an exported session to import.
    static func anyUser(document: JSONValue) -> [PermissionCase] {
        [
            PermissionCase(name: "session.create", op: "session.create") { f, _ in ["session": .string("new-" + f.unique)] },
            PermissionCase(name: "session.list", op: "session.list") { _, _ in [:] },
            PermissionCase(name: "session.search", op: "session.search") { _, _ in ["query": "hello"] },
            PermissionCase(name: "template.list", op: "template.list") { _, _ in [:] },
            PermissionCase(name: "template.create_session", op: "template.create_session") { _, _ in ["template": "base"] },
            PermissionCase(name: "session.import", op: "session.import") { f, _ in
                ["document": document, "session": .string("imp-" + f.unique)]
            },
            PermissionCase(name: "contributions (own)", op: "contributions") { _, caller in ["user": .string(caller ?? owner)] },
            PermissionCase(name: "ping", op: "ping") { _, _ in [:] },
        ]
    }
}
