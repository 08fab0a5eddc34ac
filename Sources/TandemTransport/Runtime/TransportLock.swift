#if canImport(Glibc)
import Glibc
#endif

/// A small pthread mutex used for the few pieces of state that cross threads
/// (a loop's task queue, lazily built compressed frames, the connection count).
// Safe: the only mutable state is the pthread mutex itself, which is made for sharing.
final class TransportLock: @unchecked Sendable {
    // Safe: a pthread mutex must not move in memory, so it lives in its own allocation.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    @inline(__always)
    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}

/// A value guarded by a `TransportLock`.
// Safe: `value` is only touched inside `lock.withLock`.
final class LockedBox<Value>: @unchecked Sendable {
    private let lock = TransportLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        try lock.withLock { try body(&value) }
    }
}
