import Foundation
import Synchronization
import TandemJSON
import TandemProtocol
import TandemClientKit

/// The interactive client: a `LiveSession` feeding a `Screen`, and an input loop that posts turns and runs
/// slash commands. Events arrive on the connection's reader thread; commands run on the main thread.
final class InteractiveSession: Sendable {
    /// What the next input line means.
    enum Mode: Sendable {
        case normal
        /// A `/set` conflict is waiting for ours / theirs / edit.
        case choosing(PendingConflict)
        /// The user is typing the edited value for a conflict.
        case editing(PendingConflict)
    }

    struct State {
        var mode: Mode = .normal
        /// The version of each state row as this user last read or wrote it (the base for `/set`).
        var versions: [String: Int64] = [:]
        /// Who is online: the last join answer's list, with the presence events since applied.
        var online = OnlineRoster()
        var role: Role?
        /// The session's status at the last join (said on entry: a paused session takes no turns).
        var status: SessionStatus = .active
        var parent: String?
        var userStopped = false
        var inputStarted = false
        /// This view asked for the session's deletion (`/delete`, `/discard`): the `deleted` event that
        /// follows is no news, and the view closes as a success.
        var deleting = false
    }

    let settings: ConnectionSettings
    let sessionID: String
    /// Made for each use: tables fit the terminal's width as it is now (windows get resized).
    var renderer: Renderer { Output.renderer() }
    let screen: Screen
    let state = Mutex(State())
    private let live: Mutex<LiveSession?> = Mutex(nil)
    private let ready = DispatchSemaphore(value: 0)
    private let failure: Mutex<ClientError?> = Mutex(nil)
    private let terminal: Mutex<RawTerminal?> = Mutex(nil)
    let lastTurns: Int64

    init(settings: ConnectionSettings, session: String, last: Int64) {
        self.settings = settings
        sessionID = session
        lastTurns = last
        screen = Screen(prompt: "\(session)> ", interactive: Output.stdinIsTTY && Output.stdoutIsTTY)
    }

    var session: LiveSession? { live.withLock { $0 } }

    func run() throws {
        let liveSession = LiveSession(settings: settings, session: sessionID, lastTurns: lastTurns, hooks: .init(
            event: { [self] event, _ in self.show(event) },
            joined: { [self] result, kind in self.joined(result, kind) },
            status: { [self] text in self.screen.print(self.renderer.notice(text)) },
            gone: { [self] reason in self.gone(reason) }))
        live.withLock { $0 = liveSession }
        let thread = Thread { [self] in
            do throws(ClientError) {
                try liveSession.run()
            } catch {
                self.failure.withLock { $0 = error }
            }
            self.ready.signal()
            self.liveEnded()
        }
        thread.start()
        ready.wait()
        if let error = failure.withLock({ $0 }) { throw error }
        state.withLock { $0.inputStarted = true }
        let (role, status) = state.withLock { ($0.role, $0.status) }
        screen.print(renderer.entryHint(role: settings.isShareLink ? nil : role, status: status))
        if screen.interactive {
            let raw = RawTerminal()
            terminal.withLock { $0 = raw }
            let resized = screen.redrawOnResize()
            defer {
                resized.cancel()
                raw.restore()
            }
            inputLoopRaw()
        } else {
            while let line = readLine(strippingNewline: true) {
                if !handle(line) { break }
            }
        }
        leave()
    }

    /// Called when the live session gives up (a close that says stop, or reconnects that cannot succeed).
    private func liveEnded() {
        let (stopped, started) = state.withLock { ($0.userStopped, $0.inputStarted) }
        guard started, !stopped else { return }
        let error = failure.withLock { $0 }
        // A share viewer of a deleted session is closed (4403) right after the `deleted` event, which
        // normally ends the view first; without it, the close says the same.
        if case .closed(_, let reason)? = error, reason == LiveSession.stopReason(.shareRevoked, LiveSession.deletedReason) {
            end(status: 2, "session \(sessionID) was deleted")
        }
        end(status: error.map(exitStatus(for:)) ?? 4, error.map { "\($0)" } ?? "connection ended")
    }

    /// The session was deleted or this user removed: nothing more will arrive, so the view says why and
    /// ends, unless this view asked for the deletion (it closes on its own once the answer is in).
    private func gone(_ reason: LiveSession.Gone) {
        if case .deleted = reason, state.withLock({ $0.deleting }) { return }
        end(status: reason.exitStatus, reason.explanation(session: sessionID))
    }

    /// Ends the program from any thread, once: a success is told on the screen, a failure on stderr
    /// after the screen is put back (as `tandem: ...`, like every other failure).
    private func end(status: Int32, _ message: String) {
        let first = state.withLock { s -> Bool in
            defer { s.userStopped = true }
            return !s.userStopped
        }
        guard first else { return }
        if status == 0 { screen.print(renderer.notice(message)) }
        screen.finish()
        terminal.withLock { $0?.restore() }
        if status != 0 { Output.error("tandem: \(message)") }
        exit(status)
    }

