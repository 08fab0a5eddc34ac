import Foundation
import Logging
import TandemJSON
@testable import TandemServer
import TandemStore

/// A user the harness created, with one API token.
struct TestUser: Sendable {
    var id: String
    var token: String
    var tokenID: String
}

/// A `TandemServer` running in this process on 127.0.0.1 (a free port) with a fresh database in a
/// temporary directory. Users, tokens and memberships are made directly in the store, the way
/// `tandem-admin` does; everything a test then checks goes over the wire.
final class TestServer: Sendable {
    let server: TandemServer
    let port: UInt16
    let directory: URL
    let databasePath: String

    /// - Parameter configure: tightens limits or timeouts for one test.
    /// - Parameter log: where the server's log goes (nowhere by default).
    /// - Parameter accessWatchInterval: seconds between the access watcher's looks (0.25 in tandemd).
    /// - Parameter accessSweepPerTick: live sessions the access watcher's sweep reads a tick.
    init(log: CapturedLog? = nil, accessWatchInterval: Double = 0.25, accessSweepPerTick: Int = ExternalCatchUp.defaultSweepPerTick,
         _ configure: (inout ServerConfiguration) -> Void = { _ in }) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        databasePath = directory.appendingPathComponent("tandem.db").path
        var configuration = ServerConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.databasePath = databasePath
        configuration.loops = 2
        configure(&configuration)
        let logger = log?.logger() ?? Logger(label: "tandemd-test") { _ in SwiftLogNoOpLogHandler() }
        server = try TandemServer(configuration: configuration, logger: logger, accessWatchInterval: accessWatchInterval,
                                  accessSweepPerTick: accessSweepPerTick)
        port = try server.start()
    }

    var store: Store { server.store }

    /// Creates a user and a token for it.
    @discardableResult
    func user(_ id: String) throws -> TestUser {
        _ = try store.createUser(id: id, displayName: id.capitalized)
        let issued = try store.createToken(userID: id, label: "e2e")
        return TestUser(id: id, token: issued.secret, tokenID: issued.token.id)
    }

    /// Creates a session owned by `owner` with the given other members.
    func session(_ id: String, owner: TestUser, members: [(TestUser, Role)] = []) throws {
        _ = try store.createSession(id: id, title: "Session \(id)", owner: owner.id)
        for (user, role) in members {
            _ = try store.setMember(session: id, actor: owner.id, user: user.id, role: role)
        }
    }

    /// A connected client for `user` (Bearer header unless told otherwise).
    func connect(_ user: TestUser, viaQuery: Bool = false, label: String? = nil) throws -> TandemTestClient {
        try TandemTestClient.connect(port: port, viaQuery ? .queryToken(user.token) : .bearer(user.token),
                                     label: label ?? user.id)
    }

    func connect(_ credential: ClientCredential, label: String) throws -> TandemTestClient {
        try TandemTestClient.connect(port: port, credential, label: label)
    }

    /// A second, independent store on the same database file: another process's view, like
    /// `tandem-admin` writing while the server runs.
    func externalStore() throws -> Store {
        try Store(StoreConfiguration(path: databasePath))
    }

    /// Stops the server and deletes the database.
    func stop() {
        server.shutdown(grace: 0.5)
        try? FileManager.default.removeItem(at: directory)
    }
}
