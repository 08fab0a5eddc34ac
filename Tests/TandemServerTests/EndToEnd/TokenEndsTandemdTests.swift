import Foundation
import TandemStore
import Testing

/// A real tandemd, with another process's view of its database (as tandem-admin writes it): a token
/// that expires is cut at that moment and refused after (401); a user disabled is cut within a
/// second and refused; enabled, the same token is let in again.
@Suite("Token ends against tandemd") struct TokenEndsTandemdTests {
    @Test func expiryAndSuspensionReachARealServer() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-tokenends-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("ends.db").path
        let server = try TandemdProcess(databasePath: path)
        defer { server.stop() }
        let admin = try Store(StoreConfiguration(path: path))
        _ = try admin.createUser(id: "bob", displayName: "Bob")
        _ = try admin.createUser(id: "carol", displayName: "Carol")
        let expiring = try admin.createToken(userID: "bob", label: "ci", lifetime: Int64(1_500 * testTimeScale))
        let carol = try admin.createToken(userID: "carol", label: "laptop")
        let expiresAt = try #require(expiring.token.expiresAt)

        let bob = try TandemTestClient.connect(port: server.port, .bearer(expiring.secret), label: "bob")
        let carolClient = try TandemTestClient.connect(port: server.port, .bearer(carol.secret), label: "carol")
        _ = try bob.ok("session.list")
        let closed = try #require(bob.waitForClose(timeout: 10 * testTimeScale), "bob was not closed")
        let late = wallMilliseconds() - expiresAt
        #expect(closed.code == 4401 && closed.reason == "token expired", "\(closed)")
        #expect(late >= 0 && late < Int64(500 * testTimeScale), "closed \(late) ms after the expiry")
        #expect(TandemTestClient.handshakeStatus(port: server.port, .bearer(expiring.secret)) == 401)

        try admin.adminSetUserDisabled(id: "carol", disabled: true)
        let cut = try #require(carolClient.waitForClose(timeout: 1.0 * testTimeScale), "carol was not closed within a second")
        #expect(cut.code == 4401 && cut.reason == "account disabled", "\(cut)")
        #expect(TandemTestClient.handshakeStatus(port: server.port, .bearer(carol.secret)) == 401)
        try admin.adminSetUserDisabled(id: "carol", disabled: false)
        let deadline = Date().addingTimeInterval(2 * testTimeScale)
        var status = TandemTestClient.handshakeStatus(port: server.port, .bearer(carol.secret))
        while status != nil && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
            status = TandemTestClient.handshakeStatus(port: server.port, .bearer(carol.secret))
        }
        #expect(status == nil, "carol's token after users enable: \(String(describing: status))")
    }
}
