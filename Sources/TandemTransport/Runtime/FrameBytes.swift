/// Immutable bytes stored inline after the object header (one allocation per frame), shared by
/// reference: a broadcast frame is encoded once and every recipient's queue holds the same object.
/// Not Sendable by itself (ManagedBuffer); it crosses threads only inside `SharedFrame`, whose
/// bytes are written once in `make` before publication and never change.
final class FrameBytes: ManagedBuffer<Int, UInt8> {
    /// Allocates `count` bytes and lets `initialize` fill all of them.
    // Safe: create(minimumCapacity:) called on FrameBytes makes a FrameBytes (so the downcast holds); the elements pointer is used only inside the closure, for `count` bytes of a capacity of at least `count`
    static func make(count: Int, _ initialize: (UnsafeMutableRawBufferPointer) -> Void) -> FrameBytes {
        let buffer = unsafeDowncast(FrameBytes.create(minimumCapacity: count) { _ in count }, to: FrameBytes.self)
        buffer.withUnsafeMutablePointerToElements { elements in
            initialize(UnsafeMutableRawBufferPointer(start: elements, count: count))
        }
        return buffer
    }

    // Safe: `destination` has bytes.count bytes; the source pointer lives only inside its closure
    static func make(copying bytes: [UInt8]) -> FrameBytes {
        make(count: bytes.count) { destination in
            bytes.withUnsafeBytes { destination.copyMemory(from: $0) }
        }
    }

    @inline(__always)
    var count: Int { header }

    /// Start of the bytes. Valid while this object is alive: ManagedBuffer storage never moves,
    /// and callers (the outbound queue) hold a reference until the bytes are written.
    // Safe: ManagedBuffer storage never moves; callers keep a reference to the FrameBytes while they use the address (see above)
    @inline(__always)
    var baseAddress: UnsafeRawPointer {
        withUnsafeMutablePointerToElements { UnsafeRawPointer($0) }
    }

    /// The bytes, for the duration of `body`.
    // Safe: the pointer is valid for `body` only; `header` is the byte count set in make
    @inline(__always)
    func withBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try withUnsafeMutablePointerToElements { try body(UnsafeRawBufferPointer(start: $0, count: header)) }
    }
}
