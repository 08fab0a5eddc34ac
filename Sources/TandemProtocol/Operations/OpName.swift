/// The name of every `tandem.v1` operation, as sent in a request's `op` field. The server's permission
/// table and rate accounting key on it.
public enum OpName: String, WireEnum {
    case sessionCreate = "session.create"
    case sessionList = "session.list"
    case sessionSearch = "session.search"
    case sessionGet = "session.get"
    case sessionUpdate = "session.update"
    case sessionPause = "session.pause"
    case sessionResume = "session.resume"
    case sessionArchive = "session.archive"
    case sessionDelete = "session.delete"
    case sessionJoin = "session.join"
    case sessionLeave = "session.leave"
    case turnPost = "turn.post"
    case history = "history"
    case turnUndo = "turn.undo"
    case sessionClear = "session.clear"
    case stateGet = "state.get"
    case statePut = "state.put"
    case commentAdd = "comment.add"
    case commentList = "comment.list"
    case memberList = "member.list"
    case memberAdd = "member.add"
    case memberSetRole = "member.set_role"
    case memberRemove = "member.remove"
    case contributions = "contributions"
    case checkpointSave = "checkpoint.save"
    case checkpointList = "checkpoint.list"
    case checkpointGet = "checkpoint.get"
    case checkpointRestore = "checkpoint.restore"
    case branchCreate = "branch.create"
    case branchMerge = "branch.merge"
    case branchDiscard = "branch.discard"
    case templateSave = "template.save"
    case templateList = "template.list"
    case templateCreateSession = "template.create_session"
    case sessionExport = "session.export"
    case sessionImport = "session.import"
    case shareCreate = "share.create"
    case shareList = "share.list"
    case shareRevoke = "share.revoke"
    case ping = "ping"

    /// Whether the operation changes durable data (refused on paused/archived sessions where it applies,
    /// never allowed to share-link viewers).
    public var isWrite: Bool {
        switch self {
        case .sessionList, .sessionSearch, .sessionGet, .sessionJoin, .sessionLeave, .history, .stateGet,
            .commentList, .memberList, .contributions, .checkpointList, .checkpointGet, .templateList, .sessionExport, .shareList,
            .ping:
            false
        default: true
        }
    }
}
