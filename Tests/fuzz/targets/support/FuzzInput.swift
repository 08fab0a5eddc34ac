/// Reads a fuzz input as a small header of choices followed by a body, so the fuzzer can mutate
/// both the configuration (limits, role, chunk sizes) and the bytes under test. Reading past the
/// end gives zeros: every input, even an empty one, decodes to something.
public struct FuzzInput {
    // Safe: borrowed for one fuzz iteration: the caller keeps the buffer alive while this is used.
    public let bytes: UnsafeRawBufferPointer
    public private(set) var index = 0

    // Safe: stores the borrowed buffer; see `bytes`
    public init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// Whether every byte has been consumed.
    public var isAtEnd: Bool { index >= bytes.count }

    /// The next byte, or 0 past the end.
    public mutating func byte() -> UInt8 {
        guard index < bytes.count else { return 0 }
        defer { index += 1 }
        return bytes[index]
    }

    /// A value in `range`, from one byte.
    public mutating func pick(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(byte()) % (range.upperBound - range.lowerBound + 1)
    }

    /// One of `choices`, from one byte.
    public mutating func pick<T>(_ choices: [T]) -> T { choices[Int(byte()) % choices.count] }

    /// Up to `count` bytes (fewer at the end).
    // Safe: returns a sub-range of the borrowed buffer (see below), used within the same iteration
    public mutating func take(_ count: Int) -> UnsafeRawBufferPointer {
        let n = max(0, min(count, bytes.count - index))
        // Safe: a sub-range of the borrowed buffer, in bounds by the min above.
        defer { index += n }
        return UnsafeRawBufferPointer(rebasing: bytes[index..<(index + n)])
    }

    /// Everything not consumed yet.
    // Safe: as take
    public mutating func rest() -> UnsafeRawBufferPointer { take(bytes.count - index) }
}

/// Splits a byte stream into pieces of pseudo-random sizes chosen by one seed byte, so a decoder
/// meets the same input cut at different places (1-byte reads, header splits, large reads).
public struct ChunkPlan {
    private var state: UInt32

    /// Seed 0 means "everything in one piece".
    public init(seed: UInt8) { state = UInt32(seed) &* 2_654_435_761 | UInt32(seed) }

    public var isWhole: Bool { state == 0 }

    /// The size of the next piece (at least 1).
    public mutating func next() -> Int {
        if state == 0 { return Int.max }
        state ^= state << 13
        state ^= state >> 17
        state ^= state << 5
        switch state % 8 {
        case 0, 1, 2: return 1
        case 3, 4: return 2 + Int((state >> 8) % 13)
        case 5, 6: return 16 + Int((state >> 8) % 200)
        default: return 512 + Int((state >> 8) % 8192)
        }
    }

    /// Cuts `bytes` into pieces and hands each to `body`.
    // Safe: the input is borrowed for this call only (libFuzzer's or FuzzReplay's buffer); nothing keeps a pointer into it.
    public mutating func forEachPiece(of bytes: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Void) {
        var offset = 0
        while offset < bytes.count {
            let n = min(next(), bytes.count - offset)
            // Safe: in bounds: offset + n <= bytes.count.
            body(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + n)]))
            offset += n
        }
    }
}

/// Stops the process when an invariant does not hold, so libFuzzer reports the input as a crash.
public func fuzzCheck(_ condition: Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line) {
    if !condition { fatalError("fuzz invariant violated: \(message())", file: file, line: line) }
}
