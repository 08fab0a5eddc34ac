import Foundation
import Testing

/// A tandemd that cannot start (port taken, database unusable) says why in one line in the log
/// format it was given, with status 64 and no usage text: the command line was not the problem,
/// and a log collector reading `--log-format json` must not drop the one line that matters.
@Suite("tandemd start failures")
struct StartFailureTests {
    private func start(_ arguments: [String]) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try TandemdProcess.binary())
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    @Test func aFailedStartIsOneJSONLogLineInJSONMode() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-startfail-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = try TandemdProcess(databasePath: dir.appendingPathComponent("a.db").path)
        defer { first.stop() }
        let taken = try start(["--db", dir.appendingPathComponent("b.db").path, "--host", "127.0.0.1",
                               "--port", String(first.port), "--log-format", "json"])
        #expect(taken.status == 64)
        let lines = taken.stderr.split(separator: "\n")
        #expect(!lines.isEmpty)
        for line in lines {
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["level"] as? String != nil, "not a JSON log line: \(line)")
        }
        let failure = try #require(lines.first { $0.contains("cannot listen") })
        #expect(failure.contains(#""level":"critical""#) && failure.contains("b.owner-token"), "\(failure)")

        let unopenable = try start(["--db", dir.appendingPathComponent("missing/dir/c.db").path, "--port", "0"])
        #expect(unopenable.status == 64)
        #expect(unopenable.stderr.hasPrefix("Error: cannot start: "), "\(unopenable.stderr)")
        #expect(!unopenable.stderr.contains("Usage:"), "a start failure is no usage error: \(unopenable.stderr)")
        #expect(unopenable.stderr.split(separator: "\n").count == 1, "\(unopenable.stderr)")
    }
}
