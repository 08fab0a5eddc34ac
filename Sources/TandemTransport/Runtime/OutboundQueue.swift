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
    /// True after TLS answered WANT_WRITE for the head frame: OpenSSL holds its record and must be
    /// offered the same bytes again, so the frame counts as started even at offset 0.
    private var headHeldByTLS = false

    var isEmpty: Bool { byteCount == 0 }
    /// Slots the queue's array holds without growing (for tests of what a drained queue keeps).
    var slotCapacity: Int { frames.capacity }
    /// True when the first frame is partly on the wire (so nothing may be inserted before it).
    var isMidFrame: Bool { headOffset > 0 || headHeldByTLS }

    /// Takes the caller's reference (`consuming`): a fan-out then costs no extra retain/release
    /// pair per recipient.
    mutating func append(_ frame: consuming FrameBytes) {
        let count = frame.count
        guard count > 0 else { return }
        byteCount += count
        frames.append(frame)
    }

    /// Drops every frame not yet started; a partly written frame is kept so the stream stays well-formed.
    mutating func dropUnstarted() {
        let keep = isMidFrame && head < frames.count ? frames[head] : nil
        frames.removeAll()
        head = 0
        if let keep {
            frames.append(keep)
            byteCount = keep.count - headOffset
        } else {
            headOffset = 0
            byteCount = 0
        }
        headHeldByTLS = keep != nil && headHeldByTLS
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

    /// Frames smaller than this are copied into the loop's staging buffer and sent with one
    /// `send`; larger ones go out with `writev` straight from the shared frame. Measured: for
    /// 64-byte broadcast frames, the kernel's per-iovec cost made writev of many tiny frames
    /// the biggest single item in a profile of fan-out.
    static let coalesceBelow = 4096

    /// Queue slots a drained queue keeps (8 bytes each).
    static let keptSlots = 256

    /// Writes as much as the socket takes. `staging` is loop-owned scratch (any size ≥ 4 KiB).
    // Safe: `staging` is loop-owned scratch, used only during this call and within its count
    mutating func write(fd: Int32, staging: UnsafeMutableRawBufferPointer) -> WriteOutcome {
        while byteCount > 0 {
            let requested: Int
            let written: Int
            if frames[head].count - headOffset < Self.coalesceBelow {
                var filled = 0
                var index = head
                while index < frames.count {
                    let frame = frames[index]
                    let skip = index == head ? headOffset : 0
                    let length = frame.count - skip
                    if length >= Self.coalesceBelow || filled + length > staging.count { break }
                    (staging.baseAddress! + filled).copyMemory(from: frame.baseAddress + skip, byteCount: length)
                    filled += length
                    index += 1
                }
                requested = filled
                written = send(fd, staging.baseAddress, filled, Int32(MSG_NOSIGNAL))
            } else {
                (requested, written) = writeVectors(fd: fd)
            }
            if written < 0 {
                if errno == EINTR { continue }
                return errno == EAGAIN || errno == EWOULDBLOCK ? .wouldBlock : .failed
            }
            consume(written)
            // A short write means the socket buffer is full: skip the EAGAIN round trip.
            if written < requested { return .wouldBlock }
        }
        return .drained
    }

    /// One writev over up to 64 queued frames, from the head.
    private func writeVectors(fd: Int32) -> (requested: Int, written: Int) {
        let maxVectors = 64
        // Safe: the iovec array lives for the closure; at most maxVectors entries are filled, each within its frame
        return withUnsafeTemporaryAllocation(of: iovec.self, capacity: maxVectors) { vectors in
            var count = 0
            var requested = 0
            var index = head
            while index < frames.count && count < maxVectors {
                let frame = frames[index]
                let skip = index == head ? headOffset : 0
                // Safe: the frame objects stay in `frames` (alive) until the writev below returns.
                vectors[count] = iovec(iov_base: UnsafeMutableRawPointer(mutating: frame.baseAddress + skip),
                                       iov_len: frame.count - skip)
                requested += frame.count - skip
                count += 1
                index += 1
            }
            return (requested, writev(fd, vectors.baseAddress, Int32(count)))
        }
    }

    /// Writes through TLS, frame by frame.
    mutating func write(tls: TLSSession) -> WriteOutcome {
        while byteCount > 0 {
            let frame = frames[head]
            let result = tls.write(frame.baseAddress + headOffset, count: frame.count - headOffset)
            switch result {
            case .done(let written):
                headHeldByTLS = false
                consume(written)
            case .wantWrite:
                headHeldByTLS = true
                return .wouldBlock
            case .wantRead:
                headHeldByTLS = true
                return .wantRead
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
            // Drained: keep the array for the next burst unless it is big (at most 256 slots,
            // 2 KiB, stay with the connection). A member of a busy session receives dozens of
            // frames per loop turn; releasing the array each time made every flush regrow it
            // (array growth was 6% of an event loop's samples on 1x100).
            if frames.capacity <= Self.keptSlots {
                removeAllFramesKeepingCapacity()
            } else {
                frames = []
            }
            head = 0
        } else if head >= 64 && head * 2 >= frames.count {
            frames.removeFirst(head)
            head = 0
        }
    }

    /// Empties `frames`, keeping its storage. Popped one by one, each frame is released straight
    /// away; `removeAll(keepingCapacity:)` went through Array's general `replaceSubrange`, which
    /// made a write that drains the queue 661 instead of 536 instructions (callgrind, 1x100, where
    /// a drain releases about two frames).
    private mutating func removeAllFramesKeepingCapacity() {
        while frames.popLast() != nil {}
    }
}
