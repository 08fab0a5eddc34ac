/// Immutable bytes in one stable heap allocation, shared by reference: a broadcast frame is
/// encoded once and every recipient's queue holds the same object.
// @unchecked Sendable: the bytes are written once in `make` before the object is published and never change afterwards.
final class FrameBytes: @unchecked Sendable {
    // Unsafe pointer: owned by this object (allocated in init, freed in deinit), never resized or moved.
    let baseAddress: UnsafeRawPointer
    let count: Int

    private init(count: Int, _ initialize: (UnsafeMutableRawBufferPointer) -> Void) {
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 8)
        initialize(UnsafeMutableRawBufferPointer(rebasing: storage[0..<count]))
        baseAddress = UnsafeRawPointer(storage.baseAddress!)
        self.count = count
    }

    deinit { baseAddress.deallocate() }

    /// Allocates `count` bytes and lets `initialize` fill all of them.
    static func make(count: Int, _ initialize: (UnsafeMutableRawBufferPointer) -> Void) -> FrameBytes {
        FrameBytes(count: count, initialize)
    }

    static func make(copying bytes: [UInt8]) -> FrameBytes {
        FrameBytes(count: bytes.count) { destination in
            bytes.withUnsafeBytes { destination.copyMemory(from: $0) }
        }
    }

    /// The bytes; valid while this object is alive.
    @inline(__always)
    func withBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try withExtendedLifetime(self) { try body(UnsafeRawBufferPointer(start: baseAddress, count: count)) }
    }
}
