import Foundation

extension Duration {
    /// The duration in seconds, for Foundation's waits (`NSCondition.wait(until:)`, `Thread.sleep`).
    var timeInterval: TimeInterval {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }
}
