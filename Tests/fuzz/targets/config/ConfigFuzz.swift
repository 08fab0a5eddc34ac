import FuzzSupport
@testable import TandemServer

/// Fuzzes the config file parser (`tandemd --config FILE`: `ConfigurationLoader.apply(configFileText:)`
/// then `validate`) on the file's bytes (tandemd refuses text that is not UTF-8 before parsing).
/// - the file gives a configuration or an error, never a trap or a hang;
/// - an error names the line as an editor counts lines (LF-separated), and that line holds the
///   setting it names (or the text it could not read), or the whole configuration when the
///   settings only conflict together; its message is not empty;
/// - every number, size and count accepted lies inside its setting's documented range
///   (`ServerSetting.bounds`, the "Range" of its help);
/// - what `tandemd --print-config` prints for the configuration (`ConfigFileTemplate.render`)
///   parses back to the same configuration and prints the same text again.
enum ConfigFuzz {
    // Safe: the input is borrowed for this call only (libFuzzer's or FuzzReplay's buffer); nothing keeps a pointer into it.
    static func run(_ data: UnsafeRawBufferPointer) {
        guard let text = String(validating: data, as: UTF8.self) else { return }
        var config = ServerConfiguration()
        do throws(ConfigurationError) {
            try ConfigurationLoader.apply(configFileText: text, source: "f", to: &config)
            try ConfigurationLoader.validate(config)
        } catch {
            checkError(error, text)
            return
        }
        checkBounds(config)
        checkRoundTrip(config)
    }

    static func checkError(_ error: ConfigurationError, _ text: String) {
        fuzzCheck(!error.message.isEmpty, "an error without a message: \(error)")
        if error.source == "configuration" { return }
        guard error.source.hasPrefix("f:"), let number = Int(error.source.dropFirst(2)) else {
            fuzzCheck(false, "an error names no line: \(error)")
            return
        }
        let lines = text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        fuzzCheck((1...lines.count).contains(number), "the error names line \(number) of \(lines.count): \(error)")
        let line = Array(lines[number - 1]), setting = Array(error.setting.utf8)
        let holds = setting.isEmpty || line.count >= setting.count && (0...(line.count - setting.count)).contains { line[$0..<($0 + setting.count)].elementsEqual(setting) }
        fuzzCheck(holds, "line \(number) \(String(decoding: line, as: UTF8.self).debugDescription) does not hold \(error.setting.debugDescription): \(error)")
    }

    static func checkBounds(_ config: ServerConfiguration) {
        for setting in ServerSetting.all {
            guard let bounds = setting.bounds else { continue }
            guard let text = ConfigFileTemplate.currentValue(setting.key, config), let value = Double(text) else {
                fuzzCheck(false, "\(setting.key) has no numeric value")
                continue
            }
            fuzzCheck(bounds.contains(value), "\(setting.key) = \(text) is outside \(bounds)")
        }
    }

    static func checkRoundTrip(_ config: ServerConfiguration) {
        let printed = ConfigFileTemplate.render(config)
        var again = ServerConfiguration()
        do throws(ConfigurationError) {
            try ConfigurationLoader.apply(configFileText: printed, source: "printed", to: &again)
            try ConfigurationLoader.validate(again)
        } catch {
            fuzzCheck(false, "the printed configuration does not parse: \(error)")
            return
        }
        if again != config {
            let differ = ServerSetting.all.map(\.key).filter {
                ConfigFileTemplate.currentValue($0, again) != ConfigFileTemplate.currentValue($0, config)
            }.map { "\($0): \(String(describing: ConfigFileTemplate.currentValue($0, config)).debugDescription) -> \(String(describing: ConfigFileTemplate.currentValue($0, again)).debugDescription)" }
            fuzzCheck(false, "the printed configuration parses to another one: \(differ)")
        }
        fuzzCheck(ConfigFileTemplate.render(again) == printed, "printing is not stable")
    }
}

#if TANDEM_FUZZ
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    // Safe: libFuzzer owns `data` (`size` bytes) for this call only; the run keeps no pointer into it.
    ConfigFuzz.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
#else
@main
enum Replay {
    static func main() { FuzzReplay.main(name: "fuzz-config", ConfigFuzz.run) }
}
#endif
