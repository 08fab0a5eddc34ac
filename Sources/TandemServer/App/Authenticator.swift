import Foundation
import Synchronization
import TandemStore
import TandemTransport

/// Decides who a handshake is, from its credential, without waiting on a write: lookups are
/// read-only and cached; the access watcher empties the cache whenever access changes anywhere.
final class Authenticator: Sendable {
    enum Outcome: Sendable {
        /// `expiresAt`: when the token stops authenticating (nil: never); the connection is cut then.
        case member(user: String, tokenID: String, expiresAt: Int64?)
        case viewer(link: TandemStore.ShareLink)
        /// 401 (or 429 when the address keeps failing); `reason` goes to the log, never the client.
        case refused(status: Int, reason: String)
        /// 401 for a real token that no longer authenticates on its own account (expired, or its
        /// user disabled): answered as any refusal, but not charged to the address's budget. That
        /// budget is against guessing, and presenting a real secret is no guess: a forgotten job
        /// retrying an expired token behind an office's one address would otherwise lock everyone
        /// there out. Told apart only in the log.
        case ended(reason: String)
        /// The address keeps failing: its next attempt is checked in `retryAfter` seconds.
        case throttled(reason: String, retryAfter: Int)
        /// No database reader came free within `readerWait`: nothing is known about the credential
        /// (503, not counted as a failure).
        case busy(String)
    }

    private let store: Store
    /// Known tokens by `Store.secretDigest` of their secret, and how many times access changed
    /// (`invalidate`) since start.
    private struct Cache {
        var tokens: [String: TokenIdentity] = [:]
        var generation: UInt64 = 0
    }
    private let cache = Mutex(Cache())
    /// Failed authentications per address; the viewer page's lookups spend from it too.
    let throttle: AuthThrottle
    /// Tests only: runs between a token's database lookup and its caching.
    private let afterLookup: (@Sendable () -> Void)?

    /// Seconds a lookup waits for a free database reader (nil: as long as it takes).
    private let readerWait: Double?

    init(store: Store, failuresPerMinute: Double, readerWait: Double? = nil, afterLookup: (@Sendable () -> Void)? = nil) {
        self.store = store
        self.readerWait = readerWait
        self.throttle = AuthThrottle(perMinute: failuresPerMinute)
        self.afterLookup = afterLookup
    }

    /// Moves on each `invalidate`. A handshake notes it before authenticating: when it has moved
    /// by the time the connection is registered, the access watcher's recheck may have run
    /// without it, so the connection is rechecked on its own (`ConnectionRegistry.recheckLater`).
    var generation: UInt64 { cache.withLock { $0.generation } }

    func authenticate(_ request: HTTPRequest, address: String, now: Double) -> Outcome {
        // The attempt is taken from the budget before the lookup, not after it failed: checked
        // and spent apart, every attempt in flight at once passed the check (12 of 20 guesses
        // checked on a budget of 5 while lookups waited for a reader).
        let wait = throttle.reserve(address, now: now)
        guard wait == 0 else {
            return .throttled(reason: "too many failed authentications from \(address)", retryAfter: AuthThrottle.retryAfter(wait))
        }
        let outcome = check(request)
        switch outcome {
        case .refused, .throttled: break // a failure: the attempt stays spent
        case .member, .viewer, .busy, .ended: throttle.refund(address, now: now) // a real credential, or nothing learnt
        }
        return outcome
    }

    /// Whether authenticating `request` may read the database (a share secret, or a token not
    /// cached yet): the caller then authenticates off its event loop. A missing or malformed
    /// credential, or a cached token, is decided without a read.
    func mayRead(_ request: HTTPRequest) -> Bool {
        switch Credential.from(request) {
        case .failure: return false
        case .success(.shareSecret): return true
        case .success(.token(let secret)):
            let digest = Store.secretDigest(secret)
            return cache.withLock { $0.tokens[digest] } == nil
        }
    }

    private func check(_ request: HTTPRequest) -> Outcome {
        switch Credential.from(request) {
        case .failure(.missing): return .refused(status: 401, reason: "no credential")
        case .failure(.several): return .refused(status: 400, reason: "more than one credential")
        case .failure(.malformed): return .refused(status: 401, reason: "malformed credential")
        case .success(.token(let secret)):
            let identity: TokenIdentity?
            do throws(StoreError) {
                identity = try token(secret)
            } catch {
                return .busy(error.message)
            }
            guard let identity else { return .refused(status: 401, reason: "unknown token") }
            // From the identity (cached or just read): an expiry costs no read of its own.
            switch identity.end(now: Int64(Date().timeIntervalSince1970 * 1000)) {
            case nil: break
            case .revoked?, .accountRemoved?: return .refused(status: 401, reason: "revoked token")
            case .expired?: return .ended(reason: "expired token")
            case .disabled?: return .ended(reason: "disabled user")
            }
            store.recordTokenUse(tokenID: identity.tokenID)
            return .member(user: identity.user.id, tokenID: identity.tokenID, expiresAt: identity.expiresAt)
        case .success(.shareSecret(let secret)):
            let found: TandemStore.ShareLink?
            do throws(StoreError) {
                found = try store.lookupShareLink(secret: secret, readerWait: readerWait)
            } catch {
                // Busy says nothing about the secret; any other failure is refused as before.
                if error.kind == .busy { return .busy(error.message) }
                found = nil
            }
            guard let link = found else { return .refused(status: 401, reason: "unknown share link") }
            guard link.revokedAt == nil else { return .refused(status: 401, reason: "revoked share link") }
            if let expires = link.expiresAt, expires <= Int64(Date().timeIntervalSince1970 * 1000) {
                return .refused(status: 401, reason: "expired share link")
            }
            store.recordShareLinkUse(linkID: link.id)
            return .viewer(link: link)
        }
    }

