import Foundation
import Synchronization
import Testing
import TandemJSON
import TandemStore

/// `tandem merge` says what a bounded `branch.merge` answer leaves out: the rows it only counted
/// (`rows_total`), and that more rows clash than it lists (`conflicts_more`).
extension TandemCLIScriptTests {
    /// Writes `keys` in `session` as alice, at once (one group commit).
    private func writeRows(_ store: Store, _ session: String, _ keys: [String], value: JSONValue, baseVersion: Int64) {
        let group = DispatchGroup()
        let failures = Mutex(0)
        for key in keys {
            group.enter()
            store.writeRow(session: session, actor: "alice", key: key, value: value, baseVersion: baseVersion) { result in
                if case .failure = result { failures.withLock { $0 += 1 } }
                group.leave()
            }
        }
        group.wait()
        #expect(failures.withLock { $0 } == 0)
    }

    @Test func mergeSaysWhatItsAnswerOnlyCounted() throws {
        let f = try CLIFixture()
        defer { f.shutdown() }
        let store = f.server.store
        let old = (0..<1_001).map { String(format: "k%04d", $0) }
        writeRows(store, "s1", old, value: ["v": 0], baseVersion: 0)
        _ = try store.createBranch(session: "s1", actor: "alice", id: "wide")
        _ = try store.createBranch(session: "s1", actor: "alice", id: "clash")
        writeRows(store, "wide", (0..<1_002).map { String(format: "n%04d", $0) }, value: ["v": 1], baseVersion: 0)
        let merged = try f.run(["merge", "wide"], timeout: 60)
        #expect(merged.status == 0 && merged.stdout.hasPrefix("wide merged: no new turns, rows n0000, n0001, "), "\(merged.stderr)")
        #expect(merged.stdout.hasSuffix(", n0999 and 2 more (1002 in all)\n"), "\(merged.stdout.suffix(80))")

        writeRows(store, "clash", old, value: ["v": 2], baseVersion: 1)
        writeRows(store, "s1", old, value: ["v": 1], baseVersion: 1)
        let clash = try f.run(["merge", "clash"], timeout: 60)
        #expect(clash.status == 3)
        #expect(clash.stderr.contains(", k0999, and more); nothing was merged"), "\(clash.stderr.prefix(200))")
        #expect(clash.stderr.contains("more rows clash than are shown: the next merge lists them"))
    }
}
