import Foundation
import Testing
@testable import TandemStore

/// `StoreWriter.otherCommitsSeen`: what the server's access watcher reads to know whether another
/// process (`tandem-admin`) wrote, before it reads every live session's head (docs/architecture.md).
@Suite("Other processes' commits seen by the writer") struct OtherCommitsSeenTests {
    /// Asks the writer to look until the count passes `count` (nil when it did not within 5 s).
    private func seenPast(_ store: Store, _ count: Int) -> Int? {
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            store.writer.lookForOtherCommits()
            let seen = store.writer.otherCommitsSeen
            if seen > count { return seen }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return nil
    }

    @Test("an idle writer asked to look counts another store's commit; its own commits are not counted")
    func idleLookCountsOnlyOthers() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let server = try Store(StoreConfiguration(path: dir.dbPath))
        defer { server.close() }
        try createTestUsers(server)
        _ = try makeSession(server, id: "s1")
        let before = server.writer.otherCommitsSeen
        // Its own writes, each in a batch of its own, and looks asked in between: none counted.
        for i in 0..<5 {
            _ = try server.updateSession(id: "s1", actor: "alice", title: "Own \(i)")
            server.writer.lookForOtherCommits()
        }
        _ = try server.updateSession(id: "s1", actor: "alice", title: "Own, last")
        #expect(server.writer.otherCommitsSeen == before)

        let admin = try Store(StoreConfiguration(path: dir.dbPath))
        _ = try admin.updateSession(id: "s1", actor: "alice", title: "Elsewhere")
        admin.close()
        // No write of the server's own follows: only the asked look can see it.
        let seen = seenPast(server, before)
        #expect(seen != nil, "another store's commit was not seen by the idle writer's look")
        // A further look without another commit changes nothing.
        if let seen {
            _ = try server.updateSession(id: "s1", actor: "alice", title: "Own again")
            #expect(server.writer.otherCommitsSeen == seen)
        }
    }
}
