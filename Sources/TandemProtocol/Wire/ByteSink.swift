/// Where the hot-path encoders (`ByteWriter`, `TurnMessage`) put bytes: a growing array, a
/// counter that sizes a message exactly, or a cursor that then writes it into a buffer of that
/// size. One encoder runs over the counter and then the cursor, so the two always agree.
// Safe: a sink reads `bytes` only during `write` and keeps no pointer into it
protocol ByteSink {
    mutating func write(_ bytes: UnsafeRawBufferPointer)
    mutating func write(_ byte: UInt8)
}

// Safe: append(contentsOf:) copies the bytes during the call
extension Array: ByteSink where Element == UInt8 {
    @inline(__always)
    mutating func write(_ bytes: UnsafeRawBufferPointer) { append(contentsOf: bytes) }
    @inline(__always)
    mutating func write(_ byte: UInt8) { append(byte) }
}

/// Counts what would be written.
struct ByteCounter: ByteSink {
    private(set) var count = 0

    // Safe: only the count is read
    @inline(__always)
    mutating func write(_ bytes: UnsafeRawBufferPointer) { count += bytes.count }
    @inline(__always)
    mutating func write(_ byte: UInt8) { count += 1 }
}

/// Writes into a buffer it does not own, front to back; never past its end.
// Safe: `buffer` is lent for one encode (TurnMessage.write(into:)) and the cursor dies with it; every write is precondition-checked against its end
struct ByteCursor: ByteSink {
    private let buffer: UnsafeMutableRawBufferPointer
    private(set) var written = 0

    init(_ buffer: UnsafeMutableRawBufferPointer) {
        self.buffer = buffer
    }

    @inline(__always)
    mutating func write(_ bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count <= buffer.count - written, "message larger than measured")
        // In bounds (checked above); the caller's buffer outlives this cursor.
        if let base = buffer.baseAddress, let source = bytes.baseAddress {
            (base + written).copyMemory(from: source, byteCount: bytes.count)
        }
        written += bytes.count
    }

    @inline(__always)
    mutating func write(_ byte: UInt8) {
        precondition(written < buffer.count, "message larger than measured")
        buffer[written] = byte
        written += 1
    }
}
