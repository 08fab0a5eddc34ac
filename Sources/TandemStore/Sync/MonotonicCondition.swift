import Glibc

/// A mutex with one condition variable, like `NSCondition`, whose timed waits measure time on
/// `CLOCK_MONOTONIC`.
///
/// `NSCondition.wait(until: Date)` is `pthread_cond_timedwait` on `CLOCK_REALTIME` on Linux: when
/// the system clock steps back by X (an NTP step at boot, a VM resume, an operator fixing the
/// clock), every such wait lasts X longer, and a thread that sleeps in one (the store writer, the
/// checkpointer, the access watcher) stalls for X. A monotonic clock never steps.
///
/// Untimed waits and signals cost what `NSCondition`'s do: a pthread mutex and condition variable
/// is what it is too.
// Safe: the mutex and condition variable are allocated once, never move, and are only
// used through the pthread calls, which are made for use from any thread.
public final class MonotonicCondition: @unchecked Sendable {
    // Heap-allocated: a pthread mutex or condition variable must not move once initialized, and a
    // stored property of a class has no stable address to hand to C.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let cond = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    /// The clock timed waits use: CLOCK_MONOTONIC, except in tests that show the two apart.
    let clock: clockid_t

    /// A condition whose timed waits run on `CLOCK_MONOTONIC`.
    public convenience init() {
        self.init(clock: CLOCK_MONOTONIC)
    }

    /// A condition whose timed waits run on `clock` (`CLOCK_MONOTONIC` or `CLOCK_REALTIME`, the
    /// two a condition variable accepts). Only tests pass another clock than the monotonic one.
    init(clock: clockid_t) {
        self.clock = clock
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        let clockSet = pthread_condattr_setclock(&attributes, clock)
        precondition(clockSet == 0, "pthread_condattr_setclock(\(clock)) failed: \(clockSet)")
        pthread_cond_init(cond, &attributes)
        pthread_condattr_destroy(&attributes)
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_cond_destroy(cond)
        pthread_mutex_destroy(mutex)
        cond.deallocate()
        mutex.deallocate()
    }

    /// Takes the mutex.
    public func lock() {
        pthread_mutex_lock(mutex)
    }

    /// Releases the mutex.
    public func unlock() {
        pthread_mutex_unlock(mutex)
    }

    /// With the mutex held: releases it until signalled (or woken spuriously), then retakes it.
    public func wait() {
        pthread_cond_wait(cond, mutex)
    }

    /// With the mutex held: like `wait()`, for at most `seconds` measured on the monotonic clock
    /// (zero, less or NaN: only retakes the mutex). Returns false when the time ran out, true when
    /// woken before (by a signal, or spuriously: callers re-check their condition either way).
    @discardableResult
    public func wait(seconds: Double) -> Bool {
        wait(until: deadline(after: seconds))
    }

    /// With the mutex held: like `wait()`, until `deadline` on this condition's clock. Returns
    /// false when it passed.
    @discardableResult
    func wait(until deadline: timespec) -> Bool {
        var deadline = deadline
        return pthread_cond_timedwait(cond, mutex, &deadline) != ETIMEDOUT
    }

    /// The instant `seconds` from now on this condition's clock (capped at about 31 years, so the
    /// seconds always fit).
    func deadline(after seconds: Double) -> timespec {
        var now = timespec()
        clock_gettime(clock, &now)
        let span = seconds > 0 ? min(seconds, 1e9) : 0
        let whole = span.rounded(.down)
        var sec = now.tv_sec + Int(whole)
        var nsec = now.tv_nsec + Int((span - whole) * 1e9)
        if nsec >= 1_000_000_000 {
            sec += 1
            nsec -= 1_000_000_000
        }
        return timespec(tv_sec: sec, tv_nsec: nsec)
    }

    /// Signals one waiter.
    public func signal() {
        pthread_cond_signal(cond)
    }

    /// Signals every waiter.
    public func broadcast() {
        pthread_cond_broadcast(cond)
    }
}
