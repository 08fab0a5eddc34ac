import TandemJSON

/// `turn.post`: the durable turn.
public struct PostTurnResult: WireObject {
    public var turn: TurnDTO
    /// Eseq of the `turn` event that announced it.
    public var eseq: Int64
    /// True when the nonce matched an earlier post: `turn` is that post's, and nothing new was written.
    public var duplicate: Bool

    public init(turn: TurnDTO, eseq: Int64, duplicate: Bool = false) {
        self.turn = turn
        self.eseq = eseq
        self.duplicate = duplicate
    }

    public init(reader r: inout WireReader) throws {
        turn = try r.nested("turn")
        eseq = try r.int("eseq", min: 1)
        duplicate = try r.optionalBool("duplicate") ?? false
    }

    public func write(into o: inout [String: JSONValue]) {
        o["turn"] = turn.json
        o["eseq"] = .integer(eseq)
        o["duplicate"] = .bool(duplicate)
    }
}

/// `history`: turns in ascending seq order.
public struct HistoryResult: WireObject {
    public var turns: [TurnDTO]
    /// Seq of the session's last turn when the history was read.
    public var headSeq: Int64
    /// True when `limit` cut the answer short; ask again with `since` = the last seq returned.
    public var more: Bool

    public init(turns: [TurnDTO], headSeq: Int64, more: Bool = false) {
        self.turns = turns
        self.headSeq = headSeq
        self.more = more
    }

    public init(reader r: inout WireReader) throws {
        turns = try r.array("turns")
        headSeq = try r.int("head_seq")
        more = try r.optionalBool("more") ?? false
    }

    public func write(into o: inout [String: JSONValue]) {
        o["turns"] = turns.json
        o["head_seq"] = .integer(headSeq)
        o["more"] = .bool(more)
    }
}

/// `turn.undo`.
public struct UndoResult: WireObject {
    /// The turn that was undone.
    public var seq: Int64
    /// Eseq of the `turn.undone` event.
    public var eseq: Int64

    public init(seq: Int64, eseq: Int64) {
        self.seq = seq
        self.eseq = eseq
    }

    public init(reader r: inout WireReader) throws {
        seq = try r.int("seq", min: 1)
        eseq = try r.int("eseq", min: 1)
    }

    public func write(into o: inout [String: JSONValue]) {
        o["seq"] = .integer(seq)
        o["eseq"] = .integer(eseq)
    }
}

/// `session.clear`: every turn up to `cleared_through` is hidden from history (kept for audit).
/// `cleared_through` 0: no turn was live, nothing was cleared and no event was recorded.
public struct ClearResult: WireObject {
    public var clearedThrough: Int64
    /// Eseq of the `session` event (`change: cleared`); with nothing cleared, the session's current eseq.
    public var eseq: Int64

    public init(clearedThrough: Int64, eseq: Int64) {
        self.clearedThrough = clearedThrough
        self.eseq = eseq
    }

    public init(reader r: inout WireReader) throws {
        clearedThrough = try r.int("cleared_through")
        eseq = try r.int("eseq", min: 1)
    }

    public func write(into o: inout [String: JSONValue]) {
        o["cleared_through"] = .integer(clearedThrough)
        o["eseq"] = .integer(eseq)
    }
}

/// Results that only report the eseq of the event they caused (`member.remove`).
public struct EventSeqResult: WireObject {
    public var eseq: Int64

    public init(eseq: Int64) { self.eseq = eseq }

    public init(reader r: inout WireReader) throws { eseq = try r.int("eseq", min: 1) }

    public func write(into o: inout [String: JSONValue]) { o["eseq"] = .integer(eseq) }
}
