import Foundation
import Testing

/// The real `tandem` against a hostile server (`HostileServer`): whatever the server puts in an error
/// message, a close reason, an id, a turn or a refused handshake reaches stdout and stderr escaped,
/// never as the raw control characters, escape sequences, bidi controls or line separators a
/// terminal would obey, and still readable.
@Suite(.serialized) struct HostileServerTests {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
        var both: String { stdout + stderr }
    }

    /// Runs `tandem --url (the hostile server) --token MODE ARGUMENTS`.
    func run(_ mode: HostileServer.Mode, _ arguments: [String], stdin: String? = nil) throws -> Run {
        let server = try HostileServer()
        defer { server.stop() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("out").path
        let err = directory.appendingPathComponent("err").path
        var inPath: String?
        if let stdin {
            inPath = directory.appendingPathComponent("in").path
            try stdin.write(toFile: inPath!, atomically: true, encoding: .utf8)
        }
        let environment = ["PATH": "/usr/bin:/bin", "HOME": directory.path, "XDG_CONFIG_HOME": directory.appendingPathComponent("config").path,
                           "TERM": "xterm-256color", "LANG": "C.UTF-8"].merging(CLIFixture.sanitizerOptions) { own, _ in own }
        let child = try Spawned(CLIFixture.binary, ["--url", server.url, "--token", mode.rawValue] + arguments, environment: environment,
                                stdinPath: inPath, stdoutPath: out, stderrPath: err)
        let status = child.wait(timeout: 30)
        return Run(status: status, stdout: String(decoding: FileManager.default.contents(atPath: out) ?? Data(), as: UTF8.self),
                   stderr: String(decoding: FileManager.default.contents(atPath: err) ?? Data(), as: UTF8.self))
    }

    /// The scalars of `text` a terminal must never get raw from the server: C0 controls but tab
    /// and line feed, DEL, C1, the bidi embeddings, overrides and isolates, U+2028 and U+2029.
    /// (Stdout is no terminal here, so the client adds no colour: any ESC would be the server's.)
    static func raw(_ text: String) -> [String] {
        text.unicodeScalars.filter { s in
            switch s.value {
            case 0x09, 0x0A: false
            case 0x00...0x1F, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069, 0x2028, 0x2029: true
            default: false
            }
        }.map { "U+" + String($0.value, radix: 16, uppercase: true) }
    }

    func expectSafe(_ run: Run, _ what: String, shows words: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(Self.raw(run.stdout).isEmpty, "\(what): raw on stdout: \(Self.raw(run.stdout)) in \(run.stdout.debugDescription)",
                sourceLocation: sourceLocation)
        #expect(Self.raw(run.stderr).isEmpty, "\(what): raw on stderr: \(Self.raw(run.stderr)) in \(run.stderr.debugDescription)",
                sourceLocation: sourceLocation)
        for word in words {
            #expect(run.both.contains(word), "\(what): '\(word)' not shown: \(run.both.debugDescription)", sourceLocation: sourceLocation)
        }
    }

    @Test func aRefusedRequestsMessageIsEscaped() throws {
        let r = try run(.refuseRequests, ["post", "s1", "hi"])
        #expect(r.status == 3)
        expectSafe(r, "error message", shows: ["forbidden: evil^[]0;pwned^G^[[2J^M^Jfake line^?\\u{9B}31m\\u{202E}desrever", "\\u{2028}para\\u{2029}end"])
    }

    @Test func aRefusedHandshakesStatusLineIsEscaped() throws {
        let r = try run(.refuse, ["sessions"])
        #expect(r.status == 4)
        expectSafe(r, "refused handshake", shows: ["(403): server refused the upgrade: 403 no\\u{9B}2J\\u{202E}way\\u{2066}\\u{2028}x\\u{2029}"])
    }

    @Test func idsAndTitlesInPlainAndJSONOutputAreEscaped() throws {
        let created = try run(.sessions, ["create", "T"])
        #expect(created.status == 0)
        expectSafe(created, "create's id", shows: ["mal\\u{9B}2J\\u{202E}lory\\u{2066}\\u{2028}x\\u{2029}"])
        let table = try run(.sessions, ["sessions"])
        #expect(table.status == 0)
        expectSafe(table, "sessions", shows: ["mal", "evil^[]0;pwned"])
        let json = try run(.sessions, ["sessions", "--json"])
        #expect(json.status == 0)
        // The same JSON, its controls as \u escapes: a script reads the same values.
        expectSafe(json, "sessions --json", shows: [#""id":"mal\u009B2J\u202Elory\u2066\u2028x\u2029""#, "evil\\u001b]0;pwned"])
        let line = json.stdout.split(separator: "\n").first.map(String.init) ?? ""
        #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["id"] as? String == HostileServer.id)
    }

    @Test func tailsJSONFramesAndTheCloseReasonAreEscaped() throws {
        let r = try run(.tailClose, ["tail", "s1", "--json"])
        #expect(r.status == 4)
        expectSafe(r, "tail --json", shows: [#""event":"turn""#, "\\u202Edesrever", "1008", "bye^[]0;pwned"])
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 2, "a joined turn and the event, one line each: \(r.stdout.debugDescription)")
        for line in lines {
            #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["content"] as? String == HostileServer.text)
        }
    }

    @Test func tailSaysWhoDeletedTheSessionEscaped() throws {
        let r = try run(.tailDeleted, ["tail", "s1"])
        #expect(r.status == 2)
        expectSafe(r, "tail, deleted", shows: ["deleted by mal\\u{9B}2J", "evil^[]0;pwned"])
    }

    @Test func theViewEscapesAnErrorMessageAndTheCloseReason() throws {
        let r = try run(.view, ["open", "s1"], stdin: "hello\nagain\n")
        #expect(r.status == 4)
        expectSafe(r, "view", shows: ["! forbidden: evil^[]0;pwned", "connection closed (1008: bye^[]0;pwned^G", "you are write"])
    }
}
