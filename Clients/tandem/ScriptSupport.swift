import Foundation
import TandemJSON
import TandemProtocol
import TandemClientKit

/// Refuses, before anything is sent, an operation that changes a session for every member and has no
/// simple way back, unless the user confirmed it with `--yes`.
func requireConfirmation(_ confirmed: Bool, _ consequence: String) throws {
    guard confirmed else { throw Failure("\(consequence); add --yes to confirm") }
}

/// A text argument, or standard input when it is `-` or absent and stdin is not a terminal (so agents can
/// pass text of any size or quoting without shell escapes).
func argumentOrStdin(_ text: String?, usage: String) throws -> String {
    if let text, text != "-" { return text }
    if text == nil && Output.stdinIsTTY { throw Failure("no text: give it as an argument, or pipe it in (\(usage))") }
    var content = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
    if content.hasSuffix("\n") { content.removeLast() }
    return content
}

/// A JSON value given on the command line (or stdin), with the reason when it is not one.
func jsonArgument(_ text: String?, name: String, usage: String) throws -> JSONValue {
    let source = try argumentOrStdin(text, usage: usage)
    do {
        return try JSONValue(parsing: source)
    } catch {
        throw Failure(#"\#(name) is not JSON (\#(error)); quote strings: '"text"', objects: '{"k":1}'"#)
    }
}

/// The conflict blocks (path: base / theirs / yours) of a refused write, on stderr: nothing was written,
/// so they explain the failure rather than being the command's output.
func reportConflicts(key: String, current: StateRow?, conflicts: [MergeConflictDTO]) {
    let renderer = Output.errorRenderer()
    // The renderer's first line is the view's headline and its last the view's ours/theirs/edit prompt;
    // a script gets its own headline from the caller.
    for line in renderer.conflict(key: key, current: current, conflicts: conflicts).dropFirst().dropLast() {
        Output.renderedError(line)
    }
}

/// The `--metadata` option's JSON object (`tandem update`, `tandem sessions`).
func metadataObject(_ text: String) throws -> JSONValue {
    guard let value = try? JSONValue(parsing: text), case .object = value else {
        throw Failure(#"--metadata must be a JSON object, like '{"team":"core"}'"#)
    }
    return value
}

/// The `--status` option's status (`tandem sessions`, `tandem search`).
func statusOption(_ name: String) throws -> SessionStatus {
    guard let status = SessionStatus(rawValue: name) else { throw Failure("--status must be active, paused or archived, got '\(name)'") }
    return status
}
