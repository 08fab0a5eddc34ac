import Testing
@testable import TandemStore

/// The count limits of `StoreConfiguration` (`Quotas`): one more than allowed is `limit_exceeded`,
/// naming the server setting; the operator's path is not held to them.
@Suite struct QuotaTests {
    private func limited(_ config: inout StoreConfiguration) {
        config.maxSessionsPerUser = 3
        config.maxShareLinksPerSession = 2
        config.maxCheckpointsPerSession = 2
        config.maxTemplatesPerUser = 2
    }

    private func message(_ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch let error as StoreError { return "\(error.code): \(error.message)" } catch { return "\(error)" }
    }

    @Test func sessionsPerOwnerCountEveryWayOfMakingOne() throws {
        try withStore(configure: limited) { store in
            try makeSession(store)
            _ = try store.saveTemplate(session: "s1", actor: "alice", name: "t")
            _ = try store.createSession(fromTemplate: "t", actor: "alice", id: "from-t")
            // A writer's branch is the source owner's session: it counts for alice.
            _ = try store.createBranch(session: "s1", actor: "bob", id: "b1")
            let refused = message { _ = try store.createSession(id: "s4", title: "", owner: "alice") }
            #expect(refused?.hasPrefix("limit_exceeded: user alice owns 3 sessions") == true)
            #expect(refused?.contains("max-sessions-per-user = 3") == true, "\(refused ?? "")")
            #expect(errorCode { _ = try store.createBranch(session: "s1", actor: "bob", id: "b2") } == "limit_exceeded")
            #expect(errorCode { _ = try store.createSession(fromTemplate: "t", actor: "alice", id: "t2") } == "limit_exceeded")
            let document = try store.exportSession(id: "s1", actor: "alice")
            #expect(errorCode { _ = try store.importSession(document, asID: "imp", claimedBy: "alice") } == "limit_exceeded")
            // Others are not affected, nor the operator's import; a deleted session frees its place.
            _ = try store.createSession(id: "bobs", title: "", owner: "bob")
            try store.deleteSession(id: "b1", actor: "alice")
            _ = try store.createSession(id: "s4", title: "", owner: "alice")
            _ = try store.importSession(document, asID: "by-operator")
            #expect(try store.session(id: "by-operator").owner == "alice")
        }
    }

    @Test func workingShareLinksPerSession() throws {
        let clock = TestClock()
        try withStore(clock: clock, configure: limited) { store in
            try makeSession(store)
            let first = try store.createShareLink(session: "s1", actor: "alice", expiresAt: nil)
            _ = try store.createShareLink(session: "s1", actor: "alice", expiresAt: clock.now + 1000)
            let refused = message { _ = try store.createShareLink(session: "s1", actor: "alice", expiresAt: nil) }
            #expect(refused?.hasPrefix("limit_exceeded: session s1 has 2 working share links") == true, "\(refused ?? "")")
            #expect(refused?.contains("max-share-links-per-session") == true)
            // Revoked and expired links do not count.
            try store.revokeShareLink(session: "s1", actor: "alice", linkID: first.link.id)
            _ = try store.createShareLink(session: "s1", actor: "alice", expiresAt: nil)
            #expect(errorCode { _ = try store.createShareLink(session: "s1", actor: "alice", expiresAt: nil) } == "limit_exceeded")
            clock.advance(1000)
            _ = try store.createShareLink(session: "s1", actor: "alice", expiresAt: nil)
            // The operator is not held to it.
            _ = try store.adminCreateShareLink(session: "s1", expiresAt: nil)
        }
    }

    @Test func checkpointsPerSessionAndTemplatesPerUser() throws {
        try withStore(configure: limited) { store in
            try makeSession(store)
            try makeSession(store, id: "s2")
            for name in ["a", "b"] { _ = try store.saveCheckpoint(session: "s1", actor: "bob", name: name) }
            let checkpoint = message { _ = try store.saveCheckpoint(session: "s1", actor: "bob", name: "c") }
            #expect(checkpoint?.hasPrefix("limit_exceeded: session s1 has 2 checkpoints") == true, "\(checkpoint ?? "")")
            #expect(checkpoint?.contains("max-checkpoints-per-session") == true)
            #expect(errorCode { _ = try store.saveCheckpoint(session: "s1", actor: "bob", name: "a") } == "already_exists")
            _ = try store.saveCheckpoint(session: "s2", actor: "bob", name: "c")

            for name in ["a", "b"] { _ = try store.saveTemplate(session: "s1", actor: "alice", name: name) }
            let template = message { _ = try store.saveTemplate(session: "s2", actor: "alice", name: "c") }
            #expect(template?.hasPrefix("limit_exceeded: user alice has 2 templates") == true, "\(template ?? "")")
            #expect(template?.contains("max-templates-per-user") == true)
            try store.setMember(session: "s1", actor: "alice", user: "erin", role: .admin)
            _ = try store.saveTemplate(session: "s1", actor: "erin", name: "a")
        }
    }

    @Test func theDefaultsAreGenerousAndEveryCountUsesAnIndex() throws {
        let defaults = StoreConfiguration(path: ":memory:")
        #expect(defaults.maxSessionsPerUser == 10_000 && defaults.maxShareLinksPerSession == 1_000)
        #expect(defaults.maxCheckpointsPerSession == 1_000 && defaults.maxTemplatesPerUser == 1_000)
        try withStore { store in
            let plans = try store.read { db throws(StoreError) in
                try [
                    "SELECT count(*) FROM sessions WHERE owner = 'alice' AND status <> 'deleting'",
                    """
                    SELECT (SELECT count(*) FROM share_links WHERE sid = 1 AND revoked_at IS NULL AND expires_at > 0)
                         + (SELECT count(*) FROM share_links WHERE sid = 1 AND revoked_at IS NULL AND expires_at IS NULL)
                    """,
                    "SELECT count(*) FROM checkpoints WHERE sid = 1",
                    "SELECT count(*) FROM templates WHERE created_by = 'alice'",
                ].map { sql throws(StoreError) in
                    try db.query("EXPLAIN QUERY PLAN " + sql) { $0.text(3) }.joined(separator: "; ")
                }
            }
            // An index range (a WITHOUT ROWID table's primary key is one), never a scan of the table.
            // (The sum of two counts is a constant row around them.)
            for plan in plans {
                #expect(plan.contains("SEARCH") && plan.contains(" USING ") && !plan.replacing("SCAN CONSTANT ROW", with: "").contains("SCAN"), "\(plan)")
            }
            #expect(plans[0].contains("sessions_owner"), "\(plans[0])")
            // Only working links: the revoked and expired ones a session gathers are not read.
            #expect(plans[1].components(separatedBy: "share_links_working").count == 3, "\(plans[1])")
        }
    }
}
