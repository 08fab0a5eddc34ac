/// Decides one upgrade request after `WebSocketApplication.shouldUpgrade(_:subprotocol:peer:responder:)`
/// returned nil (decide later). Cheap to copy and to call from any thread; only the first call counts.
public struct UpgradeResponder: Sendable {
    let connection: WebSocketConnection
    let ticket: UInt64

    /// Runs `decide` on the connection's loop, if the connection still waits for this decision, and
    /// applies what it returns (101 and `opened`, or the rejection). If the connection is gone or
    /// was answered meanwhile (the handshake timeout, the peer's end), `decide` never runs: whatever
    /// it would take (a place per user) is taken only for a connection that opens.
    public func decide(_ decide: @escaping @Sendable () -> UpgradeDecision) {
        let connection = self.connection, ticket = self.ticket
        if connection.loop.inLoop {
            connection.decideAwaited(ticket: ticket, decide)
        } else {
            connection.loop.execute { connection.decideAwaited(ticket: ticket, decide) }
        }
    }
}

extension WebSocketConnection {
    /// Waits for the application's decision on a valid upgrade: what the peer sends meanwhile is
    /// kept (up to `maxParkedBytes`), the handshake timer keeps running (503 if it fires first), and
    /// the peer's end closes the socket.
    func awaitUpgrade(_ acceptance: UpgradeAcceptance, leftover: [UInt8]) -> UpgradeResponder {
        answerTicket &+= 1
        awaitingAnswer = true
        pendingUpgrade = acceptance
        parkedBytes = leftover
        return UpgradeResponder(connection: self, ticket: answerTicket)
    }

    /// The application's late decision; dropped (not even run) unless this connection still waits for it.
    func decideAwaited(ticket: UInt64, _ decide: () -> UpgradeDecision) {
        loop.assertInLoop()
        guard awaitingAnswer, ticket == answerTicket, phase == .http, let acceptance = pendingUpgrade else { return }
        let leftover = parkedBytes ?? []
        awaitingAnswer = false
        pendingUpgrade = nil
        parkedBytes = nil
        switch decide() {
        case .reject(let response):
            respondAndClose(response)
        case .accept(let context):
            self.context = context
            open(acceptance, leftover: leftover)
        }
    }
}
