import TandemJSON
import TandemProtocol

/// Sample values of every wire type, filled in so that every optional field is exercised somewhere.
enum Fixtures {
    static let t0: Timestamp = 1_763_800_000_000

    static let info = SessionInfo(
        id: "s-1", title: "Design review", owner: "alice", status: .active, metadata: ["team": "core", "n": 3],
        created: t0, updated: t0 + 5_000, headSeq: 42, headEseq: 57, role: .write)
    static let branchInfo = SessionInfo(
        id: "s-2", title: "Design review (branch)", owner: "bob", status: .paused, created: t0, updated: t0,
        headSeq: 40, headEseq: 1, parent: BranchOrigin(session: "s-1", seq: 40))
    static let turn = TurnDTO(
        seq: 43, author: "alice", role: .assistant, content: "Hello \"world\"\n\u{e9}\u{1F600}\t\u{1}",
        metadata: ["model": "m-1", "temp": 0.5, "tags": ["a", nil, true]], tokens: TokenCounts(input: 12, output: 345),
        created: t0 + 1, nonce: "c-7f3a.1:x_y", undone: false)
    static let undoneTurn = TurnDTO(seq: 7, author: "bob", role: .tool, content: "", created: t0, undone: true)
    static let row = StateRow(key: "plan", version: 4, value: ["steps": ["a", "b"], "owner": nil], author: "bob", updated: t0 + 9)
    static let conflict = MergeConflictDTO(path: "/steps/0", base: "a", current: "b", proposed: nil)
    static let nullConflict = MergeConflictDTO(path: "", base: nil, current: .null, proposed: 3)
    static let comment = CommentDTO(id: 5, seq: 43, author: "carol", text: "nice", created: t0 + 20)
    static let member = Member(user: "bob", name: "Bob B.", role: .admin, added: t0, online: true)
    static let contribution = Contribution(
        session: "s-1", user: "bob", turns: 10, tokens: TokenCounts(input: 1, output: 2), comments: 3, rowWrites: 4,
        merges: 5, conflicts: 6, undos: 7)
    static let checkpoint = Checkpoint(name: "before refactor", seq: 40, rowCount: 2, by: "alice", created: t0)
    static let template = TemplateInfo(name: "retro", source: "s-1", by: "alice", created: t0)
    static let share = ShareLink(
        id: "sh-1", session: "s-1", expires: t0 + 86_400_000, by: "alice", created: t0, revoked: false, lastUsed: t0 + 3)

