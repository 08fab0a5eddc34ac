import ArgumentParser
import Foundation
import TandemJSON
import TandemProtocol
import TandemClientKit

/// `tandem info`.
struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Describe a session: title, status, owner, your role, turns, branch origin, metadata.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The session id.") var session: String
    @Flag(help: "The session as one JSON object.") var json = false

    func run() throws {
        try runConnected(connection) { c in
            let info = try c.call(.sessionGet(SessionRef(session: session)), as: SessionResult.self).session
            if json {
                Output.json(info.json)
            } else {
                for line in Output.renderer().sessionInfo(info) { Output.rendered(line) }
            }
        }
    }
}

/// `tandem update`.
struct Update: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Change a session's title or metadata (admin).")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The session id.") var session: String
    @Option(help: "The new title.") var title: String?
    @Option(help: "The new metadata, a JSON object (replaces the whole object; {} clears it).") var metadata: String?

    func run() throws {
        try runReporting {
            guard title != nil || metadata != nil else { throw Failure("nothing to update: give --title and/or --metadata") }
            if let title, let problem = TitleText.problem(title) { throw Failure("--title: " + problem) }
            let object = try metadata.map(metadataObject)
            let c = try connect(connection)
            defer { c.close() }
            let params = SessionUpdateParams(session: session, title: title, metadata: object)
            let info = try c.call(.sessionUpdate(params), as: SessionResult.self).session
            Output.line("\(info.id) updated")
        }
    }
}

/// `tandem pause`, `tandem resume`, `tandem archive`: one status change each.
protocol StatusCommand: ParsableCommand {
    var connection: ConnectionOptions { get }
    var session: String { get }
    static func operation(_ ref: SessionRef) -> TandemProtocol.Operation
}

extension StatusCommand {
    func run() throws {
        try runConnected(connection) { c in
            let info = try c.call(Self.operation(SessionRef(session: session)), as: SessionResult.self).session
            Output.line("\(info.id) \(info.status.rawValue)")
        }
    }
}

struct Pause: StatusCommand {
    static let configuration = CommandConfiguration(abstract: "Pause a session: no turns, rows or comments until it is resumed (admin).")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The session id.") var session: String
    static func operation(_ ref: SessionRef) -> TandemProtocol.Operation { .sessionPause(ref) }
}

struct Resume: StatusCommand {
    static let configuration = CommandConfiguration(abstract: "Resume a paused session (admin).")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The session id.") var session: String
    static func operation(_ ref: SessionRef) -> TandemProtocol.Operation { .sessionResume(ref) }
}

struct Archive: StatusCommand {
    static let configuration = CommandConfiguration(abstract: "Archive a session: read-only for good (admin).")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The session id.") var session: String
    static func operation(_ ref: SessionRef) -> TandemProtocol.Operation { .sessionArchive(ref) }
}

/// `tandem delete`.
struct Delete: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Delete a session for every member, for good (owner).")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The session id.") var session: String
    @Flag(help: "Confirm: there is no way back.") var yes = false

    func run() throws {
        try runReporting {
            guard yes else {
                throw Failure("deleting \(session) removes it and everything in it for every member, for good; add --yes to confirm")
            }
            let c = try connect(connection)
            defer { c.close() }
            _ = try c.call(.sessionDelete(SessionRef(session: session)), as: EmptyResult.self)
            Output.line("\(session) deleted")
        }
    }
}

/// `tandem search`.
struct Search: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Full-text search over the titles and turns of your sessions.",
        discussion: #"Syntax: words (all must match), "phrases", prefix*, AND, OR, NOT or -word. Put -- before a query that starts with -."#)
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The query (several words are one query).") var words: [String]
    @Option(help: "Only sessions with this status: active, paused or archived.") var status: String?
    // Unconditional: a negative number is a bad value to explain, not a missing value.
    @Option(parsing: .unconditional, help: "At most this many hits (1-1000).") var limit: Int64 = 20
    @Flag(help: "One JSON hit per line.") var json = false

    func run() throws {
        try runReporting {
            guard (1...1000).contains(limit) else { throw Failure("--limit must be from 1 to 1000, got \(limit)") }
            let query = words.joined(separator: " ")
            guard !query.trimmingCharacters(in: .whitespaces).isEmpty else { throw Failure("no query: tandem search WORDS") }
            if let problem = SearchableText.problem(query) { throw Failure(problem) }
            let wanted = try status.map(statusOption)
            let c = try connect(connection)
            defer { c.close() }
            let hits = try c.searchHits(query: query, status: wanted, limit: limit).hits
            if json {
                for hit in hits { Output.json(hit.json) }
            } else if hits.isEmpty {
                Output.error("no matches")
            } else {
                for line in Output.renderer().searchHits(hits) { Output.rendered(line) }
            }
        }
    }
}

/// `tandem import`.
struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create a session from a JSON export document (`tandem export`) and print its id.",
        discussion: "You become its owner and only member; turns, comments and rows keep the authors the document names.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The document's file (`-`: read stdin).") var file: String
    @Option(help: "The new session's id, 1-64 of A-Z a-z 0-9 _ - (the document's when absent).") var id: String?

    func run() throws {
        try runReporting {
            if let id, let problem = NewSessionID.problem(id, option: "--id") { throw Failure(problem) }
            let document = try readDocument()
            let c = try connect(connection)
            defer { c.close() }
            // A whole session can take a while to write; the server answers once it is complete.
            let result: SessionResult
            do throws(ClientError) {
                result = try c.call(.sessionImport(ImportParams(document: document, session: id)), as: SessionResult.self, timeout: 120)
            } catch {
                // Importing a session's own export next to it is the usual case: say how.
                if case .server(let refusal) = error, refusal.code == .alreadyExists {
                    throw Failure("\(refusal.code.rawValue): \(refusal.message); import it under another id with --id NEW_ID", exitCode: 3)
                }
                throw error
            }
            Output.line(result.session.id)
        }
    }

    func readDocument() throws -> JSONValue {
        let data: Data
        if file == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let contents = FileManager.default.contents(atPath: file) else {
                let reason = FileManager.default.fileExists(atPath: file) ? "not readable, or a directory" : "no such file"
                throw Failure("cannot read \(file): \(reason)")
            }
            data = contents
        }
        let name = file == "-" ? "standard input" : file
        guard let value = try? JSONValue(parsing: String(decoding: data, as: UTF8.self)), case .object = value else {
            throw Failure("\(name) is not a JSON export document (one object, as `tandem export` writes)")
        }
        return value
    }
}
