import Foundation

/// The bytes of a file to import. A regular file is mapped read-only, not read: the import scans
/// it in place, so the document never sits in the process's own memory (the kernel pages it in as
/// the scan reaches it and can drop those clean pages again under pressure). Standard input, and
/// anything else that cannot be mapped, is read whole into one array.
final class FileBytes {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The mapping (nil when `array` holds the bytes). Unmapped once, in `deinit`.
    private let mapping: UnsafeRawBufferPointer?
    private let array: [UInt8]

    /// The contents of `path`, or of standard input when nil.
    init(_ path: String?) throws {
        let fd = path.map { open($0, O_RDONLY | O_CLOEXEC) } ?? STDIN_FILENO
        guard fd >= 0 else { throw Failure(description: String(cString: strerror(errno))) }
        defer { if path != nil { close(fd) } }
        var info = stat()
        let regular = fstat(fd, &info) == 0 && info.st_mode & S_IFMT == S_IFREG
        if regular && info.st_size > 0,
           let base = mmap(nil, Int(info.st_size), PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED {
            // The scan passes over the document front to back, list by list.
            _ = madvise(base, Int(info.st_size), MADV_SEQUENTIAL)
            mapping = UnsafeRawBufferPointer(start: base, count: Int(info.st_size))
            array = []
        } else {
            mapping = nil
            array = try Self.readAll(fd, sizeHint: regular ? Int(info.st_size) : 0)
        }
    }

    deinit {
        // The mapping is this object's alone and no borrower outlives `withBytes`.
        if let mapping { munmap(UnsafeMutableRawPointer(mutating: mapping.baseAddress), mapping.count) }
    }

    /// Lends the bytes to `body`; the pointer is valid only during the call. A mapped file that
    /// another process truncates meanwhile faults (SIGBUS): import from a finished export.
    func withBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        if let mapping { return try body(mapping) }
        return try array.withUnsafeBytes(body)
    }

    private static func readAll(_ fd: Int32, sizeHint: Int) throws -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(sizeHint + 1)
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            // The pointer is used only for this call and within the chunk's bounds.
            let n = chunk.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw Failure(description: String(cString: strerror(errno))) }
            if n == 0 { return bytes }
            bytes.append(contentsOf: chunk[..<n])
        }
    }
}
