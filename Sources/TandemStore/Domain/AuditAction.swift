/// Every action the store writes to the audit log, by the name it is written under. `audit` takes
/// only these, so an action the store can write is a case here; what reads the log back (the
/// server's access watcher, `AccessChangeScope`) switches over every case without a default, so a
/// new action does not build until it says whether it ends anyone's access. The log may still hold
/// names no case has (a newer build's, or one this build no longer writes): `AuditAction(rawValue:)`
/// is nil for those, and readers treat them as unknown.
public enum AuditAction: String, CaseIterable, Sendable {
    case sessionArchive = "session.archive"
    case sessionDelete = "session.delete"
    case sessionPurge = "session.purge"
    case sessionImport = "session.import"
    case turnsClear = "turns.clear"
    case checkpointRestore = "checkpoint.restore"
    case branchDiscard = "branch.discard"
    /// Its entry names the parent (`session`) and the branch (`target`), except the one written
    /// when a merge's job ends because either was deleted under it.
    case branchMerge = "branch.merge"
    case memberAdd = "member.add"
    case memberRole = "member.role"
    case memberRemove = "member.remove"
    case shareCreate = "share.create"
    case shareRevoke = "share.revoke"
    case userAdd = "user.add"
    case userDisable = "user.disable"
    case userEnable = "user.enable"
    case userRemove = "user.remove"
    case tokenIssue = "token.issue"
    /// Its entry's `detail.replaces` names the token it replaces.
    case tokenRotate = "token.rotate"
    case tokenRevoke = "token.revoke"
}
