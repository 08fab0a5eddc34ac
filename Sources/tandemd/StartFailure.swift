import ArgumentParser
import Foundation
import Logging
import TandemServer

/// tandemd could not start although its settings were valid (port taken, database unusable).
///
/// Not a `ValidationError`: that adds usage text, yet the command line was fine. The reason is
/// one `critical` log line in the format chosen (a log collector reading `--log-format json` must
/// be able to parse it), and the returned exit code is 64 (deploy/README.md documents it).
enum StartFailure {
    static func report(_ message: String, logger: Logger) -> ExitCode {
        // One line even when the reason quotes several (SQLite's messages can hold the statement).
        let oneLine = message.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        logger.critical("\(oneLine)")
        return ExitCode(64)
    }
}