    private func leave() {
        state.withLock { $0.userStopped = true }
        session?.stop()
        screen.finish()
    }

    private func inputLoopRaw() {
        var byte: UInt8 = 0
        while read(0, &byte, 1) == 1 {
            switch screen.feed(byte) {
            case .submit(let line):
                if !handle(line) { return }
            case .endOfInput:
                return
            case .interrupt(let hadText):
                if !hadText { return }
            case .suspend:
                terminal.withLock { $0?.suspend() }
                screen.redraw()
            case .none, .redraw, .clearScreen:
                continue
            }
        }
    }

    // MARK: Events

    private func joined(_ result: JoinResult, _ kind: LiveSession.JoinKind) {
        state.withLock { s in
            // Every join kind, a rejoin's too: the answer is the truth (presence is not replayed).
            s.online.reset(to: result.online)
            s.role = result.role
            s.status = result.session.status
            s.parent = result.session.parent?.session
            for row in result.state ?? [] { s.versions[row.key] = row.version }
        }
        switch kind {
        case .fresh:
            let who = settings.isShareLink ? "a viewer through a share link" : "\(result.role.rawValue)"
            screen.print(renderer.notice("\(result.session.title.isEmpty ? sessionID : PrintableText.line(result.session.title)) — you are \(who)"))
            for turn in result.turns ?? [] { screen.print(renderer.turn(turn)) }
        case .caughtUp:
            let turns = result.turns ?? []
            screen.print(renderer.notice("reconnected; \(turns.count) missed turn(s) from history follow"))
            for turn in turns { screen.print(renderer.turn(turn)) }
        case .resumed where result.backlog > 0:
            screen.print(renderer.notice("reconnected; \(result.backlog) missed event(s) follow"))
        case .resumed:
            screen.print(renderer.notice("reconnected"))
        }
        screen.print(renderer.presence(result.online))
        ready.signal()
    }

    private func show(_ event: Event) {
        switch event.payload {
        case .state:
            // Shown, but not taken as the base for `/set`: the base is what this user read (join, /state)
            // or wrote, so a write made on an older view goes through the server's three-way merge and a
            // clash on the same path surfaces as a conflict instead of silently overwriting.
            break
        case .presence(let p):
            let (news, online) = state.withLock { s in
                let news = s.online.isNews(p)
                s.online.apply(p)
                return (news, s.online.sorted)
            }
            // Your own arrival (and a second connection of someone already online) is no news.
            guard news else { return }
            if let line = renderer.event(event) { screen.print(line) }
            screen.print(renderer.presence(online))
            return
        case .session(let change) where change.change == .restored:
            // Rows went back to the checkpoint: forget versions so /set reads them again.
            state.withLock { $0.versions = [:] }
        case .session(let change) where change.change == .unparented:
            // The parent is gone for good: this view's session is no branch any more.
            state.withLock { $0.parent = nil }
        default:
            break
        }
        if let line = renderer.event(event) { screen.print(line) }
    }

    // MARK: Input

    /// Runs one input line; false to leave.
    func handle(_ rawLine: String) -> Bool {
        let line = rawLine.trimmingCharacters(in: .whitespaces)
        let mode = state.withLock { $0.mode }
        switch mode {
        case .choosing(let pending):
            choose(line, pending)
            return true
        case .editing(let pending):
            finishEdit(line, pending)
            return true
        case .normal:
            break
        }
        if line.isEmpty { return true }
        if let text = SlashCommand.escapedText(rawLine) {
            post(text)
            return true
        }
        guard line.hasPrefix("/") else {
            post(rawLine)
            return true
        }
        do {
            let command = try SlashCommand.parse(line, home: ProcessInfo.processInfo.environment["HOME"])
            if command == .exit { return false }
            return run(command)
        } catch {
            screen.print(renderer.error(error.message))
        }
        return true
    }

    private func post(_ text: String) {
        let params = PostTurnParams(session: sessionID, content: text, nonce: Nonce.make())
        for attempt in 0..<3 {
            do {
                _ = try request(.turnPost(params))
                return
            } catch {
                if case .server(let refusal) = error {
                    report(error)
                    if refusal.code.isRetryable {
                        giveBack(text)
                    } else {
                        keptInHistory(refusal.code)
                    }
                    return
                }
                if attempt == 2 {
                    screen.print(renderer.error("not posted (\(error))"))
                    giveBack(text)
                    return
                }
                // Same nonce on retry: if the first attempt landed, the server answers `duplicate`.
                Thread.sleep(forTimeInterval: 1.5)
            }
        }
    }

