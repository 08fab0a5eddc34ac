/// The handshake phase: parse the request, answer plain GETs through the application, validate
/// the upgrade with the codec, let the application decide, then switch to frames.
extension WebSocketConnection {
    func beginHTTP() {
        phase = .http
        httpParser = HTTPRequestParser(limits: server.configuration.http)
    }

    // Safe: `bytes` is read during the call only; leftovers are copied into `parkedBytes` or the parser
    func feedHTTP(_ bytes: UnsafeRawBufferPointer) {
        if parkedBytes != nil {
            // Frames sent right behind the upgrade request, while it waits for the other loops: kept,
            // up to what one read takes (a client does not send much before its 101).
            guard parkedBytes!.count + bytes.count <= Self.maxParkedBytes else {
                if pendingUpgrade != nil {
                    return respondAndClose(.text(400, "more than \(Self.maxParkedBytes) bytes sent before the upgrade was answered\n"))
                }
                server.noteRefusedWhenFull()
                return respondAndClose(Self.full)
            }
            parkedBytes!.append(contentsOf: bytes)
            return
        }
        guard httpParser != nil else { return }
        let request: HTTPRequest?
        do {
            request = try httpParser!.feed(bytes)
        } catch {
            return respondAndClose(error.response)
        }
        guard let request else { return }
        let leftover = httpParser!.leftover
        httpParser = nil
        handle(request: request, leftover: leftover)
    }

    private func handle(request: HTTPRequest, leftover: [UInt8]) {
        if forwardsClients {
            // Once per connection (a request that waits for the sweeps comes back here).
            forwardsClients = false
            if let named = server.configuration.forwardedClient?(request, remoteAddress), let key = AddressKey(host: named) {
                guard server.admitForwardedClient(key) else { return refuseOverAddressLimit(request) }
                address = key
            }
        }
        if overAddressLimit { return refuseOverAddressLimit(request) }
        // Only an Upgrade naming websocket makes a WebSocket attempt; h2c and the like are ignored.
        guard WebSocketUpgrade.asksForWebSocket(request) else {
            guard request.method == "GET" || request.method == "HEAD" else {
                return respondAndClose(.text(405, "method not allowed\n", extraHeaders: [("Allow", "GET, HEAD")]))
            }
            switch server.application.answer(http: request, peer: remoteAddress, responder: awaitAnswer()) {
            case .now(let response):
                // Unless the application already answered through the responder.
                if awaitingAnswer { respondAndClose(response) }
            case .later:
                break  // the handshake timer still runs: it answers 503 if the application does not
            }
            return
        }
        // A place may have come free since the accept (a silent socket on another loop gave it up).
        if beyondLimit && server.promoteOverflowSlot() { beyondLimit = false }
        if beyondLimit && !waitedForSweeps {
            // The other loops were asked to close their silent sockets and have not all done it yet:
            // the answer waits for them (this loop goes on meanwhile), then the place is tried again.
            waitedForSweeps = true
            let resume: @Sendable () -> Void = { [self] in
                loop.execute { [self] in self.resumeAfterSweeps(request) }
            }
            if server.afterPendingSweeps(resume) {
                parkedBytes = leftover
                return
            }
        }
        if beyondLimit {
            // Full: said before any credential is read, so a full server costs no lookups.
            server.noteRefusedWhenFull()
            return respondAndClose(Self.full)
        }
        switch WebSocketUpgrade.validate(request, config: server.configuration.upgrade) {
        case .failure(let error):
            server.application.refusedUpgrade(request, error: error, peer: remoteAddress)
            respondAndClose(error.response)
        case .success(let acceptance):
            let responder = awaitUpgrade(acceptance, leftover: leftover)
            switch server.application.shouldUpgrade(request, subprotocol: acceptance.subprotocol, peer: remoteAddress,
                                                    responder: responder) {
            case nil:
                break  // decided later (`UpgradeResponder`); the handshake timer still runs
            case let decision?:
                responder.decide { decision }
            }
        }
    }

    /// A request from a client address that holds its share: answered before anything else (no
    /// upgrade work, no credential read), and told to the application for its logs.
    private func refuseOverAddressLimit(_ request: HTTPRequest) {
        let limit = server.configuration.maxConnectionsPerAddress
        let error = HTTPError(status: 429, message: "more than \(limit) connections from this address")
        server.application.refusedUpgrade(request, error: error, peer: remoteAddress)
        respondAndClose(.text(429, "too many connections from your address (at most \(limit)); retry later\n",
                              extraHeaders: [("Retry-After", "5")]))
    }

    /// The other loops' sweeps ran: answers the request that waited for them (unless the connection
    /// was answered or closed meanwhile: its handshake timer, the peer's end).
    private func resumeAfterSweeps(_ request: HTTPRequest) {
        guard phase == .http, httpParser == nil, pendingUpgrade == nil, let leftover = parkedBytes else { return }
        parkedBytes = nil
        handle(request: request, leftover: leftover)
    }

    /// An upgrade beyond `maxConnections`.
    static let full = HTTPResponse.text(503, "the server is at its connection limit; retry later\n", extraHeaders: [("Retry-After", "5")])
    /// Bytes kept from behind a request that waits for the other loops' sweeps.
    static let maxParkedBytes = 1 << 16

    /// Sends an HTTP answer, then half-closes and drains so the peer reads it before the socket goes.
    func respondAndClose(_ response: HTTPResponse) {
        httpParser = nil
        awaitingAnswer = false
        pendingUpgrade = nil
        parkedBytes = nil
        phase = .closing
        enqueueBytes(FrameBytes.make(copying: response.serialized()))
        afterFlush = .halfCloseAndDrain
        armTimer(at: loop.now + server.closeTimeout)
    }

    func open(_ acceptance: UpgradeAcceptance, leftover: [UInt8]) {
        subprotocol = acceptance.subprotocol
        deflate = acceptance.deflate
        let inflater = acceptance.deflate.map {
            Inflater(windowBits: $0.clientMaxWindowBits, noContextTakeover: $0.clientNoContextTakeover)
        }
        reader = MessageReader(role: .server, limits: server.configuration.limits, inflater: inflater)
        phase = .open
        enqueueBytes(FrameBytes.make(copying: acceptance.response.serialized()))
        lastActivity = loop.now
        armOpenTimer()
        if nextOpenDeadline() == nil { timerGeneration &+= 1 }
        announced = true
        server.application.opened(self)
        if !leftover.isEmpty, phase == .open {
            reader!.append(leftover)
            processFrames()
        }
    }
}
