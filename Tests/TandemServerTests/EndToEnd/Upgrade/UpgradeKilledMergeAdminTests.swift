import Foundation
import TandemJSON
@testable import TandemStore
import Testing

extension EndToEnd {
    /// After a crash an operator may run `tandem-admin` before restarting tandemd. With no server
    /// running it finishes a merge left under way at open (docs/store.md, "Crash") and hands the killed
    /// fork's hidden session to the delete steps; tandemd then serves the merge whole, as if it had
    /// finished it itself (UpgradeKilledMerge's checks).
    @Suite("A merge a killed server left, met first by tandem-admin") struct UpgradeKilledMergeAdminTests {
        @Test("tandem-admin with no server finishes the killed merge at open; tandemd then serves it whole")
        func adminFirst() throws {
            let fixtures = try UpgradeFixture.all.filter { try $0.facts()["killed_merge"] != nil }
            #expect(!fixtures.isEmpty, "a fixture killed mid-merge is committed")
            for fixture in fixtures {
                let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-upgrade-\(UUID().uuidString)")
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(at: directory) }
                let facts = try fixture.facts()
                let database = try fixture.copy(into: directory)
                #expect(try SchemaState.mergeJobs(database) == 1, "\(fixture) holds the killed merge's job")
                let listed = try UpgradeAdmin.run(["users", "list", "--db", database, "--json"])
                guard try facts.int("schema") == Int64(Migrations.all.last!.version) else {
                    // An older file: only tandemd upgrades it (UpgradeFixtureTests covers that path).
                    #expect(listed.status == 4, "\(listed)")
                    continue
                }
                #expect(listed.status == 0, "\(listed)")
                #expect(try SchemaState.mergeJobs(database) == 0, "tandem-admin finished the merge at open")

                let server = try TandemdProcess(databasePath: database)
                defer { server.stop() }
                let credentials = try UpgradeCredentials(facts: facts, port: server.port)
                #expect(eventually(timeout: 10, every: 0.05) { (try? SchemaState.hiddenSessions(database)) == 0 },
                        "the killed fork and delete are cleared away")
                try UpgradeKilledMerge.check(facts, credentials, database: database)
                credentials.close()
                server.stop()
                for file in [database, database + "-search"] {
                    #expect(try SchemaState.integrity(file) == ["ok"], "\(file)")
                }
            }
        }
    }
}
