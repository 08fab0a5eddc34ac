import CSystem
#if canImport(Glibc)
import Glibc
#endif

/// Level-triggered epoll with an eventfd for cross-thread wake-ups.
/// Level-triggered because a connection may stop reading early (fairness budget,
/// backpressure) and must be told again on the next turn without extra bookkeeping.
final class EpollPoller: Poller {
    private let epollFD: Int32
    let wakeDescriptor: Int32
    // Safe: the event array handed to epoll_wait, owned by this poller and used only on its loop thread.
    private let events: UnsafeMutablePointer<epoll_event>
    private let capacity: Int32

    init(maxEvents: Int32 = 256) throws(TransportError) {
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epollFD >= 0 else { throw TransportError("epoll_create1") }
        wakeDescriptor = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard wakeDescriptor >= 0 else {
            let error = TransportError("eventfd")
            Glibc.close(epollFD)
            throw error
        }
        capacity = maxEvents
        events = .allocate(capacity: Int(maxEvents))
        try register(wakeDescriptor, interest: .read)
    }

    deinit { events.deallocate() }

    private static func mask(_ interest: PollInterest) -> UInt32 {
        var bits: UInt32 = 0
        if interest.contains(.read) { bits |= EPOLLIN.rawValue | EPOLLRDHUP.rawValue }
        if interest.contains(.write) { bits |= EPOLLOUT.rawValue }
        return bits
    }

    func register(_ fd: Int32, interest: PollInterest) throws(TransportError) {
        var event = epoll_event()
        event.events = Self.mask(interest)
        event.data.fd = fd
        guard epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &event) == 0 else { throw TransportError("epoll_ctl(ADD)") }
    }

    func modify(_ fd: Int32, interest: PollInterest) throws(TransportError) {
        var event = epoll_event()
        event.events = Self.mask(interest)
        event.data.fd = fd
        guard epoll_ctl(epollFD, EPOLL_CTL_MOD, fd, &event) == 0 else { throw TransportError("epoll_ctl(MOD)") }
    }

    func deregister(_ fd: Int32) {
        var event = epoll_event()
        _ = epoll_ctl(epollFD, EPOLL_CTL_DEL, fd, &event)
    }

    var batchCapacity: Int { Int(capacity) }

    @discardableResult
    func poll(timeoutMilliseconds: Int32, _ body: (Int32, PollEvents) -> Void) throws(TransportError) -> Int {
        let count = epoll_wait(epollFD, events, capacity, timeoutMilliseconds)
        if count < 0 {
            if errno == EINTR { return 0 }
            throw TransportError("epoll_wait")
        }
        let hangupBits = EPOLLHUP.rawValue | EPOLLERR.rawValue | EPOLLRDHUP.rawValue
        for index in 0..<Int(count) {
            let bits = events[index].events
            var ready: PollEvents = []
            if bits & EPOLLIN.rawValue != 0 { ready.insert(.readable) }
            if bits & EPOLLOUT.rawValue != 0 { ready.insert(.writable) }
            if bits & hangupBits != 0 { ready.insert(.hangup) }
            body(events[index].data.fd, ready)
        }
        return Int(count)
    }

    func wake() {
        var one: UInt64 = 1
        _ = Glibc.write(wakeDescriptor, &one, 8)
    }

    func drainWakeups() {
        var value: UInt64 = 0
        _ = Glibc.read(wakeDescriptor, &value, 8)
    }

    func close() {
        Glibc.close(wakeDescriptor)
        Glibc.close(epollFD)
    }
}
