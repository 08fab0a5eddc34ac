import Foundation
import Synchronization
import TandemStore
import TandemTransport

/// Decides who a handshake is, from its credential, without waiting on a write: lookups are
/// read-only and cached; the access watcher empties the cache whenever access changes anywhere.
final class Authenticator: Sendable {
    enum Outcome: Sendable {
        case member(user: String, tokenID: String)
        case viewer(link: TandemStore.ShareLink)
        /// 401 (or 429 when the address keeps failing); `reason` goes to the log, never the client.
        case refused(status: Int, reason: String)
        /// The address keeps failing: its next attempt is checked in `retryAfter` seconds.
        case throttled(reason: String, retryAfter: Int)
    }

    private let store: Store
    /// Known tokens by `Store.secretDigest` of their secret.
    private let tokens = Mutex<[String: TokenIdentity]>([:])
    /// Failed authentications per address; the viewer page's lookups spend from it too.
    let throttle: AuthThrottle

    init(store: Store, failuresPerMinute: Double) {
        self.store = store
        self.throttle = AuthThrottle(perMinute: failuresPerMinute)
    }

    func authenticate(_ request: HTTPRequest, address: String, now: Double) -> Outcome {
        let wait = throttle.secondsUntilAllowed(address, now: now)
        guard wait == 0 else {
            return .throttled(reason: "too many failed authentications from \(address)", retryAfter: AuthThrottle.retryAfter(wait))
        }
        let outcome = check(request)
        if case .refused = outcome { throttle.recordFailure(address, now: now) }
        return outcome
    }

    private func check(_ request: HTTPRequest) -> Outcome {
        switch Credential.from(request) {
        case .failure(.missing): return .refused(status: 401, reason: "no credential")
        case .failure(.several): return .refused(status: 400, reason: "more than one credential")
        case .failure(.malformed): return .refused(status: 401, reason: "malformed credential")
        case .success(.token(let secret)):
            guard let identity = token(secret) else { return .refused(status: 401, reason: "unknown token") }
            guard !identity.revoked else { return .refused(status: 401, reason: "revoked token") }
            store.recordTokenUse(tokenID: identity.tokenID)
            return .member(user: identity.user.id, tokenID: identity.tokenID)
        case .success(.shareSecret(let secret)):
            guard let link = try? store.lookupShareLink(secret: secret) else { return .refused(status: 401, reason: "unknown share link") }
            guard link.revokedAt == nil else { return .refused(status: 401, reason: "revoked share link") }
            if let expires = link.expiresAt, expires <= Int64(Date().timeIntervalSince1970 * 1000) {
                return .refused(status: 401, reason: "expired share link")
            }
            store.recordShareLinkUse(linkID: link.id)
            return .viewer(link: link)
        }
    }

    private func token(_ secret: String) -> TokenIdentity? {
        // Cached by digest, not by the secret: a dictionary probe compares keys with an early-exit
        // `==`, and that must never run over secret bytes an attacker chose.
        let digest = Store.secretDigest(secret)
        if let hit = tokens.withLock({ $0[digest] }) { return hit }
        guard let found = try? store.lookupToken(secret: secret) else { return nil }
        tokens.withLock { cache in
            if cache.count > 10_000 { cache.removeAll() }
            cache[digest] = found
        }
        return found
    }

    /// Forgets cached tokens (access changed somewhere).
    func invalidate() {
        tokens.withLock { $0.removeAll() }
    }
}

/// Failed authentications per client address: a token bucket each, so guessing tokens or share
/// secrets is slow. Addresses that stopped failing are forgotten.
final class AuthThrottle: Sendable {
    private let perMinute: Double
    private let buckets = Mutex<[String: TokenBucket]>([:])

    init(perMinute: Double) {
        self.perMinute = perMinute
    }

    /// Seconds until `address` may try again (0: now).
    func secondsUntilAllowed(_ address: String, now: Double) -> Double {
        buckets.withLock { all in
            guard var bucket = all[address] else { return 0 }
            let wait = bucket.secondsUntilAvailable(now: now)
            all[address] = bucket
            return wait
        }
    }

    /// A wait as a `Retry-After` value: whole seconds, at least 1.
    static func retryAfter(_ wait: Double) -> Int { max(1, Int(wait.rounded(.up))) }

    func recordFailure(_ address: String, now: Double) {
        buckets.withLock { all in
            if all.count > 100_000 { all.removeAll() }
            var bucket = all[address] ?? TokenBucket(capacity: perMinute, ratePerSecond: perMinute / 60, now: now)
            _ = bucket.take(now: now)
            all[address] = bucket
        }
    }
}
