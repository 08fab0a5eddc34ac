import Foundation
import Testing
import TandemJSON
@testable import TandemStore

/// `max-checkpoints-per-session` holds for a claimed import (`session.import`) as for
/// `checkpoint.save`: a document carrying more checkpoints than one session may have is refused
/// whole, so importing is no way around the cap. The operator's import is not held to it.
@Suite struct ImportCheckpointCapTests {
    @Test func aClaimedImportCarryingTooManyCheckpointsLeavesNothing() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        var roomy = StoreConfiguration(path: dir.dbPath)
        roomy.clock = { 1_700_000_000_000 }
        let document: JSONValue
        do {
            let store = try Store(roomy)
            defer { store.close() }
            try createTestUsers(store)
            try makeSession(store)
            _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "t"))
            for name in ["one", "two", "three"] { _ = try store.saveCheckpoint(session: "s1", actor: "alice", name: name) }
            document = try store.exportSession(id: "s1", actor: "alice")
        }
        var tight = roomy
        tight.maxCheckpointsPerSession = 2
        let store = try Store(tight)
        defer { store.close() }
        let before = try tableCounts(store)
        var refused: StoreError?
        do { _ = try store.importSession(document, asID: "imp", claimedBy: "bob") } catch { refused = error }
        #expect(refused?.code == "limit_exceeded")
        #expect(refused?.message.contains("server setting max-checkpoints-per-session = 2") == true, "\(refused?.message ?? "imported")")
        // The refused import's hidden session goes with the delete steps: nothing is left.
        try store.finishDeletes()
        #expect(try tableCounts(store) == before)
        #expect(errorCode { _ = try store.session(id: "imp") } == "not_found")
        // At the cap exactly it is taken, and then the session is full like one saved by hand.
        guard case .object(var fields) = document, case .array(let list)? = fields["checkpoints"] else {
            Issue.record("the export has no checkpoints list")
            return
        }
        fields["checkpoints"] = .array(Array(list.prefix(2)))
        let two = JSONValue.object(fields)
        _ = try store.importSession(two, asID: "imp2", claimedBy: "bob")
        #expect(errorCode { _ = try store.saveCheckpoint(session: "imp2", actor: "bob", name: "four") } == "limit_exceeded")
        // The operator's import is not held to it.
        _ = try store.importSession(document, asID: "by-operator")
    }
}
