import Foundation
import Synchronization
import TandemJSON
import TandemProtocol
import TandemClientKit

/// A joined session that stays joined: reconnects with `ReconnectBackoff`, resumes with `since` from its
/// `EventCursor`, and hands every event to `onEvent` exactly once, in order.
final class LiveSession: Sendable {
    struct Hooks: Sendable {
        /// An event to show (already de-duplicated), with its raw JSON text.
        var event: @Sendable (Event, String) -> Void
        /// A join succeeded, of the given kind.
        var joined: @Sendable (JoinResult, JoinKind) -> Void
        /// Something to tell the user (connection lost, reconnecting ...).
        var status: @Sendable (String) -> Void
        /// The session can no longer be followed: it was deleted, or this user was removed from it (the
        /// server then sends them nothing more). Called after that event's `event`, on any thread.
        var gone: @Sendable (Gone) -> Void = { _ in }
    }

    /// What a successful join brings.
    enum JoinKind: Sendable, Equatable {
        /// The first join, or a session made anew under its id: the result's turns are the snapshot to show.
        case fresh
        /// A rejoin with `since`: the missed events (`backlog` of them) follow as events.
        case resumed
        /// A rejoin after `resync_required`: the result's turns are the turns missed since the last one
        /// shown, read from history.
        case caughtUp
    }

    /// Why a joined session stopped being followable.
    enum Gone: Sendable, Equatable {
        case deleted(by: String)
        /// This client's user was removed by `by` (themself: they left).
        case removed(user: String, by: String)

        /// The documented status (`tandem --help`): someone else's doing is a failure for a script
        /// (2: the session is not found any more; 3: access refused from now on); leaving oneself, from
        /// this client or another, is not.
        var exitStatus: Int32 {
            switch self {
            case .deleted: 2
            case .removed(let user, let by): user == by ? 0 : 3
            }
        }

        func explanation(session: String) -> String {
            switch self {
            case .deleted(let by): "session \(session) was deleted by \(by); nothing is left to follow"
            case .removed(let user, let by) where user == by: "you left \(session)"
            case .removed(_, let by): "you were removed from \(session) by \(by); you can no longer follow it"
            }
        }
    }

    private struct State {
        var cursor: EventCursor
        var connection: Connection?
        /// Events that arrived while the join's answer was still on its way.
        var queued: [(Event, String)] = []
        var joining = true
        var stopped = false
        /// The current connection's number and its end once it ended (gap, close; wakes `run`): the
        /// end of a connection this client already gave up on does not count.
        var ends = ConnectionEnds()
        /// The user this client acts as (`ping`'s answer); nil for a share-link viewer.
        var user: String?
        /// The last turn shown (from a join's snapshot or a `turn` event), and the session's `created`.
        var lastTurnSeq: Int64 = 0
        var created: Timestamp?
        /// After `resync_required`: the turns after this one are still to show (read with `history`
        /// when the fresh join is in), in the session `created` names.
        var catchUp: (after: Int64, created: Timestamp?)?
    }

    let settings: ConnectionSettings
    let sessionID: String
    let lastTurns: Int64
    private let hooks: Hooks
    private let state: Mutex<State>
    private let wake = DispatchSemaphore(value: 0)

    init(settings: ConnectionSettings, session: String, lastTurns: Int64 = 20, hooks: Hooks) {
        self.settings = settings
        sessionID = session
        self.lastTurns = lastTurns
        self.hooks = hooks
        state = Mutex(State(cursor: EventCursor(session: session)))
    }

    /// The current connection, for requests from the user's thread.
    var connection: Connection? { state.withLock { $0.connection } }

    /// Asks `run` to return.
    func stop() {
        let connection = state.withLock { s -> Connection? in
            s.stopped = true
            return s.connection
        }
        connection?.close()
        wake.signal()
    }

    /// Connects, joins, and keeps rejoining until `stop` or a close that says not to reconnect.
    /// `firstConnect` errors (bad token, server down at start) are thrown; later ones are retried.
    func run() throws(ClientError) {
        var backoff = ReconnectBackoff()
        var first = true
        while !state.withLock({ $0.stopped }) {
            do {
                try connectAndJoin()
            } catch {
                if first { throw error }
                if case .server(let e) = error, e.code == .resyncRequired {
                    state.withLock { s in
                        s.cursor.reset()
                        s.catchUp = (s.lastTurnSeq, s.created)
                    }
                    hooks.status("the server cannot replay what was missed; reading the missed turns from history")
                    continue
                }
                if case .server(let e) = error, e.code == .notFound || e.code == .forbidden { throw error }
                if case .refused = error { throw error } // a revoked token or link stays revoked
                guard let delay = backoff.nextDelay(after: nil) else { throw error }
                hooks.status("reconnect failed (\(error)); retrying in \(String(format: "%.1f", delay)) s")
                _ = wake.wait(timeout: .now() + delay)
                continue
            }
            first = false
            // The monotonic clock: a wall-clock step must not make a short connection look long.
            let joined = DispatchTime.now().uptimeNanoseconds
            while true {
                wake.wait()
                if state.withLock({ $0.stopped || $0.ends.ended != nil }) { break }
            }
            let ended = state.withLock { s -> ConnectionEnds.End? in
                s.connection = nil
                return s.ends.take()
            }
            if state.withLock({ $0.stopped }) { return }
            backoff.connectionEnded(afterLasting: Double(DispatchTime.now().uptimeNanoseconds - joined) / 1e9)
            let code = ended?.code.flatMap { CloseCode(rawValue: $0) }
            if code == .messageTooBig {
                // Something this client sent was too big (a huge paste): said, and the session goes on.
                hooks.status("the server refused a message larger than it accepts (its max-message); reconnecting")
                continue
            }
            guard let delay = backoff.nextDelay(after: code) else {
                let reason = ended?.reason ?? ""
                throw .closed(code: ended?.code, reason: Self.stopReason(code, reason))
            }
            hooks.status("\(ConnectionLoss.describe(code: ended?.code, reason: ended?.reason ?? "")); reconnecting in \(String(format: "%.1f", delay)) s")
            _ = wake.wait(timeout: .now() + delay)
        }
    }

