import TandemProtocol
import TandemStore

/// What a share-link viewer may do: look at its one session, never touch it. The store's
/// `Permissions.shareViewerAllows` decides for session operations; the rest are connection-level.
enum ViewerPolicy {
    static func allows(_ op: OpName) -> Bool {
        switch op {
        case .ping, .sessionLeave: return true
        case .commentList: return Permissions.shareViewerAllows(.history)
        default:
            guard let operation = storeOperation(op) else { return false }
            return Permissions.shareViewerAllows(operation)
        }
    }

    /// The store's permission operation for a wire operation on a session, where there is one.
    static func storeOperation(_ op: OpName) -> TandemStore.Operation? {
        switch op {
        case .sessionGet: .sessionGet
        case .sessionUpdate: .sessionUpdate
        case .sessionPause: .sessionPause
        case .sessionResume: .sessionResume
        case .sessionArchive: .sessionArchive
        case .sessionDelete: .sessionDelete
        case .sessionJoin: .join
        case .turnPost: .postTurn
        case .history: .history
        case .sessionClear: .clear
        case .stateGet: .stateGet
        case .statePut: .statePut
        case .commentAdd: .comment
        case .memberList: .membersList
        case .memberAdd: .membersAdd
        case .memberSetRole: .membersSetRole
        case .memberRemove: .membersRemove
        case .contributions: .contributions
        case .checkpointSave: .checkpointSave
        case .checkpointList, .checkpointGet: .checkpointList
        case .checkpointRestore: .checkpointRestore
        case .branchCreate: .branchCreate
        case .branchMerge: .branchMerge
        case .branchDiscard: .branchDiscard
        case .templateSave: .templateSave
        case .sessionExport: .export
        case .shareCreate: .shareCreate
        case .shareList: .shareList
        case .shareRevoke: .shareRevoke
        default: nil
        }
    }
}
