import TandemProtocol

/// What the view and `tail` say when the connection ends and they reconnect: the close code with
/// what it means for the user, not the bare number. The server's own close reason is used when it
/// gave one (escaped: it comes off the network), else the code's standard wording.
public enum ConnectionLoss {
    public static func describe(code: UInt16?, reason: String) -> String {
        guard let code else { return "connection lost" }
        let known = CloseCode(rawValue: code)
        let said = reason.isEmpty ? (known?.reason ?? "") : PrintableText.line(reason)
        switch known {
        case .slowConsumer?:
            return "connection closed by the server (4408): this client fell behind the live events "
                + "(a slow terminal, pipe or network); rejoining where it left off, nothing is lost"
        case .goingAway?:
            return "the server is restarting or shutting down (1001)"
        case .idleTimeout?:
            return "connection closed after being idle (4000)"
        default:
            return "connection lost (\(code)\(said.isEmpty ? "" : ": " + said))"
        }
    }
}
