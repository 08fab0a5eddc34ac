// CSystem as well as Glibc: MSG_NOSIGNAL comes through whichever of the two owns <sys/socket.h> in a
// given build, and with Glibc alone the build failed now and then ("cannot find MSG_NOSIGNAL").
import CSystem
#if canImport(Glibc)
import Glibc
#endif

/// Socket side of a connection: registration, reads into the loop's scratch buffer, queued
/// writes, timers and the final close. All on the loop thread.
extension WebSocketConnection: LoopHandler, FlushTarget, TimerTarget {
    func start() {
        loop.assertInLoop()
        lastActivity = loop.now
        acceptedAt = loop.now
        do {
            try loop.register(fd, interest: .read, handler: self)
        } catch {
            Glibc.close(fd)
            phase = .closed
            serverLoop.remove(self)
            return
        }
        if let context = server.tlsContext {
            guard let session = try? TLSSession(context: context, fd: fd) else { return closeSocket() }
            tls = session
            phase = .tlsHandshake
        } else {
            beginHTTP()
        }
        armTimer(at: loop.now + server.handshakeTimeout)
    }

    func handle(_ events: PollEvents) {
        loop.assertInLoop()
        if phase == .tlsHandshake {
            continueTLSHandshake()
            return
        }
        if events.contains(.writable) && !outbound.isEmpty {
            flush()
        }
        if peerFinished {
            // Both directions are gone (the peer closed fully): nothing can be written any more.
            if events.contains(.hangup) { closeSocket() }
            return
        }
        if phase != .closed && (events.contains(.readable) || events.contains(.hangup)) {
            readAvailable()
        }
    }

    private func continueTLSHandshake() {
        guard let tls else { return closeSocket() }
        switch tls.accept() {
        case .done:
            setInterest(.read)
            beginHTTP()
            // The client may have sent its request in the same flight as the handshake's end.
            readAvailable()
        case .wantRead: setInterest(.read)
        case .wantWrite: setInterest([.read, .write])
        case .failed(let reason) where reason.hasSuffix("http request"):
            answerPlainHTTPOnTLSPort()
            closeSocket()
        case .closed, .failed: closeSocket()
        }
    }

    /// A plain `http://` request (a probe, curl, a proxy's `proxy_pass http://`) on a port that speaks
    /// only TLS: OpenSSL recognises the request line, and the socket was closed without a word, which
    /// curl shows as "Empty reply from server". One plain-text 400 saying what to use instead, best
    /// effort (a non-blocking send of a few bytes; nothing else was written on this socket).
    private func answerPlainHTTPOnTLSPort() {
        let body = "this port speaks TLS only: use https:// or wss://\n"
        let response = Array(("HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n"
            + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body).utf8)
        // Safe: the buffer outlives the call and its count is passed with it.
        _ = response.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
    }

    /// Reads what the socket has, bounded per turn for fairness: level-triggered epoll calls again
    /// for what is left in the socket. A TLS record is at most 16 KiB, so TLS gets more reads for the
    /// same bytes, and what OpenSSL already took from the socket is read in a task of the next turn.
    func readAvailable() {
        let scratch = loop.scratch
        var reads = tls == nil ? Self.plainReadsPerTurn : Self.tlsReadsPerTurn
        while phase != .closed && reads > 0 {
            let count: Int
            if let tls {
                switch tls.read(into: scratch.baseAddress!, count: scratch.count) {
                case .done(let n): count = n
                case .wantRead: return
                case .wantWrite: setInterest([.read, .write]); return
                case .closed: count = 0
                case .failed: return closeSocket()
                }
            } else {
                count = Glibc.read(fd, scratch.baseAddress, scratch.count)
                if count < 0 {
                    if errno == EINTR { continue }
                    if errno == EAGAIN || errno == EWOULDBLOCK { return }
                    return closeSocket()
                }
            }
            if count == 0 {
                return peerEnded()
            }
            lastActivity = loop.now
            // Safe: `count` <= scratch.count bytes were just read into the loop's scratch, and `received` does not keep the pointer
            received(UnsafeRawBufferPointer(rebasing: scratch[0..<count]))
            if tls == nil && count < scratch.count { return }
            reads -= 1
        }
        if phase != .closed, let tls, tls.hasBufferedBytes {
            loop.enqueueWithoutWake { [self] in self.readAvailable() }
        }
    }

    /// Reads per turn: plain reads fill the 64 KiB scratch buffer; TLS reads return a record each.
    static let plainReadsPerTurn = 4
    static let tlsReadsPerTurn = 16

