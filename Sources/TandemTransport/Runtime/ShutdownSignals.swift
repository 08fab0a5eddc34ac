import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Graceful shutdown on SIGINT/SIGTERM for executables built on the transport.
public enum ShutdownSignals {
    /// Blocks the calling thread until SIGINT or SIGTERM arrives, then shuts `server` down
    /// (stop accepting, close 1001 to everyone, wait up to `grace` seconds) and returns the signal.
    @discardableResult
    public static func wait(thenShutDown server: WebSocketServer, grace: Double = 2) -> Int32 {
        let number = waitForSignal()
        server.shutdown(grace: grace)
        return number
    }

    /// Blocks the calling thread until SIGINT or SIGTERM arrives and returns it.
    @discardableResult
    public static func waitForSignal() -> Int32 {
        let received = LockedBox<Int32>(0)
        let done = DispatchSemaphore(value: 0)
        let queue = DispatchQueue(label: "tandem.signals")
        var sources: [any DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM] {
            // The default action would kill the process before the handler runs.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                received.withLock { $0 = number }
                done.signal()
            }
            source.resume()
            sources.append(source)
        }
        done.wait()
        sources.forEach { $0.cancel() }
        return received.withLock { $0 }
    }
}
