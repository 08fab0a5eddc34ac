#if canImport(Glibc)
import Glibc
#endif

/// Graceful shutdown on SIGINT/SIGTERM for executables built on the transport: the signals are
/// blocked in every thread and taken with `sigwait`. No descriptor is involved (the signal
/// sources of Dispatch each needed a signalfd: a server whose descriptors ran out while it was
/// registering them never saw SIGTERM again, and ignored every `systemctl stop`).
public enum ShutdownSignals {
    /// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread and so in every thread it starts from
    /// then on (threads inherit the mask). Call it first in `main`, before any thread starts: a
    /// thread that does not block them could take one and die of it.
    public static func block() {
        var set = signals()
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Blocks the calling thread until SIGINT or SIGTERM arrives, then shuts `server` down
    /// (stop accepting, close 1001 to everyone, wait up to `grace` seconds) and returns the signal.
    @discardableResult
    public static func wait(thenShutDown server: WebSocketServer, grace: Double = 2) -> Int32 {
        let number = waitForSignal()
        server.shutdown(grace: grace)
        return number
    }

    /// Blocks the calling thread until SIGINT or SIGTERM arrives and returns it (after `block`).
    /// SIGHUP does not stop the server (its default action would kill it at once, with no
    /// graceful close): `onHangUp` runs for each one, and the wait goes on.
    @discardableResult
    public static func waitForSignal(onHangUp: () -> Void = {}) -> Int32 {
        var set = signals()
        pthread_sigmask(SIG_BLOCK, &set, nil)
        var number: Int32 = 0
        while true {
            guard sigwait(&set, &number) == 0 else { continue }
            if number != SIGHUP { return number }
            onHangUp()
        }
    }

    private static func signals() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGHUP)
        return set
    }
}
