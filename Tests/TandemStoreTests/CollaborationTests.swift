import Synchronization
import Foundation
import Testing
import TandemJSON
@testable import TandemStore

@Suite struct CheckpointTests {
    @Test func restoreRewindsTurnsAndRowsAndIsRecorded() throws {
        try withStore { store in
            try makeSession(store)
            _ = try store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .user, content: "1"), NewTurn(role: .user, content: "2")])
            _ = try store.writeRow(session: "s1", actor: "bob", key: "a", value: "a1", baseVersion: 0)
            let cp = try store.saveCheckpoint(session: "s1", actor: "bob", name: "before")
            #expect(cp.turnSeq == 2 && cp.rowCount == 1)
            #expect(errorCode { _ = try store.saveCheckpoint(session: "s1", actor: "bob", name: "before") } == "already_exists")
            #expect(errorCode { _ = try store.saveCheckpoint(session: "s1", actor: "carol", name: "c") } == "forbidden")
            _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "3"))
            _ = try store.writeRow(session: "s1", actor: "bob", key: "a", value: "a2", baseVersion: 1)
            _ = try store.writeRow(session: "s1", actor: "bob", key: "b", value: "b1", baseVersion: 0)
            #expect(errorCode { _ = try store.restoreCheckpoint(session: "s1", actor: "bob", name: "before") } == "forbidden")
            let before = try tableCounts(store)
            #expect(errorCode { _ = try store.restoreCheckpoint(session: "s1", actor: "alice", name: "nonexistent") } == "not_found")
            #expect(try tableCounts(store) == before)

            let restored = try store.restoreCheckpoint(session: "s1", actor: "alice", name: "before")
            #expect(restored.rewoundThrough == 3)
            #expect(restored.rows.map { "\($0.key)@\($0.version)=\($0.value)" } == ["a@3=\"a1\"", "b@2=null"])
            let turns = try store.lastTurns(session: "s1", actor: "alice", count: 10)
            #expect(turns.map(\.state) == [.live, .live, .rewound])
            #expect(try store.stateHistory(session: "s1", actor: "alice", key: "a").map(\.value) == ["a1", "a2", "a1"])
            let events = try store.changes(session: "s1", actor: "alice", since: 0).events
            #expect(events.suffix(3).map(\.kind) == [.restore, .state, .state])
            #expect(restored.eventSeq == events.last?.eventSeq)
            #expect(try store.auditLog(session: "s1").first?.action == "checkpoint.restore")
            #expect(try store.checkpoints(session: "s1", actor: "dave").map(\.name) == ["before"])
            // New turns continue after the highest seq ever used.
            #expect(try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "4")).seq == 4)
        }
    }
}

@Suite struct TemplateTests {
    @Test func saveAndCreateFromTemplate() throws {
        try withStore { store in
            try makeSession(store, metadata: ["model": "m1"])
            _ = try store.writeRow(session: "s1", actor: "bob", key: "rules", value: ["tone": "dry"], baseVersion: 0)
            #expect(errorCode { _ = try store.saveTemplate(session: "s1", actor: "bob", name: "std") } == "forbidden")
            let t = try store.saveTemplate(session: "s1", actor: "alice", name: "std")
            #expect(t.body["rows"] == ["rules": ["tone": "dry"]])
            #expect(errorCode { _ = try store.saveTemplate(session: "s1", actor: "alice", name: "std") } == "already_exists")
            #expect(t.body["source"] == "s1")
            // A template is its author's: another user can neither use nor see it, and may save one of the same name.
            #expect(errorCode { _ = try store.createSession(fromTemplate: "std", actor: "erin", id: "stolen") } == "not_found")
            #expect(try store.templates(of: "erin").isEmpty)
            let s = try store.createSession(fromTemplate: "std", actor: "alice", id: "fromT")
            #expect(s.title == "Planning" && s.metadata == ["model": "m1"] && s.owner == "alice")
            let roles = Dictionary(uniqueKeysWithValues: try store.members(session: "fromT", actor: "alice").map { ($0.userID, $0.role) })
            #expect(roles == ["alice": .owner, "bob": .write, "carol": .comment, "dave": .read])
            #expect(try store.stateRow(session: "fromT", actor: "alice", key: "rules")?.version == 1)
            #expect(try store.templates(of: "alice").map(\.name) == ["std"])
            _ = try store.createSession(id: "erins", title: "Mine", owner: "erin")
            #expect(try store.saveTemplate(session: "erins", actor: "erin", name: "std").body["source"] == "erins")
            #expect(try store.createSession(fromTemplate: "std", actor: "erin", id: "fromE").title == "Mine")
            #expect(try store.createSession(fromTemplate: "std", actor: "alice", id: "fromT2").title == "Planning")
            #expect(errorCode { _ = try store.createSession(fromTemplate: "nope", actor: "erin") } == "not_found")
        }
    }
}


