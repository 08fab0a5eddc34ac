/// What the server is willing to do for permessage-deflate (RFC 7692). `nil` in
/// `UpgradeConfiguration.deflate` refuses the extension.
public struct DeflateConfiguration: Sendable, Equatable {
    /// Always reset our compressor after each message (default true). Costs some ratio, but makes a
    /// message's compressed form independent of the connection, so a broadcast compresses once
    /// and shares the frame, and saves the per-connection window memory.
    public var serverNoContextTakeover: Bool
    /// Ask clients to reset their compressor after each message (default false). Lets us drop
    /// inflate state between messages; clients that offered it get it regardless.
    public var requestClientNoContextTakeover: Bool
    /// Largest window we compress with (8...15, default 15). Lowered further if the client asks.
    public var serverMaxWindowBits: Int
    /// Largest window we ask the client to compress with, when it offers `client_max_window_bits`
    /// (8...15, default 15). A client that does not offer the parameter always uses 15. Lowering it
    /// saves the client memory, not ours: our inflater always keeps a 32 KiB window (see `Inflater`).
    public var clientMaxWindowBits: Int
    /// Messages shorter than this (bytes) are sent uncompressed (default 256): below it deflate
    /// rarely saves anything and costs CPU on both ends.
    public var compressionThreshold: Int
    /// zlib level 0...9 for our compressor (default 6).
    public var compressionLevel: Int

    public init(
        serverNoContextTakeover: Bool = true, requestClientNoContextTakeover: Bool = false,
        serverMaxWindowBits: Int = 15, clientMaxWindowBits: Int = 15,
        compressionThreshold: Int = 256, compressionLevel: Int = 6
    ) {
        precondition((8...15).contains(serverMaxWindowBits) && (8...15).contains(clientMaxWindowBits), "window bits must be 8...15")
        precondition((0...9).contains(compressionLevel), "level must be 0...9")
        self.serverNoContextTakeover = serverNoContextTakeover
        self.requestClientNoContextTakeover = requestClientNoContextTakeover
        self.serverMaxWindowBits = serverMaxWindowBits
        self.clientMaxWindowBits = clientMaxWindowBits
        self.compressionThreshold = compressionThreshold
        self.compressionLevel = compressionLevel
    }
}
