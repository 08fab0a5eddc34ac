import Foundation
import Testing
@testable import TandemStore

/// An import over the wire (claimed) is no branch of anything (docs/protocol.md, `session.import`):
/// `session.get` names no parent. Its replayed `session` events must not name one either; they used to
/// show the `parent` the document's events recorded (the branch it was exported from had one), a
/// session of this server, or of none, that the import is not a branch of. The operator's import
/// (`tandem-admin`, unclaimed) restores the branch as it was, parent included. Found by the crash
/// model check (Tests/interop/model/crash_check.py), which imports branches and replays the imports.
@Suite struct ClaimedImportParentTests {
    private func replayedParents(_ store: Store, _ sid: String) throws -> [SessionAfter.RecordedParent] {
        try store.changes(session: sid, actor: "alice", since: 0).events.compactMap(\.sessionAfter).map(\.parent)
    }

    @Test func aClaimedImportOfABranchReplaysNoParent() throws {
        try withStore { store in
            try makeSession(store, id: "p")
            _ = try store.appendTurn(session: "p", actor: "bob", NewTurn(role: .user, content: "a"))
            _ = try store.createBranch(session: "p", actor: "alice", id: "b")
            _ = try store.updateSession(id: "b", actor: "alice", title: "Renamed")
            _ = try store.pauseSession(id: "b", actor: "alice")
            #expect(try replayedParents(store, "b") == [.recorded(id: "p", forkSeq: 1), .recorded(id: "p", forkSeq: 1)])
            let doc = try store.exportSession(id: "b", actor: "alice")
            _ = try store.importSession(doc, asID: "claimed", claimedBy: "alice")
            #expect(try store.session(id: "claimed").parentID == nil)
            #expect(try replayedParents(store, "claimed") == [.noParent, .noParent])
            _ = try store.importSession(json: try store.exportSessionText(id: "b", actor: "alice"), asID: "restored")
            #expect(try replayedParents(store, "restored") == [.recorded(id: "p", forkSeq: 1), .recorded(id: "p", forkSeq: 1)])
        }
    }
}
