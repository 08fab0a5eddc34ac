import Foundation
import TandemStore
#if canImport(Glibc)
import Glibc
#endif

/// The first start's owner-token file (mode 0600): written whole or not at all. The text goes to a
/// `.partial-PID` name beside it, is flushed to disk, then renamed over FILE; any failure (a full
/// disk, no inode left) removes the partial file and throws, so no FILE ever holds part of a secret.
enum TokenFile {
    static func write(_ text: String, to file: String) throws(StoreError) {
        let partial = "\(file).partial-\(getpid())"
        let fd = open(partial, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw failure(errno, "create \(partial)", file) }
        let bytes = Array(text.utf8)
        var written = 0
        var error: Int32 = 0
        while written < bytes.count, error == 0 {
            // Safe: the range starts inside `bytes` and is as long as what is left of it.
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, bytes.count - written) }
            if n > 0 { written += n } else if n < 0 && errno != EINTR { error = errno } else if n == 0 { error = ENOSPC }
        }
        if error == 0, fsync(fd) != 0 { error = errno }
        if close(fd) != 0, error == 0 { error = errno }
        if error == 0, rename(partial, file) != 0 { error = errno }
        guard error == 0 else {
            unlink(partial)
            throw failure(error, "write the owner token to \(file)", file)
        }
    }

    private static func failure(_ code: Int32, _ what: String, _ file: String) -> StoreError {
        guard code == ENOSPC || code == EDQUOT else {
            return StoreError(.invalidArgument, "could not \(what): \(String(cString: strerror(code))); the owner account was not created")
        }
        // Said as SQLite says it, so the caller words it as a full disk (`StorageFailure.full`).
        return StoreError(.sqlite, "could not \(what): \(String(cString: strerror(code)))", sqliteCode: 13)
    }
}
