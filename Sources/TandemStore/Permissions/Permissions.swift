/// The one place that decides whether someone may perform an operation on a session.
///
/// Pure: no I/O, no state. The table in `docs/permissions.md` is this function written out.
public enum Permissions {
    /// The lowest member role allowed to perform `operation`.
    public static func minimumRole(for operation: Operation) -> Role {
        switch operation {
        case .sessionGet, .join, .history, .stateGet, .membersList, .contributions, .checkpointList,
             .templateCreateFrom:
            return .read
        case .comment:
            return .comment
        case .postTurn, .undoOwn, .statePut, .checkpointSave, .branchCreate:
            return .write
        case .sessionUpdate, .sessionPause, .sessionResume, .sessionArchive, .undoAny, .clear,
             .membersAdd, .membersSetRole, .membersRemove, .checkpointRestore, .branchMerge, .branchDiscard,
             .templateSave, .export, .shareCreate, .shareList, .shareRevoke:
            return .admin
        case .sessionDelete:
            return .owner
        }
    }

    /// Operations a share-link viewer may perform: looking, never touching.
    public static func shareViewerAllows(_ operation: Operation) -> Bool {
        switch operation {
        // Viewers see who takes part, as every turn's author already shows.
        case .sessionGet, .join, .history, .stateGet, .membersList: return true
        default: return false
        }
    }

    /// Whether a member with `role` may perform `operation`.
    public static func allows(role: Role, operation: Operation) -> Bool {
        role >= minimumRole(for: operation)
    }

    /// Whether `access` (a member role or a share link) may perform `operation`.
    public static func allows(_ access: Access, _ operation: Operation) -> Bool {
        switch access {
        case .member(let role): allows(role: role, operation: operation)
        case .shareViewer: shareViewerAllows(operation)
        }
    }

    /// Whether `actor` (with `actorRole`) may give `target` the role `newRole` (or remove them when
    /// `newRole` is nil). Only an owner may create or touch owners; nobody may demote the last owner
    /// (checked by the store, which knows the member list).
    public static func mayChangeRole(actorRole: Role, targetCurrent: Role?, newRole: Role?) -> Bool {
        guard allows(role: actorRole, operation: newRole == nil ? .membersRemove : .membersSetRole) else { return false }
        if actorRole == .owner { return true }
        if targetCurrent == .owner || newRole == .owner { return false }
        return true
    }
}