    /// Throws only `busy` (no reader within `readerWait`); any other failure is an unknown token.
    private func token(_ secret: String) throws(StoreError) -> TokenIdentity? {
        // Cached by digest, not by the secret: a dictionary probe compares keys with an early-exit
        // `==`, and that must never run over secret bytes an attacker chose.
        let digest = Store.secretDigest(secret)
        let (hit, generation) = cache.withLock { ($0.tokens[digest], $0.generation) }
        if let hit { return hit }
        let lookedUp: TokenIdentity?
        do throws(StoreError) {
            lookedUp = try store.lookupToken(secret: secret, readerWait: readerWait)
        } catch {
            if error.kind == .busy { throw error }
            lookedUp = nil
        }
        guard let found = lookedUp else { return nil }
        afterLookup?()
        cache.withLock { cache in
            // Access changed since the lookup (a revocation the watcher has already applied):
            // what was read may be stale, and cached it would outlive that change until the next
            // one. Used for this handshake only; the registration check catches that.
            guard cache.generation == generation else { return }
            if cache.tokens.count > 10_000 { cache.tokens.removeAll() }
            cache.tokens[digest] = found
        }
        return found
    }

    /// Forgets cached tokens (access changed somewhere).
    func invalidate() {
        cache.withLock { cache in
            cache.generation &+= 1
            cache.tokens.removeAll()
        }
    }
}

/// Failed authentications per client address: a token bucket each, so guessing tokens or share
/// secrets is slow. Addresses that stopped failing are forgotten.
///
/// An IPv6 client counts by its /64, as `maxConnectionsPerAddress` does: one host or one home
/// network is given a whole /64, so counting single IPv6 addresses gave one guesser 2^64 budgets
/// (and, through `maxAddresses`, a way to wipe everyone else's count).
final class AuthThrottle: Sendable {
    private let perMinute: Double
    /// Addresses tracked at once; past it only buckets that have refilled are dropped, so a flood
    /// of new addresses cannot wipe the count of one still being throttled.
    let maxAddresses: Int
    private let buckets = Mutex<[String: TokenBucket]>([:])

    init(perMinute: Double, maxAddresses: Int = 100_000) {
        self.perMinute = perMinute
        self.maxAddresses = maxAddresses
    }

    /// The key `address` counts under: an IPv4 address as it is, an IPv6 address as its /64
    /// (`2001:db8:1:2::/64`); anything else as it is.
    static func key(_ address: String) -> String {
        guard let bytes = IPRange.address(address), let text = IPRange.normalizedAddress(address),
              text.contains(":") else { return address }
        let prefix = stride(from: 0, to: 8, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
        return prefix.joined(separator: ":") + "::/64"
    }

    /// Seconds until `address` may try again (0: now).
    func secondsUntilAllowed(_ address: String, now: Double) -> Double {
        let key = Self.key(address)
        return buckets.withLock { all in
            guard var bucket = all[key] else { return 0 }
            let wait = bucket.secondsUntilAvailable(now: now)
            all[key] = bucket
            return wait
        }
    }

    /// Takes one attempt from `address`'s budget before its credential is looked up: 0 when taken,
    /// else the seconds until one is available (nothing taken). Taking it first, in one step, is
    /// what bounds attempts sent at once: a check now and a charge after the lookup let every
    /// attempt in flight through. Give it back with `refund` when the credential was good or the
    /// lookup learnt nothing (busy). An address that cannot be tracked (`maxAddresses` of them
    /// still throttled) is let through untracked: its failures are still refused, only not
    /// throttled, and a flood of new addresses never wipes a throttled one.
    func reserve(_ address: String, now: Double) -> Double {
        let key = Self.key(address)
        return buckets.withLock { all in
            if all[key] == nil && all.count >= maxAddresses {
                forgetRefilled(&all, now: now)
                guard all.count < maxAddresses else { return 0 }
            }
            var bucket = all[key] ?? TokenBucket(capacity: perMinute, ratePerSecond: perMinute / 60, now: now)
            defer { all[key] = bucket }
            if bucket.take(now: now) { return 0 }
            return bucket.secondsUntilAvailable(now: now)
        }
    }

    /// Gives back an attempt `reserve` took; an address whose budget is whole again is forgotten.
    func refund(_ address: String, now: Double) {
        let key = Self.key(address)
        buckets.withLock { all in
            guard var bucket = all[key] else { return }
            bucket.giveBack(now: now)
            all[key] = bucket.isFull(now: now) ? nil : bucket
        }
    }

    /// Addresses tracked now (tests).
    var trackedCount: Int { buckets.withLock { $0.count } }

    /// Drops the addresses whose budget is whole again (they are as if never seen).
    private func forgetRefilled(_ all: inout [String: TokenBucket], now: Double) {
        let perMinute = self.perMinute
        all = all.filter { _, bucket in
            var probe = bucket
            return probe.secondsUntilAvailable(perMinute, now: now) > 0
        }
    }

    /// A wait as a `Retry-After` value: whole seconds, at least 1.
    static func retryAfter(_ wait: Double) -> Int { max(1, Int(wait.rounded(.up))) }
}
