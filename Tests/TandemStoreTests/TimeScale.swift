import Foundation

/// Stretches deadlines that assume uninstrumented speed: Tests/sanitizers/run sets
/// `TANDEM_TEST_TIME_SCALE` (code under a sanitizer runs several times slower). 1 otherwise.
let testTimeScale = ProcessInfo.processInfo.environment["TANDEM_TEST_TIME_SCALE"].flatMap(Double.init) ?? 1
