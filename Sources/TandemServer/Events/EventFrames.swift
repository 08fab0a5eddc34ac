import TandemJSON
import TandemProtocol
import TandemStore
import TandemTransport

/// Builds the WebSocket frames of session events, each encoded once and shared by every recipient.
enum EventFrames {
    static func frame(_ bytes: [UInt8]) -> SharedFrame {
        SharedFrame(opcode: .text, payload: bytes)
    }

    /// A turn event or `turn.post` answer, written straight into the frame (no array on the way).
    static func frame(_ message: TurnMessage) -> SharedFrame {
        SharedFrame(opcode: .text, payloadCount: message.byteCount) { message.write(into: $0) }
    }

    /// A `turn` event (the hot path: hand-written encoder).
    static func turn(_ turn: TandemStore.Turn) -> SharedFrame {
        Self.turn(EncodedTurn(TurnDTO(turn)), session: turn.sessionID, eseq: turn.eventSeq)
    }

    /// A `turn` event from a turn already encoded (the post path reuses it for the answer).
    static func turn(_ fields: EncodedTurn, session: String, eseq: Int64) -> SharedFrame {
        frame(TurnMessage.event(session: session, eseq: eseq, fields: fields))
    }

    /// The wire event for one change-log entry. `info` is the session as it is now (the log does
    /// not keep old titles or statuses); nil when the session is gone.
    static func event(for change: ChangeEvent, session: String, info: SessionInfo?) -> SharedFrame? {
        let by = change.actor ?? "system"
        let payload: EventPayload
        switch change.kind {
        case .turn:
            guard let turn = change.turn else { return nil }
            return Self.turn(turn)
        case .undo:
            guard let seq = change.turnSeq else { return nil }
            payload = .turnUndone(TurnUndone(seq: seq, by: by))
        case .state:
            guard let row = change.row else { return nil }
            payload = .state(StateChange(row: TandemProtocol.StateRow(row), merged: row.merged))
        case .comment:
            guard let comment = change.comment else { return nil }
            payload = .comment(CommentDTO(comment))
        case .member:
            guard let user = change.data?["user"]?.stringValue else { return nil }
            let role = change.data?["role"]?.stringValue.flatMap(TandemProtocol.Role.init(rawValue:))
            payload = .member(MemberChange(user: user, role: role, by: by))
        case .clear, .restore, .status, .session, .branchMerge, .unparent:
            guard let info else { return nil }
            let kind: SessionChangeKind = switch change.kind {
            case .clear: .cleared
            case .restore: .restored
            case .status: .status
            case .branchMerge: .merged
            case .unparent: .unparented
            default: .updated
            }
            // The checkpoint's name (recorded as `name`), the merged branch's id or the former parent's.
            let detail = change.data?[change.detailField]?.stringValue
            payload = .session(SessionChange(change: kind, info: info.after(change.sessionAfter, eseq: change.eventSeq),
                                             by: by, detail: detail))
        }
        return frame(Event(session: session, eseq: change.eventSeq, payload: payload).encode())
    }

    /// An ephemeral event (presence, share expiry): no event sequence.
    static func ephemeral(session: String, _ payload: EventPayload) -> SharedFrame {
        frame(Event(session: session, eseq: nil, payload: payload).encode())
    }
}
