import Testing
import TandemProtocol
import TandemStore
@testable import TandemServer

/// A branch merge whose steps keep failing answers the store's `busy` "under way" error
/// (`MergeStepFailureTests`); the client must see it whole, as `unavailable`, not a generic text.
@Suite struct MergeUnderWayMappingTests {
    @Test func theMergeUnderWayAnswerReachesTheClientAsUnavailable() throws {
        let message = "the merge of branch b-1 into s-1 is under way and will be finished in the background within a few "
            + "minutes (a step failed: sqlite); do not retry: the branch's session event (status archived) says when it is done"
        let error = StoreError(.busy, message)
        #expect(ErrorMapping.code(for: error) == .unavailable)
        let said = String(decoding: ErrorMapping.response(id: .int(3), for: error, reference: 1).encode(), as: UTF8.self)
        #expect(said.contains("\"code\":\"unavailable\"") && said.contains("under way and will be finished in the background"), "\(said)")
        #expect(!said.contains("retry_after_ms"), "\(said)")
    }
}
