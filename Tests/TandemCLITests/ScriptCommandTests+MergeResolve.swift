import Foundation
import Testing
import TandemJSON
import TandemStore

/// `tandem merge --resolve KEY=JSON` settles a clashing row with the value it ends up with.
extension TandemCLIScriptTests {
    @Test func mergeResolvesAClashingRow() throws {
        let f = try CLIFixture()
        defer { f.shutdown() }
        let store = f.server.store
        _ = try store.writeRow(session: "s1", actor: "alice", key: "plan", value: ["owner": "bob"], baseVersion: 0)
        _ = try store.createBranch(session: "s1", actor: "alice", id: "b")
        _ = try store.writeRow(session: "b", actor: "alice", key: "plan", value: ["owner": "erin"], baseVersion: 1)
        _ = try store.writeRow(session: "s1", actor: "alice", key: "plan", value: ["owner": "carol"], baseVersion: 1)
        let clash = try f.run(["merge", "b"])
        #expect(clash.status == 3 && clash.stderr.contains("--resolve KEY=JSON"), "\(clash.stderr)")
        let bad = try f.run(["merge", "b", "--resolve", "plan"])
        #expect(bad.status == 1 && bad.stderr.contains("--resolve takes KEY=JSON"), "\(bad.stderr)")
        let merged = try f.run(["merge", "b", "--resolve", #"plan={"owner":"dave"}"#])
        #expect(merged.status == 0 && merged.stdout == "b merged: no new turns, rows plan\n", "\(merged.stdout) \(merged.stderr)")
        #expect(try store.stateRow(session: "s1", actor: "alice", key: "plan")?.value == ["owner": "dave"])
    }
}
