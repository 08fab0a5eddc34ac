import Foundation
import Testing
import TandemJSON
import TandemProtocol
import TandemStore

/// A turn's token counts are bounded twice: on the wire (`TokenCounts.maximumPerTurn`, TandemProtocol)
/// and in the store (posts, and import documents: TandemStore's `CountBound.most`). Neither
/// layer may import the other, so only a target that sees both can tie them: a wire bound above the
/// store's would take posts the store refuses, one below it would refuse counts the store exports
/// (a session's document would no longer import over the wire).
@Suite struct TokenBoundLayersTests {
    static let most = TokenCounts.maximumPerTurn

    private func decodesPost(input: Int64) -> Bool {
        let text = #"{"id":1,"op":"turn.post","session":"s","content":"x","tokens":{"input":\#(input),"output":\#(input)}}"#
        if case .success = Request.decode(text) { return true }
        return false
    }

    @Test func theWireTakesExactlyWhatTheStoreTakes() throws {
        #expect(decodesPost(input: Self.most) && !decodesPost(input: Self.most + 1), "the wire's bound is maximumPerTurn")

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-tokenbound-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try Store(StoreConfiguration(path: directory.appendingPathComponent("t.db").path))
        defer { store.close() }
        _ = try store.createUser(id: "alice", displayName: "Alice")
        _ = try store.createSession(id: "s", title: "Tokens", owner: "alice")

        // Posts: the store takes the wire's most and refuses one more, in either count.
        _ = try store.appendTurn(session: "s", actor: "alice", NewTurn(role: .assistant, content: "x", tokensIn: Self.most, tokensOut: Self.most))
        for turn in [NewTurn(role: .user, content: "x", tokensIn: Self.most + 1), NewTurn(role: .user, content: "x", tokensOut: Self.most + 1)] {
            #expect(throws: StoreError.self, "the store took a count the wire refuses") {
                try store.appendTurn(session: "s", actor: "alice", turn)
            }
        }

        // Import documents: a session holding the wire's most exports to one that imports; one more does not.
        let document = try store.exportSessionText(id: "s", actor: "alice")
        #expect(document.contains(#""tokens_in":\#(Self.most)"#), "\(document)")
        #expect(try store.importSession(json: document, asID: "copy", actor: "alice").id == "copy")
        let over = document.replacingOccurrences(of: #""tokens_in":\#(Self.most)"#, with: #""tokens_in":\#(Self.most + 1)"#)
        do {
            _ = try store.importSession(json: over, asID: "over", actor: "alice")
            Issue.record("a document with more tokens than the wire takes was imported")
        } catch {
            #expect(error.kind == .invalidArgument, "\(error)")
        }
    }
}
