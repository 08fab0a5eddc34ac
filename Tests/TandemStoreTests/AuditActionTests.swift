import Testing
@testable import TandemStore

/// The audit log outlives builds: entries written long ago, the `audit_removals` index
/// (`action = 'member.remove'`) and the queries that find entries by action (`FormerMembers`, a
/// removed user's id kept from reuse) match actions by the names written. A case renamed in code
/// must keep its name on disk, or those entries turn into actions no one knows.
@Suite struct AuditActionTests {
    @Test func theNamesWrittenStayTheNamesReadBack() {
        #expect(Set(AuditAction.allCases.map(\.rawValue)) == [
            "session.archive", "session.delete", "session.purge", "session.import", "turns.clear", "checkpoint.restore",
            "branch.discard", "branch.merge", "member.add", "member.role", "member.remove", "share.create", "share.revoke",
            "user.add", "user.disable", "user.enable", "user.remove", "token.issue", "token.rotate", "token.revoke",
        ])
    }
}
