import Synchronization

/// Whether storage refused the last write the writer gave it: set by a failure that says the disk is
/// full, read-only or failing, cleared by the next commit. Reads go on meanwhile, so a health check
/// that only reads would report a server that refuses every write as healthy.
public final class StorageRefusals: Sendable {
    private let refusing = Atomic<Bool>(false)
    private let refusals = Atomic<Int>(0)

    /// True from a write refused by storage until a write commits.
    public var refusesWrites: Bool { refusing.load(ordering: .relaxed) }

    /// Writes storage refused so far. `refusesWrites` is cleared by the next commit, so a disk that
    /// refuses only some writes (the large ones, when nearly full) can read false at every scrape.
    public var refusedWrites: Int { refusals.load(ordering: .relaxed) }

    func note(_ error: StoreError) {
        switch error.storageFailure {
        case .full, .readOnly, .ioError:
            refusing.store(true, ordering: .relaxed)
            refusals.add(1, ordering: .relaxed)
        case .lockedOut, nil: break // another process's lock, or not storage at all
        }
    }

    func committed() {
        // A load first: the common case (nothing refused) writes nothing to the shared line.
        if refusing.load(ordering: .relaxed) { refusing.store(false, ordering: .relaxed) }
    }
}
