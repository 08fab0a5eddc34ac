import TandemProtocol
import TandemStore
import TandemTransport

extension Dispatcher {
    /// The hot path, started on the event loop: the store batches concurrent posts into one
    /// commit, and the completion — on the writer thread, in commit order — publishes the event and
    /// answers only once the turn is durable. `bytes`, the request's size, counts against the
    /// user's share of posts in flight (`PostShares`) until the answer.
    func postTurn(_ p: PostTurnParams, id: RequestID, bytes: Int, connection: WebSocketConnection, client: ClientConnection) {
        guard case .member(let user, _) = client.identity else {
            send(.failure(id: id, .forbidden, "a share link only allows viewing"), to: connection)
            return
        }
        let share = client.postShare ?? postShares.share(for: user)
        guard share.take(bytes) else {
            // Not `tandem_rate_limited_total` (the per-connection limit, which alerts watch).
            metrics.errors.add()
            send(.failure(id: id, .rateLimited, """
                this user's posts not yet written reach \(share.bytesPerUser) bytes (all connections together; \
                max-post-bytes-per-user): retry after the answers to earlier ones
                """, retryAfterMs: PostShares.retryAfterMs), to: connection)
            return
        }
        let started = clock()
        let turn = NewTurn(role: p.role.store, content: p.content, metadata: p.metadata,
                           tokensIn: p.tokens.input, tokensOut: p.tokens.output, nonce: p.nonce)
        // On a loop, the writer is woken once at the end of the loop turn for every post the turn
        // read: one group commit for them all, and the loop is not preempted after each post.
        let onLoop = connection.loop.inLoop
        if onLoop { connection.loop.runAtEndOfTurn(writerWakeup) }
        // The completion keeps the session's id, not the whole request (content, metadata, nonce):
        // fewer references to take and let go with each post.
        let session = p.session
        store.appendTurns(session: session, actor: user, [turn], wakeWriter: !onLoop) { [self] result in
            share.giveBack(bytes)
            switch result {
            case .success(let appended):
                // Read in place: a copy of the turn took and let go of each of its strings.
                let eventSeq = appended.turns[0].eventSeq
                // Encoded once: the event and the answer copy the same fields.
                let fields = EncodedTurn(TurnDTO(appended.turns[0]))
                if !appended.duplicate {
                    metrics.turns.add()
                    if let liveSession = live.existing(session) {
                        publish(liveSession, eventSeq, EventFrames.turn(fields, session: appended.turns[0].sessionID, eseq: eventSeq))
                    }
                }
                metrics.postLatency.observe(clock() - started)
                let answer = TurnMessage.postAnswer(id: id, eseq: eventSeq, duplicate: appended.duplicate, fields: fields)
                // After the commit's events (the protocol lets the answer and the event come in either
                // order): the events then reach each member as one buffer.
                connection.sendAfterBatch(EventFrames.frame(answer))
            case .failure(let error):
                send(failure(error, id: id, operation: "turn.post"), to: connection)
            }
        }
    }

    func history(_ p: HistoryParams, client: ClientConnection) throws -> HistoryResult {
        let actor = try actor(client, session: p.session, op: .history)
        if p.includeUndone, case .viewer = client.identity {
            throw DispatchFailure(code: .forbidden, message: "a share link shows only the turns history shows; include_undone is for members",
                                  field: "include_undone")
        }
        let limit = Int(p.limit ?? Int64(limits.defaultPageSize))
        var turns: [TandemStore.Turn]
        var more = false
        var head: Int64 = 0
        func page(after: Int64, through: Int64 = .max, newest: Bool = false, limit: Int) throws -> [TandemStore.Turn] {
            let page = try store.turnPage(session: p.session, actor: actor, after: after, through: through, newest: newest,
                                          limit: limit, author: p.author, includeRetired: p.includeUndone, budget: pageBudget)
            // Cut by bytes: the client pages on as it does past `limit`.
            if page.cut { more = true }
            head = page.headSeq // from the page's snapshot: read apart, it could be past the page's end
            return page.turns
        }
        switch p.selector {
        case .last(let n):
            // One more than asked: `more` then says older turns are left (page back with from/to).
            turns = try page(after: 0, newest: true, limit: Int(n) + 1)
            if turns.count > Int(n) {
                turns.removeFirst(turns.count - Int(n))
                more = true
            }
        case .since(let seq):
            turns = try page(after: seq, limit: limit + 1)
        case .range(let from, let to):
            guard from <= to else { throw DispatchFailure(code: .invalidArgument, message: "from must not exceed to", field: "from") }
            turns = try page(after: from - 1, through: to, limit: limit + 1)
        }
        if case .last = p.selector {} else if turns.count > limit {
            turns.removeLast(turns.count - limit)
            more = true
        }
        return HistoryResult(turns: turns.map(TurnDTO.init), headSeq: head, more: more)
    }

    func undo(_ p: UndoParams, client: ClientConnection) throws -> UndoResult {
        let user = try memberUser(client)
        let (turn, eseq) = try store.undoLastTurn(session: p.session, actor: user, expectedSeq: p.seq)
        publishFromLog(p.session)
        return UndoResult(seq: turn.seq, eseq: eseq)
    }

    func clear(_ p: SessionRef, client: ClientConnection) throws -> ClearResult {
        let user = try memberUser(client)
        let (through, eseq) = try store.clearTurns(session: p.session, actor: user)
        publishFromLog(p.session)
        return ClearResult(clearedThrough: through, eseq: eseq)
    }
}
