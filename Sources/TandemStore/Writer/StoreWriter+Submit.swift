/// How jobs reach the writer (`StoreWriter`): queued with a completion, or run and waited for;
/// held back for one wake-up after a burst; refused at once when the queue is full, the store
/// closed or the file read-only. The writer thread's side (batches, parking, the chore) is in
/// StoreWriter.swift.
extension StoreWriter {
    /// Queues `body` to run on the writer connection; `completion` runs after the batch commits (or
    /// with the job's error) on the completion thread, in commit order. Keep completions short and
    /// never wait on the store from one (that would deadlock the completion thread).
    ///
    /// `deferrable` jobs may leave staged index/counter work for the end of the batch; other jobs
    /// see every earlier job's effects fully applied.
    public func submit<T: Sendable>(
        deferrable: Bool = false,
        _ body: @escaping @Sendable (WriteContext) throws(StoreError) -> T,
        completion: @escaping @Sendable (Result<T, StoreError>) -> Void
    ) {
        enqueue(deferrable: deferrable, savepoint: true, body, completion: completion)
    }

    /// `savepoint: false` is for jobs that check everything before their first write and so can
    /// only fail half-way with an SQLite error; such a failure rolls back the whole transaction, since
    /// there is no savepoint to roll back to, and the batch's other jobs run again without it. It
    /// saves the savepoint's statements and page copies on the append hot path.
    ///
    /// `wake: false` queues the job without waking the writer: a caller that submits many jobs in a
    /// burst (an event loop handling one turn's messages) calls `wakeForQueuedJobs()` once after the
    /// burst, so the writer takes them as one group commit instead of waking (and, on a busy core,
    /// preempting the caller) for each. Jobs held this way wait for that call or for the writer's
    /// next wake-up, whichever comes first.
    ///
    /// `pastQueueLimit` jobs are queued even when `maxQueuedJobs` are: a branch merge's steps and
    /// its end, which lift the hold that the parked jobs filling the queue wait for (one at a time
    /// per merge, so they add at most one job per merge under way). `paced`: see `WriteJob.paced`.
    func enqueue<T: Sendable>(
        deferrable: Bool, savepoint: Bool, wake: Bool = true, blocksCaller: Bool = false, pastQueueLimit: Bool = false,
        paced: Bool = false,
        _ body: @escaping @Sendable (WriteContext) throws(StoreError) -> T,
        completion: @escaping @Sendable (Result<T, StoreError>) -> Void
    ) {
        if let readOnlyRefusal {
            completion(.failure(readOnlyRefusal))
            return
        }
        let job = WriteJob(deferrable: deferrable, savepoint: savepoint, blocksCaller: blocksCaller,
                           paced: paced, body: body, completion: completion)
        condition.lock()
        if thread.isStopping {
            condition.unlock()
            completion(.failure(StoreError(.closed, "the store is closed")))
            return
        }
        if !pastQueueLimit && queue.count + held.count + parked.count >= maxQueued {
            condition.unlock()
            completion(.failure(StoreError(.busy, "write queue is full (\(maxQueued) jobs)")))
            return
        }
        if wake {
            releaseHeld()
            queue.append(job)
            condition.signal()
        } else {
            held.append(job)
        }
        condition.unlock()
    }

    /// Hands the writer the jobs queued with `wake: false`, and wakes it.
    public func wakeForQueuedJobs() {
        condition.lock()
        if !held.isEmpty {
            releaseHeld()
            condition.signal()
        }
        condition.unlock()
    }

    /// Moves held jobs to the queue, ahead of anything queued after them. Under `condition`.
    func releaseHeld() {
        guard !held.isEmpty else { return }
        queue.append(contentsOf: held)
        held.removeAll(keepingCapacity: true)
    }

    /// Runs `body` as a write job and waits until it is committed.
    public func perform<T: Sendable>(
        deferrable: Bool = false, _ body: @escaping @Sendable (WriteContext) throws(StoreError) -> T
    ) throws(StoreError) -> T {
        try perform(deferrable: deferrable, savepoint: true, body)
    }

    func perform<T: Sendable>(
        deferrable: Bool, savepoint: Bool, pastQueueLimit: Bool = false, paced: Bool = false,
        _ body: @escaping @Sendable (WriteContext) throws(StoreError) -> T
    ) throws(StoreError) -> T {
        let waiter = Waiter<T>()
        enqueue(deferrable: deferrable, savepoint: savepoint, blocksCaller: true, pastQueueLimit: pastQueueLimit, paced: paced, body) {
            waiter.deliver($0)
        }
        return try waiter.wait().get()
    }

    /// Async form of `perform`.
    public func perform<T: Sendable>(
        deferrable: Bool = false, _ body: @escaping @Sendable (WriteContext) throws(StoreError) -> T
    ) async throws(StoreError) -> T {
        let result: Result<T, StoreError> = await withCheckedContinuation { continuation in
            submit(deferrable: deferrable, body) { continuation.resume(returning: $0) }
        }
        return try result.get()
    }
}
