import Foundation

extension Duration {
    /// The duration in seconds, for timed waits (`MonotonicCondition.wait(seconds:)`, `Thread.sleep`).
    var timeInterval: TimeInterval {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }
}
