import Testing
@testable import TandemStore

/// A change to the session records its owner then (`SessionAfter.owner`), which its replay shows. An
/// import over the wire (claimed) marks it as it marks every other user the document names
/// (`ImportAuthors`: `bob@import`); the operator's import keeps it as the document has it.
@Suite struct ClaimedImportOwnerTests {
    private func replayedOwners(_ store: Store, _ sid: String, as actor: String) throws -> [String?] {
        try store.changes(session: sid, actor: actor, since: 0).events.compactMap(\.sessionAfter).map(\.owner)
    }

    @Test func eachChangeKeepsItsOwnerAndAClaimedImportMarksIt() throws {
        try withStore { store in
            try makeSession(store)
            _ = try store.updateSession(id: "s1", actor: "alice", title: "Renamed")
            try store.setMember(session: "s1", actor: "alice", user: "bob", role: .owner)
            _ = try store.removeMember(session: "s1", actor: "alice", user: "alice")
            _ = try store.pauseSession(id: "s1", actor: "bob")
            #expect(try replayedOwners(store, "s1", as: "bob") == ["alice", "bob"])
            let doc = try store.exportSession(id: "s1", actor: "bob")
            _ = try store.importSession(doc, asID: "claimed", claimedBy: "carol")
            #expect(try store.session(id: "claimed").owner == "carol")
            #expect(try replayedOwners(store, "claimed", as: "carol") == ["alice@import", "bob@import"])
            _ = try store.importSession(json: try store.exportSessionText(id: "s1", actor: "bob"), asID: "restored")
            #expect(try replayedOwners(store, "restored", as: "bob") == ["alice", "bob"])
        }
    }
}
