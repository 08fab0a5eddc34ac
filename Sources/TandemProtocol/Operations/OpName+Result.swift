extension OpName {
    /// The type of the `result` object a successful response to this operation carries, so a client can
    /// decode responses generically (`try op.resultType.init(json: result)`).
    public var resultType: any WireObject.Type {
        switch self {
        case .sessionCreate, .sessionGet, .sessionUpdate, .sessionPause, .sessionResume, .sessionArchive,
            .branchCreate, .templateCreateSession, .sessionImport:
            SessionResult.self
        case .sessionList: SessionListResult.self
        case .sessionSearch: SearchResult.self
        case .sessionDelete, .sessionLeave, .branchDiscard: EmptyResult.self
        case .sessionJoin: JoinResult.self
        case .turnPost: PostTurnResult.self
        case .history: HistoryResult.self
        case .turnUndo: UndoResult.self
        case .sessionClear: ClearResult.self
        case .stateGet: StateGetResult.self
        case .statePut: StatePutResult.self
        case .commentAdd: CommentResult.self
        case .commentList: CommentListResult.self
        case .memberList: MemberListResult.self
        case .memberAdd, .memberSetRole: MemberResult.self
        case .memberRemove: EventSeqResult.self
        case .contributions: ContributionsResult.self
        case .checkpointSave, .checkpointRestore: CheckpointResult.self
        case .checkpointList: CheckpointListResult.self
        case .checkpointGet: CheckpointGetResult.self
        case .branchMerge: BranchMergeResult.self
        case .templateSave: TemplateResult.self
        case .templateList: TemplateListResult.self
        case .sessionExport: ExportResult.self
        case .shareCreate: ShareCreateResult.self
        case .shareList: ShareListResult.self
        case .shareRevoke: ShareResult.self
        case .ping: PongResult.self
        }
    }
}
