import Foundation
import TandemJSON
import TandemStore
import Testing

extension EndToEnd {
    /// protocol.md `session.search`: a session deleted while a search runs is left out of the page,
    /// not an error. The search reads its hits in one snapshot and each hit's session after it; one
    /// deleted in between made the whole page `not_found` (the consistency checker's caps seed 102:
    /// `session zc102x7 not found` on a page with cursor `S22`).
    @Suite("Search while sessions are deleted") struct SearchWhileDeletingTests {
        @Test("session.search pages answer while the matching sessions are deleted one after another")
        func searchSkipsSessionsDeletedMeanwhile() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            let alice = try harness.user("alice")
            let count = 300
            for i in 0..<count { _ = try harness.store.createSession(id: "z\(i)", title: "zeta \(i)", owner: "alice") }
            let searcher = try harness.connect(alice)
            let store = harness.store
            let deleted = DispatchSemaphore(value: 0)
            DispatchQueue.global().async {
                for i in 0..<count { _ = try? store.deleteSession(id: "z\(i)", actor: "alice") }
                deleted.signal()
            }
            var answered = 0
            var failures: [JSONValue] = []
            while deleted.wait(timeout: .now()) == .timedOut {
                let response = try searcher.request("session.search", ["query": "zeta", "limit": 1000])
                answered += 1
                if response["ok"] != true { failures.append(response) }
            }
            #expect(failures.isEmpty, "\(failures.count) of \(answered) searches failed, first: \(String(describing: failures.first))")
            let last = try searcher.ok("session.search", ["query": "zeta"])
            #expect(last["hits"]?.arrayValue?.isEmpty == true)
        }
    }
}