    /// One request per operation, several for operations with alternative parameter shapes.
    static let operations: [Operation] = [
        .sessionCreate(SessionCreateParams(session: "retro-2026_11", title: "Retro", metadata: ["k": "v"])),
        .sessionCreate(SessionCreateParams()),
        .sessionList(SessionListParams(
            status: .active, member: "bob", parent: "s-0", metadata: ["team": "core", "n": 2], updatedSince: t0, page: Page(cursor: "c1", limit: 20))),
        .sessionList(SessionListParams()),
        .sessionSearch(SessionSearchParams(query: "merge AND conflict*", status: .archived, page: Page(limit: 5))),
        .sessionGet(SessionRef(session: "s-1")),
        .sessionUpdate(SessionUpdateParams(session: "s-1", title: "New title")),
        .sessionUpdate(SessionUpdateParams(session: "s-1", metadata: ["a": 1])),
        .sessionPause(SessionRef(session: "s-1")),
        .sessionResume(SessionRef(session: "s-1")),
        .sessionArchive(SessionRef(session: "s-1")),
        .sessionDelete(SessionRef(session: "s-1")),
        .sessionJoin(JoinParams(session: "s-1", since: 57)),
        .sessionJoin(JoinParams(session: "s-1", last: 50, includeState: true)),
        .sessionJoin(JoinParams(session: "s-1")),
        .sessionLeave(SessionRef(session: "s-1")),
        .turnPost(PostTurnParams(
            session: "s-1", role: .assistant, content: "hi", metadata: ["m": [1, 2]],
            tokens: TokenCounts(input: 3, output: 4), nonce: "n-1")),
        .turnPost(PostTurnParams(session: "s-1", content: "")),
        .history(HistoryParams(session: "s-1", selector: .last(10), author: "bob", includeUndone: true)),
        .history(HistoryParams(session: "s-1", selector: .since(40), limit: 500)),
        .history(HistoryParams(session: "s-1", selector: .range(from: 3, to: 9))),
        .turnUndo(UndoParams(session: "s-1", seq: 43)),
        .turnUndo(UndoParams(session: "s-1")),
        .sessionClear(SessionRef(session: "s-1")),
        .stateGet(StateGetParams(session: "s-1", key: "plan")),
        .stateGet(StateGetParams(session: "s-1")),
        .statePut(StatePutParams(session: "s-1", key: "plan", value: ["steps": ["a"]], base: 3)),
        .statePut(StatePutParams(session: "s-1", key: "flag", value: nil, base: 0)),
        .commentAdd(CommentAddParams(session: "s-1", seq: 43, text: "why?")),
        .commentList(CommentListParams(session: "s-1", seq: 43)),
        .commentList(CommentListParams(session: "s-1")),
        .commentList(CommentListParams(session: "s-1", after: 5, limit: 2)),
        .memberList(MemberListParams(session: "s-1")),
        .memberList(MemberListParams(session: "s-1", after: "bob", limit: 2)),
        .memberAdd(MemberRoleParams(session: "s-1", user: "dave", role: .comment)),
        .memberSetRole(MemberRoleParams(session: "s-1", user: "dave", role: .read)),
        .memberRemove(MemberRemoveParams(session: "s-1", user: "dave")),
        .contributions(ContributionsParams(session: "s-1")),
        .contributions(ContributionsParams(user: "bob")),
        .contributions(ContributionsParams(session: "s-1", after: "alice", limit: 50)),
        .contributions(ContributionsParams(user: "bob", after: "s-1", limit: 1)),
        .checkpointSave(CheckpointParams(session: "s-1", name: "v1")),
        .checkpointList(CheckpointListParams(session: "s-1")),
        .checkpointList(CheckpointListParams(session: "s-1", after: "v1", limit: 10)),
        .checkpointGet(CheckpointGetParams(session: "s-1", name: "v1")),
        .checkpointGet(CheckpointGetParams(session: "s-1", name: "v1", after: "plan", limit: 2)),
        .checkpointRestore(CheckpointParams(session: "s-1", name: "v1")),
        .branchCreate(BranchCreateParams(session: "s-1", at: 40, title: "try")),
        .branchCreate(BranchCreateParams(session: "s-1")),
        .branchCreate(BranchCreateParams(session: "s-1", branch: "b-try_2")),
        .branchMerge(BranchMergeParams(session: "s-2")),
        .branchMerge(BranchMergeParams(session: "s-2", resolutions: ["plan": ["owner": "erin"], "n": .null])),
        .branchDiscard(SessionRef(session: "s-2")),
        .templateSave(TemplateSaveParams(session: "s-1", name: "retro")),
        .templateList(TemplateListParams()),
        .templateList(TemplateListParams(after: "retro", limit: 1)),
        .templateCreateSession(TemplateCreateParams(template: "retro", title: "Retro 12")),
        .templateCreateSession(TemplateCreateParams(template: "retro", session: "r-12")),
        .sessionExport(SessionRef(session: "s-1")),
        .sessionImport(ImportParams(document: ["format": "tandem.session.v1", "turns": []], session: "copy")),
        .shareCreate(ShareCreateParams(session: "s-1", expiry: .inSeconds(604_800))),
        .shareCreate(ShareCreateParams(session: "s-1", expiry: .at(t0 + 1_000))),
        .shareList(ShareListParams(session: "s-1")),
        .shareList(ShareListParams(session: "s-1", includeRevoked: true, after: "sh-1", limit: 50)),
        .shareRevoke(ShareRevokeParams(share: "sh-1")),
        .ping,
    ]

    static let events: [Event] = [
        Event(session: "s-1", eseq: 58, payload: .turn(turn)),
        Event(session: "s-1", eseq: 59, payload: .turn(undoneTurn)),
        Event(session: "s-1", eseq: 60, payload: .turnUndone(TurnUndone(seq: 43, by: "alice"))),
        Event(session: "s-1", eseq: 61, payload: .state(StateChange(row: row, merged: true))),
        Event(session: "s-1", eseq: 62, payload: .comment(comment)),
        Event(session: "s-1", eseq: nil, payload: .presence(PresenceChange(user: "bob", action: .joined, onlineCount: 2))),
        Event(session: "s-1", eseq: nil, payload: .presence(PresenceChange(user: "bob", action: .left, onlineCount: 0))),
        Event(session: "s-1", eseq: 63, payload: .member(MemberChange(user: "dave", role: .write, by: "alice"))),
        Event(session: "s-1", eseq: 64, payload: .member(MemberChange(user: "dave", role: nil, by: "alice"))),
        Event(session: "s-1", eseq: 65, payload: .session(SessionChange(change: .restored, info: info, by: "alice", detail: "v1"))),
        Event(session: "s-1", eseq: 66, payload: .session(SessionChange(change: .status, info: branchInfo, by: "bob"))),
        Event(session: "s-1", eseq: nil, payload: .shareExpired(ShareExpired(share: "sh-1", expired: t0))),
    ]

