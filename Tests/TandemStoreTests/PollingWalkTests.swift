import Testing
import TandemJSON
@testable import TandemStore

/// The promise of `session.list {updated_since: T}` (docs/protocol.md, "Polling"): whatever changes
/// what a caller's list shows after an answer is listed by the next poll, T being the newest
/// `updated` that answer held. One test per way a session can appear in a list or change there;
/// each makes the session it changes before the poller's T, so a change left at its old
/// `updated_at` is missed.
@Suite("Store: every change a poller must see")
struct PollingWalkTests {
    private static let minute: Int64 = 60_000

    /// The sessions `user`'s poll with `updated_since: since` lists, by id.
    private func poll(_ store: Store, _ user: String, since: Int64) throws -> [String: Session] {
        var found: [String: Session] = [:]
        var cursor: String?
        repeat {
            let page = try store.listSessions(SessionFilter(member: user, updatedSince: since, limit: 2, after: cursor))
            for s in page.sessions { found[s.id] = s }
            cursor = page.nextCursor
        } while cursor != nil
        return found
    }

    /// The newest `updated` of `user`'s list: the T their next poll asks with.
    private func seen(_ store: Store, _ user: String) throws -> Int64 {
        try #require(store.listSessions(SessionFilter(member: user, limit: 1)).sessions.first).updatedAt
    }

    /// A store where `old` (alice's, with bob, carol and dave: `makeSession`) was last changed a
    /// minute before `newer` (every test user a member), and the clock is a minute past that:
    /// each user's poll asks with T = `newer`'s `updated`, after `old`'s.
    private func withOldSession(_ body: (Store, TestClock, _ since: Int64) throws -> Void) throws {
        let clock = TestClock()
        try withStore(clock: clock) { store in
            try makeSession(store, id: "old")
            _ = try store.appendTurn(session: "old", actor: "bob", NewTurn(role: .user, content: "first"))
            clock.advance(Self.minute)
            _ = try store.createSession(id: "newer", title: "Newer", owner: "alice", metadata: [:])
            for user in ["bob", "carol", "dave", "erin"] { _ = try store.setMember(session: "newer", actor: "alice", user: user, role: .read) }
            let since = try seen(store, "erin")
            clock.advance(Self.minute)
            try body(store, clock, since)
        }
    }

    @Test func aMemberAddedToAnOldSessionSeesItAppear() throws {
        try withOldSession { store, _, since in
            #expect(try poll(store, "erin", since: since)["old"] == nil)
            _ = try store.setMember(session: "old", actor: "alice", user: "erin", role: .comment)
            #expect(try poll(store, "erin", since: since)["old"] != nil)
        }
    }

    @Test func aRoleChangeIsListed() throws {
        try withOldSession { store, _, since in
            _ = try store.setMember(session: "old", actor: "alice", user: "bob", role: .read)
            #expect(try poll(store, "bob", since: since)["old"] != nil)
            #expect(try store.role(session: "old", user: "bob") == .read)
        }
    }

    @Test func anOwnerHandedOnIsListed() throws {
        try withOldSession { store, _, since in
            _ = try store.setMember(session: "old", actor: "alice", user: "bob", role: .owner)
            _ = try store.setMember(session: "old", actor: "bob", user: "alice", role: .write)
            #expect(try poll(store, "carol", since: since)["old"]?.owner == "bob")
        }
    }

    @Test func aTitleOrMetadataUpdateIsListed() throws {
        try withOldSession { store, _, since in
            _ = try store.updateSession(id: "old", actor: "alice", title: "Renamed", metadata: ["team": "core"])
            let item = try #require(try poll(store, "dave", since: since)["old"])
            #expect(item.title == "Renamed" && item.metadata == ["team": "core"])
        }
    }

    @Test func pauseResumeAndArchiveAreListed() throws {
        try withOldSession { store, clock, since in
            var t = since
            for status in [SessionStatus.paused, .active, .archived] {
                switch status {
                case .paused: _ = try store.pauseSession(id: "old", actor: "alice")
                case .active: _ = try store.resumeSession(id: "old", actor: "alice")
                default: _ = try store.archiveSession(id: "old", actor: "alice")
                }
                let item = try #require(try poll(store, "dave", since: t)["old"])
                #expect(item.status == status)
                t = item.updatedAt + 1
                clock.advance(Self.minute)
            }
        }
    }

