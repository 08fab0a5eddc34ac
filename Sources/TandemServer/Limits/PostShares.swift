import Synchronization

/// Each user's `turn.post` bytes in flight: received, handed to the store writer, not yet answered.
///
/// The writer takes posts in the order they came, whoever sent them, and keeps them in memory until
/// they are committed. The rate limit is per connection and counts requests, not bytes: one user's 32
/// connections may send 6,400 posts of 256 KiB a second, far more than any disk writes, so without a
/// share the writer's queue grew by gigabytes and every other session's post waited behind it (a small
/// team's post 17-48 s behind 400 such posts a second; docs/benchmarks.md, "One team's load beside a
/// small team").
/// With at most `bytesPerUser` in flight per user, another user's post waits behind at most that much
/// of each busy user's, and the rest is refused `rate_limited` at once, before it costs the writer
/// anything. A user with nothing in flight always gets one post through, however big.
final class PostShares: Sendable {
    /// The share of every user by default (`max-post-bytes-per-user`): four of the largest default messages.
    static let defaultBytesPerUser = 4 << 20
    /// What a refused post is told to wait: about one group commit of big turns.
    static let retryAfterMs: Int64 = 50

    /// Each user's share; 0: no limit.
    let bytesPerUser: Int
    private let inFlight = Mutex<[String: Int]>([:])

    init(bytesPerUser: Int = PostShares.defaultBytesPerUser) {
        self.bytesPerUser = bytesPerUser
    }

    /// Takes `bytes` of `user`'s share and says whether it could: false when they would pass the
    /// share and the user already has a post in flight.
    func take(_ bytes: Int, for user: String) -> Bool {
        inFlight.withLock { inFlight in
            let held = inFlight[user] ?? 0
            guard held == 0 || bytesPerUser == 0 || held + bytes <= bytesPerUser else { return false }
            inFlight[user] = held + bytes
            return true
        }
    }

    /// Gives back what `take` took for a post that has been answered.
    func giveBack(_ bytes: Int, for user: String) {
        inFlight.withLock { inFlight in
            let left = (inFlight[user] ?? 0) - bytes
            // Users leave the table when idle: it holds only those with posts in flight.
            inFlight[user] = left > 0 ? left : nil
        }
    }

    /// `user`'s bytes in flight now.
    func bytesInFlight(for user: String) -> Int {
        inFlight.withLock { $0[user] ?? 0 }
    }
}
