/// Frames that one `SendBatch` broadcast, one after another, to the same connections of one loop,
/// delivered by a single loop task: each member queues them as one contiguous buffer, one queue
/// entry that goes out from the shared bytes, instead of one entry per frame that the flush then
/// copies into the loop's staging buffer for every member.
///
/// A run is queued on its loop with its first frame. A later frame joins it only while it is still
/// the last task queued there and the loop has not taken it (`EventLoop.append(_:to:)` checks both
/// under the task lock), which is the same as queueing that frame's broadcast right behind it: the
/// order of everything handed to the loop, from any thread, is unchanged.
// Safe: `frames` and `position` change only under the loop's task lock, before the
// loop takes the run (taking it goes through the same lock); `joined` is touched only on the loop.
final class BroadcastRun: @unchecked Sendable {
    let members: [WebSocketConnection]
    private(set) var frames: [SharedFrame]
    /// The run's number among the tasks queued on its loop (set when queued).
    var position: UInt64 = 0
    private var joined: FrameBytes?

    init(first: SharedFrame, members: [WebSocketConnection]) {
        self.members = members
        // Room for a run's usual length up front: a commit brings a session a few events (about six
        // a run on a 1000x10 load), and growing from one slot reallocated and copied the array twice.
        var frames: [SharedFrame] = []
        frames.reserveCapacity(8)
        frames.append(first)
        self.frames = frames
    }

    /// True when `other` is the very array this run delivers to (a fan-out reuses one audience for
    /// every event until its subscribers change, so identity is the cheap and exact test).
    func isFor(_ other: [WebSocketConnection]) -> Bool {
        // Safe: only compared, while both arrays are alive.
        members.withUnsafeBufferPointer { mine in
            other.withUnsafeBufferPointer { theirs in mine.baseAddress == theirs.baseAddress && mine.count == theirs.count }
        }
    }

    /// Adds a frame; called by `EventLoop.append(_:to:)` under the task lock.
    func appendUnderTaskLock(_ frame: SharedFrame) {
        frames.append(frame)
    }

    /// On the loop: queues the frames on every member.
    func deliver() {
        if frames.count == 1 {
            WebSocketConnection.enqueue(frames[0], onEachOf: members)
            return
        }
        // Safe: the buffer is read only inside this closure, while `members` is alive.
        members.withUnsafeBufferPointer { buffer in
            for index in buffer.indices {
                // Safe: unretained: `members` holds a reference to every member until the loop ends.
                Unmanaged.passUnretained(buffer[index])._withUnsafeGuaranteedRef { $0.enqueue(self) }
            }
        }
    }

    /// On the loop: every frame's plain bytes back to back, built once, by the first member that
    /// takes them (members with permessage-deflate take the frames one by one instead).
    var plainBytes: FrameBytes {
        if let joined { return joined }
        let total = frames.reduce(0) { $0 + $1.plain.count }
        let bytes = FrameBytes.make(count: total) { destination in
            var offset = 0
            for frame in frames {
                frame.plain.withBytes { source in
                    // Safe: `destination` is this new buffer, `total` bytes, filled in order.
                    (destination.baseAddress! + offset).copyMemory(from: source.baseAddress!, byteCount: source.count)
                }
                offset += frame.plain.count
            }
        }
        joined = bytes
        return bytes
    }
}
