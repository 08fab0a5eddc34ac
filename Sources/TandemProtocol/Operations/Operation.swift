import TandemJSON

/// One `tandem.v1` operation with its typed parameters. The result type of each is named in its comment.
public enum Operation: Sendable, Equatable {
    /// → `SessionResult`
    case sessionCreate(SessionCreateParams)
    /// → `SessionListResult`
    case sessionList(SessionListParams)
    /// → `SearchResult`
    case sessionSearch(SessionSearchParams)
    /// → `SessionResult`
    case sessionGet(SessionRef)
    /// → `SessionResult`
    case sessionUpdate(SessionUpdateParams)
    /// → `SessionResult`
    case sessionPause(SessionRef)
    /// → `SessionResult`
    case sessionResume(SessionRef)
    /// → `SessionResult`
    case sessionArchive(SessionRef)
    /// → `EmptyResult`
    case sessionDelete(SessionRef)
    /// → `JoinResult`, then backlog events (with `since`), then live events.
    case sessionJoin(JoinParams)
    /// → `EmptyResult`
    case sessionLeave(SessionRef)
    /// → `PostTurnResult`
    case turnPost(PostTurnParams)
    /// → `HistoryResult`
    case history(HistoryParams)
    /// → `UndoResult`
    case turnUndo(UndoParams)
    /// → `ClearResult`
    case sessionClear(SessionRef)
    /// → `StateGetResult`
    case stateGet(StateGetParams)
    /// → `StatePutResult`
    case statePut(StatePutParams)
    /// → `CommentResult`
    case commentAdd(CommentAddParams)
    /// → `CommentListResult`
    case commentList(CommentListParams)
    /// → `MemberListResult`
    case memberList(MemberListParams)
    /// → `MemberResult`
    case memberAdd(MemberRoleParams)
    /// → `MemberResult`
    case memberSetRole(MemberRoleParams)
    /// → `EventSeqResult`
    case memberRemove(MemberRemoveParams)
    /// → `ContributionsResult`
    case contributions(ContributionsParams)
    /// → `CheckpointResult`
    case checkpointSave(CheckpointParams)
    /// → `CheckpointListResult`
    case checkpointList(CheckpointListParams)
    /// → `CheckpointGetResult`
    case checkpointGet(CheckpointGetParams)
    /// → `CheckpointResult` (with `eseq`)
    case checkpointRestore(CheckpointParams)
    /// → `SessionResult` (the new branch)
    case branchCreate(BranchCreateParams)
    /// → `BranchMergeResult`
    case branchMerge(BranchMergeParams)
    /// → `EmptyResult`
    case branchDiscard(SessionRef)
    /// → `TemplateResult`
    case templateSave(TemplateSaveParams)
    /// → `TemplateListResult`
    case templateList(TemplateListParams)
    /// → `SessionResult`
    case templateCreateSession(TemplateCreateParams)
    /// → `ExportResult`
    case sessionExport(SessionRef)
    /// → `SessionResult`
    case sessionImport(ImportParams)
    /// → `ShareCreateResult`
    case shareCreate(ShareCreateParams)
    /// → `ShareListResult`
    case shareList(ShareListParams)
    /// → `ShareResult`
    case shareRevoke(ShareRevokeParams)
    /// → `PongResult`
    case ping

    public var name: OpName {
        switch self {
        case .sessionCreate: .sessionCreate
        case .sessionList: .sessionList
        case .sessionSearch: .sessionSearch
        case .sessionGet: .sessionGet
        case .sessionUpdate: .sessionUpdate
        case .sessionPause: .sessionPause
        case .sessionResume: .sessionResume
        case .sessionArchive: .sessionArchive
        case .sessionDelete: .sessionDelete
        case .sessionJoin: .sessionJoin
        case .sessionLeave: .sessionLeave
        case .turnPost: .turnPost
        case .history: .history
        case .turnUndo: .turnUndo
        case .sessionClear: .sessionClear
        case .stateGet: .stateGet
        case .statePut: .statePut
        case .commentAdd: .commentAdd
        case .commentList: .commentList
        case .memberList: .memberList
        case .memberAdd: .memberAdd
        case .memberSetRole: .memberSetRole
        case .memberRemove: .memberRemove
        case .contributions: .contributions
        case .checkpointSave: .checkpointSave
        case .checkpointList: .checkpointList
        case .checkpointGet: .checkpointGet
        case .checkpointRestore: .checkpointRestore
        case .branchCreate: .branchCreate
        case .branchMerge: .branchMerge
        case .branchDiscard: .branchDiscard
        case .templateSave: .templateSave
        case .templateList: .templateList
        case .templateCreateSession: .templateCreateSession
        case .sessionExport: .sessionExport
        case .sessionImport: .sessionImport
        case .shareCreate: .shareCreate
        case .shareList: .shareList
        case .shareRevoke: .shareRevoke
        case .ping: .ping
        }
    }

