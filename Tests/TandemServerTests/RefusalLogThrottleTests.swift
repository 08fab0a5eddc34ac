import Testing
@testable import TandemServer

/// 500 bad-token attempts from one address were 500 info lines in 0.2 s.
@Suite struct RefusalLogThrottleTests {
    @Test func theFirstOfEachAddressAreLoggedAndTheRestCountedPerWindow() {
        var throttle = RefusalLogThrottle(perWindow: 3, window: 10)
        let first = (0..<500).map { i in throttle.refused(client: "10.0.0.9", now: 100 + Double(i) * 0.0004) }
        #expect(first.filter(\.logIt).count == 3)
        #expect(first.allSatisfy { $0.suppressed.isEmpty })
        #expect(throttle.refused(client: "10.0.0.7", now: 100.5).logIt, "another address has its own share")
        // The next window tells what was left out, then logs again.
        let next = throttle.refused(client: "10.0.0.7", now: 110.2)
        #expect(next.logIt)
        #expect(next.suppressed.map(\.client) == ["10.0.0.9"] && next.suppressed.map(\.count) == [497])
        #expect(throttle.refused(client: "10.0.0.9", now: 110.3).logIt)
    }

    @Test func manyAddressesShareOneCountPastTheLimit() {
        var throttle = RefusalLogThrottle(perWindow: 1, window: 10, maxClients: 2)
        #expect(throttle.refused(client: "a", now: 0).logIt)
        #expect(throttle.refused(client: "b", now: 0).logIt)
        #expect(!throttle.refused(client: "c", now: 0).logIt)
        #expect(!throttle.refused(client: "d", now: 0).logIt)
        #expect(!throttle.refused(client: "a", now: 0).logIt)
        let rolled = throttle.refused(client: "e", now: 11)
        #expect(rolled.logIt)
        #expect(rolled.suppressed.map(\.client) == ["(other addresses)", "a"] && rolled.suppressed.map(\.count) == [2, 1])
    }

    /// A flood that stops was told only at the next refusal (hours later, under that time) or never:
    /// the once-a-second flush tells it when its window ends, once.
    @Test func aFloodThatStopsIsToldWhenItsWindowEnds() {
        var throttle = RefusalLogThrottle(perWindow: 2, window: 10)
        for i in 0..<50 { _ = throttle.refused(client: "10.0.0.9", now: 100 + Double(i) * 0.01) }
        #expect(throttle.flush(now: 105).isEmpty, "not while the window lasts")
        let told = throttle.flush(now: 110.5)
        #expect(told.map(\.client) == ["10.0.0.9"] && told.map(\.count) == [48])
        #expect(throttle.flush(now: 111.5).isEmpty && throttle.flush(now: 130).isEmpty, "told once")
        // The next refusal starts a window of its own: logged, and nothing told twice.
        let next = throttle.refused(client: "10.0.0.9", now: 200)
        #expect(next.logIt && next.suppressed.isEmpty)
    }

    /// A failing disk failed every request internally, one error line each. Keyed by error text,
    /// the first of each is logged in full and the rest told per window with their count and the
    /// first and last reference (the notes) left out, so a quoted reference can still be placed;
    /// one error's flood hides no other error.
    @Test func internalErrorsAreToldWithTheirFirstAndLastReferenceAndHideNoOther() {
        var throttle = RefusalLogThrottle(perWindow: 1, window: 10, maxClients: 3, othersKey: "(other errors)")
        let io = "sqlite: disk I/O error"
        let unique = "sqlite: UNIQUE constraint failed: turns.session_id, turns.seq"
        var logged: [String] = []
        for reference in 1...200 {
            let text = reference == 57 || reference == 58 ? unique : io
            if throttle.refused(client: text, now: 100 + Double(reference) * 0.01, note: "\(reference)").logIt {
                logged.append("\(reference)")
            }
        }
        #expect(logged == ["1", "57"], "the first of each error in full, the other not hidden by the flood")
        #expect(throttle.flush(now: 105).isEmpty)
        let told = throttle.flush(now: 110.5)
        #expect(told == [RefusalLogThrottle.Suppressed(client: unique, count: 1, firstNote: "58", lastNote: "58"),
                         RefusalLogThrottle.Suppressed(client: io, count: 197, firstNote: "2", lastNote: "200")])
        // Past maxClients texts in one window, the rest share one count, still with their references.
        for (i, text) in ["a", "b", "c", "d", "e"].enumerated() {
            _ = throttle.refused(client: text, now: 200, note: "\(300 + i)")
        }
        let shared = throttle.flush(now: 211)
        #expect(shared == [RefusalLogThrottle.Suppressed(client: "(other errors)", count: 2, firstNote: "303", lastNote: "304")])
        // A new window logs each text's first in full again.
        #expect(throttle.refused(client: io, now: 300, note: "400").logIt)
    }
}
