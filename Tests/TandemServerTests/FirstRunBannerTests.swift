import Testing
@testable import TandemServer

/// What tandemd prints on first start: the owner's token only to a terminal. Under systemd or in a
/// container standard output is kept in journald or `docker logs`, so there the banner says where
/// the 0600 token file is instead.
@Suite struct FirstRunBannerTests {
    let owner = FirstRun.Owner(user: "owner", secret: "tdm_SECRETSECRETSECRET", tokenFile: "/var/lib/tandem/tandem.owner-token")
    let url = "ws://127.0.0.1:8765/ws"

    @Test func aTerminalIsShownTheToken() {
        let banner = FirstRun.banner(owner, url: url, showSecret: true)
        #expect(banner.contains("\n  tdm_SECRETSECRETSECRET\n"))
        #expect(banner.contains("/var/lib/tandem/tandem.owner-token"))
        #expect(banner.contains("Connect with: tandem --url ws://127.0.0.1:8765/ws --token <token>"))
    }

    @Test func anyOtherOutputIsToldWhereTheTokenIs() {
        let banner = FirstRun.banner(owner, url: url, showSecret: false)
        #expect(!banner.contains("tdm_"), "\(banner)")
        #expect(banner.hasPrefix("First start: created the owner account 'owner'. Its token is in /var/lib/tandem/tandem.owner-token (mode 0600)"))
        #expect(banner.contains("cat /var/lib/tandem/tandem.owner-token"))
        #expect(banner.contains("Connect with: tandem --url ws://127.0.0.1:8765/ws --token <token>"))
        // Every line a log collector may meet starts as the JSON-log test expects of the banner.
        #expect(banner.split(separator: "\n").allSatisfy { $0.hasPrefix("First start") || $0.hasPrefix("  ") || $0.hasPrefix("Connect with") })
    }
}