    /// The close reason tandemd gives a share viewer of a deleted session (with 4403).
    static let deletedReason = "session deleted"

    static func stopReason(_ code: CloseCode?, _ reason: String) -> String {
        switch code {
        case .credentialRevoked? where reason == CloseCode.accountRemovedReason:
            "your account was removed from this server; ask its administrator"
        case .credentialRevoked? where reason == CloseCode.accountDisabledReason:
            "your account was disabled on this server; ask its administrator to enable it"
        case .credentialRevoked? where reason == CloseCode.tokenExpiredReason: "your token has expired; ask for a new one"
        case .credentialRevoked?: "your token was revoked; ask for a new one"
        // The server closes a viewer of a deleted session with the same code, and says so.
        case .shareRevoked? where reason == deletedReason: "this session was deleted"
        case .shareRevoked?: "this share link was revoked"
        case .shareExpired?: "this share link has expired"
        default: reason
        }
    }

    private func connectAndJoin() throws(ClientError) {
        let number = state.withLock { s -> UInt64 in
            s.joining = true
            s.queued = []
            return s.ends.begin()
        }
        let connection = try Connection(settings: settings, onEvent: { [self] event, raw in self.receive(event, raw) },
                                         onEnd: { [self] code, reason in self.connectionEnded(number, code, reason) })
        let (params, resumed) = state.withLock { s in
            s.connection = connection
            return (s.cursor.joinParams(last: lastTurns, includeState: true), s.cursor.lastEseq > 0)
        }
        var result: JoinResult
        var kind: JoinKind = resumed ? .resumed : .fresh
        do {
            let user = try connection.call(.ping, as: PongResult.self).user
            state.withLock { $0.user = user }
            result = try connection.call(.sessionJoin(params), as: JoinResult.self)
            let catchUp = state.withLock { s in
                defer { s.catchUp = nil }
                return s.catchUp
            }
            // The same session as before the resync: its turns since the last one shown, not only
            // the last few (live events wait in `queued` meanwhile).
            if let catchUp, !resumed, catchUp.after > 0, catchUp.created == result.session.created {
                result.turns = try Self.turns(of: sessionID, after: catchUp.after, through: result.headSeq, on: connection)
                kind = .caughtUp
            }
        } catch {
            connection.close()
            throw error
        }
        state.withLock { s in
            s.created = result.session.created
            if let last = result.turns?.last?.seq { s.lastTurnSeq = max(s.lastTurnSeq, last) }
        }
        hooks.joined(result, kind)
        let backlog: [(Event, String)] = state.withLock { s in
            s.cursor.joined(result, resumed: resumed)
            s.joining = false
            let queued = s.queued
            s.queued = []
            return queued
        }
        for (event, raw) in backlog { receive(event, raw) }
    }

    /// The live turns with `after < seq <= through`, oldest first, every page of them.
    private static func turns(of session: String, after: Int64, through: Int64, on connection: Connection) throws(ClientError) -> [TurnDTO] {
        var turns: [TurnDTO] = []
        var from = after
        while from < through {
            let page = try connection.call(.history(HistoryParams(session: session, selector: .range(from: from + 1, to: through), limit: 1000)),
                                           as: HistoryResult.self)
            turns += page.turns
            guard page.more, let last = page.turns.last?.seq, last > from else { break }
            from = last
        }
        return turns
    }

    private func receive(_ event: Event, _ raw: String) {
        guard event.session == sessionID else { return }
        enum Outcome { case show, skip, gap }
        let outcome: Outcome = state.withLock { s in
            if s.joining {
                s.queued.append((event, raw))
                return .skip
            }
            switch s.cursor.accept(event) {
            case .apply, .ephemeral: return .show
            case .duplicate: return .skip
            case .gap: return .gap
            }
        }
        switch outcome {
        case .show:
            if case .turn(let turn) = event.payload { state.withLock { $0.lastTurnSeq = max($0.lastTurnSeq, turn.seq) } }
            hooks.event(event, raw)
            watchForEnd(event)
        case .skip: break
        case .gap: connection?.drop()
        }
    }

    /// A deleted session, or this user's removal from it, ends the following at once.
    private func watchForEnd(_ event: Event) {
        switch event.payload {
        case .session(let change) where change.change == .deleted:
            hooks.gone(.deleted(by: change.by))
        case .member(let member) where member.removed && member.user == state.withLock({ $0.user }):
            hooks.gone(.removed(user: member.user, by: member.by))
        default:
            break
        }
    }

    /// Connection `number` ended. Only the current connection's end wakes `run`: an earlier one's
    /// (the echo of the close this client sent when its join failed) arrives late under load, and
    /// taken as the current one's it read as the server's "stop" (1000).
    private func connectionEnded(_ number: UInt64, _ code: UInt16?, _ reason: String) {
        let counts = state.withLock { s -> Bool in
            guard s.ends.report(number, ConnectionEnds.End(code: code, reason: reason)) else { return false }
            s.connection = nil
            return true
        }
        if counts { wake.signal() }
    }
}
