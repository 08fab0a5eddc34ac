import Foundation
import TandemServer
import Testing

/// Every setting is a flag, as `--print-config` and the README say: six settings (the quotas,
/// max-page-bytes, stale-handshake) were taken from the file and the environment only, and
/// `tandemd --max-sessions-per-user 5` stopped with "Unknown option".
@Suite("tandemd flags")
struct SettingFlagTests {
    private func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let result = try TandemdProcess.run(arguments)
        return (result.status, result.stdout + result.stderr)
    }

    @Test func everySettingIsAFlagWithItsHelp() throws {
        let help = try run(["--help"])
        #expect(help.status == 0)
        for setting in ServerSetting.all {
            #expect(help.output.contains("--\(setting.key) <"), "--\(setting.key) is missing from tandemd --help")
            #expect(help.output.contains(setting.environmentVariable), "\(setting.environmentVariable) is missing from tandemd --help")
        }
        #expect(help.output.contains("Range 64k...4g."), "a byte setting's range is in its help")
    }

    /// The value reaches the setting (its own range check answers), not the argument parser.
    @Test func aFlagIsCheckedAsItsSetting() throws {
        for key in ServerSetting.all.map(\.key) where !["host", "db", "tls-cert", "tls-key", "public-url", "allowed-origins", "trusted-proxies", "metrics-from"].contains(key) {
            let refused = try run(["--\(key)=-7"])
            #expect(refused.status != 0, "--\(key)=-7 was taken")
            #expect(!refused.output.contains("Unknown option"), "--\(key): \(refused.output)")
            #expect(refused.output.contains("--\(key): \(key): "), "--\(key)=-7: the setting's own check answers: \(refused.output)")
        }
    }
}