@Suite struct ShareLinkTests {
    @Test func expiryIsExactToTheMillisecondAndRevocationWorks() throws {
        let clock = TestClock()
        try withStore(clock: clock) { store in
            try makeSession(store)
            #expect(errorCode { _ = try store.createShareLink(session: "s1", actor: "bob", expiresAt: nil) } == "forbidden")
            let expiry = clock.now + 60_000
            let issued = try store.createShareLink(session: "s1", actor: "alice", expiresAt: expiry)
            #expect(issued.secret.hasPrefix("tds_") && issued.link.permission == "read")
            let stored = try store.read { db throws(StoreError) in try db.query("SELECT hash FROM share_links") { $0.text(0) } }
            #expect(stored == [RandomID.hash(issued.secret)])
            clock.set(expiry - 1)
            let used = try store.resolveShareLink(secret: issued.secret)
            #expect(used.sessionID == "s1" && used.lastUsedAt == expiry - 1)
            clock.set(expiry)
            #expect(errorCode { _ = try store.resolveShareLink(secret: issued.secret) } == "forbidden")
            clock.set(expiry - 1000)
            #expect(try store.resolveShareLink(secret: issued.secret).id == issued.link.id)
            try store.revokeShareLink(session: "s1", actor: "alice", linkID: issued.link.id)
            #expect(errorCode { _ = try store.resolveShareLink(secret: issued.secret) } == "forbidden")
            #expect(errorCode { _ = try store.resolveShareLink(secret: "tds_nothing") } == "unauthorized")
            #expect(errorCode { _ = try store.createShareLink(session: "s1", actor: "alice", expiresAt: clock.now) } == "invalid_argument")
            #expect(try store.shareLinks(session: "s1", actor: "alice").first?.revokedAt != nil)
            #expect(try store.auditLog(session: "s1").prefix(2).map(\.action) == ["share.revoke", "share.create"])
        }
    }

    @Test func expiryAtTheSecondWithTheRealClock() throws {
        try withStore { store in
            try makeSession(store)
            let expiry = store.now + 1000
            let issued = try store.createShareLink(session: "s1", actor: "alice", expiresAt: expiry)
            #expect(try store.resolveShareLink(secret: issued.secret).sessionID == "s1")
            while store.now < expiry { usleep(20_000) }
            #expect(errorCode { _ = try store.resolveShareLink(secret: issued.secret) } == "forbidden")
        }
    }
}

@Suite struct RetentionTests {
    @Test func purgesOnlyOldArchivedSessionsAndAudits() throws {
        let clock = TestClock()
        try withStore(clock: clock) { store in
            try makeSession(store, id: "old")
            try makeSession(store, id: "recent")
            try makeSession(store, id: "live")
            _ = try store.archiveSession(id: "old", actor: "alice")
            clock.advance(10 * 86_400_000)
            _ = try store.archiveSession(id: "recent", actor: "alice")
            clock.advance(86_400_000)
            #expect(try store.purgeArchived(olderThan: 7 * 86_400_000) == ["old"])
            #expect(errorCode { _ = try store.session(id: "old") } == "not_found")
            #expect(try store.session(id: "recent").status == .archived)
            #expect(try store.auditLog(session: "old").first?.action == "session.purge")
            #expect(errorCode { _ = try store.purgeArchived(olderThan: -1) } == "invalid_argument")
        }
    }
}
