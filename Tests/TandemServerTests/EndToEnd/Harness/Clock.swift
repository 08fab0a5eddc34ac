import Foundation

/// Monotonic seconds, for deadlines and latency measurements.
func monotonicSeconds() -> Double {
    Double(DispatchTime.now().uptimeNanoseconds) / 1e9
}

/// Wall-clock milliseconds since the Unix epoch: the server's clock for expiry instants.
func wallMilliseconds() -> Int64 {
    Int64(Date().timeIntervalSince1970 * 1000)
}

/// Polls `condition` every few milliseconds until it holds or `timeout` seconds pass.
@discardableResult
func eventually(timeout: Double, every interval: Double = 0.01, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = monotonicSeconds() + timeout
    while true {
        if try condition() { return true }
        if monotonicSeconds() >= deadline { return false }
        Thread.sleep(forTimeInterval: interval)
    }
}
