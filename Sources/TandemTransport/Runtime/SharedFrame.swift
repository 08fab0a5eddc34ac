/// One outgoing server message, encoded ONCE (header + payload in one stable allocation) and
/// shared by every recipient's queue; recipients hold references, never copies.
///
/// With permessage-deflate negotiated with `server_no_context_takeover`, the compressed frame
/// depends only on the message and the window bits, so it too is computed once per window size
/// (lazily, by the first loop that needs it, under a lock) and shared.
// Safe: `plain` is immutable after init; `compressedVariants` is only touched under `SharedFrame.cacheLock`.
public final class SharedFrame: @unchecked Sendable {
    public let opcode: WebSocketOpcode
    /// The unmasked, uncompressed frame.
    let plain: FrameBytes
    let headerLength: Int
    /// Compressed forms by window size. One lock for all frames: it is held only for a lookup or
    /// an append (never while compressing), and a per-frame lock would cost an allocation per message.
    private var compressedVariants: [CompressedVariant] = []
    private static let cacheLock = TransportLock()

    private struct CompressedVariant {
        let windowBits: Int
        let bytes: FrameBytes
    }

    /// A final frame of `payloadCount` bytes that `fill` writes into the frame's own buffer
    /// (exactly that many: the buffer is that size, and it is the payload as it goes out).
    // Safe: the frame's buffer is lent to `fill` for the init only: `raw` has header + payloadCount bytes, so the rebased tail is the payload exactly
    public init(opcode: WebSocketOpcode, payloadCount: Int, fill: (UnsafeMutableRawBufferPointer) -> Void) {
        self.opcode = opcode
        let header = FrameEncoder.headerSize(payloadLength: payloadCount, masked: false)
        headerLength = header
        plain = FrameBytes.make(count: header + payloadCount) { raw in
            FrameEncoder.writeHeader(into: raw.baseAddress!, opcode: opcode, payloadLength: payloadCount)
            if payloadCount > 0 { fill(UnsafeMutableRawBufferPointer(rebasing: raw[header...])) }
        }
    }

    /// A final frame with this opcode and payload (copied once).
    // Safe: `payload` is read during the init only
    public convenience init(opcode: WebSocketOpcode, payload: UnsafeRawBufferPointer) {
        self.init(opcode: opcode, payloadCount: payload.count) { $0.copyMemory(from: payload) }
    }

    public convenience init(opcode: WebSocketOpcode, payload: [UInt8]) {
        self.init(opcode: opcode, payloadCount: payload.count) { destination in
            // Safe: `destination` has exactly payload.count bytes; the source pointer lives only inside its closure
            payload.withUnsafeBytes { destination.copyMemory(from: $0) }
        }
    }

    /// A text frame (the string is UTF-8 by construction).
    public convenience init(text: String) {
        var text = text
        let count = text.utf8.count
        self.init(opcode: .text, payloadCount: count) { destination in
            // Safe: `destination` has exactly the string's UTF-8 count; the pointer lives only inside withUTF8
            text.withUTF8 { destination.copyMemory(from: UnsafeRawBufferPointer($0)) }
        }
    }

    /// A binary frame.
    public convenience init(binary: [UInt8]) {
        self.init(opcode: .binary, payload: binary)
    }

    /// Payload size in bytes.
    public var payloadCount: Int { plain.count - headerLength }

    /// The compressed frame (RSV1 set) for peers with this window, built once and cached.
    func compressed(windowBits: Int, deflater: () -> Deflater) -> FrameBytes {
        if let hit = Self.cacheLock.withLock({ compressedVariants.first { $0.windowBits == windowBits }?.bytes }) {
            return hit
        }
        // Safe: the payload slice of `plain`, read inside withBytes (plain is immutable and alive with self)
        let bytes = plain.withBytes { raw in
            let payload = UnsafeRawBufferPointer(rebasing: raw[headerLength...])
            return FrameBytes.make(copying: deflater().compressedFrame(opcode: opcode, payload: payload))
        }
        return Self.cacheLock.withLock {
            if let raced = compressedVariants.first(where: { $0.windowBits == windowBits }) { return raced.bytes }
            compressedVariants.append(CompressedVariant(windowBits: windowBits, bytes: bytes))
            return bytes
        }
    }

    /// The payload bytes (for per-connection compression with context takeover).
    // Safe: as above: `body` gets the payload for the call only
    func withPayload<T>(_ body: (UnsafeRawBufferPointer) -> T) -> T {
        plain.withBytes { body(UnsafeRawBufferPointer(rebasing: $0[headerLength...])) }
    }
}
