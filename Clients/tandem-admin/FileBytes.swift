import Foundation

/// Reads a whole file (or standard input) into one byte array, with no second copy on the way.
enum FileBytes {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The contents of `path`, or of standard input when nil.
    static func read(_ path: String?) throws -> [UInt8] {
        let fd = path.map { open($0, O_RDONLY | O_CLOEXEC) } ?? STDIN_FILENO
        guard fd >= 0 else { throw Failure(description: String(cString: strerror(errno))) }
        defer { if path != nil { close(fd) } }
        var info = stat()
        var bytes: [UInt8] = []
        if fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG { bytes.reserveCapacity(Int(info.st_size) + 1) }
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
