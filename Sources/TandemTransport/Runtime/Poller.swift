/// What a loop wants to hear about for one file descriptor.
struct PollInterest: OptionSet, Sendable {
    let rawValue: UInt8
    static let read = PollInterest(rawValue: 1)
    static let write = PollInterest(rawValue: 2)
}

/// What the poller saw for one file descriptor.
struct PollEvents: OptionSet, Sendable {
    let rawValue: UInt8
    static let readable = PollEvents(rawValue: 1)
    static let writable = PollEvents(rawValue: 2)
    /// Peer hung up or the socket is in error; reading will report the details.
    static let hangup = PollEvents(rawValue: 4)
}

/// The readiness mechanism under an event loop. `EpollPoller` is the real one;
/// tests may substitute another (the loop only talks to this protocol).
/// A poller is owned by one loop thread; only `wake` is called from other threads.
protocol Poller: AnyObject {
    func register(_ fd: Int32, interest: PollInterest) throws(TransportError)
    func modify(_ fd: Int32, interest: PollInterest) throws(TransportError)
    func deregister(_ fd: Int32)
    /// Waits up to `timeoutMilliseconds` (-1 = forever), calls `body` once per ready descriptor, and
    /// returns how many it reported (at most `batchCapacity`).
    @discardableResult
    func poll(timeoutMilliseconds: Int32, _ body: (Int32, PollEvents) -> Void) throws(TransportError) -> Int
    /// Most descriptors one `poll` reports; a full batch means more may be ready.
    var batchCapacity: Int { get }
    /// Interrupts a `poll` in progress from any thread.
    func wake()
    /// Consumes pending wake-ups; called by the loop when `wakeDescriptor` is readable.
    func drainWakeups()
    /// The descriptor that becomes readable after `wake()`.
    var wakeDescriptor: Int32 { get }
    func close()
}
