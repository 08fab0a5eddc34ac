import TandemJSON
import Testing

/// The fixture's credentials against today's server: every live token opens a connection as its user,
/// every dead one (revoked, its user removed) is refused at the handshake; the live share links open a
/// viewer until they expire, the revoked one never does.
struct UpgradeCredentials {
    let ownerToken: String
    private let clients: [String: TandemTestClient]

    init(facts: JSONValue, port: UInt16) throws {
        var clients: [String: TandemTestClient] = [:]
        var ownerToken: String?
        for token in try facts.array("tokens") {
            let user = try token.string("user")
            let secret = try token.string("secret")
            if token["live"] == true {
                let client = try TandemTestClient.connect(port: port, .bearer(secret), label: user)
                #expect(try client.ok("ping")["user"]?.stringValue == user, "an old token of \(user) authenticates as \(user)")
                if clients[user] == nil { clients[user] = client } else { client.close() }
                if user == "owner" { ownerToken = secret }
            } else {
                #expect(TandemTestClient.handshakeStatus(port: port, .bearer(secret)) == 401, "\(user)'s dead token stays dead")
            }
        }
        for share in try facts.array("shares") {
            let secret = try share.string("secret")
            let expires = try share.int("expires")
            let working = share["live"] == true && expires > wallMilliseconds() + 60_000
            if working {
                let viewer = try TandemTestClient.connect(port: port, .shareQuery(secret), label: "viewer")
                _ = try viewer.ok("session.join", ["session": share["session"]!, "last": 2])
                viewer.close()
            } else {
                #expect(TandemTestClient.handshakeStatus(port: port, .shareQuery(secret)) != nil, "a revoked or expired link is refused")
            }
        }
        guard let ownerToken else { throw TestFailure("the facts hold no owner token") }
        self.ownerToken = ownerToken
        self.clients = clients
    }

    func client(_ user: String) throws -> TandemTestClient {
        guard let client = clients[user] else { throw TestFailure("no live token for \(user) in the facts") }
        return client
    }

    func close() { clients.values.forEach { $0.close() } }
}
