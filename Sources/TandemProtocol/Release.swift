/// The release of tandemd and its clients, which ship together: `--version` of each command,
/// and `tandem_build_info` in the server's metrics. The wire's own version is `ProtocolVersion`.
public enum Release {
    public static let version = "0.9.0"
}
