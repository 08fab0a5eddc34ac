/// The agreed permessage-deflate parameters, as effective values (window bits 8...15).
public struct DeflateParameters: Sendable, Equatable {
    /// The server resets its compressor after each message.
    public var serverNoContextTakeover: Bool
    /// The client resets its compressor after each message.
    public var clientNoContextTakeover: Bool
    /// The server compresses with at most this window.
    public var serverMaxWindowBits: Int
    /// The client compresses with at most this window.
    public var clientMaxWindowBits: Int

    public init(serverNoContextTakeover: Bool = false, clientNoContextTakeover: Bool = false, serverMaxWindowBits: Int = 15, clientMaxWindowBits: Int = 15) {
        self.serverNoContextTakeover = serverNoContextTakeover
        self.clientNoContextTakeover = clientNoContextTakeover
        self.serverMaxWindowBits = serverMaxWindowBits
        self.clientMaxWindowBits = clientMaxWindowBits
    }

    /// The compressor and decompressor for one connection of the given role.
    public func makeCodecs(role: WebSocketRole, level: Int = 6) -> (deflater: Deflater, inflater: Inflater) {
        switch role {
        case .server:
            return (Deflater(windowBits: serverMaxWindowBits, noContextTakeover: serverNoContextTakeover, level: level),
                    Inflater(windowBits: clientMaxWindowBits, noContextTakeover: clientNoContextTakeover))
        case .client:
            return (Deflater(windowBits: clientMaxWindowBits, noContextTakeover: clientNoContextTakeover, level: level),
                    Inflater(windowBits: serverMaxWindowBits, noContextTakeover: serverNoContextTakeover))
        }
    }
}
