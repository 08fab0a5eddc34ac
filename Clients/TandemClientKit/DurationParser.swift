/// Reads human durations such as `7d`, `12h`, `30m`, `45s`, `2w` (or a plain number of seconds).
public enum DurationParser {
    /// The longest lifetime a share link may have (365 days), as the protocol's limits say.
    public static let maxSeconds: Int64 = 365 * 86_400

    /// Seconds in `text`; throws with a message naming the accepted forms.
    public static func seconds(_ text: String) throws(CommandError) -> Int64 {
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400, "w": 604_800]
        let trimmed = text.trimmingSpaces().lowercased()
        guard let last = trimmed.last else { throw invalid(text) }
        let number: Substring
        let unit: Int64
        if let u = units[last] {
            number = trimmed.dropLast()
            unit = u
        } else {
            number = Substring(trimmed)
            unit = 1
        }
        guard !number.isEmpty, number.allSatisfy(\.isASCIIDigit), let value = Int64(number), value > 0 else {
            throw invalid(text)
        }
        let (total, overflow) = value.multipliedReportingOverflow(by: unit)
        guard !overflow, total <= maxSeconds else {
            throw CommandError("duration '\(text)' is longer than 365 days")
        }
        return total
    }

    private static func invalid(_ text: String) -> CommandError {
        CommandError("invalid duration '\(text)': use a positive number with s, m, h, d or w (e.g. 7d, 12h)")
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
