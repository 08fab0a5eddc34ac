import Foundation
import Testing
@testable import TandemClientKit

@Suite struct ConfigTests {
    @Test func roundTripsThroughText() {
        let config = ClientConfig(url: "ws://10.0.0.5:8765/ws", token: "tok_abc=")
        #expect(ClientConfig.parse(config.serialized()) == config)
    }

    @Test func parsesCommentsBlanksAndUnknownKeys() {
        let text = "# saved\n\nurl = ws://h:1/ws\r\ncolour = yes\n  token=  t1  \nnot a pair\n"
        #expect(ClientConfig.parse(text) == ClientConfig(url: "ws://h:1/ws", token: "t1"))
        #expect(ClientConfig.parse("") == ClientConfig())
    }

    @Test func writesAndReadsARealFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-cfg-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = ClientConfig.path(environment: ["XDG_CONFIG_HOME": dir.path, "HOME": "/nonexistent"])!
        #expect(path == dir.path + "/tandem/config")
        try FileManager.default.createDirectory(atPath: dir.path + "/tandem", withIntermediateDirectories: true)
        try ClientConfig(url: "ws://a:2/ws", token: "s3cret").serialized().write(toFile: path, atomically: true, encoding: .utf8)
        let read = ClientConfig.parse(try String(contentsOfFile: path, encoding: .utf8))
        #expect(read == ClientConfig(url: "ws://a:2/ws", token: "s3cret"))
    }

    @Test func pathFallsBackToHome() {
        #expect(ClientConfig.path(environment: ["HOME": "/home/al"]) == "/home/al/.config/tandem/config")
        #expect(ClientConfig.path(environment: ["HOME": "/home/al", "XDG_CONFIG_HOME": ""]) == "/home/al/.config/tandem/config")
        #expect(ClientConfig.path(environment: [:]) == nil)
    }

    @Test func flagsBeatEnvironmentBeatFile() throws {
        let file = ClientConfig(url: "ws://file:1/ws", token: "file-token")
        let env = ["TANDEM_URL": "ws://env:2/ws", "TANDEM_TOKEN": "env-token"]
        #expect(try ConnectionSettings.resolve(flagURL: nil, flagToken: nil, environment: [:], file: file)
                == ConnectionSettings(webSocketURL: "ws://file:1/ws", token: "file-token"))
        #expect(try ConnectionSettings.resolve(flagURL: nil, flagToken: nil, environment: env, file: file)
                == ConnectionSettings(webSocketURL: "ws://env:2/ws", token: "env-token"))
        #expect(try ConnectionSettings.resolve(flagURL: "ws://flag:3/ws", flagToken: "flag-token", environment: env, file: file)
                == ConnectionSettings(webSocketURL: "ws://flag:3/ws", token: "flag-token"))
        #expect(try ConnectionSettings.resolve(flagURL: nil, flagToken: "t", environment: [:], file: ClientConfig()).webSocketURL
                == "ws://127.0.0.1:8765/ws")
    }

    /// The token `tandem login` saved is sent only to the server it was saved for.
    @Test func theSavedTokenGoesOnlyToItsServer() throws {
        let file = ClientConfig(url: "ws://file:1/ws", token: "file-token")
        // Same server, another spelling of the host or path: still its token.
        #expect(try ConnectionSettings.resolve(flagURL: "ws://FILE:1/ws?x=1", flagToken: nil, environment: [:], file: file).token == "file-token")
        for other in ["ws://evil:1/ws", "ws://file:2/ws", "wss://file:1/ws"] {
            do {
                let s = try ConnectionSettings.resolve(flagURL: other, flagToken: nil, environment: [:], file: file)
                Issue.record("\(other) got \(String(describing: s.token))")
            } catch {
                #expect(error.message.contains("the saved token is for ws://file:1/ws"), "\(error.message)")
            }
            #expect(throws: CommandError.self) {
                try ConnectionSettings.resolve(flagURL: nil, flagToken: nil, environment: ["TANDEM_URL": other], file: file)
            }
            // A token given with it is used as given.
            #expect(try ConnectionSettings.resolve(flagURL: other, flagToken: "mine", environment: [:], file: file).token == "mine")
        }
        // A hand-written file with a token and no URL names no server: its token is used.
        #expect(try ConnectionSettings.resolve(flagURL: "ws://any:1/ws", flagToken: nil, environment: [:], file: ClientConfig(token: "t")).token == "t")
    }

    @Test func missingTokenExplainsWhereToGetOne() {
        #expect(throws: CommandError.self) {
            try ConnectionSettings.resolve(flagURL: "ws://h:1/ws", flagToken: nil, environment: [:], file: ClientConfig())
        }
        do {
            _ = try ConnectionSettings.resolve(flagURL: nil, flagToken: nil, environment: [:], file: ClientConfig())
        } catch {
            #expect(error.message.contains("tandem login"))
        }
    }

    @Test func shareLinkOpensReadOnlyWithoutToken() throws {
        let s = try ConnectionSettings.resolve(flagURL: "http://127.0.0.1:8765/s/abcDEF_12", flagToken: "ignored",
                                               environment: [:], file: ClientConfig())
        #expect(s == ConnectionSettings(webSocketURL: "ws://127.0.0.1:8765/s/abcDEF_12", token: nil, shareSecret: "abcDEF_12"))
        #expect(s.isShareLink)
        let tls = try ConnectionSettings.resolve(flagURL: "https://example.org/s/xyz?x=1", flagToken: nil, environment: [:], file: ClientConfig())
        #expect(tls.webSocketURL == "wss://example.org/s/xyz")
    }

    @Test func badURLsAreRefusedClearly() {
        #expect(throws: CommandError.self) {
            try ConnectionSettings.resolve(flagURL: "http://h:1/ws", flagToken: "t", environment: [:], file: ClientConfig())
        }
        #expect(throws: CommandError.self) {
            try ConnectionSettings.resolve(flagURL: "http://h:1/s/", flagToken: nil, environment: [:], file: ClientConfig())
        }
        #expect(throws: CommandError.self) {
            try ConnectionSettings.resolve(flagURL: "ftp://h/ws", flagToken: "t", environment: [:], file: ClientConfig())
        }
    }
}
