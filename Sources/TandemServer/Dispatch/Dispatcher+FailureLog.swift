import Logging
import Synchronization
import TandemProtocol
import TandemStore

/// How failed requests reach the log: each answer's reference can be found there, without one line
/// per request when storage or the file system goes bad and every request fails the same way.
extension Dispatcher {
    /// The answer to a request the store refused; internal failures are logged under the reference
    /// the answer gives. Storage refusals (full, read-only, locked by another process) are logged
    /// through `storageRefusalLog`: the client is told why, and the log gets the first of each kind
    /// in a window and then how many more (on a full disk every retried post wrote an error line).
    func failure(_ error: StoreError, id: RequestID?, operation: String) -> Response {
        metrics.errors.add()
        let reference = errorReference.add(1, ordering: .relaxed).newValue
        let code = ErrorMapping.code(for: error)
        if code == .internal {
            logInternalError("\(error)", operation: operation, reference: reference)
        } else if error.kind == .sqlite {
            let reason = error.storageFailure.map { "\($0)" } ?? "sqlite"
            let verdict = storageRefusalLog.withLock { $0.refused(client: reason, now: clock()) }
            logStorageRefusalsLeftOut(verdict.suppressed)
            if verdict.logIt {
                logger.error("request failed", metadata: ["op": "\(operation)", "error": "\(error)", "reference": "\(reference)",
                                                          "storage": "\(reason)"])
            }
        }
        return ErrorMapping.response(id: id, for: error, reference: reference)
    }

    /// Logs an internal error answered under `reference` through `internalErrorLog`: the first of
    /// each error text in a window in full, the rest in one line per text when the window ends,
    /// with their count and first and last reference. A failing disk (SQLITE_IOERR on every
    /// request) wrote one error line per request, onto that disk.
    func logInternalError(_ text: String, operation: String, reference: UInt64) {
        // The key is bounded: a message naming ids could otherwise make every error a kind of its own.
        let key = String(text.prefix(240))
        let verdict = internalErrorLog.withLock { $0.refused(client: key, now: clock(), note: "\(reference)") }
        logInternalErrorsLeftOut(verdict.suppressed)
        if verdict.logIt {
            logger.error("request failed", metadata: ["op": "\(operation)", "error": "\(text)", "reference": "\(reference)"])
        }
    }

    /// Says how many storage refusals and internal errors the log left out in windows that have
    /// ended (once a second).
    func flushFailureLogs() {
        logStorageRefusalsLeftOut(storageRefusalLog.withLock { $0.flush(now: clock()) })
        logInternalErrorsLeftOut(internalErrorLog.withLock { $0.flush(now: clock()) })
    }

    private func logStorageRefusalsLeftOut(_ left: [RefusalLogThrottle.Suppressed]) {
        for kind in left {
            logger.error("storage refusals not logged one by one", metadata: ["storage": "\(kind.client)", "count": "\(kind.count)"])
        }
    }

    private func logInternalErrorsLeftOut(_ left: [RefusalLogThrottle.Suppressed]) {
        for kind in left {
            logger.error("internal errors not logged one by one", metadata: [
                "error": "\(kind.client)", "count": "\(kind.count)",
                "first-reference": "\(kind.firstNote ?? "?")", "last-reference": "\(kind.lastNote ?? "?")",
            ])
        }
    }
}
