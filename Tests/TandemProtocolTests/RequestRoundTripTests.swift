import Testing
import TandemJSON
@testable import TandemProtocol

@Suite struct RequestRoundTripTests {
    @Test(arguments: Fixtures.operations)
    func everyOperationRoundTrips(_ operation: Operation) throws {
        for id: RequestID in [7, "req-\u{e9}-1", .int(-RequestID.maxIntegerMagnitude)] {
            let request = Request(id: id, operation: operation)
            let bytes = request.encode()
            let decoded = try Request.decode(bytes).get()
            #expect(decoded == request)
            #expect(decoded.encode() == bytes, "encoding is deterministic")
        }
    }

    @Test func everyOperationHasAFixture() {
        let covered = Set(Fixtures.operations.map(\.name))
        #expect(covered == Set(OpName.allCases))
    }

    @Test(arguments: Fixtures.operations)
    func sessionForPermissionChecksIsTheSessionParameter(_ operation: Operation) {
        let sent = operation.params.json["session"]?.stringValue
        switch operation.name {
        case .sessionCreate, .sessionImport, .templateCreateSession:
            #expect(operation.session == nil, "the new session's id is not a session to check a role on")
        default:
            #expect(operation.session == sent)
        }
    }

    @Test func operationNamesSessionForPermissionChecks() {
        #expect(Operation.turnPost(PostTurnParams(session: "s-9", content: "x")).session == "s-9")
        #expect(Operation.memberSetRole(MemberRoleParams(session: "s-3", user: "u", role: .read)).session == "s-3")
        #expect(Operation.contributions(ContributionsParams(user: "u")).session == nil)
        #expect(Operation.ping.session == nil)
        #expect(Operation.shareRevoke(ShareRevokeParams(share: "x")).session == nil)
        #expect(OpName.history.isWrite == false)
        #expect(OpName.turnPost.isWrite)
    }

    @Test func defaultsApplyWhenOptionalFieldsAreMissingOrNull() throws {
        let request = try Request.decode(#"{"id":1,"op":"turn.post","session":"s","content":"x","nonce":null}"#).get()
        #expect(request.operation == .turnPost(PostTurnParams(session: "s", role: .user, content: "x")))
        let history = try Request.decode(#"{"id":2,"op":"history","session":"s"}"#).get()
        #expect(history.operation == .history(HistoryParams(session: "s", selector: .last(100))))
    }

    @Test func stateValueNullIsKeptApartFromMissing() throws {
        let put = try Request.decode(#"{"id":1,"op":"state.put","session":"s","key":"k","value":null,"base":0}"#).get()
        #expect(put.operation == .statePut(StatePutParams(session: "s", key: "k", value: .null, base: 0)))
        let missing = Request.decode(#"{"id":1,"op":"state.put","session":"s","key":"k","base":0}"#)
        #expect(missing.failure?.field == "value")
    }

    @Test func decodesFromRawBuffer() throws {
        let bytes = Array(#"{"op":"ping","id":"p"}"#.utf8)
        // Safe: the pointer is lent to the call only and not kept.
        let request = try bytes.withUnsafeBytes { try Request.decode($0).get() }
        #expect(request == Request(id: "p", operation: .ping))
    }
}

extension Result {
    var failure: Failure? { if case .failure(let e) = self { e } else { nil } }
    var success: Success? { if case .success(let v) = self { v } else { nil } }
}
