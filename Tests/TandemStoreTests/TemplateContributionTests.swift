import Testing
import TandemJSON
@testable import TandemStore

/// Contributions count work done in a session. A session made from a template holds the template's
/// rows, but nobody wrote them there: like a branch's copies, they count for no one (they counted as
/// row writes of whoever made the session, found by the model-based audit).
@Suite struct TemplateContributionTests {
    @Test(arguments: [500, 1])
    func rowsATemplateBringsCountForNobody(stepRows: Int) throws {
        try withStore(configure: { $0.importStepRows = stepRows }) { store in
            try makeSession(store)
            _ = try store.writeRow(session: "s1", actor: "bob", key: "rules", value: ["a": 1], baseVersion: 0)
            _ = try store.writeRow(session: "s1", actor: "alice", key: "plan", value: "x", baseVersion: 0)
            _ = try store.saveTemplate(session: "s1", actor: "alice", name: "std")
            _ = try store.createSession(fromTemplate: "std", actor: "alice", id: "fromT")
            #expect(try store.stateRows(session: "fromT", actor: "alice").map(\.key) == ["plan", "rules"])
            #expect(try store.contributions(session: "fromT", actor: "alice").isEmpty)
            // Her own writes there count as ever.
            _ = try store.writeRow(session: "fromT", actor: "alice", key: "plan", value: "y", baseVersion: 1)
            #expect(try store.contributions(session: "fromT", actor: "alice").map { "\($0.userID) \($0.counts.rowWrites)" }
                    == ["alice 1"])
        }
    }
}