    @Test func postsUndoAndClearAreListed() throws {
        try withOldSession { store, clock, since in
            _ = try store.appendTurn(session: "old", actor: "bob", NewTurn(role: .user, content: "second"))
            let posted = try #require(try poll(store, "dave", since: since)["old"])
            #expect(posted.lastTurnSeq == 2)
            clock.advance(Self.minute)
            _ = try store.undoLastTurn(session: "old", actor: "bob")
            let undone = try #require(try poll(store, "dave", since: posted.updatedAt)["old"])
            #expect(undone.lastEventSeq > posted.lastEventSeq && undone.updatedAt > posted.updatedAt)
            clock.advance(Self.minute)
            _ = try store.clearTurns(session: "old", actor: "alice")
            let cleared = try #require(try poll(store, "dave", since: undone.updatedAt)["old"])
            #expect(cleared.lastEventSeq > undone.lastEventSeq && cleared.updatedAt > undone.updatedAt)
        }
    }

    @Test func aRowWriteAndACommentAreListed() throws {
        try withOldSession { store, clock, since in
            _ = try store.writeRow(session: "old", actor: "bob", key: "k", value: ["v": 1], baseVersion: 0)
            let written = try #require(try poll(store, "dave", since: since)["old"])
            clock.advance(Self.minute)
            _ = try store.addComment(session: "old", actor: "carol", turnSeq: 1, body: "nice")
            let commented = try #require(try poll(store, "dave", since: written.updatedAt)["old"])
            #expect(commented.lastEventSeq > written.lastEventSeq)
        }
    }

    @Test func aCheckpointRestoreIsListed() throws {
        let clock = TestClock()
        try withStore(clock: clock) { store in
            try makeSession(store, id: "old")
            _ = try store.saveCheckpoint(session: "old", actor: "alice", name: "cp")
            _ = try store.appendTurn(session: "old", actor: "bob", NewTurn(role: .user, content: "after the checkpoint"))
            clock.advance(Self.minute)
            try makeSession(store, id: "newer")
            let since = try seen(store, "dave")
            clock.advance(Self.minute)
            _ = try store.restoreCheckpoint(session: "old", actor: "alice", name: "cp")
            #expect(try poll(store, "dave", since: since)["old"] != nil)
        }
    }

    @Test func aBranchAppearsToItsMembersAndItsMergeIsListedOnBothSides() throws {
        try withOldSession { store, clock, since in
            let branch = try store.createBranch(session: "old", actor: "bob", id: "b1", title: "Try")
            let listed = try poll(store, "dave", since: since)
            #expect(listed["b1"]?.parentID == "old" && branch.id == "b1")
            let after = try #require(listed["b1"]).updatedAt
            clock.advance(Self.minute)
            _ = try store.appendTurn(session: "b1", actor: "bob", NewTurn(role: .user, content: "in the branch"))
            clock.advance(Self.minute)
            let seenBranch = try seen(store, "dave")
            clock.advance(Self.minute)
            _ = try store.mergeBranch(branch: "b1", actor: "alice")
            let merged = try poll(store, "dave", since: seenBranch)
            #expect(merged["old"]?.lastTurnSeq == 2, "the parent's item: its new turn")
            #expect(merged["b1"]?.status == .archived && after < seenBranch)
        }
    }

    /// A branch whose parent is deleted loses `parent` in its item: listed again.
    @Test func aBranchWhoseParentIsDeletedIsListedWithoutItsParent() throws {
        try withOldSession { store, clock, _ in
            _ = try store.createBranch(session: "old", actor: "bob", id: "b1", title: "Try")
            let since = try laterChange(store, clock)
            _ = try store.deleteSession(id: "old", actor: "alice")
            let listed = try poll(store, "dave", since: since)
            #expect(listed["b1"] != nil && listed["b1"]?.parentID == nil, "\(listed.keys.sorted())")
        }
    }

