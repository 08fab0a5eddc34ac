import Foundation
import Synchronization

/// Where `sessions export` writes: standard output, or a file that appears whole or not at all
/// (written beside it under a temporary name, synced, then renamed over it).
final class ExportFile: Sendable {
    private struct State {
        /// Open until the file is committed or discarded (standard output is never closed).
        var fd: Int32?
        /// The first write failure: writes after it are refused and the export stops.
        var failure: String?
    }

    private let path: String?
    private let temporaryPath: String?
    private let state: Mutex<State>

    /// Standard output when `path` is nil.
    init(path: String?) throws {
        self.path = path
        guard let path else {
            temporaryPath = nil
            state = Mutex(State(fd: STDOUT_FILENO))
            return
        }
        let temporary = "\(path).partial-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
        guard fd >= 0 else {
            throw AdminFailure(AdminFailure.usage, "cannot write '\(path)': \(String(cString: strerror(errno))); check the directory exists and is writable")
        }
        temporaryPath = temporary
        state = Mutex(State(fd: fd))
    }

    /// Writes all of `bytes`; false (the reason kept in `failureMessage`) when it cannot.
    func write(_ bytes: [UInt8]) -> Bool {
        state.withLock { state in
            guard state.failure == nil, let fd = state.fd else { return false }
            var offset = 0
            while offset < bytes.count {
                // Safe: the pointer is used only inside this closure and within the array's bounds (offset < count).
                let n = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress! + offset, $0.count - offset) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else {
                    state.failure = "cannot write '\(path ?? "standard output")': \(String(cString: strerror(errno)))"
                    return false
                }
                offset += n
            }
            return true
        }
    }

    /// Why a write failed, if one did.
    var failureMessage: String? { state.withLock { $0.failure } }

    /// Ends the document with a newline and, for a file, syncs it and puts it in place.
    func commit() throws {
        guard write(Array("\n".utf8)) else { throw AdminFailure(AdminFailure.usage, failureMessage ?? "cannot write") }
        guard let path, let temporaryPath else { return }
        let fd = state.withLock { state in defer { state.fd = nil }; return state.fd }
        guard let fd else { return }
        let synced = fsync(fd) == 0
        let reason = String(cString: strerror(errno))
        close(fd)
        guard synced, rename(temporaryPath, path) == 0 else {
            unlink(temporaryPath)
            throw AdminFailure(AdminFailure.usage, "cannot write '\(path)': \(synced ? String(cString: strerror(errno)) : reason)")
        }
    }

    /// Removes the partial file after a failed export (nothing once committed).
    func discard() {
        guard let temporaryPath else { return }
        let fd = state.withLock { state in defer { state.fd = nil }; return state.fd }
        guard let fd else { return }
        close(fd)
        unlink(temporaryPath)
    }
}
