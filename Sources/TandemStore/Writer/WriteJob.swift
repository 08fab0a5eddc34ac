/// A job as the writer and the completion thread see it: a body to run on the writer connection
/// and a completion for its result, which lives in the job between running and the commit.
// Safe: created on the submitting thread, run by the writer thread, then finished by the
// completion thread after a lock-protected hand-over (see `Completer`); the result the two
// closures share is written in `run` and read in `finish`, after that hand-over; the merge-wait
// marks are touched by the writer thread only.
final class WriteJob: @unchecked Sendable {
    let deferrable: Bool
    let savepoint: Bool
    /// Whether a thread blocks until the job's completion (`StoreWriter.perform`): parked, it
    /// holds that thread for the rest of a merge (see `StoreConfiguration.maxBlockedOnMerges`).
    let blocksCaller: Bool
    /// A step of background work that paces itself by what the writer serves others (an
    /// import's, fork's, template's or merge's step, or the writer's chore step): not counted as
    /// served in `WriterActivity`.
    let paced: Bool
    /// When the writer first saw the job parked behind a merge's hold, and whether the caller was
    /// told it waits (`StoreConfiguration.mergeWait`).
    var parkedSince: ContinuousClock.Instant?
    var toldOfMergeWait = false
    private let runBody: (WriteContext) -> StoreError?
    private let deliver: (StoreError?) -> Void

    /// Generic only here, where the submitter's result type is known (the call is specialized for
    /// it): the closures made here are not generic, so running and finishing a job looks up no
    /// type metadata. A generic job class did, in each of its methods and its deinit: about 2,000
    /// instructions a job, 2% of tandemd's on the posting path (docs/benchmarks.md).
    init<T: Sendable>(deferrable: Bool, savepoint: Bool, blocksCaller: Bool = false, paced: Bool = false,
                      body: @escaping @Sendable (WriteContext) throws(StoreError) -> T,
                      completion: @escaping @Sendable (Result<T, StoreError>) -> Void) {
        self.deferrable = deferrable
        self.savepoint = savepoint
        self.blocksCaller = blocksCaller
        self.paced = paced
        var result: Result<T, StoreError>?
        runBody = { context in
            do throws(StoreError) {
                result = .success(try body(context))
                return nil
            } catch {
                result = .failure(error)
                return error
            }
        }
        deliver = { commitError in
            if let commitError { completion(.failure(commitError)) } else if let result { completion(result) }
        }
    }

    /// Runs the job; its error, or nil on success.
    func run(_ context: WriteContext) -> StoreError? { runBody(context) }
    /// Hands the result (or the commit's error) to the job's completion.
    func finish(commitError: StoreError?) { deliver(commitError) }
}

/// A chore step's result, as its job recorded it.
// Safe: written by the job's body and read after its batch, both on the writer thread.
final class StepOutcome: @unchecked Sendable {
    var value: Result<Bool, StoreError>?
}

/// Blocks one thread until a result arrives from another.
// Safe: `value` is written once under `condition` and read after the signal.
final class Waiter<T: Sendable>: @unchecked Sendable {
    private let condition = MonotonicCondition()
    private var value: Result<T, StoreError>?

    func deliver(_ result: Result<T, StoreError>) {
        condition.lock()
        value = result
        condition.signal()
        condition.unlock()
    }

    func wait() -> Result<T, StoreError> {
        condition.lock()
        defer { condition.unlock() }
        while value == nil { condition.wait() }
        return value!
    }
}
