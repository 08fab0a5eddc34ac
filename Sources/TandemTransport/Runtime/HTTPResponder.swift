/// How the application answers a plain HTTP request: at once, or later from another thread.
public enum HTTPAnswer: Sendable {
    /// This response goes out now.
    case now(HTTPResponse)
    /// The application answers through the `HTTPResponder` it was given, from any thread. Until it
    /// does, the connection waits: its loop goes on with everyone else, what the peer sends is
    /// dropped (the answer closes the connection), and if no answer comes before the handshake
    /// timeout (counted from the accept, as for the request itself) the transport answers
    /// `HTTPResponder.timedOut` (503) and ignores the late one.
    case later
}

/// Answers one plain HTTP request after `WebSocketApplication.answer(http:peer:responder:)`
/// returned `.later`. Cheap to copy and to call from any thread; only the first answer counts.
public struct HTTPResponder: Sendable {
    let connection: WebSocketConnection
    /// Which wait this answers: a connection waits at most once, but a responder kept past the
    /// wait's end (timed out, peer gone) must not answer anything else.
    let ticket: UInt64

    /// Sends `response` (then half-closes and drains, as for every plain answer), if the
    /// connection still waits for it; otherwise does nothing.
    public func respond(_ response: HTTPResponse) {
        let connection = self.connection, ticket = self.ticket
        if connection.loop.inLoop {
            connection.answerAwaited(ticket: ticket, with: response)
        } else {
            connection.loop.execute { connection.answerAwaited(ticket: ticket, with: response) }
        }
    }

    /// What a request gets whose answer did not come within the handshake timeout.
    public static let timedOut = HTTPResponse.text(503, "the server did not answer in time; retry later\n",
                                                   extraHeaders: [("Retry-After", "5")])
}

extension WebSocketConnection {
    /// Waits for the application's answer to a plain request (`HTTPAnswer.later`): the handshake
    /// timer keeps running and answers `HTTPResponder.timedOut` if it fires first.
    func awaitAnswer() -> HTTPResponder {
        answerTicket &+= 1
        awaitingAnswer = true
        return HTTPResponder(connection: self, ticket: answerTicket)
    }

    /// The application's late answer; dropped unless this connection still waits for this ticket.
    func answerAwaited(ticket: UInt64, with response: HTTPResponse) {
        loop.assertInLoop()
        guard awaitingAnswer, ticket == answerTicket, phase == .http else { return }
        awaitingAnswer = false
        let peerGone = peerFinished
        respondAndClose(response)
        // The peer already ended its side: nothing to drain, close once the answer is written.
        if peerGone { afterFlush = .closeSocket }
    }
}