    /// A turn refused for a reason that Enter alone cannot change (a role, a paused session) stays
    /// out of the input line: on it, whatever is typed next (`/resume`, the next thought) would be
    /// added to it and posted as one garbled turn. It is in the line history, one Up away.
    private func keptInHistory(_ code: ErrorCode) {
        guard screen.interactive else { return }
        if code == .forbidden, !settings.isShareLink {
            screen.print(renderer.notice("posting needs the write role; an admin of the session can give it (/role USER write)"))
        }
        screen.print(renderer.notice("not posted; Up brings your text back"))
    }

    /// A turn that failed for a passing reason (a lost connection, a rate limit) goes back on the
    /// input line: Enter retries it, Ctrl-U drops it.
    private func giveBack(_ text: String) {
        guard screen.interactive else { return }
        screen.print(renderer.notice("your text is back on the input line: Enter to try again, Ctrl-U to drop it"))
        screen.setBuffer(text)
    }

    /// A request on the current connection.
    func request(_ operation: TandemProtocol.Operation) throws(ClientError) -> JSONValue {
        guard let connection = session?.connection else { throw .closed(code: nil, reason: "not connected; reconnecting") }
        return try connection.request(operation)
    }

    func call<R: WireObject>(_ operation: TandemProtocol.Operation, as type: R.Type) throws(ClientError) -> R {
        guard let connection = session?.connection else { throw .closed(code: nil, reason: "not connected; reconnecting") }
        return try connection.call(operation, as: type)
    }

    /// Shows a failed request; `forbidden` and friends carry the server's reason.
    func report(_ error: ClientError) {
        if case .server(let e) = error {
            screen.print(renderer.error("\(e.code.rawValue): \(e.message)"))
        } else {
            screen.print(renderer.error("\(error)"))
        }
    }

    // MARK: Conflicts

    /// The prompt while a conflict waits for its answer.
    static let choicePrompt = "ours|theirs|edit> "

    private func choose(_ line: String, _ pending: PendingConflict) {
        guard let choice = ConflictChoice.parse(line) else {
            screen.print(renderer.error("answer ours, theirs or edit"))
            return
        }
        switch choice {
        case .theirs:
            state.withLock { $0.mode = .normal }
            screen.setPrompt("\(sessionID)> ")
            // Your changes that merged still go in; with none, nothing is written.
            if let put = pending.resolution(.theirs, session: sessionID) {
                write(put)
            } else {
                screen.print(renderer.notice("kept theirs: \(pending.key) stays at v\(pending.currentVersion)"))
            }
        case .ours:
            state.withLock { $0.mode = .normal }
            screen.setPrompt("\(sessionID)> ")
            if let put = pending.resolution(.ours, session: sessionID) { write(put) }
        case .edit:
            state.withLock { $0.mode = .editing(pending) }
            screen.print(renderer.notice("edit the value (JSON) and press Enter; an empty line goes back to the choice"))
            screen.setPrompt("\(pending.key) json> ")
            screen.setBuffer(pending.oursValue.serialized())
        }
    }

    private func finishEdit(_ line: String, _ pending: PendingConflict) {
        // An empty line takes the edit back (Ctrl-U or Ctrl-C, then Enter): without it, only valid
        // JSON or leaving the view got out of this prompt.
        if line.isEmpty {
            state.withLock { $0.mode = .choosing(pending) }
            screen.setPrompt(Self.choicePrompt)
            screen.print(renderer.notice("edit dropped; resolve with: ours | theirs | edit"))
            return
        }
        let value: JSONValue
        do {
            value = try JSONValue(parsing: line)
        } catch {
            screen.print(renderer.error("not valid JSON (\(error)); try again"))
            return
        }
        state.withLock { $0.mode = .normal }
        screen.setPrompt("\(sessionID)> ")
        if let put = pending.resolution(.edit, session: sessionID, edited: value) { write(put) }
    }

    /// A versioned write; a conflict switches to asking ours / theirs / edit.
    func write(_ params: StatePutParams) {
        do {
            let result = try call(.statePut(params), as: StatePutResult.self)
            switch result {
            case .applied(let row, _), .merged(let row, _):
                // The `state` event that follows says it (merged or not), as for every member.
                state.withLock { $0.versions[row.key] = max($0.versions[row.key] ?? 0, row.version) }
            case .conflict(let current, let conflicts, let merged):
                let pending = PendingConflict(key: params.key, yours: params.value, current: current, conflicts: conflicts, merged: merged)
                state.withLock { $0.mode = .choosing(pending) }
                screen.print(lines: renderer.conflict(key: params.key, current: current, conflicts: conflicts))
                // The prompt shows that the next line answers the conflict, not a turn.
                screen.setPrompt(Self.choicePrompt)
            }
        } catch {
            report(error)
        }
    }
}