    /// So does a branch whose parent, a branch, is discarded; the discarded one leaves the list (and
    /// its parent's item does not change: it shows nothing of its branches).
    @Test func aBranchWhoseParentIsDiscardedIsListedWithoutItsParent() throws {
        try withOldSession { store, clock, _ in
            _ = try store.createBranch(session: "old", actor: "bob", id: "b1", title: "Try")
            _ = try store.createBranch(session: "b1", actor: "bob", id: "b2", title: "Try more")
            let since = try laterChange(store, clock)
            _ = try store.discardBranch(branch: "b1", actor: "alice")
            let listed = try poll(store, "dave", since: since)
            #expect(listed["b2"] != nil && listed["b2"]?.parentID == nil, "\(listed.keys.sorted())")
            #expect(listed["b1"] == nil && listed["old"] == nil, "\(listed.keys.sorted())")
        }
    }

    /// Moves the clock on, changes `newer` and moves on again: returns the T of a poll that saw
    /// that change, after every earlier change.
    private func laterChange(_ store: Store, _ clock: TestClock) throws -> Int64 {
        clock.advance(Self.minute)
        _ = try store.appendTurn(session: "newer", actor: "alice", NewTurn(role: .user, content: "later"))
        let since = try seen(store, "dave")
        clock.advance(Self.minute)
        return since
    }

    @Test func aSessionFromATemplateAppears() throws {
        try withOldSession { store, _, since in
            _ = try store.saveTemplate(session: "old", actor: "alice", name: "tpl")
            _ = try store.createSession(fromTemplate: "tpl", actor: "alice", id: "from-tpl")
            #expect(try poll(store, "alice", since: since)["from-tpl"] != nil)
        }
    }

    /// An import appears to its owner (and, the operator's, to the members it names) whatever the
    /// document's date: its `updated` is the import's own stamp; every record keeps its time.
    @Test func anImportedOldSessionAppearsWithTheImportsStamp() throws {
        try withOldSession { store, clock, since in
            let document = try store.adminExportSession(id: "old")
            let documentUpdated = try #require(document["session"]?["updated_at"]?.intValue)
            #expect(documentUpdated < since)
            let claimed = try store.importSession(document, asID: "copy", claimedBy: "erin")
            #expect(claimed.updatedAt == clock.now && claimed.createdAt == document["session"]?["created_at"]?.intValue)
            #expect(try poll(store, "erin", since: since)["copy"] != nil)

            clock.advance(Self.minute)
            let restored = try store.importSession(document, asID: "restored", actor: "admin")
            #expect(restored.updatedAt == clock.now)
            for user in ["alice", "bob", "carol", "dave"] {
                #expect(try poll(store, user, since: since)["restored"] != nil, "\(user)")
            }
            // Apart from the id and the session's `updated_at`, the operator's restore is the document.
            var again = try store.adminExportSession(id: "restored")
            #expect(again["session"]?["updated_at"] == .integer(clock.now))
            again = Self.with(again, id: "old", updated: documentUpdated)
            #expect(again == document)
            let audit = try #require(store.auditLog(session: "restored", limit: 10).first { $0.action == "session.import" })
            #expect(audit.at == restored.updatedAt)
        }
    }

    /// An archived document without `archived_at` takes the document's `updated_at` (capped at the
    /// import's stamp) for it, not the import's stamp: retention ages it from its own date.
    @Test func anArchivedDocumentWithoutItsTimeTakesTheDocumentsDate() throws {
        try withOldSession { store, clock, _ in
            _ = try store.archiveSession(id: "old", actor: "alice")
            let archivedAt = clock.now
            guard case .object(var top) = try store.adminExportSession(id: "old"),
                  case .object(var session)? = top["session"] else { Issue.record("no export"); return }
            session["archived_at"] = .null
            top["session"] = .object(session)
            clock.advance(Self.minute)
            let restored = try store.importSession(.object(top), asID: "restored", actor: "admin")
            #expect(restored.archivedAt == archivedAt && restored.updatedAt == clock.now)
        }
    }

