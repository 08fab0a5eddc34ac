import TandemProtocol
import TandemStore

/// The one place that maps store failures to wire error codes.
enum ErrorMapping {
    /// The busy timeout ran out: another process (a long `tandem-admin` import, say) held the
    /// database's write lock. Nothing of the failed operation was written, and a retry can succeed.
    private static func isLockedOut(_ error: StoreError) -> Bool {
        error.storageFailure == .lockedOut
    }

    /// Why storage refused a write that was otherwise fine (full, or read-only since the start:
    /// remounted, or its mode changed), or nil.
    private static func storageRefused(_ error: StoreError) -> String? {
        switch error.storageFailure {
        case .full: "storage is full: nothing was written; retry once space is freed"
        case .readOnly: "storage is read-only: nothing was written; retry once the server's operator makes it writable"
        case .ioError, .lockedOut, nil: nil
        }
    }

    static func code(for error: StoreError) -> ErrorCode {
        switch error.kind {
        case .notFound, .notMember: return .notFound
        case .invalidJSON, .invalidArgument: return .invalidArgument
        case .tooLarge: return .tooLarge
        case .limitExceeded: return .limitExceeded
        case .conflict: return .conflict
        case .alreadyExists: return .alreadyExists
        case .forbidden, .removedMember: return .forbidden
        case .unauthorized: return .unauthorized
        case .staleCheckpoint: return .staleCheckpoint
        case .sessionPaused: return .sessionPaused
        case .sessionArchived: return .sessionArchived
        case .invalidState: return .conflict
        case .closed, .busy: return .unavailable
        case .schemaTooNew, .schemaTooOld: return .internal
        case .sqlite: return storageRefused(error) != nil || isLockedOut(error) ? .unavailable : .internal
        }
    }

    /// The message shown to the client. Internal failures are not described in detail: the log
    /// has them, under the reference given.
    static func response(id: RequestID?, for error: StoreError, reference: UInt64) -> Response {
        let code = code(for: error)
        if code == .internal {
            return .failure(id: id, code, "internal error (reference \(reference))")
        }
        if isLockedOut(error) {
            return .failure(id: id, code, "the database is locked by another process (such as a long tandem-admin command): nothing was written; retry")
        }
        if code == .unavailable, let why = storageRefused(error) {
            // Say what is wrong, so operators and users know what to free or fix.
            return .failure(id: id, code, why)
        }
        return .failure(id: id, code, error.message, field: error.field)
    }
}
