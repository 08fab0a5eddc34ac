import CZlib

/// Raw-deflate compressor for permessage-deflate (RFC 7692), owning one zlib `z_stream`.
///
/// Not Sendable: one per connection (or one per broadcast source), used on one thread.
/// Each call compresses one whole message, ends it with a sync flush and strips the trailing
/// 00 00 ff ff as RFC 7692 §7.2.1 requires.
public final class Deflater {
    /// The window size we promised the peer (8...15).
    public let windowBits: Int
    /// Reset after each message (`server_no_context_takeover` when we are the server). Without
    /// context takeover the same input always gives the same output, so one compressed frame can
    /// be sent to many connections.
    public let noContextTakeover: Bool
    /// zlib compression level, 0...9.
    public let level: Int
    // Safe: the z_stream is allocated once and never moved (zlib keeps a pointer back to it).
    private let stream: UnsafeMutablePointer<z_stream>

    /// - Parameters:
    ///   - windowBits: negotiated window, 8...15. zlib refuses 8 for raw deflate, so for 8 we open
    ///     a 9-bit stream: zlib never emits a distance beyond the window minus 262 bytes
    ///     (MAX_DIST), i.e. 250 for 9 bits, which a 256-byte window decodes (tested against a
    ///     strict 8-bit inflate).
    ///   - noContextTakeover: reset the stream after every message.
    ///   - level: zlib compression level 0...9 (default 6; 1 is much faster for chatty traffic).
    ///   - memLevel: zlib memory level 1...9 (default 8). State takes about
    ///     2^(windowBits+2) + 2^(memLevel+9) bytes (256 KiB at 15/8): lower both for many
    ///     connections with context takeover.
    public init(windowBits: Int = 15, noContextTakeover: Bool = false, level: Int = 6, memLevel: Int = 8) {
        precondition((8...15).contains(windowBits), "window bits must be 8...15")
        precondition((0...9).contains(level), "level must be 0...9")
        precondition((1...9).contains(memLevel), "memLevel must be 1...9")
        self.windowBits = windowBits
        self.noContextTakeover = noContextTakeover
        self.level = level
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let bits = windowBits == 8 ? 9 : windowBits
        let rc = tandem_deflateInit2(stream, Int32(level), Z_DEFLATED, -Int32(bits), Int32(memLevel), Z_DEFAULT_STRATEGY)
        precondition(rc == Z_OK, "deflateInit2 failed: \(rc)")
    }

    deinit {
        deflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Compresses one whole message; the result is the payload of a frame with RSV1 set.
    // Safe: `bytes` is read during this call only: next_in points into it until the deferred reset below clears it
    public func compress(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        if let base = bytes.baseAddress, bytes.count > 0 {
            // Safe: zlib never writes through next_in; the cast only satisfies its non-const signature.
            stream.pointee.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
            stream.pointee.avail_in = uInt(bytes.count)
        } else {
            stream.pointee.next_in = nil
            stream.pointee.avail_in = 0
        }
        defer {
            stream.pointee.next_in = nil
            stream.pointee.avail_in = 0
            stream.pointee.next_out = nil
            stream.pointee.avail_out = 0
        }
        // deflateBound covers the worst case of the data; a sync flush adds at most a few bytes
        // (an empty stored block), so one pass almost always suffices.
        let bound = Int(deflateBound(stream, uLong(bytes.count))) + 16
        var finished = false
        var out = [UInt8](unsafeUninitializedCapacity: bound) { buffer, initialized in
            // Safe: zlib writes at most `bound` bytes, the buffer's capacity.
            // Capacity `bound` > 0 was requested, so baseAddress is non-nil.
            let (produced, done) = deflateStep(into: buffer.baseAddress!, capacity: bound)
            finished = done
            initialized = produced
        }
        while !finished {
            let step = 16 * 1024
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: step) { scratch in
                // Safe: zlib writes at most `step` bytes into the scratch buffer.
                let (produced, done) = deflateStep(into: scratch.baseAddress!, capacity: step)
                finished = done
                out.append(contentsOf: UnsafeBufferPointer(rebasing: scratch[..<produced]))
            }
        }
        // A sync flush always ends with an empty stored block, 00 00 ff ff; RFC 7692 drops it.
        if out.count >= 4 && out[out.count - 4] == 0 && out[out.count - 3] == 0
            && out[out.count - 2] == 0xFF && out[out.count - 1] == 0xFF {
            out.removeLast(4)
        }
        if noContextTakeover { deflateReset(stream) }
        return out
    }

    /// One deflate call with Z_SYNC_FLUSH into `capacity` bytes at `dest`; returns the bytes
    /// written and whether the message is fully flushed (output space was left over).
    // Safe: `dest` has `capacity` writable bytes (the callers' scratch buffers) and zlib writes at most avail_out = capacity
    private func deflateStep(into dest: UnsafeMutablePointer<UInt8>, capacity: Int) -> (Int, Bool) {
        stream.pointee.next_out = dest
        stream.pointee.avail_out = uInt(capacity)
        let rc = deflate(stream, Z_SYNC_FLUSH)
        precondition(rc == Z_OK || rc == Z_BUF_ERROR, "deflate failed: \(rc)")
        let unused = Int(stream.pointee.avail_out)
        return (capacity - unused, unused > 0 && stream.pointee.avail_in == 0)
    }

    /// Compresses one whole message given as an array.
    public func compress(_ bytes: [UInt8]) -> [UInt8] {
        // Safe: the pointer is lent to the call only and not kept
        bytes.withUnsafeBytes { compress($0) }
    }

    /// Compresses a whole message and frames it as one final frame with RSV1 set, ready to send.
    /// With `noContextTakeover` the result depends only on the input, so a broadcast can encode
    /// once and send the same bytes to every connection that negotiated the same parameters.
    // Safe: `payload` is borrowed for the call only
    public func compressedFrame(opcode: WebSocketOpcode, payload: UnsafeRawBufferPointer, maskKey: UInt32? = nil) -> [UInt8] {
        let compressed = compress(payload)
        return FrameEncoder.encode(opcode: opcode, payload: compressed, fin: true, rsv1: true, maskKey: maskKey)
    }

    /// Compresses a whole message given as an array and frames it (see the pointer variant).
    public func compressedFrame(opcode: WebSocketOpcode, payload: [UInt8], maskKey: UInt32? = nil) -> [UInt8] {
        // Safe: the pointer is lent to the call only and not kept
        payload.withUnsafeBytes { compressedFrame(opcode: opcode, payload: $0, maskKey: maskKey) }
    }
}

/// A z_stream is single-threaded state: one Deflater per connection, used on one thread.
@available(*, unavailable)
extension Deflater: Sendable {}
