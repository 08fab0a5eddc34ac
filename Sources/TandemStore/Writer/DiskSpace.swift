import Foundation
import Synchronization

/// What the store knows of its files' free space and what it gave back (`DiskReclaim`): for
/// `/metrics` and the log. Written by the threads that own the connections (the writer for the
/// main file, the indexing thread for the search file), read by anyone.
public final class DiskSpace: Sendable {
    /// The files the store reclaims space of.
    public enum File: String, Sendable, CaseIterable {
        case main
        case search
    }

    /// A pass that gave back a file's free pages, step by step, until none were left.
    public struct Pass: Sendable, Equatable {
        public var file: File
        public var bytes: Int
        public var steps: Int
        public var seconds: Double
        /// The file's size (pages in it, times the page size) when the pass ended.
        public var fileBytes: Int
    }

    private struct Running {
        var bytes = 0
        var steps = 0
        var started = ContinuousClock.now
    }

    private struct State {
        /// Each file's free list as last read.
        var pages: [File: FreePages] = [:]
        var looks = 0
        var reclaimedBytes = 0
        var steps = 0
        var mostPagesInAStep = 0
        var running: [File: Running] = [:]
        var ended: [Pass] = []
    }

    private let state = Mutex(State())

    init() {}

    /// Free bytes of `file` as last read (0 before the first reading).
    public func freeBytes(_ file: File) -> Int { state.withLock { $0.pages[file]?.freeBytes ?? 0 } }

    /// Bytes of `file` (its pages times the page size) as last read, 0 before the first reading:
    /// beside `freeBytes`, the share of the file that is free.
    public func fileBytes(_ file: File) -> Int { state.withLock { $0.pages[file].map { $0.total * $0.pageSize } ?? 0 } }

    /// Whether `file` can give space back online (auto_vacuum INCREMENTAL); nil before it was read.
    public func reclaimsOnline(_ file: File) -> Bool? { state.withLock { $0.pages[file]?.incremental } }

    /// The files, as last read, that cannot give space back online (auto_vacuum NONE) and hold
    /// as much free as would start a pass on one that can (`minBytes` and a share of the file):
    /// `tandem-admin compact` would convert them. With their free bytes.
    public func worthCompacting(minBytes: Int) -> [(file: File, freeBytes: Int)] {
        state.withLock { state in
            File.allCases.compactMap { file in
                guard var pages = state.pages[file], !pages.incremental else { return nil }
                pages.incremental = true // as if converted: would a pass start?
                return DiskReclaim.isWorthReclaiming(pages, minBytes: minBytes) ? (file, pages.freeBytes) : nil
            }
        }
    }

    /// Bytes given back to the file system so far, by every pass.
    public var reclaimedBytes: Int { state.withLock { $0.reclaimedBytes } }

    /// Steps run so far, and the most pages one of them gave back.
    public var steps: (count: Int, mostPages: Int) { state.withLock { ($0.steps, $0.mostPagesInAStep) } }

    /// Free-list readings noted so far (a reclaim step's own included): tests check that a file
    /// that does not reclaim is read at most about once a second, never per write.
    var looks: Int { state.withLock { $0.looks } }

    /// Whether a pass on `file` is under way.
    func isRunning(_ file: File) -> Bool { state.withLock { $0.running[file] != nil } }

    /// Passes that ended since the last call, oldest first (the server logs them).
    public func takeEndedPasses() -> [Pass] {
        state.withLock { state in
            defer { state.ended.removeAll() }
            return state.ended
        }
    }

    /// Records a reading of `file`'s free list.
    func note(_ file: File, _ pages: FreePages) {
        state.withLock {
            $0.pages[file] = pages
            $0.looks += 1
        }
    }

    /// Records a step on `file` that gave back `reclaimed` pages and left `pages` (read after it).
    func noteStep(_ file: File, reclaimed: Int, now pages: FreePages) {
        state.withLock { state in
            state.pages[file] = pages
            state.looks += 1
            state.steps += 1
            state.mostPagesInAStep = max(state.mostPagesInAStep, reclaimed)
            state.reclaimedBytes += reclaimed * pages.pageSize
            var running = state.running[file] ?? Running()
            running.bytes += reclaimed * pages.pageSize
            running.steps += 1
            if pages.free > 0 && reclaimed > 0 {
                state.running[file] = running
            } else {
                state.running[file] = nil
                state.ended.append(Pass(file: file, bytes: running.bytes, steps: running.steps,
                                        seconds: (ContinuousClock.now - running.started).timeInterval,
                                        fileBytes: pages.total * pages.pageSize))
            }
        }
    }
}
