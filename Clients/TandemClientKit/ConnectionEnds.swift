/// Which connection's end a reconnecting client acts on.
///
/// A client that gives up on a connection (a failed join, `resync_required`) closes it and connects
/// anew at once. The old connection's end (the echo of its own close 1000, or a drop) is reported on
/// its reader thread and can arrive after the new connection started: taken as the new one's, it
/// would read as the server saying "stop" (1000) and end a `tail` that should go on. Each connection
/// gets a number; only the current one's end counts, and only once.
public struct ConnectionEnds: Sendable, Equatable {
    /// How a connection ended: the server's close code (nil: dropped without one) and reason.
    public struct End: Sendable, Equatable {
        public var code: UInt16?
        public var reason: String
        public init(code: UInt16?, reason: String) {
            self.code = code
            self.reason = reason
        }
    }

    /// The number of the connection being made or in use (0: none yet).
    public private(set) var current: UInt64 = 0
    /// The current connection's end, once it ended (until `take`).
    public private(set) var ended: End?

    public init() {}

    /// A new connection is about to be made: returns its number. Ends of earlier ones no longer count.
    public mutating func begin() -> UInt64 {
        current &+= 1
        ended = nil
        return current
    }

    /// Connection `number` ended. Returns whether that counts: false for a connection that is no
    /// longer the current one, or a second report for the current one (the first one stands).
    public mutating func report(_ number: UInt64, _ end: End) -> Bool {
        guard number == current, ended == nil else { return false }
        ended = end
        return true
    }

    /// The current connection's end, if it ended; the connection is then finished with (a later
    /// report for it does not count either).
    public mutating func take() -> End? {
        defer { if ended != nil { current &+= 1; ended = nil } }
        return ended
    }
}
