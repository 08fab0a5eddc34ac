/// Immutable bytes stored inline after the object header (one allocation per frame), shared by
/// reference: a broadcast frame is encoded once and every recipient's queue holds the same object.
/// Not Sendable by itself (ManagedBuffer); it crosses threads only inside `SharedFrame`, whose
/// bytes are written once in `make` before publication and never change.
final class FrameBytes: ManagedBuffer<Int, UInt8> {
    /// Allocates `count` bytes and lets `initialize` fill all of them.
    static func make(count: Int, _ initialize: (UnsafeMutableRawBufferPointer) -> Void) -> FrameBytes {
        let buffer = unsafeDowncast(FrameBytes.create(minimumCapacity: count) { _ in count }, to: FrameBytes.self)
        buffer.withUnsafeMutablePointerToElements { elements in
            initialize(UnsafeMutableRawBufferPointer(start: elements, count: count))
        }
        return buffer
    }

    static func make(copying bytes: [UInt8]) -> FrameBytes {
        make(count: bytes.count) { destination in
            bytes.withUnsafeBytes { destination.copyMemory(from: $0) }
        }
    }

    @inline(__always)
    var count: Int { header }

    /// Start of the bytes. Valid while this object is alive: ManagedBuffer storage never moves,
    /// and callers (the outbound queue) hold a reference until the bytes are written.
    @inline(__always)
    var baseAddress: UnsafeRawPointer {
        withUnsafeMutablePointerToElements { UnsafeRawPointer($0) }
    }

    /// The bytes, for the duration of `body`.
    @inline(__always)
    func withBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try withUnsafeMutablePointerToElements { try body(UnsafeRawBufferPointer(start: $0, count: header)) }
    }
}
