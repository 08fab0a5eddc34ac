import Foundation

/// Runs job completions on their own thread, in commit order, so that callers' callbacks (and the
/// wake-ups and deallocations they cause) stay off the writer's critical path: the writer hands
/// over a whole committed batch with one lock.
// Safe: `pending` is guarded by `condition`; a job's result is written by the writer
// before the hand-over under that lock and read after it.
final class Completer: @unchecked Sendable {
    private let thread = BackgroundThread(name: "tandem-complete")
    private var condition: MonotonicCondition { thread.condition }
    private var pending: [([WriteJob], StoreError?)] = []
    private let scope: (@Sendable (() -> Void) -> Void)?

    init(scope: (@Sendable (() -> Void) -> Void)? = nil) {
        self.scope = scope
        thread.start { self.loop() }
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
        thread.stop()
    }

    private func loop() {
        // Swapped with `pending` under the lock: both arrays keep their capacity.
        var work: [([WriteJob], StoreError?)] = []
        while true {
            condition.lock()
            while pending.isEmpty && !thread.isStopping { condition.wait() }
            if pending.isEmpty {
                thread.finish()
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
