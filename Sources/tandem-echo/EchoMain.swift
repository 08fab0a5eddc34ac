import ArgumentParser
import TandemTransport

/// Echoes every text and binary message back unchanged (the Autobahn test server).
struct EchoApplication: WebSocketApplication {
    func handle(http request: HTTPRequest) -> HTTPResponse {
        request.path == "/healthz" ? .text(200, "ok\n") : .text(404, "not found\n")
    }

    func received(_ message: WebSocketMessage, on connection: WebSocketConnection) {
        switch message {
        case .text(let bytes): connection.send(SharedFrame(opcode: .text, payload: bytes))
        case .binary(let bytes): connection.send(SharedFrame(opcode: .binary, payload: bytes))
        }
    }
}

@main
struct EchoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tandem-echo", abstract: "WebSocket echo server on Tandem's transport (for Autobahn).")

    @Option(help: "Address to bind.") var host = "127.0.0.1"
    @Option(help: "TCP port (0 = any free port).") var port: UInt16 = 9001
    @Flag(inversion: .prefixedNo, help: "Offer permessage-deflate.") var deflate = true
    @Option(help: "Largest message in bytes.") var maxMessage = 16 * 1024 * 1024
    @Option(help: "Most continuation frames per message (Autobahn 9.3.1 sends 4 MiB as 65,536 of them after the first frame).") var maxFragments = 65_536
    @Option(help: "Event-loop threads (default: one per core).") var loops = TransportConfiguration.coreCount
    @Option(help: "PEM certificate for wss://.") var tlsCert: String?
    @Option(help: "PEM key for wss://.") var tlsKey: String?

    func run() throws {
        ShutdownSignals.block() // before any thread starts
        var configuration = TransportConfiguration(host: host, port: port, loopCount: loops)
        configuration.limits = WebSocketLimits(
            maxFramePayload: maxMessage, maxMessageSize: maxMessage, maxFragments: maxFragments + 1,
            maxDecompressedMessageSize: maxMessage)
        // An echo holds a whole message in its queue: allow a few of the largest.
        configuration.outboundQueueLimit = 4 * maxMessage + 1024 * 1024
        configuration.upgrade.deflate = deflate ? DeflateConfiguration() : nil
        if let tlsCert, let tlsKey {
            configuration.tls = TLSConfiguration(certificatePath: tlsCert, keyPath: tlsKey)
        }
        let server = try WebSocketServer(configuration: configuration, application: EchoApplication())
        let bound = try server.start()
        print("tandem-echo listening on \(configuration.tls == nil ? "ws" : "wss")://\(host):\(bound) (\(loops) loops)")
        ShutdownSignals.wait(thenShutDown: server)
    }
}
