import Synchronization

/// Delivers one session's durable events to its subscribers in event-sequence order, each once.
///
/// Events reach it from several places — write results on the store's writer thread, worker
/// threads, and the change log when a gap must be filled or another process (tandem-admin) wrote
/// to the database — in any order. It holds back an event until every earlier one was delivered.
/// Each subscriber has a floor: the last sequence it already has (from its join backlog); nothing
/// at or below it is sent to it again. Together this makes join-with-`since` gapless and
/// duplicate-free. Pure logic: `deliver` is the only way out, so tests need no sockets.
///
/// `Audience` is what `deliver` gets: the recipients in whatever form the sender wants them
/// (`makeAudience` builds it); for an event that goes to every subscriber — nearly all of them —
/// it is built once per change of the subscriber set, not once per event.
public final class SequencedFanout<Recipient: Hashable & Sendable, Message: Sendable, Audience: Sendable>: Sendable {
    /// Called with the lock held, in sequence order; it must only queue, never block.
    public typealias Deliver = @Sendable (_ message: Message, _ sequence: Int64, _ audience: Audience) -> Void
    /// Which subscribers get nothing after an event (a member removed by it): they hear the event
    /// itself and nothing later, until they unsubscribe.
    public typealias Silencing = @Sendable (Recipient) -> Bool

    private struct State {
        var delivered: Int64
        var pending: [Int64: (message: Message, silencing: Silencing?)] = [:]
        var floors: [Recipient: Int64] = [:]
        /// The highest floor ever set: every event above it goes to every subscriber.
        var highestFloor: Int64 = .min
        /// Every subscriber, built once per change of the set (not once per event).
        var everyone: Audience?
        /// `finish` ran: nothing more is delivered.
        var finished = false
    }

    private let state: Mutex<State>
    private let deliver: Deliver
    private let makeAudience: @Sendable ([Recipient]) -> Audience
    /// Pending events beyond this many mean a gap that will not fill by itself: `publish` reports it.
    public let maxPending: Int

    /// - Parameter delivered: the last sequence already accounted for (the session's head when the
    ///   fanout is created: nobody is subscribed yet, so nothing before it needs delivering).
    public init(delivered: Int64, maxPending: Int = 10_000,
                makeAudience: @escaping @Sendable ([Recipient]) -> Audience, deliver: @escaping Deliver) {
        self.state = Mutex(State(delivered: delivered))
        self.maxPending = maxPending
        self.makeAudience = makeAudience
        self.deliver = deliver
    }

    /// The last sequence delivered.
    public var delivered: Int64 { state.withLock { $0.delivered } }

    /// The lowest missing sequence while later ones wait, nil when nothing waits.
    public var gap: Int64? {
        state.withLock { $0.pending.isEmpty ? nil : $0.delivered + 1 }
    }

    public var subscriberCount: Int { state.withLock { $0.floors.count } }
    public var recipients: [Recipient] { state.withLock { Array($0.floors.keys) } }

    /// Offers event `sequence`. Old ones are dropped; the next one is delivered at once, with any
    /// that were waiting for it; later ones wait. Returns true while a gap remains. Subscribers
    /// `silencing` picks get this event and none after it (in the same lock, so no later event can
    /// slip in before a removal takes effect).
    @discardableResult
    public func publish(_ sequence: Int64, _ message: Message, silencing: Silencing? = nil) -> Bool {
        state.withLock { s in
            if s.finished { return false }
            if sequence == s.delivered + 1 && s.pending.isEmpty {
                // The usual case, the next event with nothing held back: no table to go through.
                s.delivered = sequence
                send(message, sequence, silencing, &s)
                return false
            }
            if sequence <= s.delivered || s.pending[sequence] != nil { return !s.pending.isEmpty }
            s.pending[sequence] = (message, silencing)
            while let next = s.pending.removeValue(forKey: s.delivered + 1) {
                s.delivered += 1
                send(next.message, s.delivered, next.silencing, &s)
            }
            return !s.pending.isEmpty
        }
    }

