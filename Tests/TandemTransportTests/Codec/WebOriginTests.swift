import Testing
@testable import TandemTransport

/// One origin however it is written: case, default port, a setting's trailing slash, a URL's path.
@Suite struct WebOriginTests {
    @Test func headerValuesParseToSchemeHostAndPort() {
        let plain = WebOrigin(header: "https://Tandem.Example")
        #expect(plain?.scheme == "https" && plain?.host == "tandem.example" && plain?.port == 443)
        #expect(WebOrigin(header: "HTTP://tandem.example:80") == WebOrigin(header: "http://tandem.example"))
        #expect(WebOrigin(header: "https://tandem.example:443") == plain)
        #expect(WebOrigin(header: "https://tandem.example:8443") != plain)
        #expect(WebOrigin(header: "http://tandem.example") != plain)
        let v6 = WebOrigin(header: "http://[::1]:8765")
        #expect(v6?.host == "[::1]" && v6?.port == 8765)
        #expect(v6?.description == "http://[::1]:8765")
        #expect(plain?.description == "https://tandem.example")
        for bad in ["null", "", "tandem.example", "ftp://tandem.example", "https://", "https://tandem.example/",
                    "https://tandem.example/path", "https://user@tandem.example", "https://tandem.example:",
                    "https://tandem.example:0", "https://tandem.example:65536", "https://tandem.example:+80",
                    "https://tandem.example:８０", "https://[::1", "https://[::1]x", "https://[]", "https://a b"] {
            #expect(WebOrigin(header: bad) == nil, "\(bad)")
        }
    }

    @Test func settingsForgiveATrailingSlashAndURLsKeepOnlyTheirOrigin() {
        #expect(WebOrigin(setting: "https://app.example/") == WebOrigin(header: "https://app.example"))
        #expect(WebOrigin(setting: "https://app.example/x") == nil)
        #expect(WebOrigin(url: "https://Tandem.example:443/base/path") == WebOrigin(header: "https://tandem.example"))
        #expect(WebOrigin(url: "http://127.0.0.1:8765") == WebOrigin(header: "http://127.0.0.1:8765"))
        for bad in ["https://tandem.example/a?b", "https://tandem.example#x", "tandem.example/x", "https:///x"] {
            #expect(WebOrigin(url: bad) == nil, "\(bad)")
        }
    }

    @Test func sameAuthorityComparesHostAndPortNotScheme() throws {
        let page = try #require(WebOrigin(header: "https://server.example.com"))
        #expect(page.isSameAuthority(asHost: "server.example.com"))
        #expect(page.isSameAuthority(asHost: "SERVER.example.com:443"))
        #expect(!page.isSameAuthority(asHost: "server.example.com:8443"))
        #expect(!page.isSameAuthority(asHost: "server.example.com.evil.example"))
        #expect(!page.isSameAuthority(asHost: "server.example.com/x"))
        let local = try #require(WebOrigin(header: "http://127.0.0.1:9354"))
        #expect(local.isSameAuthority(asHost: "127.0.0.1:9354"))
        #expect(!local.isSameAuthority(asHost: "127.0.0.1"))
        #expect(try #require(WebOrigin(header: "http://[::1]:9354")).isSameAuthority(asHost: "[::1]:9354"))
    }
}
