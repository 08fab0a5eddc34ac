import Foundation
import Testing
@testable import TandemServer
import TandemStore
import TandemTransport

/// A server that was shut down and let go keeps nothing of its database open: an embedding (the test
/// suite, which starts hundreds) that starts and stops servers must not pile up SQLite connections.
@Suite struct ShutdownReleaseTests {
    /// Descriptors of this process open on `directory`'s files.
    private func descriptors(under directory: String) -> [String] {
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return fds.compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + $0) }
            .filter { $0.hasPrefix(directory + "/") }
    }

    /// Waits (up to 3 s) until `released` says true: the last references go on other threads (a
    /// work-pool or loop thread ending), a little after `shutdown` returns, and a weak reference is
    /// nil as soon as the store's deinit starts, before it has closed its connections.
    private func awaitRelease(_ released: () -> Bool) {
        let started = Date()
        while !released() && Date().timeIntervalSince(started) < 3 { Thread.sleep(forTimeInterval: 0.01) }
    }

    @Test func aStoppedServerIsReleasedAndHoldsNoDescriptor() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-release-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = ServerConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.databasePath = directory + "/t.db"
        weak var released: TandemServer?
        weak var store: Store?
        do {
            let server = try TandemServer(configuration: configuration)
            released = server
            store = server.store
            _ = try server.start()
            _ = try server.store.createUser(id: "alice", displayName: "Alice")
            #expect(!descriptors(under: directory).isEmpty)
            server.shutdown(grace: 0)
        }
        awaitRelease { store == nil && descriptors(under: directory).isEmpty }
        #expect(released == nil, "the stopped server is still referenced")
        #expect(store == nil, "the stopped server's store is still referenced")
        #expect(descriptors(under: directory) == [], "still open after the stop")
    }

    /// 0: connected only; 1: joined a session; 2: posted a turn. Each connection's work went through
    /// the work pool (its handshake's token lookup, the join), whose ran jobs held the connection and,
    /// through it, the transport, the application and the store, for good once the pool had stopped.
    @Test(arguments: [0, 1, 2]) func aServerThatServedAClientIsReleasedToo(_ steps: Int) throws {
        weak var released: TandemServer?
        weak var store: Store?
        let directory: String
        do {
            let server = try TestServer()
            released = server.server
            store = server.store
            directory = server.directory.path
            let alice = try server.user("alice")
            try server.session("s1", owner: alice)
            let client = try server.connect(alice)
            if steps > 0 { _ = try client.request("session.join", ["session": "s1"]) }
            if steps > 1 { _ = try client.request("turn.post", ["session": "s1", "content": "hello"]) }
            server.stop()
            client.close()
        }
        awaitRelease { store == nil && descriptors(under: directory).isEmpty }
        #expect(store == nil, "the stopped server's store is still referenced")
        #expect(released == nil, "the stopped server is still referenced")
        #expect(descriptors(under: directory) == [], "still open after the stop")
    }

    /// Every thread a server started ends with its stop: each holds its owner (the loop, the pool,
    /// the watcher, the store's writer) until it returns, so an owner let go is a thread gone. Named
    /// threads are not counted in /proc: other tests' servers run theirs meanwhile.
    @Test func aStoppedServerLeavesNoThreadOfItsOwn() throws {
        weak var pool: WorkPool?
        weak var watcher: AccessWatcher?
        weak var writer: StoreWriter?
        var loops: [() -> Bool] = []
        do {
            let server = try TestServer()
            pool = server.server.pool
            watcher = server.server.watcher
            writer = server.store.writer
            for loop in server.server.transport.loops {
                weak let weakLoop = loop
                loops.append { weakLoop == nil }
            }
            let alice = try server.user("alice")
            try server.session("s1", owner: alice)
            let client = try server.connect(alice)
            _ = try client.request("session.join", ["session": "s1"])
            _ = try client.request("turn.post", ["session": "s1", "content": "hello"])
            server.stop()
            client.close()
        }
        awaitRelease { pool == nil && watcher == nil && writer == nil && loops.allSatisfy { $0() } }
        #expect(loops.count == 2)
        #expect(loops.allSatisfy { $0() }, "an event loop (and its thread) outlived the stop")
        #expect(pool == nil, "the work pool outlived the stop")
        #expect(watcher == nil, "the access watcher outlived the stop")
        #expect(writer == nil, "the store's writer outlived the stop")
    }
}
