import Testing
import TandemJSON
@testable import TandemStore

/// A session change's `data.after` (`SessionAfter`) is written two ways: one change at a time by
/// `SessionAfter.attach`, and for all branches of a deleted parent at once by `SessionReaper.unparent`.
/// Both take their keys from `SessionAfter.Key`; this pins that what they store is that one record,
/// key for key, on real rows (a key written by one and not the other fails here).
@Suite struct SessionAfterKeysTests {
    private let keys = Set(SessionAfter.Key.allCases.map(\.rawValue))

    /// The `after` objects of the changes of `session` after `since`, by kind.
    private func afters(_ store: Store, _ session: String, after since: Int64) throws -> [(ChangeEvent.Kind, [String: JSONValue])] {
        try store.changeFeed(session: session, since: since).events.compactMap { change in
            change.data?["after"]?.objectValue.map { (change.kind, $0) }
        }
    }

    @Test func aSessionChangeAndAnUnparentStoreTheSameKeys() throws {
        try withStore { store in
            try makeSession(store, id: "p")
            _ = try store.appendTurn(session: "p", actor: "bob", NewTurn(role: .user, content: "base"))
            _ = try store.createBranch(session: "p", actor: "alice", id: "b")
            _ = try store.appendTurn(session: "b", actor: "bob", NewTurn(role: .user, content: "own"))
            let head = try store.session(id: "b").lastEventSeq
            _ = try store.updateSession(id: "b", actor: "alice", title: "Branch \"b\"", metadata: ["tag": "x", "n": 2])
            try store.deleteSession(id: "p", actor: "alice")

            let written = try afters(store, "b", after: head)
            #expect(written.map(\.0) == [.session, .unparent])
            guard written.count == 2 else { return }
            let (changed, unparented) = (written[0].1, written[1].1)
            #expect(Set(changed.keys) == keys, "attach wrote \(changed.keys.sorted())")
            #expect(Set(unparented.keys) == keys, "unparent wrote \(unparented.keys.sorted())")
            // The same row both times: only the parent and the time may differ.
            for key in SessionAfter.Key.allCases where key != .parent && key != .updated {
                #expect(changed[key.rawValue] == unparented[key.rawValue], "\(key.rawValue)")
            }
            #expect(changed["title"] == "Branch \"b\"" && changed["owner"] == "alice" && changed["head_seq"] == 2)
            #expect(changed["parent"] == ["session": "p", "seq": 1] && unparented["parent"] == .null)
            // Both read back whole (`ChangeEvent.sessionAfter`).
            let parsed = try store.changeFeed(session: "b", since: head).events.compactMap(\.sessionAfter)
            #expect(parsed.map(\.parent) == [.recorded(id: "p", forkSeq: 1), .noParent])
            #expect(parsed.allSatisfy { $0.owner == "alice" && $0.title == "Branch \"b\"" && $0.lastTurnSeq == 2 })
        }
    }
}
