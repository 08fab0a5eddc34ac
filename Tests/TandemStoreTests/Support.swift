import Foundation
import Synchronization
import Testing
import TandemJSON
@testable import TandemStore

/// A temporary directory holding one test's database; removed by `cleanup()`.
struct TempDir {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "tandem-store-test-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    var dbPath: String { path + "/store.db" }

    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}

/// A settable clock for tests that move time.
final class TestClock: Sendable {
    private let value: Mutex<Int64>
    init(_ start: Int64 = 1_700_000_000_000) { value = Mutex(start) }
    var now: Int64 { value.withLock { $0 } }
    func set(_ v: Int64) { value.withLock { $0 = v } }
    func advance(_ ms: Int64) { value.withLock { $0 += ms } }
}

/// Opens a store on a fresh temporary file, with users alice (owner), bob, carol, dave, erin,
/// runs `body`, then closes and deletes everything.
func withStore<T>(clock: TestClock? = nil, configure: (inout StoreConfiguration) -> Void = { _ in },
                  _ body: (Store) throws -> T) throws -> T {
    let dir = TempDir()
    defer { dir.cleanup() }
    var config = StoreConfiguration(path: dir.dbPath)
    if let clock { config.clock = { clock.now } }
    configure(&config)
    let store = try Store(config)
    defer { store.close() }
    try createTestUsers(store)
    return try body(store)
}

/// alice, bob, carol, dave and erin.
func createTestUsers(_ store: Store) throws {
    for (id, name) in [("alice", "Alice"), ("bob", "Bob"), ("carol", "Carol"), ("dave", "Dave"), ("erin", "Erin")] {
        _ = try store.createUser(id: id, displayName: name)
    }
}

/// A session owned by alice with bob as writer, carol as commenter, dave as reader.
@discardableResult
func makeSession(_ store: Store, id: String = "s1", title: String = "Planning", metadata: JSONValue = [:]) throws -> Session {
    let s = try store.createSession(id: id, title: title, owner: "alice", metadata: metadata)
    try store.setMember(session: id, actor: "alice", user: "bob", role: .write)
    try store.setMember(session: id, actor: "alice", user: "carol", role: .comment)
    try store.setMember(session: id, actor: "alice", user: "dave", role: .read)
    return s
}

/// Row counts of the tables a failed operation must not touch.
func tableCounts(_ store: Store) throws -> [String: Int64] {
    try store.read { db throws(StoreError) in
        var out: [String: Int64] = [:]
        for table in ["users", "sessions", "members", "turns", "events", "comments", "state_rows", "state_history",
                      "contributions", "checkpoints", "templates", "share_links", "audit_log", "api_tokens", "turn_retirements"] {
            out[table] = try db.scalar("SELECT count(*) FROM \(table)") ?? -1
        }
        return out
    }
}

/// Runs `body` and returns the StoreError code it threw, or nil.
func errorCode(_ body: () throws -> Void) -> String? {
    do { try body(); return nil } catch let e as StoreError { return e.code } catch { return "other: \(error)" }
}

/// Runs `body` and returns the StoreError it threw as "code: message", or "" when it threw none.
func storeRefusal(_ body: () throws -> Void) -> String {
    do { try body(); return "" } catch let e as StoreError { return "\(e.code): \(e.message)" } catch { return "other: \(error)" }
}

/// Merges branch b1 into s1 as alice, which must be refused: returns the refusal ("code: message")
/// after checking that the parent's turns are as they were and the branch is still open.
func refusedBranchMerge(_ store: Store) throws -> String {
    let before = try store.session(id: "s1").lastTurnSeq
    let message = storeRefusal { _ = try store.mergeBranch(branch: "b1", actor: "alice") }
    #expect(try store.session(id: "s1").lastTurnSeq == before, "the parent's turns after a refused merge")
    #expect(try store.session(id: "b1").branchStatus == "open", "the branch after a refused merge")
    return message
}

/// A session with something in every part of the export document.
func makeRichSession(_ store: Store) throws {
    try makeSession(store, metadata: ["x": 1.5, "y": ["z": nil]])
    _ = try store.appendTurns(session: "s1", actor: "bob", [NewTurn(role: .user, content: "héllo\n\"q\"", metadata: ["k": [1, 2]], tokensIn: 4),
                                                           NewTurn(role: .assistant, content: "", tokensOut: 9)])
    _ = try store.addComment(session: "s1", actor: "carol", turnSeq: 1, body: "c")
    _ = try store.writeRow(session: "s1", actor: "bob", key: "doc", value: ["a": 1], baseVersion: 0)
    _ = try store.writeRow(session: "s1", actor: "alice", key: "doc", value: ["a": 1, "b": 2], baseVersion: 1)
    _ = try store.writeRow(session: "s1", actor: "bob", key: "doc", value: ["a": 7], baseVersion: 1)
    _ = try store.saveCheckpoint(session: "s1", actor: "bob", name: "cp")
    _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "later"))
    _ = try store.undoLastTurn(session: "s1", actor: "bob")
}

/// A database as the migrations up to `version` left it, with alice owning session "old" (sid 1)
/// and nothing else: older files for the migration tests to fill further and open.
func legacyDatabase(at path: String, version: Int, title: String, lastTurn: Int64, lastEvent: Int64) throws -> Database {
    let db = try Database(path: path)
    try Migrations.migrate(db, upTo: version, now: 1)
    try db.run("INSERT INTO users(id, display_name, created_at) VALUES ('alice','Alice',1)")
    try db.run("INSERT INTO sessions(id, title, owner, created_at, updated_at, last_turn_seq, last_event_seq) VALUES ('old',?,'alice',1,1,?,?)",
               [.text(title), .integer(lastTurn), .integer(lastEvent)])
    try db.run("INSERT INTO members(sid, user_id, role, added_at) VALUES (1,'alice','owner',1)")
    return db
}

/// The error code importing `document` as "copy" gives (the import removed again); nil when it was
/// imported. A refused import must leave no session behind.
func refusal(_ store: Store, _ document: JSONValue) -> String? {
    defer { _ = try? store.deleteSession(id: "copy", actor: "alice") }
    do {
        _ = try store.importSession(document, asID: "copy", claimedBy: "alice")
        return nil
    } catch {
        #expect((try? store.session(id: "copy")) == nil, "a refused import leaves no session")
        return error.code
    }
}
