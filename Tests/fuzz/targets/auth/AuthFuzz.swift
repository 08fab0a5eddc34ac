import FuzzStore
import FuzzSupport
import TandemStore
@testable import TandemServer
import TandemTransport

/// Fuzzes the handshake's credentials: an upgrade request head through `HTTPRequestParser` and
/// `WebSocketUpgrade.validate`, then `Credential.from` (the `Authorization: Bearer` header, the
/// percent-decoded `token` and `share` query parameters, a `/s/SECRET` path) and the real
/// `Authenticator` over a real store that holds a token and a share link, each also revoked.
/// - the parser and the upgrade refuse with 400, 414, 431 or 400, 403, 405, 426 only;
/// - the authenticator refuses with 400 (several credentials) or 401, never busy or throttled,
///   and decides exactly as the credential found says: a member only for the live token's bytes,
///   a viewer only for the live link's secret, whatever else the request holds;
/// - a credential one byte off a valid one (the input's own mutation) never authenticates;
/// - a request the upgrade accepts goes through tandemd's own gate, `TandemApplication.shouldUpgrade`
///   (`UpgradeGate` says what it must answer: 404, 400, 401, 429 or the identity admitted).
///
/// Input: one byte of flags (bit 0: percent-encode every byte of each secret put in; bit 1: alice's
/// place and the live link's are already taken; bit 2: the request comes from an address that has
/// spent its budget of failed attempts), a position
/// and an XOR mask (a nonzero mask changes the byte at that position of the first secret put in),
/// then the head, in which bytes 0x01-0x04 stand for the live token, the live link's secret, the
/// revoked token and the revoked link's secret (their secrets are random, so seeds cannot hold them).
enum AuthFuzz {
    struct Secrets {
        var token = "", shareSecret = "", revokedToken = "", revokedShare = "", tokenID = "", linkID = ""
    }
    // Safe: libFuzzer runs one input at a time on one thread; set once, by `prepare`.
    nonisolated(unsafe) static var secrets = Secrets()

    static func prepare(_ store: Store) throws(StoreError) {
        _ = try store.createUser(id: "alice", displayName: "Alice")
        _ = try store.createSession(id: "s1", title: "t", owner: "alice")
        let live = try store.createToken(userID: "alice", label: "live")
        let revoked = try store.createToken(userID: "alice", label: "revoked")
        try store.revokeToken(id: revoked.token.id)
        let link = try store.createShareLink(session: "s1", actor: "alice", expiresAt: nil)
        let gone = try store.createShareLink(session: "s1", actor: "alice", expiresAt: nil)
        try store.revokeShareLink(session: "s1", actor: "alice", linkID: gone.link.id)
        secrets = Secrets(token: live.secret, shareSecret: link.secret, revokedToken: revoked.secret, revokedShare: gone.secret,
                          tokenID: live.token.id, linkID: link.link.id)
    }

    // Safe: libFuzzer runs one input at a time on one thread.
    nonisolated(unsafe) static let store = FuzzStore("auth", recycleAfter: .max, prepare: prepare)
    // A budget no input can spend: every attempt is decided, none throttled.
    static let authenticator = Authenticator(store: store.store, failuresPerMinute: 1e12)
    static let upgrade = UpgradeConfiguration(subprotocols: ["tandem.v1"], deflate: DeflateConfiguration())

