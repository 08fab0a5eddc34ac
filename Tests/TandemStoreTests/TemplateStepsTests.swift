import Testing
import TandemJSON
@testable import TandemStore

/// `template.create_session` in steps (`TemplateSession`): the rows a transaction at a time, the
/// session shown whole in the last one, and nothing left of it when a step fails.
@Suite struct TemplateStepsTests {
    private func template(_ store: Store, rows: Int) throws {
        try makeSession(store)
        for i in 0..<rows {
            _ = try store.writeRow(session: "s1", actor: "bob", key: "k\(i)", value: ["n": .integer(Int64(i))], baseVersion: 0)
        }
        _ = try store.saveTemplate(session: "s1", actor: "alice", name: "t")
    }

    @Test func rowsAreWrittenInStepsAndTheSessionAppearsWhole() throws {
        try withStore(configure: { $0.importStepRows = 2 }) { store in
            try template(store, rows: 7)
            let before = store.writer.batches
            let s = try store.createSession(fromTemplate: "t", actor: "alice", id: "fromT", title: "Copy")
            // begin, 4 steps of at most 2 rows, publish: one job held all 7 rows before.
            #expect(store.writer.batches - before >= 6, "\(store.writer.batches - before) transactions")
            #expect(s.id == "fromT" && s.title == "Copy" && s.owner == "alice" && s.status == .active)
            let rows = try store.stateRows(session: "fromT", actor: "alice")
            #expect(rows.map(\.key).sorted() == (0..<7).map { "k\($0)" }.sorted())
            #expect(rows.allSatisfy { $0.version == 1 && $0.author == "alice" })
            let roles = Dictionary(uniqueKeysWithValues: try store.members(session: "fromT", actor: "alice").map { ($0.userID, $0.role) })
            #expect(roles == ["alice": .owner, "bob": .write, "carol": .comment, "dave": .read])
            // Its change log is the rows' events, numbered from 1, as a one-job create wrote them.
            #expect(try store.session(id: "fromT").lastEventSeq == 7)
        }
    }

    @Test func aFailedLastStepLeavesNothingAndFreesTheQuota() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        var config = StoreConfiguration(path: dir.dbPath)
        config.importStepRows = 2
        do {
            let store = try Store(config)
            defer { store.close() }
            try createTestUsers(store)
            try template(store, rows: 5)
        }
        // Reopened with a members cap the template's four members are past: publish fails.
        config.maxMembersPerSession = 2
        let store = try Store(config)
        defer { store.close() }
        let sessions = try store.read { db throws(StoreError) in try db.scalar("SELECT count(*) FROM sessions") ?? 0 }
        let before = store.writer.batches
        #expect(errorCode { _ = try store.createSession(fromTemplate: "t", actor: "alice", id: "fromT") } == "limit_exceeded")
        #expect(store.writer.batches - before >= 4) // the rows were written before publish refused
        try store.finishDeletes()
        #expect(try store.read { db throws(StoreError) in try db.scalar("SELECT count(*) FROM sessions") ?? 0 } == sessions)
        #expect(errorCode { _ = try store.session(id: "fromT") } == "not_found")
        #expect(try store.read { db throws(StoreError) in
            try db.scalar("SELECT session_count FROM owner_counts WHERE user_id = 'alice'") ?? -1 } == 1)
    }

    @Test func aTakenIdOrAFullQuotaIsRefusedBeforeAnyStep() throws {
        try withStore(configure: { $0.maxSessionsPerUser = 1 }) { store in
            try template(store, rows: 3)
            let before = store.writer.batches
            #expect(errorCode { _ = try store.createSession(fromTemplate: "t", actor: "alice", id: "s1") } == "already_exists")
            #expect(errorCode { _ = try store.createSession(fromTemplate: "t", actor: "alice", id: "new") } == "limit_exceeded")
            #expect(store.writer.batches - before <= 2)
        }
    }
}
