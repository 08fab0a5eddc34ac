/// Identity of the wire protocol this module speaks.
public enum ProtocolVersion {
    /// The WebSocket subprotocol a client must offer in `Sec-WebSocket-Protocol` and the server selects.
    public static let subprotocol = "tandem.v1"
    /// Major version; a breaking change gets a new subprotocol name (`tandem.v2`), never a silent change.
    public static let major = 1
}
