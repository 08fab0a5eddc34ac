import TandemProtocol
import TandemStore

/// The one place that maps store failures to wire error codes.
enum ErrorMapping {
    /// SQLite's "database or disk is full" result code.
    private static let sqliteFull: Int32 = 13
    /// SQLite's "database is locked" (BUSY) and "table is locked" (LOCKED) result codes.
    private static let sqliteBusy: Int32 = 5
    private static let sqliteLocked: Int32 = 6

    /// The busy timeout ran out: another process (a long `tandem-admin` import, say) held the
    /// database's write lock. Nothing of the failed operation was written, and a retry can succeed.
    private static func isLockedOut(_ error: StoreError) -> Bool {
        guard error.kind == .sqlite, let code = error.sqliteCode else { return false }
        return code & 0xFF == sqliteBusy || code & 0xFF == sqliteLocked
    }

    static func code(for error: StoreError) -> ErrorCode {
        switch error.kind {
        case .notFound, .notMember: return .notFound
        case .invalidJSON, .invalidArgument: return .invalidArgument
        case .tooLarge: return .tooLarge
        case .conflict: return .conflict
        case .alreadyExists: return .alreadyExists
        case .forbidden: return .forbidden
        case .unauthorized: return .unauthorized
        case .staleCheckpoint: return .staleCheckpoint
        case .sessionPaused: return .sessionPaused
        case .sessionArchived: return .sessionArchived
        case .invalidState: return .conflict
        case .closed, .busy: return .unavailable
        case .schemaTooNew, .schemaTooOld: return .internal
        case .sqlite: return error.sqliteCode == sqliteFull || isLockedOut(error) ? .unavailable : .internal
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
        if code == .unavailable, error.kind == .sqlite {
            // Only SQLITE_FULL is left here (see `code(for:)`): say so, so operators and users know what to free.
            return .failure(id: id, code, "storage is full: nothing was written; retry once space is freed")
        }
        return .failure(id: id, code, error.message)
    }
}
