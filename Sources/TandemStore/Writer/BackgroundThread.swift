import CSystem
import Foundation

/// The start and stop handshake the store's threads share (writer, completer, checkpointer,
/// search indexer): a named thread that runs its owner's loop, and a `stop()` that raises a flag,
/// wakes the loop and waits until the loop says it is done.
///
/// The owner guards its own state with `condition` too: its loop reads `isStopping` under it and
/// calls `finish()` under it as its last step.
// Safe: `stopping`, `finished` and `thread` are guarded by `condition`.
final class BackgroundThread: @unchecked Sendable {
    /// The owner's lock and wake-up signal as well as this object's.
    let condition = MonotonicCondition()
    private let name: String
    private let stackSize: Int?
    private var stopping = false
    private var finished = false
    private var thread: Thread?

    init(name: String, stackSize: Int? = nil) {
        self.name = name
        self.stackSize = stackSize
    }

    /// Starts the thread. It keeps whatever `body` captures (the owner) alive until `stop()`
    /// returns, which lets go of the thread and so breaks the owner → thread → closure cycle.
    func start(_ body: @escaping @Sendable () -> Void) {
        let name = name
        // Foundation does not pass `Thread.name` to the kernel on Linux: named from inside.
        let thread = Thread {
            tandem_name_current_thread(name)
            body()
        }
        thread.name = name
        if let stackSize { thread.stackSize = stackSize }
        condition.lock()
        self.thread = thread
        condition.unlock()
        thread.start()
    }

    /// Whether `stop()` was called. Under `condition`.
    var isStopping: Bool { stopping }

    /// The loop's last step: wakes `stop()`. Under `condition`.
    func finish() {
        finished = true
        condition.broadcast()
    }

    /// Asks the loop to end and waits until it has called `finish()`. `whileStopping` runs under
    /// `condition` right after the flag is raised (the writer hands over held jobs there).
    func stop(whileStopping: () -> Void = {}) {
        condition.lock()
        stopping = true
        whileStopping()
        condition.broadcast()
        while !finished { condition.wait() }
        thread = nil
        condition.unlock()
    }
}
