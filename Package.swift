// swift-tools-version:6.0
// Tandem: a self-hosted server for collaborative sessions.
// Layers, bottom up (each target ignorant of those above it):
//   C system libraries · TandemCrypto, TandemJSON (leaf utilities)
//   TandemTransport (sockets, epoll, TLS, HTTP upgrade, WebSocket frames, deflate)
//   TandemStore (SQLite, domain, merge) · TandemProtocol (wire messages, no I/O)
//   TandemServer (hub, auth, permissions) · thin executables · Clients/
import Foundation
import PackageDescription

// Release builds drop Swift's runtime exclusivity check (a thread-local access set around each
// read-modify-write of a class property or global): 3-9 % of CPU per turn in docs/benchmarks.md.
// Debug builds, which the test suite runs, keep it, so a violation still traps in a test.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

// TANDEM_WITHOUT_JEMALLOC=1 (set by Tests/sanitizers/run): TandemServer is built without jemalloc,
// on the allocator of the process. A sanitizer replaces malloc and free itself, and with jemalloc also
// linked the two allocators mix: every TSan or ASan process crashed in free() before its first test.
let withoutJemalloc = ProcessInfo.processInfo.environment["TANDEM_WITHOUT_JEMALLOC"] == "1"
let allocator: [Target.Dependency] = withoutJemalloc ? [] : ["CJemalloc"]
let allocatorSettings: [SwiftSetting] = withoutJemalloc ? [.define("TANDEM_WITHOUT_JEMALLOC")] : []

