import TandemProtocol
import TandemStore
import TandemTransport

extension Dispatcher {
    /// Calls the handler of `request`'s operation (work-pool thread).
    func route(_ request: Request, connection: WebSocketConnection, client: ClientConnection) throws -> Response? {
        let id = request.id
        switch request.operation {
        case .sessionJoin(let p):
            try join(p, id: id, connection: connection, client: client)
            return nil
        case .sessionExport(let p):
            try exportSession(p, id: id, connection: connection, client: client)
            return nil
        case .sessionLeave(let p):
            guard leave(p.session, connection: connection, client: client) else {
                throw DispatchFailure(code: .notFound, message: "session \(p.session) is not joined on this connection")
            }
            return .success(id: id, EmptyResult())
        case .history(let p): return .success(id: id, try history(p, client: client))
        case .turnUndo(let p): return .success(id: id, try undo(p, client: client))
        case .sessionClear(let p): return .success(id: id, try clear(p, client: client))
        case .stateGet(let p): return .success(id: id, try stateGet(p, client: client))
        case .statePut(let p): return .success(id: id, try statePut(p, client: client))
        case .sessionCreate(let p): return .success(id: id, try createSession(p, client: client))
        case .sessionList(let p): return .success(id: id, try listSessions(p, client: client))
        case .sessionSearch(let p): return .success(id: id, try searchSessions(p, client: client))
        case .sessionGet(let p): return .success(id: id, try getSession(p, client: client))
        case .sessionUpdate(let p): return .success(id: id, try updateSession(p, client: client))
        case .sessionPause(let p): return .success(id: id, try changeStatus(p, to: .paused, client: client))
        case .sessionResume(let p): return .success(id: id, try changeStatus(p, to: .active, client: client))
        case .sessionArchive(let p): return .success(id: id, try changeStatus(p, to: .archived, client: client))
        case .sessionDelete(let p): return .success(id: id, try deleteSession(p, client: client))
        case .commentAdd(let p): return .success(id: id, try addComment(p, client: client))
        case .commentList(let p): return .success(id: id, try listComments(p, client: client))
        case .memberList(let p): return .success(id: id, try listMembers(p, client: client))
        case .memberAdd(let p): return .success(id: id, try setMember(p, adding: true, client: client))
        case .memberSetRole(let p): return .success(id: id, try setMember(p, adding: false, client: client))
        case .memberRemove(let p): return .success(id: id, try removeMember(p, client: client))
        case .contributions(let p): return .success(id: id, try contributions(p, client: client))
        case .checkpointSave(let p): return .success(id: id, try saveCheckpoint(p, client: client))
        case .checkpointList(let p): return .success(id: id, try listCheckpoints(p, client: client))
        case .checkpointGet(let p): return .success(id: id, try checkpointRows(p, client: client))
        case .checkpointRestore(let p): return .success(id: id, try restoreCheckpoint(p, client: client))
        case .branchCreate(let p): return .success(id: id, try createBranch(p, client: client))
        case .branchMerge(let p): return .success(id: id, try mergeBranch(p, client: client))
        case .branchDiscard(let p): return .success(id: id, try discardBranch(p, client: client))
        case .templateSave(let p): return .success(id: id, try saveTemplate(p, client: client))
        case .templateList(let p): return .success(id: id, try listTemplates(p, client: client))
        case .templateCreateSession(let p): return .success(id: id, try createFromTemplate(p, client: client))
        case .sessionImport(let p): return .success(id: id, try importSession(p, client: client))
        case .shareCreate(let p): return .success(id: id, try createShare(p, client: client))
        case .shareList(let p): return .success(id: id, try listShares(p, client: client))
        case .shareRevoke(let p): return .success(id: id, try revokeShare(p, client: client))
        case .ping, .turnPost:
            // Answered on the event loop / writer thread; never routed here.
            return .success(id: id, EmptyResult())
        }
    }
}
