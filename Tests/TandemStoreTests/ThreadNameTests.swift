import Foundation
import Testing
@testable import TandemStore

/// The store's threads carry their names into the kernel (`top -H`, `perf`, `/proc/*/task/*/comm`).
@Suite struct ThreadNameTests {
    private func threadNames() -> Set<String> {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        return Set(tasks.compactMap { task in
            (try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
        })
    }

    @Test func theStoreThreadsAreNamed() throws {
        try withStore { _ in
            let expected: Set = ["tandem-writer", "tandem-complete", "tandem-checkpt", "tandem-index"]
            // Each thread names itself when it starts: wait for that.
            let deadline = Date().addingTimeInterval(5)
            var names = threadNames()
            while !expected.isSubset(of: names) && Date() < deadline {
                usleep(10_000)
                names = threadNames()
            }
            #expect(expected.isSubset(of: names), "thread names: \(names.sorted())")
        }
    }
}