    // Safe: the input is borrowed for this call only (libFuzzer's or FuzzReplay's buffer); nothing keeps a pointer into it.
    static func run(_ data: UnsafeRawBufferPointer) {
        _ = store.next()
        var input = FuzzInput(data)
        let flags = input.byte(), position = Int(input.byte()), mask = input.byte()
        let (head, mutated) = substitute(Array(input.rest()), percentEncode: flags & 1 != 0, position: position, mask: mask)

        var parser = HTTPRequestParser()
        let request: HTTPRequest
        do throws(HTTPError) {
            guard let parsed = try parser.feed(head) else { return }
            request = parsed
        } catch {
            fuzzCheck([400, 414, 431].contains(error.status), "the parser answered \(error.status)")
            return
        }
        switch WebSocketUpgrade.validate(request, config: upgrade) {
        case .failure(let error):
            fuzzCheck([400, 403, 405, 426].contains(error.status), "the upgrade was refused with \(error.status)")
        case .success(let accepted):
            // What the transport hands tandemd's gate.
            UpgradeGate.check(request, subprotocol: accepted.subprotocol, throttled: flags & 4 != 0, placesTaken: flags & 2 != 0,
                              mutated: mutated)
        }
        let outcome = authenticator.authenticate(request, address: "192.0.2.7", now: 1_000)
        let expected = expectation(Credential.from(request))
        switch (outcome, expected) {
        case (.member(let user, let tokenID, _), .member):
            fuzzCheck(user == "alice" && tokenID == secrets.tokenID, "authenticated as \(user) / \(tokenID)")
        case (.viewer(let link), .viewer):
            fuzzCheck(link.id == secrets.linkID && link.revokedAt == nil, "a viewer of link \(link.id)")
        case (.refused(let status, _), .refused(let want)):
            fuzzCheck(status == want, "refused with \(status), not \(want)")
        default:
            fuzzCheck(false, "the authenticator decided \(outcome), the credential says \(expected)")
        }
        if mutated {
            switch outcome {
            case .member, .viewer:
                fuzzCheck(false, "a credential one byte off a valid one authenticated: \(outcome)")
            default: break
            }
        }
    }

    enum Expected { case member, viewer, refused(Int) }

    /// What the credential found must lead to, compared byte for byte (a String's `==` would call
    /// canonically equivalent texts equal).
    static func expectation(_ found: Result<Credential, Credential.Problem>) -> Expected {
        switch found {
        case .failure(.several): return .refused(400)
        case .failure: return .refused(401)
        case .success(.token(let s)): return Array(s.utf8) == Array(secrets.token.utf8) ? .member : .refused(401)
        case .success(.shareSecret(let s)): return Array(s.utf8) == Array(secrets.shareSecret.utf8) ? .viewer : .refused(401)
        }
    }

    /// The head with each placeholder byte replaced by its secret; the first secret's byte at
    /// `position` (modulo its length) XORed with `mask`. Whether a byte was changed and no
    /// untouched copy of a valid secret remains (then nothing in the request may authenticate).
    static func substitute(_ bytes: [UInt8], percentEncode: Bool, position: Int, mask: UInt8) -> ([UInt8], Bool) {
        let all = [secrets.token, secrets.shareSecret, secrets.revokedToken, secrets.revokedShare]
        var out: [UInt8] = []
        var first: Range<Int>?
        var copies = 0
        for b in bytes {
            guard (1...4).contains(b) else { out.append(b); continue }
            if b == 1 || b == 2 { copies += 1 }
            var secret = Array(all[Int(b) - 1].utf8)
            if first == nil && mask != 0 {
                secret[position % secret.count] ^= mask
                first = out.count..<(out.count + secret.count)
                if b == 1 || b == 2 { copies -= 1 }
            }
            if percentEncode {
                for c in secret { out += Array("%".utf8) + hex(c) }
            } else {
                out += secret
            }
        }
        return (out, first != nil && copies == 0)
    }

    static func hex(_ c: UInt8) -> [UInt8] {
        let digits = Array("0123456789ABCDEF".utf8)
        return [digits[Int(c >> 4)], digits[Int(c & 15)]]
    }
}

#if TANDEM_FUZZ
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    // Safe: libFuzzer owns `data` (`size` bytes) for this call only; the run keeps no pointer into it.
    AuthFuzz.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
#else
@main
enum Replay {
    static func main() { FuzzReplay.main(name: "fuzz-auth", AuthFuzz.run) }
}
#endif
