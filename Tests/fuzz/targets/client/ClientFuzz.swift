import FuzzSupport
import TandemClientKit
import TandemJSON
import TandemProtocol

/// Fuzzes what the terminal client does with one text frame from a server (a malicious or broken
/// one): `ServerMessage.decode` as `Connection` calls it, then each operation's result type
/// (`OpName.resultType`, what `Connection.call` decodes answers as) on a success's `result`, and the
/// client's own handling: `OnlineRoster` for presence, `Renderer` for events and every list it prints.
/// - decoding gives a message or throws, never traps; a result that decodes encodes and decodes
///   back to the same value;
/// - every line the renderer makes (without colour) holds no control character but the line
///   breaks it means, no bidirectional override: text from the server cannot move the cursor,
///   recolour or retitle the reader's terminal, or reorder what they see; a turn's or comment's
///   further lines start with the `  | ` continuation, so content never passes for a line of the client's.
///
/// Input: the frame's bytes (the `protocol` target fuzzes the same decoders' wire round trip).
enum ClientFuzz {
    static let renderers = [
        Renderer(color: false, utcOffsetSeconds: 3_600, width: 40, now: 1_796_535_705_000),
        Renderer(color: false, utcOffsetSeconds: -50_400, width: nil, now: nil),
    ]

    // Safe: the input is borrowed for this call only (libFuzzer's or FuzzReplay's buffer); nothing keeps a pointer into it.
    static func run(_ data: UnsafeRawBufferPointer) {
        guard let message = try? ServerMessage.decode(Array(data)) else { return }
        checkJSONLine(String(decoding: data, as: UTF8.self))
        switch message {
        case .event(let event):
            checkEvent(event)
        case .response(let response):
            checkResponse(response)
        case .unknownEvent:
            break
        }
    }

    static func checkEvent(_ event: Event) {
        if case .presence(let change) = event.payload {
            var roster = OnlineRoster(["alice", change.user])
            roster.apply(change)
            fuzzCheck(roster.users.contains(change.user) == (change.action == .joined), "the roster did not apply \(change)")
        }
        for renderer in renderers {
            if let line = renderer.event(event) {
                let isBlock: Bool = switch event.payload {
                case .turn: true
                default: false
                }
                checkPrintable(line, block: isBlock, "event \(event.name.rawValue)")
            }
        }
    }

    static func checkResponse(_ response: Response) {
        guard case .success(let result) = response.body else {
            if case .failure(let error) = response.body {
                // As the view reports a refusal, and as it says a close whose reason the server chose.
                for renderer in renderers { checkPrintable(renderer.error("\(error.code.rawValue): \(error.message)"), block: false, "error") }
                checkPrintable(ConnectionLoss.describe(code: 1011, reason: error.message), block: false, "close reason")
            }
            return
        }
        var seen: Set<ObjectIdentifier> = []
        for op in OpName.allCases where seen.insert(ObjectIdentifier(op.resultType)).inserted {
            roundTrip(op.resultType, result)
        }
        for renderer in renderers { render(result, renderer) }
    }

    /// Decodes `json` as `type` the way the client does, and checks the round trip.
    static func roundTrip<R: WireObject>(_ type: R.Type, _ json: JSONValue) {
        guard let value = try? R(json: json) else { return }
        let written = value.json
        guard let again = try? R(json: written) else {
            fuzzCheck(false, "\(R.self) does not decode its own encoding: \(written.serialized())")
            return
        }
        fuzzCheck(again == value, "\(R.self) changed in a round trip: \(written.serialized())")
    }

    /// Renders the result as each list the client prints would (when it decodes as that list).
    static func render(_ result: JSONValue, _ r: Renderer) {
        func lines(_ what: String, _ lines: [String], block: Bool = false) {
            for line in lines { checkPrintable(line, block: block, what) }
        }
        if let v = try? SessionListResult(json: result) { lines("sessions", r.sessions(v.sessions)) }
        if let v = try? SessionResult(json: result) { lines("session info", r.sessionInfo(v.session)) }
        if let v = try? JoinResult(json: result) {
            lines("join", [r.presence(v.online), r.entryHint(role: v.role, status: v.session.status)]
                  + (v.state ?? []).map(r.stateRow))
            lines("join turns", (v.turns ?? []).map(r.turn), block: true)
        }
        if let v = try? HistoryResult(json: result) { lines("history", v.turns.map(r.turn), block: true) }
        if let v = try? PostTurnResult(json: result) { lines("posted turn", [r.turn(v.turn)], block: true) }
        if let v = try? SearchResult(json: result) { lines("search hits", r.searchHits(v.hits)) }
        if let v = try? StateGetResult(json: result) { lines("state rows", v.rows.map(r.stateRow)) }
        if case .conflict(let current, let conflicts, _)? = try? StatePutResult(json: result) {
            lines("conflict", r.conflict(key: "k", current: current, conflicts: conflicts))
        }
        if let v = try? CommentListResult(json: result) { lines("comments", r.comments(v.comments), block: true) }
        if let v = try? MemberListResult(json: result) { lines("members", v.members.map(r.member)) }
        if let v = try? MemberResult(json: result) { lines("member", [r.member(v.member)]) }
        if let v = try? ContributionsResult(json: result) {
            lines("contributions", r.contributions(v.contributions))
            lines("contributions by session", r.contributions(v.contributions, bySession: true))
        }
        if let v = try? CheckpointListResult(json: result) { lines("checkpoints", r.checkpoints(v.checkpoints)) }
        if let v = try? CheckpointGetResult(json: result) { lines("checkpoint rows", r.checkpointRows(v.rows)) }
        if let v = try? TemplateListResult(json: result) { lines("templates", r.templates(v.templates)) }
        if let v = try? ShareListResult(json: result) { lines("shares", r.shares(v.shares, now: 1_796_535_705_000)) }
    }

    /// `tail --json` prints the frame as it came, through `PrintableText.json(text:)`: one line with
    /// nothing a terminal obeys, and the same JSON.
    static func checkJSONLine(_ frame: String) {
        let line = PrintableText.json(text: frame)
        checkPrintable(line, block: false, "the frame as --json prints it")
        let original = try? JSONValue(parsing: frame), again = try? JSONValue(parsing: line)
        fuzzCheck(original != nil && again == original, "--json changed the frame: \(frame.debugDescription) -> \(line.debugDescription)")
    }

    /// No control character but a line break (and tab), no bidi override, no U+2028 or U+2029 (a
    /// line break to some terminals); in a block, every line
    /// after the first starts with the continuation mark.
    static func checkPrintable(_ text: String, block: Bool, _ what: String) {
        for scalar in text.unicodeScalars {
            let v = scalar.value
            let bad = (v < 0x20 && v != 0x0A && v != 0x09) || (0x7F...0x9F).contains(v)
                || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v) || v == 0x2028 || v == 0x2029
            fuzzCheck(!bad, "\(what) prints U+\(String(v, radix: 16, uppercase: true)) raw: \(text.debugDescription)")
        }
        let breaks = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard breaks.count > 1 else { return }
        fuzzCheck(block, "\(what) is one line but prints a line break: \(text.debugDescription)")
        for line in breaks.dropFirst() {
            fuzzCheck(line.hasPrefix("  | "), "\(what) has a line that could pass for the client's own: \(text.debugDescription)")
        }
    }
}

#if TANDEM_FUZZ
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    // Safe: libFuzzer owns `data` (`size` bytes) for this call only; the run keeps no pointer into it.
    ClientFuzz.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
#else
@main
enum Replay {
    static func main() { FuzzReplay.main(name: "fuzz-client", ClientFuzz.run) }
}
#endif
