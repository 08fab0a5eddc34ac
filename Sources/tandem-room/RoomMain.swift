import ArgumentParser
import Synchronization
import TandemTransport
#if canImport(Glibc)
import Glibc
#endif

/// The bench's plain room wire: `ws://HOST:PORT/room/NAME`; every text frame goes to everyone in
/// the room, the sender included. Membership is global (one lock); delivery uses the transport's
/// broadcast, which encodes each frame once and hands one task per loop.
struct RoomApplication: WebSocketApplication {
    private let rooms = RoomRegistry()

    func handle(http request: HTTPRequest) -> HTTPResponse {
        request.path == "/healthz" ? .text(200, "ok\n") : .text(404, "not found\n")
    }

    func shouldUpgrade(_ request: HTTPRequest, subprotocol: String?) -> UpgradeDecision {
        guard request.path.hasPrefix("/room/"), request.path.count > 6 else { return .reject(.text(404, "no such room\n")) }
        return .accept(context: String(request.path.dropFirst(6)))
    }

    func opened(_ connection: WebSocketConnection) {
        rooms.join(connection.context as! String, connection)
    }

    func received(_ message: WebSocketMessage, on connection: WebSocketConnection) {
        guard case .text(let bytes) = message else { return }
        let members = rooms.members(of: connection.context as! String)
        WebSocketConnection.broadcast(SharedFrame(opcode: .text, payload: bytes), to: members)
    }

    func closed(_ connection: WebSocketConnection, code: UInt16?) {
        rooms.leave(connection.context as! String, connection)
    }
}

/// Room name → members, shared by all loops.
final class RoomRegistry: Sendable {
    private let state = Mutex([String: [WebSocketConnection]]())

    func join(_ room: String, _ connection: WebSocketConnection) {
        state.withLock { $0[room, default: []].append(connection) }
    }

    func leave(_ room: String, _ connection: WebSocketConnection) {
        state.withLock { rooms in
            rooms[room]?.removeAll { $0 === connection }
            if rooms[room]?.isEmpty == true { rooms[room] = nil }
        }
    }

    /// A snapshot (copy-on-write: no element copies unless the room changes meanwhile).
    func members(of room: String) -> [WebSocketConnection] {
        state.withLock { $0[room] ?? [] }
    }
}

@main
struct RoomCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tandem-room", abstract: "Room fan-out server for ../shared/bench on Tandem's transport.")

    @Option(help: "Address to bind.") var host = "127.0.0.1"
    @Option(help: "TCP port (default: $PORT, else 9002).") var port: UInt16?
    @Option(help: "Event-loop threads (default: one per core).") var loops = TransportConfiguration.coreCount
    @Option(help: "Outbound queue limit per connection, bytes.") var queueLimit = 16 * 1024 * 1024

    func run() throws {
        let envPort = getenv("PORT").flatMap { UInt16(String(cString: $0)) }
        var configuration = TransportConfiguration(host: host, port: port ?? envPort ?? 9002, loopCount: loops)
        configuration.outboundQueueLimit = queueLimit
        configuration.idleTimeout = 0
        configuration.pingInterval = 0
        let server = try WebSocketServer(configuration: configuration, application: RoomApplication())
        let bound = try server.start()
        print("tandem-room listening on ws://\(host):\(bound) (\(loops) loops)")
        ShutdownSignals.wait(thenShutDown: server)
    }
}