    /// Peer sent EOF. It may have sent requests right before (a request and its FIN, or TLS close_notify,
    /// often arrive in one read): their answers still go out before the socket closes.
    private func peerEnded() {
        switch phase {
        case .closing where !outbound.isEmpty:
            // An HTTP response or a close frame is queued: it goes out, then the socket closes.
            peerFinished = true
            afterFlush = .closeSocket
            flush()
        case .http where awaitingAnswer && pendingUpgrade == nil:
            // A request and its FIN in one go (`curl` does not, `nc -N` does): the answer still
            // goes out when the application gives it, then the socket closes.
            peerFinished = true
            setInterest([])
        case .open:
            // Answers the application has yet to send (a commit in flight) get `closeTimeout` to go
            // out; then the connection closes like any other, with a close frame.
            peerFinished = true
            armTimer(at: loop.now + server.closeTimeout)
            if announced { server.application.peerEnded(self) }
            // A peer whose process exited answers whatever reaches it with a reset: the hangup
            // closes the socket at once and frees its place (it held one of max-connections for
            // closeTimeout). With nothing queued to flush, a ping is sent to find out. A peer that
            // only shut down its writing side reads the ping and keeps the wait for its answers.
            if outbound.isEmpty && phase == .open {
                lastPing = loop.now
                enqueueBytes(SharedFrame(opcode: .ping, payload: []).plain)
            }
            setInterest(outbound.isEmpty ? [] : .write)
        default:
            closeSocket()
        }
    }

    // MARK: Writing

    /// Queues bytes and asks for a flush at the end of this loop turn.
    func enqueueBytes(_ bytes: consuming FrameBytes) {
        outbound.append(bytes)
        requestFlush()
    }

    func requestFlush() {
        if flushRequested { return }
        flushRequested = true
        let window = server.writeCoalescingWindow
        if window > 0 && phase == .open && loop.now &- lastWrite < window {
            loop.requestFlush(self, notBefore: lastWrite &+ window)
        } else {
            loop.requestFlush(self)
        }
    }

    func flushAtEndOfTurn() {
        flushRequested = false
        lastWrite = loop.now
        if phase != .closed { flush() }
    }

    func flush() {
        let outcome: OutboundQueue.WriteOutcome
        if let tls {
            outcome = outbound.write(tls: tls)
        } else {
            outcome = outbound.write(fd: fd, staging: loop.writeStaging)
        }
        switch outcome {
        case .drained:
            setInterest(.read)
            drained()
        case .wouldBlock:
            setInterest([.read, .write])
        case .wantRead:
            setInterest(.read)
        case .failed:
            closeSocket()
        }
    }

    private func drained() {
        switch afterFlush {
        case .nothing: break
        case .closeSocket: closeSocket()
        case .halfCloseAndDrain:
            afterFlush = .nothing
            tls?.shutdown()
            shutdown(fd, Int32(SHUT_WR))
            phase = .draining
            armTimer(at: loop.now + server.closeTimeout)
        }
    }

    func setInterest(_ wanted: PollInterest) {
        // Nothing more to read once the peer ended its side (EOF stays readable for ever).
        let wanted = peerFinished ? wanted.subtracting(.read) : wanted
        guard wanted != interest, phase != .closed else { return }
        interest = wanted
        loop.modify(fd, interest: wanted)
    }

    // MARK: Timers

    func armTimer(at deadline: UInt64) {
        timerGeneration &+= 1
        loop.schedule(deadline: deadline, generation: timerGeneration, target: self)
    }

    func timerFired(generation: UInt64) {
        guard generation == timerGeneration, phase != .closed else { return }
        let now = loop.now
        switch phase {
        case .tlsHandshake:
            closeSocket()
        case .http where awaitingAnswer:
            // The request came in time; the application's answer did not.
            respondAndClose(HTTPResponder.timedOut)
        case .http:
            respondAndClose(HTTPResponse.text(408, "request timeout\n"))
        case .open where peerFinished:
            startClose(code: .normal, reason: "")
            afterFlush = .closeSocket
        case .open:
            openTimerFired(now: now)
        case .closing, .draining:
            closeSocket()
        case .closed:
            break
        }
    }

    // MARK: Closing

    /// Closes the socket now and tells the application (if it saw `opened`). Idempotent.
    func closeSocket() {
        guard phase != .closed else { return }
        phase = .closed
        timerGeneration &+= 1
        loop.deregister(fd)
        tls = nil
        Glibc.close(fd)
        outbound.dropUnstarted()
        outbound = OutboundQueue()
        reader = nil
        httpParser = nil
        deflater = nil
        serverLoop.remove(self)
        if announced {
            announced = false
            server.application.closed(self, code: closeCode)
        }
    }

    /// Drops the connection without a closing handshake (shutdown after the grace period).
    func abort() {
        closeSocket()
    }
}
