import Testing

/// The end-to-end suites: a real `TandemServer` on loopback, real WebSocket clients, real SQLite
/// files. They run one after another (`.serialized` applies to every nested suite): several of
/// them measure time (expiry within 300 ms, revocation within 1 s), which parallel load on two
/// cores would make meaningless.
@Suite("End to end", .serialized)
enum EndToEnd {}
