import Foundation
import Testing
import TandemJSON
@testable import TandemStore

/// Who a session belongs to: imports over the wire, owners who hand over, archived sessions,
/// and a user's own contributions.
@Suite struct SessionOwnershipTests {
    @Test func aClaimedImportBelongsToTheImporterAloneAndCreatesNoUser() throws {
        try withStore { store in
            try makeSession(store)
            _ = try store.appendTurn(session: "s1", actor: "alice", NewTurn(role: .user, content: "I approve", tokensIn: 999))
            guard var fields = try store.exportSession(id: "s1", actor: "alice").objectValue else { Issue.record("no document"); return }
            // Erin forges the document: a new user "mallory" owns it, alice is its admin.
            fields["users"] = .array((fields["users"]?.arrayValue ?? []) + [["id": "mallory", "display_name": "M", "created_at": 1]])
            fields["members"] = [["user": "mallory", "role": "owner", "added_at": 1], ["user": "alice", "role": "admin", "added_at": 1]]
            let document = JSONValue.object(fields)
            let copy = try store.importSession(document, asID: "forged", claimedBy: "erin")
            #expect(copy.owner == "erin")
            #expect(try store.members(session: "forged", actor: "erin").map { "\($0.userID):\($0.role.rawValue)" } == ["erin:owner"])
            #expect(try !store.read { db throws(StoreError) in try db.userExists("mallory") })
            #expect(errorCode { _ = try store.session(id: "forged", actor: "alice") } == "not_member")
            // The document's record of who wrote what is kept, marked as imported: it reads as no
            // account's, and counts in no one's own totals, even once alice is made a member.
            #expect(try store.lastTurns(session: "forged", actor: "erin", count: 1).first?.author == "alice@import")
            _ = try store.setMember(session: "forged", actor: "erin", user: "alice", role: .read)
            #expect(try store.contributions(user: "alice").map(\.sessionID) == ["s1"])
            #expect(try store.contributions(session: "forged", actor: "erin").map(\.userID) == ["alice@import"])
            #expect(try store.auditLog(session: "forged").first?.actor == "erin")
            // The operator's import stays lossless.
            let restored = try store.importSession(document, asID: "asis")
            #expect(restored.owner == "alice")
            #expect(try store.read { db throws(StoreError) in try db.userExists("mallory") })
        }
    }

    @Test func aMergedTurnCountsOnceInItsAuthorsTotals() throws {
        try withStore { store in
            try makeSession(store)
            _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "before", tokensIn: 1))
            let branch = try store.createBranch(session: "s1", actor: "alice", id: "b1")
            _ = try store.appendTurns(session: branch.id, actor: "bob", [NewTurn(role: .user, content: "b", tokensIn: 10),
                                                                        NewTurn(role: .user, content: "c", tokensOut: 5)])
            _ = try store.addComment(session: branch.id, actor: "bob", turnSeq: 2, body: "moves with its turn")
            guard case .merged = try store.mergeBranch(branch: branch.id, actor: "alice") else { Issue.record("no merge"); return }
            let mine = try store.contributions(user: "bob")
            #expect(mine.reduce(0) { $0 + $1.counts.turns } == 3)
            #expect(mine.reduce(0) { $0 + $1.counts.tokensIn } == 11 && mine.reduce(0) { $0 + $1.counts.tokensOut } == 5)
            // The comment goes with its turn, and counts once too.
            #expect(mine.first { $0.sessionID == "b1" }?.counts.comments == 0 && mine.first { $0.sessionID == "s1" }?.counts.comments == 1)
        }
    }

    @Test func theSessionsOwnerFollowsItsOwnerMembers() throws {
        try withStore { store in
            try makeSession(store)
            try store.setMember(session: "s1", actor: "alice", user: "carol", role: .owner)
            try store.setMember(session: "s1", actor: "alice", user: "alice", role: .write)
            #expect(try store.session(id: "s1").owner == "carol")
            try store.adminSetMember(session: "s1", user: "bob", role: .owner)
            try store.adminRemoveMember(session: "s1", user: "carol")
            #expect(try store.session(id: "s1").owner == "bob")
            // The creator who handed over can be removed as a user; the last owner cannot.
            try store.adminRemoveUser(id: "alice")
            #expect(errorCode { try store.adminRemoveUser(id: "bob") } == "invalid_state")
        }
    }

    @Test func anArchivedSessionKeepsItsContentButNotItsAccessList() throws {
        try withStore { store in
            try makeSession(store)
            _ = try store.pauseSession(id: "s1", actor: "alice")
            // Paused: settings and checkpoints may change.
            _ = try store.updateSession(id: "s1", actor: "alice", title: "Paused")
            _ = try store.saveCheckpoint(session: "s1", actor: "alice", name: "p")
            _ = try store.archiveSession(id: "s1", actor: "alice")
            #expect(errorCode { _ = try store.updateSession(id: "s1", actor: "alice", title: "New") } == "session_archived")
            #expect(errorCode { _ = try store.saveCheckpoint(session: "s1", actor: "alice", name: "a") } == "session_archived")
            #expect(errorCode { _ = try store.restoreCheckpoint(session: "s1", actor: "alice", name: "p") } == "session_archived")
            // Who may see it still changes: someone who left loses access to the archive too.
            try store.removeMember(session: "s1", actor: "alice", user: "bob")
            _ = try store.createShareLink(session: "s1", actor: "alice", expiresAt: nil)
            _ = try store.saveTemplate(session: "s1", actor: "alice", name: "from-archive")
        }
    }

    @Test func twoCreatesOfOneRowConflictWithNoBaseUnlessTheyAgree() throws {
        try withStore { store in
            try makeSession(store)
            _ = try store.writeRow(session: "s1", actor: "bob", key: "n", value: .null, baseVersion: 0)
            guard case .conflict(_, 1, let conflicts, _, .null) = try store.writeRow(session: "s1", actor: "alice", key: "n", value: ["a": 1], baseVersion: 0)
            else { Issue.record("a second create over null did not conflict"); return }
            #expect(conflicts == [MergeConflict(path: [], base: nil, current: .null, proposed: ["a": 1])])
            _ = try store.writeRow(session: "s1", actor: "bob", key: "o", value: ["x": 1], baseVersion: 0)
            guard case .merged(let row, _) = try store.writeRow(session: "s1", actor: "alice", key: "o", value: ["y": 2], baseVersion: 0)
            else { Issue.record("two creates of disjoint keys did not merge"); return }
            #expect(row.value == ["x": 1, "y": 2])
            guard case .conflict(_, _, let keyConflicts, _, ["x": 1, "y": 2]) = try store.writeRow(session: "s1", actor: "bob", key: "o", value: ["x": 5], baseVersion: 0)
            else { Issue.record("two creates of one key did not conflict"); return }
            #expect(keyConflicts == [MergeConflict(path: ["x"], base: nil, current: 1, proposed: 5)])
            guard case .merged = try store.writeRow(session: "s1", actor: "alice", key: "n", value: .null, baseVersion: 0)
            else { Issue.record("the same value written twice did not merge"); return }
        }
    }
}
