import Testing
import TandemJSON
@testable import TandemStore

/// A checkpoint's save and restore run on the single writer, and every other session's writes
/// wait for them: they must cost what changed since the checkpoint, not what the session holds.
/// Measured in SQLite VM steps on the writer's connection, which no clock disturbs.
@Suite struct CheckpointCostTests {
    @Test func saveAndARestoreOfTwoRowsCostTheSameWhateverTheSessionsRows() throws {
        let small = try saveAndRestoreOfTwoRows(rows: 10)
        let big = try saveAndRestoreOfTwoRows(rows: 3_000)
        // Reading every row, or every entry of a map, takes several steps a row.
        #expect(big.save - small.save < 300, "VM steps of the save: \(small.save) with 10 rows, \(big.save) with 3,000")
        #expect(big.restore - small.restore < 300, "VM steps of the restore: \(small.restore) with 10 rows, \(big.restore) with 3,000")
    }

    /// Saves a checkpoint of a session with `rows` rows, changes two of them, restores it; checks
    /// the two came back, and returns the VM steps of the save and of the restore on the writer.
    private func saveAndRestoreOfTwoRows(rows: Int) throws -> (save: Int64, restore: Int64) {
        try withStore { store in
            try makeSession(store)
            try store.write { ctx throws(StoreError) in
                let sid = try ctx.db.scalar("SELECT sid FROM sessions WHERE id = 's1'") ?? 0
                for i in 0..<rows {
                    _ = try Rows.store(ctx, sid: sid, actor: "bob", key: "row-\(i)", value: ["n": .integer(Int64(i))],
                                       text: nil, version: 1, merged: false)
                }
            }
            func steps() throws -> Int64 { try store.write { ctx throws(StoreError) in ctx.db.virtualMachineSteps } }
            var before = try steps()
            let saved = try store.saveCheckpoint(session: "s1", actor: "alice", name: "cp")
            let save = try steps() - before
            #expect(saved.rowCount == Int64(rows))
            _ = try store.writeRow(session: "s1", actor: "bob", key: "row-1", value: "changed", baseVersion: 1)
            _ = try store.writeRow(session: "s1", actor: "bob", key: "new", value: "created", baseVersion: 0)
            before = try steps()
            let restored = try store.restoreCheckpoint(session: "s1", actor: "alice", name: "cp")
            let restore = try steps() - before
            #expect(restored.rows.map { "\($0.key)@\($0.version)=\($0.value)" } == ["new@2=null", "row-1@3={\"n\":1}"])
            return (save, restore)
        }
    }
}
