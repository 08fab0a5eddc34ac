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
///
/// Each user's count is one `Share`, looked up once per connection (at its handshake) and then
/// taken from and given back to without a lock or a lookup: on the posting path a dictionary keyed
/// by the user's id cost two string hashes a post each way (~3% of the server's instructions on
/// 1000x10; docs/benchmarks.md).
final class PostShares: Sendable {
    /// The share of every user by default (`max-post-bytes-per-user`): four of the largest default messages.
    static let defaultBytesPerUser = 4 << 20
    /// What a refused post is told to wait: about one group commit of big turns.
    static let retryAfterMs: Int64 = 50

    /// One user's bytes in flight. Held by each of the user's connections and by each of their posts
    /// until its answer, so all of them count against the same one while any is alive.
    final class Share: Sendable {
        let user: String
        /// The share's size; 0: no limit.
        let bytesPerUser: Int
        private let held = Atomic<Int>(0)
        /// Strong: the registry holds its shares weakly, so this makes no cycle, and a post answered
        /// after the dispatcher let go of the registry still finds it.
        private let registry: PostShares

        fileprivate init(user: String, bytesPerUser: Int, registry: PostShares) {
            self.user = user
            self.bytesPerUser = bytesPerUser
            self.registry = registry
        }

        deinit { registry.forget(user) }

        /// Takes `bytes` and says whether it could: false when they would pass the share and the
        /// user already has a post in flight.
        func take(_ bytes: Int) -> Bool {
            // Relaxed: a count, through which nothing else is published.
            var current = held.load(ordering: .relaxed)
            while true {
                guard current == 0 || bytesPerUser == 0 || current + bytes <= bytesPerUser else { return false }
                let (done, found) = held.compareExchange(expected: current, desired: current + bytes, ordering: .relaxed)
                if done { return true }
                current = found
            }
        }

        /// Gives back what `take` took for a post that has been answered.
        func giveBack(_ bytes: Int) {
            held.subtract(bytes, ordering: .relaxed)
        }

        /// The user's bytes in flight now.
        var bytesInFlight: Int { held.load(ordering: .relaxed) }
    }

    /// Only the weak reference: with a second stored property beside it, `entries[key]?.share` for
    /// a key not there crashed in `swift_weakLoadStrong` in debug builds (Swift 6.3.1 at `-Onone`;
    /// `-O` was fine, and so was `guard let entry = entries[key]` first).
    private struct Entry {
        weak var share: Share?
    }

    /// Each user's share; 0: no limit.
    let bytesPerUser: Int
    /// The users with a connection or a post in flight: an entry goes when its share does.
    private let shares = Mutex<[String: Entry]>([:])

    init(bytesPerUser: Int = PostShares.defaultBytesPerUser) {
        self.bytesPerUser = bytesPerUser
    }

    /// `user`'s share: the one their other connections and posts hold, or a new one.
    func share(for user: String) -> Share {
        shares.withLock { shares in
            // The reference loaded here leaves the lock with the caller: never the last one
            // released under it (see `forget`).
            if let live = shares[user]?.share { return live }
            let share = Share(user: user, bytesPerUser: bytesPerUser, registry: self)
            shares[user] = Entry(share: share)
            return share
        }
    }

    /// `user`'s bytes in flight now (0 when no one holds their share).
    func bytesInFlight(for user: String) -> Int {
        shares.withLock { $0[user]?.share }?.bytesInFlight ?? 0
    }

    /// How many users have an entry (for tests: an entry leaves with its share).
    var usersTracked: Int { shares.withLock { $0.count } }

    /// A share ended: its entry goes, unless a new share for the user took its place meanwhile.
    /// That new share, loaded to see it is alive, is let go only after the lock: should another
    /// thread drop its last holder meanwhile, ours would be the last, and its deinit would call
    /// this again under this same lock.
    private func forget(_ user: String) {
        let successor: Share? = shares.withLock { shares in
            guard let entry = shares[user] else { return nil }
            if let live = entry.share { return live }
            shares[user] = nil
            return nil
        }
        withExtendedLifetime(successor) {}
    }
}
