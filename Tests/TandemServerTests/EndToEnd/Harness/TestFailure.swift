/// A harness-level failure (a timeout, an unexpected answer) with a message saying what was awaited.
struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
