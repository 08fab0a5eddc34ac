import Foundation

/// Runs job completions on their own thread, in commit order, so that callers' callbacks (and the
/// wake-ups and deallocations they cause) stay off the writer's critical path: the writer hands
/// over a whole committed batch with one lock.
// Safe to share: `pending`, `stopping`, `finished`, `thread` are guarded by `condition`; a job's
// result is written by the writer before the hand-over under that lock and read after it.
final class Completer: @unchecked Sendable {
    private let condition = NSCondition()
    private var pending: [([WriteJob], StoreError?)] = []
    private var stopping = false
    private var finished = false
    private var thread: Thread?
    private let scope: (@Sendable (() -> Void) -> Void)?

    init(scope: (@Sendable (() -> Void) -> Void)? = nil) {
        self.scope = scope
        // The thread keeps the completer alive until `close()` lets the loop end.
        let thread = Thread { self.loop() }
        thread.name = "tandem-store-completer"
        self.thread = thread
        thread.start()
    }

    /// Queues the completions of a batch: each job's own result, or `error` for all when the batch
    /// failed as a whole.
    func deliver(_ jobs: [WriteJob], error: StoreError?) {
        condition.lock()
        pending.append((jobs, error))
        condition.signal()
        condition.unlock()
    }

    /// Runs every queued completion, then stops the thread.
    func close() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while !finished { condition.wait() }
        thread = nil // breaks the completer → thread → closure → completer cycle
        condition.unlock()
    }

    private func loop() {
        // Swapped with `pending` under the lock: both arrays keep their capacity.
        var work: [([WriteJob], StoreError?)] = []
        while true {
            condition.lock()
            while pending.isEmpty && !stopping { condition.wait() }
            if pending.isEmpty {
                finished = true
                condition.broadcast()
                condition.unlock()
                return
            }
            swap(&work, &pending)
            condition.unlock()
            let finishAll = {
                for (jobs, error) in work {
                    for job in jobs { job.finish(commitError: error) }
                }
            }
            if let scope { scope(finishAll) } else { finishAll() }
            work.removeAll(keepingCapacity: true)
        }
    }
}
