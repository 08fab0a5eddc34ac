import ArgumentParser
import Foundation
import Logging
import TandemServer

/// tandemd could not start although its settings were valid (port taken, database unusable).
///
/// Not a `ValidationError`: that adds usage text, yet the command line was fine. The reason is
/// written once, in the log format chosen (a log collector reading `--log-format json` must be
/// able to parse it), and the returned exit code is 64 as before (deploy/README.md documents it).
enum StartFailure {
    static func report(_ message: String, format: ServerConfiguration.LogFormat, logger: Logger) -> ExitCode {
        switch format {
        case .text:
            FileHandle.standardError.write(Data("Error: \(message)\n".utf8))
        case .json:
            logger.critical("\(message)")
        }
        return ExitCode(64)
    }
}
