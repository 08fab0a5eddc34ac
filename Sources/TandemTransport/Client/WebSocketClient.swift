/// A simple blocking WebSocket client (ws:// and wss://) for tests, the terminal client and
/// benchmarks. Thread-safe: one thread may receive while others send.
// Safe: sending state is guarded by `sendLock`, receiving state by `receiveLock`; the socket serialises TLS itself.
public final class WebSocketClient: @unchecked Sendable {
    /// Connection options.
    public struct Options: Sendable {
        public var subprotocols: [String]
        /// Extra request headers (Authorization, Origin, ...).
        public var headers: [(String, String)]
        /// Offer permessage-deflate.
        public var deflate: Bool
        /// Limits for what the server sends us.
        public var limits: WebSocketLimits
        /// TLS settings for wss:// (default: verify against the system store).
        public var tls: TLSClientConfiguration
        /// Seconds for TCP connect + TLS + HTTP upgrade.
        public var timeout: Double
        /// Answer pings with pongs inside `receive`.
        public var autoPong: Bool

        public init(subprotocols: [String] = [], headers: [(String, String)] = [], deflate: Bool = false,
                    limits: WebSocketLimits = WebSocketLimits(maxFramePayload: 64 << 20, maxMessageSize: 64 << 20,
                                                              maxFragments: 1 << 20, maxDecompressedMessageSize: 64 << 20),
                    tls: TLSClientConfiguration = TLSClientConfiguration(), timeout: Double = 10, autoPong: Bool = true) {
            self.subprotocols = subprotocols
            self.headers = headers
            self.deflate = deflate
            self.limits = limits
            self.tls = tls
            self.timeout = timeout
            self.autoPong = autoPong
        }
    }

    /// Why a connection attempt failed.
    public enum ConnectError: Error, Sendable, CustomStringConvertible {
        case badURL(String)
        case transport(TransportError)
        /// The server answered the upgrade with something else (status and body included).
        case rejected(status: Int, body: String, message: String)
        case timedOut

        public var description: String {
            switch self {
            case .badURL(let url): return "bad WebSocket URL: \(url)"
            case .transport(let error): return "\(error)"
            case .rejected(let status, let body, let message): return "upgrade refused (\(status)): \(message) \(body)"
            case .timedOut: return "handshake timed out"
            }
        }
    }

    public let url: WebSocketURL
    /// The subprotocol the server chose.
    public let subprotocol: String?
    /// Agreed permessage-deflate parameters, if any.
    public let deflate: DeflateParameters?
    let socket: ClientSocket
    private let sendLock = TransportLock()
    private let deflater: Deflater?
    private let receiveLock = TransportLock()
    private var reader: MessageReader
    private var closeSent = false
    private var ended = false

    /// Connects and performs the opening handshake.
    public init(url text: String, options: Options = Options()) throws(ConnectError) {
        guard let url = WebSocketURL(text) else { throw .badURL(text) }
        self.url = url
        let deadline = monotonicNanoseconds() + options.timeout.nanoseconds
        let socket: ClientSocket
        do {
            socket = try ClientSocket(host: url.host, port: url.port, tls: url.secure ? options.tls : nil, timeout: options.timeout)
        } catch {
            throw .transport(error)
        }
        self.socket = socket
        let key = ClientHandshake.newKey()
        let request = ClientHandshake.request(host: url.hostHeader, path: url.target, key: key,
                                              subprotocols: options.subprotocols, deflate: options.deflate,
                                              extraHeaders: options.headers)
        var parser = HTTPResponseParser()
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        let response: HTTPResponse
        do {
            // Safe: each pointer below is lent to one call: reads fill at most the buffer's count, and parser.feed reads the first `count` bytes read
            try request.withUnsafeBytes { raw in Result { () throws(TransportError) in try socket.write(raw) } }.get()
            while true {
                let count = try buffer.withUnsafeMutableBytes { raw in
                    Result { () throws(TransportError) -> Int? in try socket.read(into: raw, deadline: deadline) }
                }.get()
                guard let count else { throw ConnectError.timedOut }
                guard count > 0 else { throw ConnectError.transport(TransportError("handshake", code: 0, detail: "connection closed")) }
                let result = buffer.withUnsafeBytes { raw in
                    Result { () throws(HTTPError) -> HTTPResponse? in try parser.feed(UnsafeRawBufferPointer(rebasing: raw[0..<count])) }
                }
                let parsed: HTTPResponse?
                switch result {
                case .success(let value): parsed = value
                case .failure(let error): throw ConnectError.rejected(status: 0, body: "", message: error.message)
                }
                if let parsed {
                    response = parsed
                    break
                }
            }
        } catch let error as ConnectError {
            throw error
        } catch let error as TransportError {
            throw .transport(error)
        } catch {
            throw .transport(TransportError("handshake", code: 0, detail: "\(error)"))
        }
        switch ClientHandshakeValidation.validate(response, key: key, offeredSubprotocols: options.subprotocols,
                                                  offeredDeflate: options.deflate) {
        case .failure(let error):
            throw .rejected(status: response.status, body: String(decoding: response.body, as: UTF8.self), message: error.message)
        case .success(let agreed):
            subprotocol = agreed.subprotocol
            deflate = agreed.deflate
        }
        if let deflate {
            let codecs = deflate.makeCodecs(role: .client)
            deflater = codecs.deflater
            reader = MessageReader(role: .client, limits: options.limits, inflater: codecs.inflater)
        } else {
            deflater = nil
            reader = MessageReader(role: .client, limits: options.limits)
        }
        autoPong = options.autoPong
        let leftover = parser.leftover
        if !leftover.isEmpty { reader.append(leftover) }
    }

