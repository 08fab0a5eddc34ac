import Foundation

/// The bytes of a file to import, mapped read-only, not read: the import scans them in place, so
/// the document never sits in the process's own memory (the kernel pages it in as the scan reaches
/// it and can drop those clean pages again under pressure). Standard input, or anything else that
/// is not a regular file, is first copied to an unlinked temporary file and mapped the same way.
final class FileBytes {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The mapping (nil for an empty document). Unmapped once, in `deinit`.
    // Safe: mmap'd in init, read only through `withBytes`, unmapped once in deinit (the class is never copied)
    private let mapping: UnsafeRawBufferPointer?

    /// The contents of `path`, or of standard input when nil.
    init(_ path: String?) throws {
        let fd = path.map { open($0, O_RDONLY | O_CLOEXEC) } ?? STDIN_FILENO
        guard fd >= 0 else { throw Self.failure() }
        defer { if path != nil { close(fd) } }
        var info = stat()
        if fstat(fd, &info) == 0 && info.st_mode & S_IFMT == S_IFREG {
            mapping = try Self.map(fd, size: Int(info.st_size))
        } else {
            let spool = try Self.spool(fd)
            defer { close(spool.fd) }
            mapping = try Self.map(spool.fd, size: spool.size)
        }
    }

    deinit {
        // Safe: the mapping is this object's alone, unmapped once, and no borrower outlives `withBytes`.
        if let mapping { munmap(UnsafeMutableRawPointer(mutating: mapping.baseAddress), mapping.count) }
    }

    /// Lends the bytes to `body`; the pointer is valid only during the call. A mapped file that
    /// another process truncates meanwhile faults (SIGBUS): import from a finished export.
    // Safe: the pointer is valid only during `body`; `mapping` lives as long as self, which the call keeps alive
    func withBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try body(mapping ?? UnsafeRawBufferPointer(start: nil, count: 0))
    }

    // Safe: the mapping is checked against MAP_FAILED, and the buffer covers exactly the `size` bytes mapped
    private static func map(_ fd: Int32, size: Int) throws -> UnsafeRawBufferPointer? {
        guard size > 0 else { return nil }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else { throw failure() }
        // The scan passes over the document front to back, list by list.
        _ = madvise(base, size, MADV_SEQUENTIAL)
        return UnsafeRawBufferPointer(start: base, count: size)
    }

    /// Copies `fd` to its end into a temporary file that is unlinked at once (gone when closed).
    // Safe: each pointer is used only for its call: the template is NUL-terminated (utf8CString), writes stay within the first n <= count bytes
    private static func spool(_ fd: Int32) throws -> (fd: Int32, size: Int) {
        var template = Array((NSTemporaryDirectory() + "tandem-import-XXXXXX").utf8CString)
        let spool = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard spool >= 0 else { throw failure("cannot create a temporary file in \(NSTemporaryDirectory())") }
        _ = template.withUnsafeBufferPointer { unlink($0.baseAddress!) }
        var size = 0
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        do {
            while true {
                // Safe: the pointers are used only for these calls and within the chunk's bounds (n <= count).
                let n = chunk.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                guard n >= 0 else { throw failure() }
                if n == 0 { return (spool, size) }
                var written = 0
                while written < n {
                    let w = chunk.withUnsafeBytes { write(spool, $0.baseAddress! + written, n - written) }
                    if w < 0 && errno == EINTR { continue }
                    guard w > 0 else { throw failure("cannot write the temporary copy") }
                    written += w
                }
                size += n
            }
        } catch {
            close(spool)
            throw error
        }
    }

    private static func failure(_ what: String? = nil) -> Failure {
        let reason = String(cString: strerror(errno))
        return Failure(description: what.map { "\($0): \(reason)" } ?? reason)
    }
}
