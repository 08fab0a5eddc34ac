extension Operation {
    /// What the operation does, in words for a refusal ("role read may not undo your own turns"):
    /// the raw names are the permission table's (`docs/permissions.md`), not the wire's.
    public var action: String {
        switch self {
        case .sessionGet: "read the session"
        case .sessionUpdate: "change the session's title or metadata"
        case .sessionPause: "pause the session"
        case .sessionResume: "resume the session"
        case .sessionArchive: "archive the session"
        case .sessionDelete: "delete the session"
        case .join: "join the session"
        case .postTurn: "post turns"
        case .history: "read the history"
        case .undoOwn: "undo your own turns"
        case .undoAny: "undo other members' turns"
        case .clear: "clear the history"
        case .stateGet: "read state rows"
        case .statePut: "write state rows"
        case .comment: "comment on turns"
        case .membersList: "list the members"
        case .membersAdd: "add members"
        case .membersSetRole: "change members' roles"
        case .membersRemove: "remove members"
        case .contributions: "read contributions"
        case .checkpointSave: "save checkpoints"
        case .checkpointList: "list checkpoints"
        case .checkpointRestore: "restore checkpoints"
        case .branchCreate: "create branches"
        case .branchMerge: "merge branches"
        case .branchDiscard: "discard branches"
        case .templateSave: "save templates"
        case .templateCreateFrom: "create sessions from templates"
        case .export: "export the session"
        case .shareCreate: "create share links"
        case .shareList: "list share links"
        case .shareRevoke: "revoke share links"
        }
    }
}
