import Logging
@testable import TandemServer
import TandemTransport

/// A tandemd serving the fixture's database while tandem-admin writes it, and a member connected
/// to it: what the live-server tests share.
extension AdminFixture {
    /// Starts a server on the fixture's database (a free port, one loop, errors only logged);
    /// the caller shuts it down. `accessWatchInterval`: seconds between the server's looks for
    /// other processes' writes (0.25 in tandemd); `configure` changes settings for one test.
    func startServer(accessWatchInterval: Double = 0.25,
                     configure: (inout ServerConfiguration) -> Void = { _ in }) throws -> (server: TandemServer, port: UInt16) {
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.loops = 1
        configuration.databasePath = db
        configure(&configuration)
        var logger = Logger(label: "tandem-admin-test")
        logger.logLevel = .error
        let server = try TandemServer(configuration: configuration, logger: logger, accessWatchInterval: accessWatchInterval)
        return (server, try server.start())
    }

    /// A tandem.v1 connection to the server on `port` with `secret` as its bearer token.
    func connect(port: UInt16, secret: String) throws -> WebSocketClient {
        try WebSocketClient(url: "ws://127.0.0.1:\(port)/ws", options: .init(
            subprotocols: ["tandem.v1"], headers: [("Authorization", "Bearer \(secret)")]))
    }
}