    /// Subscribes `recipient`. `backlog` runs under the lock, so no event is delivered meanwhile: it
    /// reads the state up to some sequence H (at least `delivered`: it sees everything committed),
    /// sends what the recipient lacks, and returns H, which becomes the recipient's floor.
    public func subscribe<T>(_ recipient: Recipient, backlog: (_ delivered: Int64) throws -> (floor: Int64, value: T)) rethrows -> T {
        try state.withLock { s in
            let (floor, value) = try backlog(s.delivered)
            add(recipient, floor: floor, &s)
            return value
        }
    }

    /// Like `subscribe`, but `backlog` may decline (return nil, having sent nothing): the recipient
    /// is then not subscribed, and this returns nil. A join that finds more to read than it will
    /// under the lock reads it outside and comes back.
    public func trySubscribe<T>(_ recipient: Recipient,
                                backlog: (_ delivered: Int64) throws -> (floor: Int64, value: T)?) rethrows -> T? {
        try state.withLock { s in
            guard let (floor, value) = try backlog(s.delivered) else { return nil }
            add(recipient, floor: floor, &s)
            return value
        }
    }

    private func add(_ recipient: Recipient, floor: Int64, _ s: inout State) {
        let effective = max(floor, s.delivered)
        s.floors[recipient] = effective
        s.highestFloor = max(s.highestFloor, effective)
        s.everyone = nil
    }

    /// The session is gone (deleted, discarded): delivers what waits, in order, skipping numbers that
    /// can no longer come (their log went with the session), then the last event, numbered after
    /// everything known (at least `after` + 1), which `make` builds from its number; then drops every
    /// subscriber and returns them. Later offers are dropped. Atomic, so no subscriber misses the last
    /// event and none gets anything after it.
    public func finish(after: Int64, _ make: (Int64) -> Message) -> [Recipient] {
        state.withLock { s in
            for sequence in s.pending.keys.sorted() where sequence > s.delivered {
                if let next = s.pending[sequence] { send(next.message, sequence, nil, &s) }
                s.delivered = sequence
            }
            s.pending = [:]
            let last = max(after, s.delivered) + 1
            send(make(last), last, nil, &s)
            s.delivered = last
            s.finished = true
            let recipients = Array(s.floors.keys)
            s.floors = [:]
            s.everyone = nil
            s.highestFloor = .min
            return recipients
        }
    }

    /// Stops deliveries to `recipient`. Returns how many subscribers remain.
    @discardableResult
    public func unsubscribe(_ recipient: Recipient) -> Int {
        state.withLock { s in
            if let floor = s.floors.removeValue(forKey: recipient) {
                s.everyone = nil
                // A silenced subscriber's floor is the highest there is; once it is gone, events
                // go to everyone at once again.
                if floor == s.highestFloor { s.highestFloor = s.floors.values.max() ?? .min }
            }
            return s.floors.count
        }
    }

    private func send(_ message: Message, _ sequence: Int64, _ silencing: Silencing?, _ s: inout State) {
        defer { if let silencing { silence(silencing, &s) } }
        if s.floors.isEmpty { return }
        if sequence > s.highestFloor {
            let everyone = s.everyone ?? makeAudience(Array(s.floors.keys))
            s.everyone = everyone
            deliver(message, sequence, everyone)
            return
        }
        var to: [Recipient] = []
        to.reserveCapacity(s.floors.count)
        for (recipient, floor) in s.floors where sequence > floor { to.append(recipient) }
        if !to.isEmpty { deliver(message, sequence, makeAudience(to)) }
    }

    /// Raises the floor of the subscribers `silencing` picks beyond any sequence: they stay listed
    /// (`recipients`), so whoever removes them can still find and unsubscribe them.
    private func silence(_ silencing: Silencing, _ s: inout State) {
        for recipient in s.floors.keys where silencing(recipient) {
            s.floors[recipient] = .max
            s.highestFloor = .max
            s.everyone = nil
        }
    }
}

extension SequencedFanout where Audience == [Recipient] {
    /// A fan-out that hands `deliver` the recipients as they are.
    public convenience init(delivered: Int64, maxPending: Int = 10_000, deliver: @escaping Deliver) {
        self.init(delivered: delivered, maxPending: maxPending, makeAudience: { $0 }, deliver: deliver)
    }
}