    /// tandem-admin writing while the server runs, its clock a little behind the server's: the
    /// server's poller still finds its changes (the stamps are the database's, not each process's).
    @Test func changesByTandemAdminWhileTheServerRunsAreListed() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let clock = TestClock()
        func configured(behind: Int64) -> StoreConfiguration {
            var config = StoreConfiguration(path: dir.dbPath)
            config.clock = { clock.now - behind }
            return config
        }
        let server = try Store(configured(behind: 0))
        defer { server.close() }
        try createTestUsers(server)
        try makeSession(server, id: "old")
        clock.advance(Self.minute)
        try makeSession(server, id: "newer")
        let since = try seen(server, "dave")
        let document = try server.adminExportSession(id: "old")
        let admin = try Store(configured(behind: 5_000))
        _ = try admin.adminSetMember(session: "old", user: "erin", role: .read)
        _ = try admin.importSession(document, asID: "restored", actor: "admin")
        _ = try admin.adminArchiveSession(id: "old")
        admin.close()
        #expect(try poll(server, "erin", since: since)["old"]?.status == .archived)
        #expect(try poll(server, "dave", since: since)["restored"] != nil)
    }

    /// The clock held back (`WriteStamps`): a member added and an import written while the clock
    /// is behind the poller's T still come at or after it.
    @Test func changesWhileTheClockIsBehindAreListed() throws {
        try withOldSession { store, clock, since in
            let document = try store.adminExportSession(id: "old")
            clock.advance(-10 * Self.minute)
            _ = try store.setMember(session: "old", actor: "alice", user: "erin", role: .read)
            _ = try store.importSession(document, asID: "copy", claimedBy: "erin")
            let listed = try poll(store, "erin", since: since)
            #expect(listed["old"] != nil && listed["copy"] != nil, "\(listed.keys.sorted())")
        }
    }

    /// A session made again under a deleted one's id in the same millisecond (as every change is
    /// while the clock is held back) takes a later `created`, and that is its `updated`: the
    /// changes after it must not be stamped before it, or the poller who saw it misses them.
    @Test func aSessionMadeAgainUnderItsIdInTheSameMillisecondDoesNotHideLaterChanges() throws {
        try withOldSession { store, _, _ in
            _ = try store.saveTemplate(session: "old", actor: "alice", name: "tpl")
            for _ in 0..<2 {
                _ = try store.createSession(id: "again", title: "", owner: "alice", metadata: [:])
                _ = try store.deleteSession(id: "again", actor: "alice")
            }
            let made = try store.createSession(id: "again", title: "", owner: "alice", metadata: [:])
            var since = try seen(store, "alice")
            #expect(made.createdAt == since && made.updatedAt == since, "a later created than the clock's: \(made)")
            _ = try store.appendTurn(session: "old", actor: "bob", NewTurn(role: .user, content: "after it"))
            #expect(try poll(store, "alice", since: since)["old"] != nil)

            _ = try store.deleteSession(id: "again", actor: "alice")
            let fromTemplate = try store.createSession(fromTemplate: "tpl", actor: "alice", id: "again")
            since = try seen(store, "alice")
            _ = try store.appendTurn(session: "old", actor: "bob", NewTurn(role: .user, content: "after the template's"))
            #expect(try poll(store, "alice", since: since)["old"] != nil)

            _ = try store.deleteSession(id: "again", actor: "alice")
            let branch = try store.createBranch(session: "old", actor: "alice", id: "again", title: "Try")
            since = try seen(store, "alice")
            #expect(branch.createdAt == since && branch.createdAt > fromTemplate.createdAt, "a branch is an incarnation too: \(branch)")
            _ = try store.appendTurn(session: "old", actor: "bob", NewTurn(role: .user, content: "after the branch"))
            #expect(try poll(store, "alice", since: since)["old"] != nil)
        }
    }

    /// `export` with its session's id and `updated_at` set.
    private static func with(_ export: JSONValue, id: String, updated: Int64) -> JSONValue {
        guard case .object(var top) = export, case .object(var session)? = top["session"] else { return export }
        session["id"] = .string(id)
        session["updated_at"] = .integer(updated)
        top["session"] = .object(session)
        return .object(top)
    }
}