    /// One sample of every result type, as a closure that round-trips it through a response and back.
    static let results: [(String, @Sendable (RequestID) throws -> Bool)] = [
        check(EmptyResult()),
        check(SessionResult(session: info)),
        check(SessionListResult(sessions: [info, branchInfo], nextCursor: "next")),
        check(SessionListResult(sessions: [])),
        check(SearchResult(hits: [SearchHit(session: info, seq: 4, snippet: "a [merge] b"), SearchHit(session: info, snippet: "t")])),
        check(JoinResult(session: info, role: .write, online: ["alice"], headSeq: 42, headEseq: 57, backlog: 3)),
        check(JoinResult(
            session: info, role: .read, online: [], headSeq: 42, headEseq: 57, turns: [turn, undoneTurn], state: [row])),
        check(PostTurnResult(turn: turn, eseq: 58, duplicate: true)),
        check(HistoryResult(turns: [undoneTurn, turn], headSeq: 43, more: true)),
        check(UndoResult(seq: 43, eseq: 60)),
        check(ClearResult(clearedThrough: 43, eseq: 61)),
        check(EventSeqResult(eseq: 9)),
        check(StateGetResult(rows: [row])),
        check(StatePutResult.applied(row: row, eseq: 70)),
        check(StatePutResult.merged(row: row, eseq: 71)),
        check(StatePutResult.conflict(current: row, conflicts: [conflict, nullConflict], merged: ["a": 1])),
        // A `null` merge is a value (kept apart from a server that sends none).
        check(StatePutResult.conflict(current: row, conflicts: [conflict], merged: .null)),
        check(StatePutResult.conflict(current: nil, conflicts: [], merged: nil)),
        check(CommentResult(comment: comment, eseq: 62)),
        check(CommentListResult(comments: [comment])),
        check(CommentListResult(comments: [comment], more: true)),
        check(MemberListResult(members: [member])),
        check(MemberListResult(members: [member], more: true)),
        check(MemberResult(member: member, eseq: 63)),
        check(ContributionsResult(contributions: [contribution])),
        check(ContributionsResult(contributions: [contribution], more: true)),
        check(CheckpointResult(checkpoint: checkpoint, eseq: 65)),
        check(CheckpointListResult(checkpoints: [checkpoint])),
        check(CheckpointListResult(checkpoints: [checkpoint], more: true)),
        check(BranchMergeResult(merged: true, firstSeq: 44, lastSeq: 50, rows: ["plan"])),
        check(BranchMergeResult(merged: false, conflicts: [RowConflictDTO(key: "plan", conflicts: [conflict])])),
        check(BranchMergeResult(merged: true, firstSeq: 44, lastSeq: 50, rows: ["plan"], rowsTotal: 1_500)),
        check(BranchMergeResult(merged: false, conflicts: [RowConflictDTO(key: "plan", conflicts: [conflict])], conflictsMore: true)),
        check(TemplateResult(template: template)),
        check(TemplateListResult(templates: [template])),
        check(TemplateListResult(templates: [template], more: true)),
        check(ExportResult(document: ["format": "tandem.session.v1", "turns": [turn.json]])),
        check(ShareCreateResult(share: share, secret: "Zm9vYmFy", url: "/s/Zm9vYmFy")),
        check(ShareListResult(shares: [share])),
        check(ShareListResult(shares: [share], more: true)),
        check(ShareResult(share: share)),
        check(PongResult(time: t0)),
        check(PongResult(time: t0, user: "alice")),
    ]

    static func check<R: WireObject>(_ value: R) -> (String, @Sendable (RequestID) throws -> Bool) {
        ("\(R.self)", { id in
            let bytes = Response.success(id: id, value).encode()
            guard case .response(let response) = try ServerMessage.decode(bytes) else { return false }
            let decoded = try response.result(as: R.self)
            return response.id == id && decoded == value
        })
    }
}
