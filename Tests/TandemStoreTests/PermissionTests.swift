import Testing
@testable import TandemStore

/// The expected matrix, written out independently of `Permissions` (same as docs/permissions.md).
/// Columns: owner admin write comment read share-viewer. `x` = allowed.
private let expected: [(String, String)] = [
    ("session.get",          "x x x x x x"),
    ("session.update",       "x x . . . ."),
    ("session.pause",        "x x . . . ."),
    ("session.resume",       "x x . . . ."),
    ("session.archive",      "x x . . . ."),
    ("session.delete",       "x . . . . ."),
    ("join",                 "x x x x x x"),
    ("turn.post",            "x x x . . ."),
    ("turn.history",         "x x x x x x"),
    ("turn.undo_own",        "x x x . . ."),
    ("turn.undo_any",        "x x . . . ."),
    ("turn.clear",           "x x . . . ."),
    ("state.get",            "x x x x x x"),
    ("state.put",            "x x x . . ."),
    ("comment.post",         "x x x x . ."),
    ("members.list",         "x x x x x x"),
    ("members.add",          "x x . . . ."),
    ("members.set_role",     "x x . . . ."),
    ("members.remove",       "x x . . . ."),
    ("contributions.get",    "x x x x x ."),
    ("checkpoint.save",      "x x x . . ."),
    ("checkpoint.list",      "x x x x x ."),
    ("checkpoint.restore",   "x x . . . ."),
    ("branch.create",        "x x x . . ."),
    ("branch.merge",         "x x . . . ."),
    ("branch.discard",       "x x . . . ."),
    ("template.save",        "x x . . . ."),
    ("template.create_from", "x x x x x ."),
    ("session.export",       "x x . . . ."),
    ("share.create",         "x x . . . ."),
    ("share.list",           "x x . . . ."),
    ("share.revoke",         "x x . . . ."),
]

private let columns: [Access] = [.member(.owner), .member(.admin), .member(.write), .member(.comment), .member(.read), .shareViewer]

@Suite struct PermissionTests {
    @Test func tableCoversEveryOperationExactlyOnce() {
        let names = expected.map(\.0)
        #expect(Set(names).count == names.count)
        #expect(Set(names) == Set(Operation.allCases.map(\.rawValue)))
    }

    @Test func everyCellMatchesTheExpectedTable() throws {
        var checked = 0
        for (name, row) in expected {
            let op = try #require(Operation(rawValue: name))
            let cells = row.split(separator: " ")
            #expect(cells.count == columns.count)
            for (access, cell) in zip(columns, cells) {
                let want = cell == "x"
                #expect(Permissions.allows(access, op) == want, "\(access) \(name)")
                if case .member(let role) = access {
                    #expect(Permissions.allows(role: role, operation: op) == want, "\(role) \(name)")
                }
                checked += 1
            }
        }
        #expect(checked == Operation.allCases.count * 6)
    }

    @Test func aRefusalSaysInWordsWhatWasRefusedAndWhichRoleItNeeds() throws {
        #expect(Set(Operation.allCases.map(\.action)).count == Operation.allCases.count, "each operation its own words")
        try withStore { store in
            try makeSession(store)
            _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "1"))
            do {
                _ = try store.undoLastTurn(session: "s1", actor: "dave")
                Issue.record("a reader undid a turn")
            } catch let error as StoreError {
                #expect(error.code == "forbidden")
                #expect(error.message == "role read may not undo your own turns (turn.undo_own needs write or above)")
            }
        }
    }

    @Test func rolesAreOrdered() {
        #expect(Role.owner > Role.admin && Role.admin > Role.write && Role.write > Role.comment && Role.comment > Role.read)
        #expect(Role.allCases.sorted() == [.read, .comment, .write, .admin, .owner])
    }

    @Test func onlyOwnersTouchOwners() {
        #expect(Permissions.mayChangeRole(actorRole: .admin, targetCurrent: .write, newRole: .admin))
        #expect(!Permissions.mayChangeRole(actorRole: .admin, targetCurrent: .write, newRole: .owner))
        #expect(!Permissions.mayChangeRole(actorRole: .admin, targetCurrent: .owner, newRole: .read))
        #expect(!Permissions.mayChangeRole(actorRole: .admin, targetCurrent: .owner, newRole: nil))
        #expect(Permissions.mayChangeRole(actorRole: .owner, targetCurrent: .owner, newRole: .admin))
        #expect(!Permissions.mayChangeRole(actorRole: .write, targetCurrent: .read, newRole: .comment))
    }
}