let package = Package(
    name: "Tandem",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tandemd", targets: ["tandemd"]),
        .executable(name: "tandem-echo", targets: ["tandem-echo"]),
        .executable(name: "tandem-room", targets: ["tandem-room"]),
        .executable(name: "tandem-admin", targets: ["tandem-admin"]),
        .executable(name: "tandem", targets: ["tandem"]),
    ],
    dependencies: [
        // Exact versions: no Package.resolved is committed, so this is what pins a build (the CI's,
        // the container image's) to the versions the tests ran with.
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
    ],
    targets: [
        // C libraries from Debian, bound as system-library targets.
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CSystem"),
        // The server's allocator (Sources/TandemServer/Memory/Allocator.swift says why).
        .systemLibrary(name: "CJemalloc", pkgConfig: "jemalloc", providers: [.apt(["libjemalloc-dev"])]),

        // Leaf utilities.
        .target(name: "TandemCrypto", dependencies: ["COpenSSL"], swiftSettings: strict),
        .target(name: "TandemJSON", swiftSettings: strict),

        // Layers.
        .target(
            name: "TandemTransport",
            dependencies: ["CSystem", "COpenSSL", "CZlib", "TandemCrypto"],
            swiftSettings: strict),
        // Three-way merge of JSON values and texts: pure, shared by the store (which decides) and
        // the terminal client (which resolves a conflict the way the store merges).
        .target(name: "TandemMerge", dependencies: ["TandemJSON"], swiftSettings: strict),
        .target(
            name: "TandemStore",
            dependencies: ["CSQLite", "CSystem", "TandemCrypto", "TandemJSON", "TandemMerge"],
            swiftSettings: strict),
        .target(name: "TandemProtocol", dependencies: ["TandemJSON"], swiftSettings: strict),
        .target(
            name: "TandemServer",
            dependencies: ["TandemTransport", "TandemStore", "TandemProtocol", "CSystem", .product(name: "Logging", package: "swift-log")]
                + allocator,
            swiftSettings: strict + allocatorSettings),

        // Thin executables.
        .executableTarget(
            name: "tandemd",
            dependencies: ["TandemServer", "TandemTransport", "TandemProtocol", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        .executableTarget(
            name: "tandem-echo",
            dependencies: ["TandemTransport", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict),
        .executableTarget(
            name: "tandem-room",
            dependencies: ["TandemTransport", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict),

        // Clients.
        .executableTarget(
            name: "tandem-admin",
            dependencies: ["TandemStore", "TandemJSON", "TandemProtocol", "TandemClientKit",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Clients/tandem-admin", swiftSettings: strict),
        // The terminal client: pure logic in TandemClientKit, I/O in the executable.
        .target(
            name: "TandemClientKit", dependencies: ["TandemProtocol", "TandemJSON", "TandemMerge"],
            path: "Clients/TandemClientKit", swiftSettings: strict),
        .executableTarget(
            name: "tandem",
            dependencies: ["TandemClientKit", "TandemProtocol", "TandemTransport", "TandemJSON",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Clients/tandem", swiftSettings: strict),

        // Store benchmark and the crash-safety test's child writer.
        .executableTarget(
            name: "tandem-store-bench",
            dependencies: ["TandemStore", "TandemJSON", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Benchmarks/store-bench", swiftSettings: strict),
        .executableTarget(
            name: "tandem-store-crashwriter", dependencies: ["TandemStore"],
            path: "Benchmarks/store-crashwriter", swiftSettings: strict),

        // Fuzz targets (Tests/fuzz/run builds them with -sanitize=fuzzer and -DTANDEM_FUZZ; a plain
        // build gives replay tools that run corpus files once).
        .target(name: "FuzzSupport", path: "Tests/fuzz/targets/support", swiftSettings: strict),
        .executableTarget(name: "fuzz-frame", dependencies: ["FuzzSupport", "TandemTransport"],
                          path: "Tests/fuzz/targets/frame", swiftSettings: strict),
        .executableTarget(name: "fuzz-handshake", dependencies: ["FuzzSupport", "TandemTransport"],
                          path: "Tests/fuzz/targets/handshake", swiftSettings: strict),
        .executableTarget(name: "fuzz-inflate", dependencies: ["FuzzSupport", "TandemTransport"],
                          path: "Tests/fuzz/targets/inflate", swiftSettings: strict),
        .executableTarget(name: "fuzz-protocol", dependencies: ["FuzzSupport", "TandemProtocol", "TandemJSON"],
                          path: "Tests/fuzz/targets/protocol", swiftSettings: strict),
        .executableTarget(name: "fuzz-merge", dependencies: ["FuzzSupport", "TandemMerge", "TandemJSON"],
                          path: "Tests/fuzz/targets/merge", swiftSettings: strict),
        // A real store in a temporary directory, for the targets that fuzz through one.
        .target(name: "FuzzStore", dependencies: ["TandemStore"], path: "Tests/fuzz/targets/store-support", swiftSettings: strict),
        .executableTarget(name: "fuzz-search", dependencies: ["FuzzSupport", "FuzzStore", "TandemStore"],
                          path: "Tests/fuzz/targets/search", swiftSettings: strict),
        .executableTarget(name: "fuzz-import", dependencies: ["FuzzSupport", "FuzzStore", "TandemStore", "TandemJSON"],
                          path: "Tests/fuzz/targets/import", swiftSettings: strict),
        // These two read TandemServer's internals (`@testable`: Tests/fuzz/run builds with -enable-testing).
        .executableTarget(name: "fuzz-config", dependencies: ["FuzzSupport", "TandemServer"],
                          path: "Tests/fuzz/targets/config", swiftSettings: strict),
        .executableTarget(name: "fuzz-auth", dependencies: ["FuzzSupport", "FuzzStore", "TandemServer", "TandemStore", "TandemTransport",
                                                         .product(name: "Logging", package: "swift-log")],
                          path: "Tests/fuzz/targets/auth", swiftSettings: strict),
        .executableTarget(name: "fuzz-client", dependencies: ["FuzzSupport", "TandemClientKit", "TandemProtocol", "TandemJSON"],
                          path: "Tests/fuzz/targets/client", swiftSettings: strict),

        // Tests.
        .testTarget(name: "TandemCryptoTests", dependencies: ["TandemCrypto"]),
        .testTarget(name: "TandemJSONTests", dependencies: ["TandemJSON"]),
        .testTarget(name: "TandemTransportTests", dependencies: ["TandemTransport"]),
        // What the kernel says a thread waits on (the store's and the server's tests read it).
        .target(name: "ThreadWaits", path: "Tests/support/ThreadWaits", swiftSettings: strict),
        .testTarget(name: "TandemStoreTests", dependencies: ["TandemStore", "TandemMerge", "tandem-store-crashwriter", "ThreadWaits"]),
        .testTarget(name: "TandemProtocolTests", dependencies: ["TandemProtocol"]),
        .testTarget(
            name: "TandemServerTests",
            dependencies: ["TandemServer", "TandemStore", "TandemTransport", "TandemProtocol", "TandemJSON",
                           // The presence tests keep the online list with the terminal client's own code.
                           "TandemClientKit", "ThreadWaits",
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: allocatorSettings),
        // Runs the built tandem-admin binary (Tests/run-all builds it first).
        .testTarget(name: "TandemAdminTests",
                    dependencies: ["TandemStore", "TandemJSON", "TandemServer", "TandemTransport",
                                   .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "TandemClientKitTests", dependencies: ["TandemClientKit", "TandemProtocol", "TandemJSON", "TandemMerge"]),
        .testTarget(name: "TandemCLITests", dependencies: ["TandemServer", "TandemStore", "TandemJSON", "TandemTransport", "TandemClientKit", "tandem"]),
    ],
    swiftLanguageModes: [.v6]
)
