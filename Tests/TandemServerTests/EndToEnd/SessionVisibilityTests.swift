import Foundation
import TandemJSON
import Testing

extension EndToEnd {
    /// protocol.md "Visibility": a session the caller is not a member of is `not_found`, so ids do
    /// not leak. The code alone is not enough: the message must not tell them apart either.
    @Suite("Session visibility") struct SessionVisibilityTests {
        @Test("a session one is no member of is answered exactly like one that does not exist")
        func nonMemberAndMissingSessionLookAlike() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let alice = try harness.user("alice")
            let mallory = try harness.user("mallory")
            try harness.session("secret", owner: alice)
            try harness.connect(alice).ok("branch.create", ["session": "secret", "branch": "secretfork"])
            let outsider = try harness.connect(mallory)

            func failure(_ op: String, _ session: String, _ extra: [String: JSONValue] = [:]) throws -> (String?, String?) {
                var params = extra
                params["session"] = .string(session)
                let answer = try outsider.request(op, params)
                #expect(answer["ok"] == .bool(false), "\(op) on \(session) succeeded")
                // The id itself is what the caller typed; everything around it must match.
                let message = answer["error"]?["message"]?.stringValue?.replacingOccurrences(of: session, with: "ID")
                return (answer["error"]?["code"]?.stringValue, message)
            }
            let operations: [(String, [String: JSONValue])] = [
                ("session.get", [:]), ("session.join", [:]), ("history", [:]), ("state.get", [:]),
                ("turn.post", ["content": "hi"]), ("session.pause", [:]), ("member.list", [:]),
                ("checkpoint.list", [:]), ("branch.create", [:]),
            ]
            for (op, extra) in operations {
                let existing = try failure(op, "secret", extra)
                let missing = try failure(op, "nosuchsession", extra)
                #expect(existing.0 == "not_found", "\(op): \(existing)")
                #expect(existing == missing, "\(op): \(existing) vs \(missing)")
            }
            let merged = try failure("branch.merge", "secretfork")
            let mergedMissing = try failure("branch.merge", "nosuchbranch")
            #expect(merged.0 == "not_found" && merged == mergedMissing, "\(merged) vs \(mergedMissing)")
        }
    }
}
