import Foundation
import TandemStore

/// A real store in a temporary directory for the store-level fuzz targets (search, import): opened
/// once and reused across inputs (opening one runs every migration), and replaced by an empty one
/// after `recycleAfter` inputs so that what the inputs wrote never piles up for the length of a run.
/// `prepare` fills each new store with what every input may rely on (users, sessions).
public final class FuzzStore {
    public private(set) var store: Store
    private var directory: String
    private let name: String
    private let configure: (inout StoreConfiguration) -> Void
    private let prepare: (Store) throws(StoreError) -> Void
    private let recycleAfter: Int
    private var uses = 0
    // Safe: the fuzz targets run one input at a time on one thread.
    nonisolated(unsafe) private static var made = 0
    // Safe: as `made`; read again only by the exit handler, when inputs no longer run.
    nonisolated(unsafe) private static var directories: [String] = []

    public init(_ name: String, recycleAfter: Int = 2_000, configure: @escaping (inout StoreConfiguration) -> Void = { _ in },
                prepare: @escaping (Store) throws(StoreError) -> Void) {
        self.name = name
        self.configure = configure
        self.prepare = prepare
        self.recycleAfter = recycleAfter
        (store, directory) = Self.open(name, configure, prepare)
    }

    /// The store for one input: a fresh one when this one has served `recycleAfter` inputs.
    public func next() -> Store {
        uses += 1
        if uses > recycleAfter {
            uses = 1
            store.close()
            try? FileManager.default.removeItem(atPath: directory)
            (store, directory) = Self.open(name, configure, prepare)
        }
        return store
    }

    private static func open(_ name: String, _ configure: (inout StoreConfiguration) -> Void,
                             _ prepare: (Store) throws(StoreError) -> Void) -> (Store, String) {
        made += 1
        // libFuzzer ends a run with exit(): the stores' files go with it (a crash leaves them).
        if made == 1 { atexit { for directory in FuzzStore.directories { try? FileManager.default.removeItem(atPath: directory) } } }
        let directory = NSTemporaryDirectory() + "tandem-fuzz-\(name)-\(getpid())-\(made)"
        try? FileManager.default.removeItem(atPath: directory)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            var configuration = StoreConfiguration(path: directory + "/tandem.db")
            // Imports pace their steps by default; nothing else runs here to make room for.
            configuration.stepPause = 0
            configure(&configuration)
            let store = try Store(configuration)
            try prepare(store)
            directories.removeAll { !FileManager.default.fileExists(atPath: $0) }
            directories.append(directory)
            return (store, directory)
        } catch {
            fatalError("cannot make the fuzz store in \(directory): \(error)")
        }
    }
}
