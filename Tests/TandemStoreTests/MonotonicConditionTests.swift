import Foundation
import Glibc
import Testing
@testable import TandemStore

/// `MonotonicCondition`: timed waits end on time, signals end them early, and time is measured on
/// CLOCK_MONOTONIC (shown with deadlines only one of the two clocks has reached; the system clock
/// is left alone).
@Suite struct MonotonicConditionTests {
    /// A flag guarded by the condition under test.
    // Safe: `value` is read and written only with the condition's mutex held.
    final class Flag: @unchecked Sendable {
        var value = false
    }

    /// Sets `flag` and signals `condition` after `seconds`: wakes a wait that would otherwise
    /// never end (a deadline on the wrong clock), so a broken condition fails the test instead
    /// of hanging it.
    private func signal(_ condition: MonotonicCondition, setting flag: Flag, after seconds: Double) {
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) {
            condition.lock()
            flag.value = true
            condition.broadcast()
            condition.unlock()
        }
    }

    private func now(_ clock: clockid_t) -> timespec {
        var now = timespec()
        clock_gettime(clock, &now)
        return now
    }

    private func seconds(_ time: timespec) -> Double {
        Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    private func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }

    /// Waits until `deadline` unless `flag` is set first; returns whether the time ran out.
    private func timedOut(_ condition: MonotonicCondition, _ flag: Flag, _ wait: () -> Bool) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        // A spurious wake-up (true without the flag) waits again.
        while !flag.value {
            if !wait() { return true }
        }
        return false
    }

    @Test func aTimedWaitEndsAfterAboutTheTimeAskedAndReturnsFalse() {
        let condition = MonotonicCondition()
        let backstop = Flag()
        signal(condition, setting: backstop, after: 10)
        let started = ContinuousClock.now
        condition.lock()
        let result = condition.wait(seconds: 0.3)
        condition.unlock()
        let took = seconds(ContinuousClock.now - started)
        #expect(result == false)
        #expect(took >= 0.29, "returned after \(took) s")
        #expect(took < 5, "returned after \(took) s")
    }

    @Test func aSignalWakesAWaiterEarlyAndReturnsTrue() {
        let condition = MonotonicCondition()
        let signalled = Flag()
        signal(condition, setting: signalled, after: 0.1)
        let started = ContinuousClock.now
        condition.lock()
        var results: [Bool] = []
        while !signalled.value { results.append(condition.wait(seconds: 30)) }
        condition.unlock()
        let took = seconds(ContinuousClock.now - started)
        #expect(results.allSatisfy { $0 }, "wait results: \(results)")
        #expect(took < 10, "woken after \(took) s")
    }

    @Test func zeroAndNegativeWaitsReturnAtOnce() {
        let condition = MonotonicCondition()
        let started = ContinuousClock.now
        condition.lock()
        let zero = condition.wait(seconds: 0)
        let negative = condition.wait(seconds: -5)
        let nan = condition.wait(seconds: .nan)
        condition.unlock()
        #expect(!zero && !negative && !nan)
        #expect(seconds(ContinuousClock.now - started) < 5)
    }

    @Test func theDeadlineOfATimedWaitIsOnTheMonotonicClock() {
        let condition = MonotonicCondition()
        let before = seconds(now(CLOCK_MONOTONIC))
        let deadline = seconds(condition.deadline(after: 2.5))
        let after = seconds(now(CLOCK_MONOTONIC))
        #expect(deadline >= before + 2.5 - 1e-6 && deadline <= after + 2.5 + 1e-6,
                "deadline \(deadline), monotonic clock \(before)...\(after)")
        // Far from the wall clock's reading (seconds since 1970 against seconds since boot).
        #expect(abs(deadline - seconds(now(CLOCK_REALTIME))) > 1_000)
    }

    /// The wait itself (the condition variable's clock attribute, not only the deadline's
    /// arithmetic): a deadline 0.3 s ahead on the monotonic clock is waited for, a deadline
    /// 0.3 s ahead of the wall clock lies decades ahead on it and is never reached.
    @Test func timedWaitsMeasureTheMonotonicClock() {
        let condition = MonotonicCondition()

        var monotonic = now(CLOCK_MONOTONIC)
        monotonic.tv_sec += 1
        let backstop = Flag()
        signal(condition, setting: backstop, after: 10)
        let started = ContinuousClock.now
        let monotonicTimedOut = timedOut(condition, backstop) { condition.wait(until: monotonic) }
        let took = seconds(ContinuousClock.now - started)
        #expect(monotonicTimedOut)
        #expect(took >= 0.9 && took < 5, "a deadline 1 s ahead on CLOCK_MONOTONIC came after \(took) s")

        var wall = now(CLOCK_REALTIME)
        wall.tv_nsec = 0
        wall.tv_sec += 1
        let signalled = Flag()
        signal(condition, setting: signalled, after: 2)
        let wallTimedOut = timedOut(condition, signalled) { condition.wait(until: wall) }
        #expect(!wallTimedOut, "a deadline 1 s ahead on CLOCK_REALTIME ended a monotonic wait")
    }

    /// The test above tells the clocks apart: a condition on CLOCK_REALTIME (what
    /// `NSCondition` uses) finds the same monotonic deadline long past.
    @Test func aWallClockConditionFailsTheMonotonicCheck() {
        let condition = MonotonicCondition(clock: CLOCK_REALTIME)
        var monotonic = now(CLOCK_MONOTONIC)
        monotonic.tv_sec += 3
        let backstop = Flag()
        signal(condition, setting: backstop, after: 10)
        let started = ContinuousClock.now
        let result = timedOut(condition, backstop) { condition.wait(until: monotonic) }
        let took = seconds(ContinuousClock.now - started)
        #expect(result)
        // 3 s ahead on the monotonic clock, decades past on the wall clock: generous for a loaded machine.
        #expect(took < 2, "a CLOCK_REALTIME wait for a monotonic deadline 3 s ahead took \(took) s")
    }
}
