import CSystem
#if canImport(Glibc)
import Glibc
#endif

/// A connection's queue of frames waiting for the socket, written with `writev`
/// (or TLS record by record). Frames are shared objects, never copied per connection.
struct OutboundQueue {
    private var frames: [FrameBytes] = []
    private var head = 0
    /// Bytes of `frames[head]` already written.
    private var headOffset = 0
    /// Bytes still to write.
    private(set) var byteCount = 0

    var isEmpty: Bool { byteCount == 0 }
    /// True when the first frame is partly on the wire (so nothing may be inserted before it).
    var isMidFrame: Bool { headOffset > 0 }

    mutating func append(_ frame: FrameBytes) {
        guard frame.count > 0 else { return }
        frames.append(frame)
        byteCount += frame.count
    }

    /// Drops every frame not yet started; a partly written frame is kept so the stream stays well-formed.
    mutating func dropUnstarted() {
        let keep = headOffset > 0 && head < frames.count ? frames[head] : nil
        frames.removeAll()
        head = 0
        if let keep {
            frames.append(keep)
            byteCount = keep.count - headOffset
        } else {
            headOffset = 0
            byteCount = 0
        }
    }

    enum WriteOutcome {
        /// Everything was written.
        case drained
        /// The socket is full; wait for writability.
        case wouldBlock
        /// TLS needs the socket readable before it can write (renegotiation-style).
        case wantRead
        case failed
    }

    /// Writes as much as the socket takes.
    mutating func write(fd: Int32) -> WriteOutcome {
        let maxVectors = 64
        return withUnsafeTemporaryAllocation(of: iovec.self, capacity: maxVectors) { vectors -> WriteOutcome in
            while byteCount > 0 {
                var count = 0
                var index = head
                while index < frames.count && count < maxVectors {
                    let frame = frames[index]
                    let skip = index == head ? headOffset : 0
                    // Unsafe pointer: the frame objects stay in `frames` (alive) until the writev below returns.
                    vectors[count] = iovec(iov_base: UnsafeMutableRawPointer(mutating: frame.baseAddress + skip),
                                           iov_len: frame.count - skip)
                    count += 1
                    index += 1
                }
                let written = writev(fd, vectors.baseAddress, Int32(count))
                if written < 0 {
                    if errno == EINTR { continue }
                    return errno == EAGAIN || errno == EWOULDBLOCK ? .wouldBlock : .failed
                }
                consume(written)
            }
            return .drained
        }
    }

    /// Writes through TLS, frame by frame.
    mutating func write(tls: TLSSession) -> WriteOutcome {
        while byteCount > 0 {
            let frame = frames[head]
            let result = tls.write(frame.baseAddress + headOffset, count: frame.count - headOffset)
            switch result {
            case .done(let written): consume(written)
            case .wantWrite: return .wouldBlock
            case .wantRead: return .wantRead
            case .closed, .failed: return .failed
            }
        }
        return .drained
    }

    private mutating func consume(_ written: Int) {
        var remaining = written
        byteCount -= written
        while remaining > 0 {
            let available = frames[head].count - headOffset
            if remaining >= available {
                remaining -= available
                head += 1
                headOffset = 0
            } else {
                headOffset += remaining
                remaining = 0
            }
        }
        if head == frames.count {
            // Drained: release big arrays so idle connections stay small.
            frames.removeAll(keepingCapacity: frames.capacity <= 16)
            head = 0
        } else if head >= 64 && head * 2 >= frames.count {
            frames.removeFirst(head)
            head = 0
        }
    }
}
