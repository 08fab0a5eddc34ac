import Foundation
import Testing
@testable import TandemStore

/// The pause after a step of background work (`StepPause`), decided from the writer's counters,
/// without threads; and the writer's chore, which decides the same way.
@Suite struct StepPauseTests {
    private let step: Duration = .milliseconds(10)
    private let walWait: Duration = .milliseconds(100)

    private func decide(_ others: WriterActivity, factor: Double = 1, adaptive: Bool = true, walIsLong: Bool = false) -> StepPause.Decision {
        StepPause.after(step: step, factor: factor, others: others, adaptive: adaptive, walIsLong: walIsLong, walWait: walWait)
    }

    @Test func nothingElseWantedTheWriterSoTheNextStepRunsAtOnce() {
        #expect(decide(WriterActivity()) == .init(pause: .zero, reason: .idle))
    }

    @Test func anyOtherJobServedQueuedOrLockWaitedForKeepsThePause() {
        let pause = StepPause.Decision(pause: .milliseconds(20), reason: .shared)
        #expect(decide(WriterActivity(served: 1), factor: 2) == pause)
        #expect(decide(WriterActivity(queued: 1), factor: 2) == pause)
        #expect(decide(WriterActivity(lockWaits: 1), factor: 2) == pause)
        #expect(decide(WriterActivity(served: 300, lockWaits: 2, queued: 40), factor: 2) == pause)
    }

    @Test func withoutAdaptingEveryStepPauses() {
        #expect(decide(WriterActivity(), adaptive: false) == .init(pause: step, reason: .always))
        #expect(decide(WriterActivity(served: 3), adaptive: false) == .init(pause: step, reason: .always))
    }

    @Test func aLongWALWaitsACheckpointIntervalIdleOrNot() {
        #expect(decide(WriterActivity(), walIsLong: true) == .init(pause: walWait, reason: .walIsLong))
        #expect(decide(WriterActivity(served: 1), walIsLong: true) == .init(pause: walWait, reason: .walIsLong))
        // A pause longer than the interval is kept as it is.
        #expect(decide(WriterActivity(served: 1), factor: 20, walIsLong: true) == .init(pause: .milliseconds(200), reason: .shared))
    }

    @Test func aNegativeFactorPausesNot() {
        #expect(decide(WriterActivity(served: 1), factor: -1) == .init(pause: .zero, reason: .shared))
    }

    @Test func activityBetweenTwoReadingsIsTheirDifference() {
        let t = ContinuousClock.now
        let before = WriterActivity(served: 10, lockWaits: 2, queued: 5, lastServed: t)
        #expect(WriterActivity(served: 10, lockWaits: 2, queued: 0, lastServed: t).since(before) == WriterActivity(lastServed: t))
        #expect(WriterActivity(served: 12, lockWaits: 3, queued: 1, lastServed: t + .milliseconds(3)).since(before)
                == WriterActivity(served: 2, lockWaits: 1, queued: 1, lastServed: t + .milliseconds(3)))
        #expect(!WriterActivity().wantedTheWriter && WriterActivity(queued: 1).wantedTheWriter)
        // A write answered long ago is no reason to pause by itself.
        #expect(!WriterActivity(lastServed: t).wantedTheWriter)
    }

    @Test func countsTallyEachDecision() {
        var counts = StepPauseCounts()
        counts.note(decide(WriterActivity()))
        counts.note(decide(WriterActivity(served: 1)))
        counts.note(decide(WriterActivity(), walIsLong: true))
        counts.note(decide(WriterActivity(), adaptive: false))
        #expect(counts == StepPauseCounts(idle: 1, shared: 1, always: 1, walIsLong: 1, paused: step + walWait + step))
        #expect(counts.steps == 4)
    }

    /// The chore's next step, after one of 10 ms with a pause factor of 1,000 (10 s): due at once
    /// while the writer served nothing since, 10 s later once it served a job (or waited for
    /// another process's lock), or when the chore does not adapt.
    @Test func theChoreSkipsItsPauseWhileTheWriterServedNothingElse() {
        func chore(adaptive: Bool) -> WriterChore {
            let chore = WriterChore(due: true, pause: 1_000, adaptive: adaptive) { _ throws(StoreError) in true }
            chore.finished(started: .now - .milliseconds(10), .success(true), writerDid: WriterActivity(served: 7, lockWaits: 1))
            return chore
        }
        let adaptive = chore(adaptive: true)
        #expect(adaptive.wait(idle: true, writerDid: WriterActivity(served: 7, lockWaits: 1))! <= .zero)
        #expect(adaptive.wait(idle: true, writerDid: WriterActivity(served: 8, lockWaits: 1))! > .seconds(5))
        #expect(adaptive.wait(idle: true, writerDid: WriterActivity(served: 7, lockWaits: 2))! > .seconds(5))
        // Jobs queued: at least every busy interval (100 ms), as before.
        let busy = adaptive.wait(idle: false, writerDid: WriterActivity(served: 7, lockWaits: 1))!
        #expect(busy > .zero && busy <= .milliseconds(100))
        #expect(chore(adaptive: false).wait(idle: true, writerDid: WriterActivity(served: 7, lockWaits: 1))! > .seconds(5))
    }
}
