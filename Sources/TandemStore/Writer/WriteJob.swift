/// A job as the writer and the completion thread see it (type-erased); `TypedWriteJob` is the one
/// kind there is. Its result lives in the job between running and the commit.
// Safe to share: created on the submitting thread, run by the writer thread, then finished by the
// completion thread after a lock-protected hand-over (see `Completer`).
class WriteJob: @unchecked Sendable {
    let deferrable: Bool
    let savepoint: Bool
    /// Whether a thread blocks until the job's completion (`StoreWriter.perform`): parked, it
    /// holds that thread for the rest of a merge (see `StoreConfiguration.maxBlockedOnMerges`).
    let blocksCaller: Bool
    /// A step of background work that paces itself by what the writer serves others (an
    /// import's, fork's, template's or merge's step, or the writer's chore step): not counted as
    /// served in `WriterActivity`.
    let paced: Bool

    init(deferrable: Bool, savepoint: Bool, blocksCaller: Bool, paced: Bool) {
        self.deferrable = deferrable
        self.savepoint = savepoint
        self.blocksCaller = blocksCaller
        self.paced = paced
    }

    /// Runs the job; its error, or nil on success.
    func run(_ context: WriteContext) -> StoreError? { preconditionFailure("a WriteJob is always a TypedWriteJob") }
    /// Hands the result (or the commit's error) to the job's completion.
    func finish(commitError: StoreError?) { preconditionFailure("a WriteJob is always a TypedWriteJob") }
}

/// A job with a result of type `T`. One object per job: the body, the completion and the result
/// between them, with no closures or boxes around them (appends make one per turn).
// Safe to share: as `WriteJob`; `result` is written in `run` and read in `finish`, after the hand-over.
final class TypedWriteJob<T: Sendable>: WriteJob, @unchecked Sendable {
    private let body: @Sendable (WriteContext) throws(StoreError) -> T
    private let completion: @Sendable (Result<T, StoreError>) -> Void
    private var result: Result<T, StoreError>?

    init(deferrable: Bool, savepoint: Bool, blocksCaller: Bool = false, paced: Bool = false,
         body: @escaping @Sendable (WriteContext) throws(StoreError) -> T,
         completion: @escaping @Sendable (Result<T, StoreError>) -> Void) {
        self.body = body
        self.completion = completion
        super.init(deferrable: deferrable, savepoint: savepoint, blocksCaller: blocksCaller, paced: paced)
    }

    override func run(_ context: WriteContext) -> StoreError? {
        do throws(StoreError) {
            result = .success(try body(context))
            return nil
        } catch {
            result = .failure(error)
            return error
        }
    }

    override func finish(commitError: StoreError?) {
        if let commitError { completion(.failure(commitError)) } else if let result { completion(result) }
    }
}

/// A chore step's result, as its job recorded it.
// Safe to share: written by the job's body and read after its batch, both on the writer thread.
final class StepOutcome: @unchecked Sendable {
    var value: Result<Bool, StoreError>?
}

/// Blocks one thread until a result arrives from another.
// Safe to share: `value` is written once under `condition` and read after the signal.
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
