import ArgumentParser
import Synchronization
import TandemTransport
#if canImport(Glibc)
import Glibc
#endif

/// The bench's plain room wire: `ws://HOST:PORT/room/NAME`; every text frame goes to everyone in
/// the room, the sender included. Each connection's context is its `Room` (looked up once, at the
/// upgrade), so a message costs one small lock, not a registry lookup; delivery uses the
/// transport's broadcast, which encodes each frame once and hands one task per loop.
struct RoomApplication: WebSocketApplication {
    private let rooms = RoomRegistry()

    func handle(http request: HTTPRequest) -> HTTPResponse {
        request.path == "/healthz" ? .text(200, "ok\n") : .text(404, "not found\n")
    }

    func shouldUpgrade(_ request: HTTPRequest, subprotocol: String?) -> UpgradeDecision {
        guard request.path.hasPrefix("/room/"), request.path.count > 6 else { return .reject(.text(404, "no such room\n")) }
        return .accept(context: rooms.room(named: String(request.path.dropFirst(6))))
    }

    func opened(_ connection: WebSocketConnection) {
        (connection.context as! Room).join(connection)
    }

    func received(_ message: WebSocketMessage, on connection: WebSocketConnection) {
        guard case .text(let bytes) = message else { return }
        let members = (connection.context as! Room).members
        WebSocketConnection.broadcast(SharedFrame(opcode: .text, payload: bytes), to: members)
    }

    func closed(_ connection: WebSocketConnection, code: UInt16?) {
        (connection.context as! Room).leave(connection)
    }
}

/// One room's members.
final class Room: Sendable {
    let name: String
    private let state = Mutex([WebSocketConnection]())

    init(name: String) { self.name = name }

    func join(_ connection: WebSocketConnection) { state.withLock { $0.append(connection) } }

    func leave(_ connection: WebSocketConnection) {
        state.withLock { members in members.removeAll { $0 === connection } }
    }

    /// A snapshot (copy-on-write: no element copies unless the room changes meanwhile).
    var members: [WebSocketConnection] { state.withLock { $0 } }
}

/// Room name → room, shared by all loops. Rooms are never removed (a bench fixture: removing an
/// empty room would race with a connection that looked it up but has not joined yet).
final class RoomRegistry: Sendable {
    private let rooms = Mutex([String: Room]())

    func room(named name: String) -> Room {
        rooms.withLock { rooms in
            if let room = rooms[name] { return room }
            let room = Room(name: name)
            rooms[name] = room
            return room
        }
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
    @Option(help: "Write-coalescing window, milliseconds (0 = write every loop turn).") var writeCoalescingMs = 0.0

    func run() throws {
        ShutdownSignals.block() // before any thread starts
        let envPort = getenv("PORT").flatMap { UInt16(String(cString: $0)) }
        var configuration = TransportConfiguration(host: host, port: port ?? envPort ?? 9002, loopCount: loops)
        configuration.outboundQueueLimit = queueLimit
        configuration.writeCoalescingWindow = writeCoalescingMs / 1000
        configuration.idleTimeout = 0
        configuration.pingInterval = 0
        let server = try WebSocketServer(configuration: configuration, application: RoomApplication())
        let bound = try server.start()
        print("tandem-room listening on ws://\(host):\(bound) (\(loops) loops)")
        ShutdownSignals.wait(thenShutDown: server)
    }
}
