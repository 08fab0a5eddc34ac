import CZlib

/// Raw-deflate decompressor for permessage-deflate (RFC 7692), owning one zlib `z_stream`.
///
/// Not Sendable: one per connection, used only on that connection's thread.
/// Output is produced in bounded steps and checked against the caller's limit after each step,
/// so a small frame that would inflate to gigabytes is refused after at most `limit` plus one
/// step of output, never expanded in full.
public final class Inflater {
    /// The window size given to zlib: 15 (see `init`).
    public let windowBits: Int
    /// Reset the stream after every message (the peer's `*_no_context_takeover`).
    public let noContextTakeover: Bool
    // Safe: the z_stream is allocated once and never moved (zlib keeps a pointer back to it).
    private let stream: UnsafeMutablePointer<z_stream>
    /// Output produced per zlib call; bounds overshoot past a limit.
    private static let step = 16 * 1024
    private static let tail: [UInt8] = [0x00, 0x00, 0xFF, 0xFF]

    /// - Parameters:
    ///   - windowBits: the peer's negotiated LZ77 window (8...15). Data within it decodes with any
    ///     larger window, and we always inflate with 15 (32 KiB): zlib checks a back-reference
    ///     against a smaller window only once the bytes it points to have left the current call's
    ///     output, so with the negotiated window the verdict on corrupt data would depend on how
    ///     its bytes arrived. With 15 every back-reference deflate can express is checked only
    ///     against the history actually received, the same whichever way it is cut. (It also
    ///     accepts zlib-based peers that negotiated 8 but, unable to deflate 256-byte windows,
    ///     send 9-bit data.)
    ///   - noContextTakeover: whether the peer resets its compressor after each message.
    public convenience init(windowBits: Int = 15, noContextTakeover: Bool = false) {
        self.init(windowBits: windowBits, noContextTakeover: noContextTakeover, exactWindow: false)
    }

    /// `exactWindow` inflates with exactly `windowBits` (tests use it to prove our 8-bit output
    /// fits 256 bytes).
    init(windowBits: Int, noContextTakeover: Bool, exactWindow: Bool) {
        precondition((8...15).contains(windowBits), "window bits must be 8...15")
        self.windowBits = exactWindow ? windowBits : 15
        self.noContextTakeover = noContextTakeover
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let rc = tandem_inflateInit2(stream, -Int32(self.windowBits))
        precondition(rc == Z_OK, "inflateInit2 failed: \(rc)")
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Decompresses one whole message (its payload without the 00 00 ff ff trailer that
    /// RFC 7692 senders strip) and returns it. Throws `.decompressedTooBig` as soon as the output
    /// would exceed `limit` bytes, `.inflateFailed` for corrupt data.
    // Safe: `bytes` is read during the call only; nothing keeps a pointer into it
    public func decompress(_ bytes: UnsafeRawBufferPointer, limit: Int) throws(WebSocketError) -> [UInt8] {
        var out: [UInt8] = []
        try decompress(bytes, into: &out, limit: limit)
        try finishMessage(into: &out, limit: limit)
        return out
    }

    /// Decompresses one whole message given as an array.
    public func decompress(_ bytes: [UInt8], limit: Int) throws(WebSocketError) -> [UInt8] {
        var out: [UInt8] = []
        try decompress(bytes, into: &out, limit: limit)
        try finishMessage(into: &out, limit: limit)
        return out
    }

    /// Decompresses one more piece of a message, appending to `output`. Call `finishMessage`
    /// after the message's last piece. `limit` bounds `output.count`.
    public func decompress(_ bytes: [UInt8], into output: inout [UInt8], limit: Int) throws(WebSocketError) {
        // Safe: the pointer is lent to the call only and not kept
        let result = bytes.withUnsafeBytes { raw -> WebSocketError? in
            do throws(WebSocketError) { try decompress(raw, into: &output, limit: limit); return nil } catch { return error }
        }
        if let result { throw result }
    }

    /// Decompresses one more piece of a message, appending to `output`.
    // Safe: `bytes` is read during this call only: next_in points into it until the deferred reset below clears it
    public func decompress(_ bytes: UnsafeRawBufferPointer, into output: inout [UInt8], limit: Int) throws(WebSocketError) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        // Safe: zlib never writes through next_in; the cast only satisfies its non-const signature.
        stream.pointee.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(bytes.count)
        defer {
            stream.pointee.next_in = nil
            stream.pointee.avail_in = 0
        }
        do {
            try run(into: &output, limit: limit)
        } catch {
            // A half-inflated message leaves the stream mid-block; start clean for the next user.
            reset()
            throw error
        }
    }

    /// Ends a message: feeds the stripped 00 00 ff ff trailer so zlib flushes the last block,
    /// and resets the stream when there is no context takeover.
    public func finishMessage(into output: inout [UInt8], limit: Int) throws(WebSocketError) {
        // Safe: the pointer is lent to the call only and not kept
        let result = Self.tail.withUnsafeBytes { raw -> WebSocketError? in
            do throws(WebSocketError) { try decompress(raw, into: &output, limit: limit); return nil } catch { return error }
        }
        if let result { throw result }
        if noContextTakeover { reset() }
    }

    /// Drops the sliding window and any partial state (between messages without context takeover,
    /// or after an error).
    public func reset() {
        inflateReset(stream)
    }

    private func run(into output: inout [UInt8], limit: Int) throws(WebSocketError) {
        while true {
            var rc: Int32 = Z_OK
            var produced = 0
            let room = Self.step
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: room) { scratch in
                // Safe: zlib writes at most `room` bytes into the scratch buffer; we copy out what it wrote.
                stream.pointee.next_out = scratch.baseAddress!
                stream.pointee.avail_out = uInt(room)
                rc = inflate(stream, Z_SYNC_FLUSH)
                produced = room - Int(stream.pointee.avail_out)
                stream.pointee.next_out = nil
                stream.pointee.avail_out = 0
                output.append(contentsOf: UnsafeBufferPointer(rebasing: scratch[..<produced]))
            }
            // Checked after every step, before anything else: output never exceeds limit + step.
            if output.count > limit { throw .decompressedTooBig }
            switch rc {
            case Z_OK:
                break
            case Z_STREAM_END:
                // The peer ended the stream with a BFINAL block; start fresh for what follows.
                inflateReset(stream)
                if stream.pointee.avail_in == 0 { return }
            case Z_BUF_ERROR:
                // No progress possible: all input consumed and output flushed.
                return
            default:
                throw .inflateFailed
            }
            if stream.pointee.avail_in == 0 && produced < room { return }
        }
    }
}

/// A z_stream is single-threaded state: one Inflater per connection, used on one thread.
@available(*, unavailable)
extension Inflater: Sendable {}
