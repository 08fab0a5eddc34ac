import Testing
@testable import TandemStore

/// The window that keeps background steps pausing after another write was answered
/// (`StepPause.isRecent`, `sharedRecently`), on instants of its own: no threads, no sleeping.
@Suite struct StepPacingTests {
    private let t0 = ContinuousClock.now
    private func at(_ ms: Int) -> ContinuousClock.Instant { t0 + .milliseconds(ms) }

    @Test func aWriterThatNeverServedAnyoneIsNotRecent() {
        #expect(!StepPause.isRecent(nil, now: at(0)))
    }

    @Test func aWriteAnsweredWithinTheWindowIsRecentThenNoLonger() {
        #expect(StepPause.isRecent(at(0), now: at(0)))
        #expect(StepPause.isRecent(at(0), now: at(249)))
        #expect(!StepPause.isRecent(at(0), now: at(250)))
        #expect(!StepPause.isRecent(at(0), now: at(5_000)))
        #expect(StepPause.isRecent(at(0), now: at(40), window: .milliseconds(50)))
        #expect(!StepPause.isRecent(at(0), now: at(60), window: .milliseconds(50)))
    }

    @Test func sharedRecentlyPausesEvenWhenTheStepItselfSawNobody() {
        let decide = { (recent: Bool) in
            StepPause.after(step: .milliseconds(8), factor: 1, others: WriterActivity(), sharedRecently: recent,
                            adaptive: true, walIsLong: false, walWait: .milliseconds(100))
        }
        #expect(decide(true) == .init(pause: .milliseconds(8), reason: .shared))
        #expect(decide(false) == .init(pause: .zero, reason: .idle))
    }
}
