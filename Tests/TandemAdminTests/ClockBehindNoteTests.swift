import Foundation
import Testing
import TandemStore

/// A tandem-admin write on a host whose clock is behind the database's last time stamp keeps that
/// stamp, as tandemd's writes do, and tells the operator on stderr (stdout stays data).
@Suite struct ClockBehindNoteTests {
    @Test func aWriteWithTheClockBehindTheDatabaseSaysSoOnStderr() throws {
        let fixture = AdminFixture()
        defer { fixture.cleanup() }
        try fixture.seed { store in _ = try store.createUser(id: "alice", displayName: "Alice") }
        let first = try fixture.run(["users", "add", "Yan", "--id", "yan", "--no-token"])
        #expect(first.status == 0 && !first.stderr.contains("warning"), "a clock in step says nothing: \(first.stderr)")

        // Another process whose clock reads half an hour ahead wrote last.
        let halfAnHour: Int64 = 1_800_000
        let ahead = Int64(Date().timeIntervalSince1970 * 1000) + halfAnHour
        try fixture.seed(clock: { ahead }) { store in _ = try store.createUser(id: "bob", displayName: "Bob") }
        let added = try fixture.run(["users", "add", "Zed", "--id", "zed", "--no-token"])
        #expect(added.status == 0, "\(added.stderr)")
        #expect(added.stderr.contains("warning: the system clock is"), "\(added.stderr)")
        #expect(added.stderr.contains("this command's writes keep that stamp"), "\(added.stderr)")
        #expect(!added.stdout.contains("warning"))
        let zed = try fixture.seed { store in try store.user(id: "zed") }
        #expect(zed.createdAt >= ahead, "the new user's time stamp is held at the database's")
    }
}
