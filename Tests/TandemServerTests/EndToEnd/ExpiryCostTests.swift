import Foundation
import Synchronization
import TandemStore
import Testing
@testable import TandemServer

extension EndToEnd {
    /// A running server whose every token has an expiry: its access watcher's ticks take off only
    /// the connections whose expiry is due (they walked every expiring connection, every 250 ms).
    @Suite("Expiry costs only what is due") struct ExpiryCostTests {
        @Test func ticksExamineOnlyTheDueConnections() throws {
            let harness = try TestServer()
            defer { harness.stop() }
            var secrets: [String] = []
            for i in 0..<40 {
                _ = try harness.store.createUser(id: "u\(i)", displayName: "U\(i)")
                secrets.append(try harness.store.createToken(userID: "u\(i)", label: "ci", lifetime: 3_600_000).secret)
            }
            _ = try harness.store.createUser(id: "short", displayName: "Short")
            let shortLifetime = Int64(1_500 * testTimeScale)
            let short = try (0..<2).map { _ in try harness.store.createToken(userID: "short", label: "ci", lifetime: shortLifetime) }
            let watcher = harness.server.watcher
            let before = watcher.registry.expiryWatch.examined
            let long = try secrets.enumerated().map { try harness.connect(.bearer($1), label: "u\($0)") }
            let cut = try short.map { try harness.connect(.bearer($0.secret), label: "short") }
            defer { (long + cut).forEach { $0.close() } }
            for client in cut {
                let closed = client.waitForClose(timeout: 10 * testTimeScale)
                #expect(closed?.code == 4401 && closed?.reason == "token expired", "\(String(describing: closed))")
            }
            // A second of ticks more (each at most 250 ms apart) with 40 expiries an hour away.
            let ticks = watcher.ticks.load(ordering: .relaxed)
            let deadline = Date().addingTimeInterval(10 * testTimeScale)
            while watcher.ticks.load(ordering: .relaxed) < ticks + 4 && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            #expect(watcher.ticks.load(ordering: .relaxed) >= ticks + 4)
            let after = watcher.registry.expiryWatch
            #expect(after.examined - before == 2, "examined \(after.examined - before) expiry entries for 2 due")
            #expect(after.watched == 40) // the long ones are watched all along
            #expect(long.allSatisfy { !$0.isClosed })
        }
    }
}
