import CSQLite

/// Why storage, not the request, failed a write: the one reading of SQLite's result codes for it
/// (the server maps it to `unavailable`; `StorageRefusals` tells `/healthz`).
public enum StorageFailure: Sendable, Equatable {
    /// The disk is full (SQLITE_FULL).
    case full
    /// The file system or the file became read-only (SQLITE_READONLY).
    case readOnly
    /// Reading or writing the file failed (SQLITE_IOERR).
    case ioError
    /// Another process held the write lock past the busy timeout (SQLITE_BUSY, SQLITE_LOCKED).
    case lockedOut
}

extension StoreError {
    /// The storage failure behind this error, if it is one (extended codes keep the primary code in
    /// their low byte).
    public var storageFailure: StorageFailure? {
        guard kind == .sqlite, let code = sqliteCode else { return nil }
        switch code & 0xFF {
        case SQLITE_FULL: return .full
        case SQLITE_READONLY: return .readOnly
        case SQLITE_IOERR: return .ioError
        case SQLITE_BUSY, SQLITE_LOCKED: return .lockedOut
        default: return nil
        }
    }
}