    /// The parameters as a wire object (flattened into the request next to `id` and `op`).
    public var params: any WireObject {
        switch self {
        case .sessionCreate(let p): p
        case .sessionList(let p): p
        case .sessionSearch(let p): p
        case .sessionGet(let p), .sessionPause(let p), .sessionResume(let p), .sessionArchive(let p),
            .sessionDelete(let p), .sessionLeave(let p), .sessionClear(let p),
            .branchDiscard(let p), .sessionExport(let p):
            p
        case .branchMerge(let p): p
        case .memberList(let p): p
        case .checkpointList(let p): p
        case .checkpointGet(let p): p
        case .shareList(let p): p
        case .templateList(let p): p
        case .sessionUpdate(let p): p
        case .sessionJoin(let p): p
        case .turnPost(let p): p
        case .history(let p): p
        case .turnUndo(let p): p
        case .stateGet(let p): p
        case .statePut(let p): p
        case .commentAdd(let p): p
        case .commentList(let p): p
        case .memberAdd(let p), .memberSetRole(let p): p
        case .memberRemove(let p): p
        case .contributions(let p): p
        case .checkpointSave(let p), .checkpointRestore(let p): p
        case .branchCreate(let p): p
        case .templateSave(let p): p
        case .templateCreateSession(let p): p
        case .sessionImport(let p): p
        case .shareCreate(let p): p
        case .shareRevoke(let p): p
        case .ping: NoParams()
        }
    }

    /// The session the operation acts on, for the permission check; nil for operations that are not
    /// about one session (`session.create`, lists, search, templates, import, `share.revoke`, `ping`,
    /// `contributions` by user).
    public var session: String? {
        switch self {
        case .sessionCreate, .sessionList, .sessionSearch, .templateList, .templateCreateSession, .sessionImport,
            .shareRevoke, .ping:
            nil
        case .contributions(let p): p.session
        case .sessionGet(let p), .sessionPause(let p), .sessionResume(let p), .sessionArchive(let p),
            .sessionDelete(let p), .sessionLeave(let p), .sessionClear(let p),
            .branchDiscard(let p), .sessionExport(let p):
            p.session
        case .branchMerge(let p): p.session
        case .memberList(let p): p.session
        case .checkpointList(let p): p.session
        case .checkpointGet(let p): p.session
        case .shareList(let p): p.session
        case .sessionUpdate(let p): p.session
        case .sessionJoin(let p): p.session
        case .turnPost(let p): p.session
        case .history(let p): p.session
        case .turnUndo(let p): p.session
        case .stateGet(let p): p.session
        case .statePut(let p): p.session
        case .commentAdd(let p): p.session
        case .commentList(let p): p.session
        case .memberAdd(let p), .memberSetRole(let p): p.session
        case .memberRemove(let p): p.session
        case .checkpointSave(let p), .checkpointRestore(let p): p.session
        case .branchCreate(let p): p.session
        case .templateSave(let p): p.session
        case .shareCreate(let p): p.session
        }
    }

    /// Reads the parameters of `name` from the request object.
    static func read(_ name: OpName, from r: inout WireReader) throws -> Operation {
        switch name {
        case .sessionCreate: .sessionCreate(try SessionCreateParams(reader: &r))
        case .sessionList: .sessionList(try SessionListParams(reader: &r))
        case .sessionSearch: .sessionSearch(try SessionSearchParams(reader: &r))
        case .sessionGet: .sessionGet(try SessionRef(reader: &r))
        case .sessionUpdate: .sessionUpdate(try SessionUpdateParams(reader: &r))
        case .sessionPause: .sessionPause(try SessionRef(reader: &r))
        case .sessionResume: .sessionResume(try SessionRef(reader: &r))
        case .sessionArchive: .sessionArchive(try SessionRef(reader: &r))
        case .sessionDelete: .sessionDelete(try SessionRef(reader: &r))
        case .sessionJoin: .sessionJoin(try JoinParams(reader: &r))
        case .sessionLeave: .sessionLeave(try SessionRef(reader: &r))
        case .turnPost: .turnPost(try PostTurnParams(reader: &r))
        case .history: .history(try HistoryParams(reader: &r))
        case .turnUndo: .turnUndo(try UndoParams(reader: &r))
        case .sessionClear: .sessionClear(try SessionRef(reader: &r))
        case .stateGet: .stateGet(try StateGetParams(reader: &r))
        case .statePut: .statePut(try StatePutParams(reader: &r))
        case .commentAdd: .commentAdd(try CommentAddParams(reader: &r))
        case .commentList: .commentList(try CommentListParams(reader: &r))
        case .memberList: .memberList(try MemberListParams(reader: &r))
        case .memberAdd: .memberAdd(try MemberRoleParams(reader: &r))
        case .memberSetRole: .memberSetRole(try MemberRoleParams(reader: &r))
        case .memberRemove: .memberRemove(try MemberRemoveParams(reader: &r))
        case .contributions: .contributions(try ContributionsParams(reader: &r))
        case .checkpointSave: .checkpointSave(try CheckpointParams(reader: &r))
        case .checkpointList: .checkpointList(try CheckpointListParams(reader: &r))
        case .checkpointGet: .checkpointGet(try CheckpointGetParams(reader: &r))
        case .checkpointRestore: .checkpointRestore(try CheckpointParams(reader: &r))
        case .branchCreate: .branchCreate(try BranchCreateParams(reader: &r))
        case .branchMerge: .branchMerge(try BranchMergeParams(reader: &r))
        case .branchDiscard: .branchDiscard(try SessionRef(reader: &r))
        case .templateSave: .templateSave(try TemplateSaveParams(reader: &r))
        case .templateList: .templateList(try TemplateListParams(reader: &r))
        case .templateCreateSession: .templateCreateSession(try TemplateCreateParams(reader: &r))
        case .sessionExport: .sessionExport(try SessionRef(reader: &r))
        case .sessionImport: .sessionImport(try ImportParams(reader: &r))
        case .shareCreate: .shareCreate(try ShareCreateParams(reader: &r))
        case .shareList: .shareList(try ShareListParams(reader: &r))
        case .shareRevoke: .shareRevoke(try ShareRevokeParams(reader: &r))
        case .ping: .ping
        }
    }
}
