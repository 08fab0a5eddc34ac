import Foundation

/// Runs blocking client code on real threads. The tests' clients block on sockets; doing that on
/// Swift concurrency's cooperative pool (two threads on this machine) would starve it.
enum Parallel {
    /// Runs `body(0..<count)` each on its own thread and waits for all; rethrows the first error.
    static func run(_ count: Int, _ body: @escaping @Sendable (Int) throws -> Void) throws {
        let errors = Locked<[(Int, String)]>([])
        let group = DispatchGroup()
        for index in 0..<count {
            group.enter()
            let thread = Thread {
                do { try body(index) } catch { errors.withLock { $0.append((index, "\(error)")) } }
                group.leave()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        group.wait()
        if let (index, error) = errors.withLock({ $0.sorted { $0.0 < $1.0 }.first }) {
            throw TestFailure("thread \(index): \(error)")
        }
    }

    /// Starts `body` on a thread now; `wait()` on the returned handle joins it and rethrows.
    static func start(_ body: @escaping @Sendable () throws -> Void) -> Background {
        let background = Background()
        let thread = Thread {
            do { try body() } catch { background.error.withLock { $0 = "\(error)" } }
            background.done.signal()
        }
        thread.stackSize = 1 << 20
        thread.start()
        return background
    }

    final class Background: Sendable {
        fileprivate let done = DispatchSemaphore(value: 0)
        fileprivate let error = Locked<String?>(nil)

        func wait(timeout: Double = 60) throws {
            guard done.wait(timeout: .now() + timeout) == .success else {
                throw TestFailure("background work did not finish within \(timeout) s")
            }
            if let error = error.value { throw TestFailure(error) }
        }
    }
}