    private let autoPong: Bool

    // MARK: Sending

    public func send(text: String) throws(TransportError) {
        try send(opcode: .text, payload: Array(text.utf8))
    }

    public func send(binary: [UInt8]) throws(TransportError) {
        try send(opcode: .binary, payload: binary)
    }

    /// Sends one masked frame (compressed when deflate was agreed, it is a whole data message and `compress` is true).
    public func send(opcode: WebSocketOpcode, payload: [UInt8], fin: Bool = true, compress: Bool = true) throws(TransportError) {
        let frame: [UInt8] = sendLock.withLock {
            let key = WebSocketMasking.randomKey()
            if let deflater, compress, fin, opcode == .text || opcode == .binary {
                return deflater.compressedFrame(opcode: opcode, payload: payload, maskKey: key)
            }
            return FrameEncoder.encode(opcode: opcode, payload: payload, fin: fin, maskKey: key)
        }
        try sendRaw(frame)
    }

    /// Writes bytes as they are (tests use it for malformed input).
    public func sendRaw(_ bytes: [UInt8]) throws(TransportError) {
        // Safe: the pointer is lent to the call only and not kept
        let result = bytes.withUnsafeBytes { raw in Result { () throws(TransportError) in try socket.write(raw) } }
        try result.get()
    }

    public func ping(_ payload: [UInt8] = []) throws(TransportError) {
        try send(opcode: .ping, payload: payload)
    }

    // MARK: Receiving

    /// What `receive` can return.
    public enum Received: Sendable, Equatable {
        case event(WebSocketEvent)
        /// Nothing arrived in time.
        case timeout
        /// The server closed the TCP connection (after or without a close frame).
        case disconnected
        /// The server broke the protocol (the error's close code was sent back).
        case protocolError(WebSocketError)
    }

    /// The next event (data, ping, pong or close), waiting up to `timeout` seconds.
    /// A close from the server is answered (echoing its code) before it is returned.
    public func receive(timeout: Double = 5) -> Received {
        receiveLock.withLock {
            let deadline = monotonicNanoseconds() + timeout.nanoseconds
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            while true {
                do throws(WebSocketError) {
                    if let event = try reader.next() {
                        handleControl(event)
                        return .event(event)
                    }
                } catch {
                    try? sendClose(code: error.closeCode, reason: "")
                    return .protocolError(error)
                }
                if ended { return .disconnected }
                // Safe: as in the handshake: reads fill at most the buffer's count, and reader.append reads (copies) the first `count` bytes read
                let read = buffer.withUnsafeMutableBytes { raw in
                    Result { () throws(TransportError) -> Int? in try socket.read(into: raw, deadline: deadline) }
                }
                guard case .success(let count) = read else {
                    ended = true
                    return .disconnected
                }
                guard let count else { return .timeout }
                if count == 0 {
                    ended = true
                    continue
                }
                // Safe: count <= buffer.count bytes were just read into it; reader.append copies them inside the closure
                buffer.withUnsafeBytes { reader.append(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
            }
        }
    }

    /// The next text or binary message, skipping control frames; nil on timeout, close or error.
    public func receiveMessage(timeout: Double = 5) -> WebSocketEvent? {
        let deadline = monotonicNanoseconds() + timeout.nanoseconds
        while true {
            let now = monotonicNanoseconds()
            guard now < deadline else { return nil }
            switch receive(timeout: Double(deadline - now) / 1e9) {
            case .event(let event):
                switch event {
                case .text, .binary: return event
                case .close: return nil
                default: continue
                }
            default:
                return nil
            }
        }
    }

    private func handleControl(_ event: WebSocketEvent) {
        switch event {
        case .ping(let payload) where autoPong:
            try? send(opcode: .pong, payload: payload)
        case .close(let code, _):
            try? sendClose(code: CloseCode(rawValue: code ?? 1000), reason: "", echo: code != nil)
        default:
            break
        }
    }

    private func sendClose(code: CloseCode, reason: String, echo: Bool = true) throws(TransportError) {
        let payload = echo ? FrameEncoder.closePayload(code: code, reason: reason) : []
        let first = sendLock.withLock { () -> Bool in
            defer { closeSent = true }
            return !closeSent
        }
        if first { try send(opcode: .close, payload: payload) }
    }

    /// Sends a close frame and waits (up to `timeout`) for the server's close and EOF, then closes the socket.
    /// Returns the code the server answered with, if any.
    @discardableResult
    public func close(code: UInt16 = 1000, reason: String = "", timeout: Double = 2) -> UInt16? {
        try? sendClose(code: CloseCode(rawValue: code), reason: reason)
        var answered: UInt16?
        let deadline = monotonicNanoseconds() + timeout.nanoseconds
        loop: while monotonicNanoseconds() < deadline {
            switch receive(timeout: Double(deadline - monotonicNanoseconds()) / 1e9) {
            case .event(.close(let code, _)): answered = code
            case .event: continue
            case .timeout, .disconnected, .protocolError: break loop
            }
        }
        socket.close()
        return answered
    }

    /// Drops the TCP connection without a closing handshake.
    public func disconnect() {
        socket.close()
    }
}
