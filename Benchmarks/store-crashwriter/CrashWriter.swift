import Foundation
import TandemStore

/// Child process for the crash-safety test: appends turns as fast as group commit allows, from
/// several threads, and prints each seq on stdout only after the store reported it durable.
/// The test kills it with SIGKILL at random moments and checks every printed seq survived.
/// The threads write in bursts of 60 ms with 30 ms pauses, so the writer also spends part of its
/// time indexing for search (its idle-time work), and kills land in both.
///
/// Usage: tandem-store-crashwriter <database path> [threads]
///
/// `tandem-store-crashwriter --rebuild <database path>`: opens the store (the default prefix
/// indexes, indexing steps of 20 turns), so an index of another layout is rebuilt in small
/// steps; prints `open` once the store is open, then appends one turn to session `crash` every
/// 2 ms (live indexing and the rebuild take turns) until it is killed.
///
/// `tandem-store-crashwriter --import <database path> <source> <new id> <claimant>`: exports the
/// session `source` as `claimant` and imports it as `new id`, claimed by them, one record a step
/// with a pause of 100 times each step after it (seconds for a few hundred turns), so the hidden
/// session is there, and growing, while the test looks at it or kills the process (ImportReclaimTests).
/// Prints `importing` before the import, `published` after it.
///
/// `tandem-store-crashwriter --reclaim <database path>`: converts a new database as
/// `tandem-admin compact` does (online reclaim is for such files only), fills a session `big`
/// (3,000 turns of 2 KB) unless a previous run left it, deletes it, and appends one turn to `crash` every
/// millisecond, printing each seq once durable, and `reclaiming` once the first step giving
/// the freed pages back has run (1 MiB threshold, 16 pages a step), so the test kills it in the
/// middle of a reclaim pass (DiskReclaimCrashTests).
@main
enum CrashWriter {
    static func main() {
        let args = CommandLine.arguments
        if args.count == 3 && args[1] == "--rebuild" { rebuild(path: args[2]) }
        if args.count == 3 && args[1] == "--reclaim" { reclaim(path: args[2]) }
        if args.count == 6 && args[1] == "--import" { importSlowly(path: args[2], source: args[3], newID: args[4], claimant: args[5]) }
        guard args.count >= 2 else {
            FileHandle.standardError.write(Data("usage: tandem-store-crashwriter <db> [threads]\n".utf8))
            exit(2)
        }
        let threads = args.count > 2 ? Int(args[2]) ?? 4 : 4
        do {
            let store = try Store(path: args[1])
            if (try? store.user(id: "writer")) == nil {
                _ = try store.createUser(id: "writer", displayName: "Writer")
                _ = try store.createSession(id: "crash", title: "crash test", owner: "writer")
            }
            for t in 0..<threads {
                let thread = Thread {
                    var i = 0
                    while true {
                        let ms = Int(Date().timeIntervalSince1970 * 1000)
                        if ms % 90 >= 60 { usleep(UInt32(90 - ms % 90) * 1000) }
                        i += 1
                        let count = 1 + (i % 4)
                        let turns = (0..<count).map { NewTurn(role: .user, content: "thread \(t) turn \(i).\($0) " + String(repeating: "x", count: (i * 37) % 300)) }
                        let semaphore = DispatchSemaphore(value: 0)
                        store.appendTurns(session: "crash", actor: "writer", turns) { result in
                            if case .success(let appended) = result {
                                // Printed only after the commit: these seqs must survive a kill.
                                let text = appended.turns.map { "\($0.seq)\n" }.joined()
                                // Safe: the buffer is used for the write(2) call only; count - 1 leaves out the trailing NUL
                                text.utf8CString.withUnsafeBufferPointer { buffer in
                                    // Writes the bytes before the trailing NUL straight to fd 1.
                                    _ = write(1, buffer.baseAddress, buffer.count - 1)
                                }
                            }
                            semaphore.signal()
                        }
                        semaphore.wait()
                    }
                }
                thread.start()
            }
            while true { sleep(60) }
        } catch {
            FileHandle.standardError.write(Data("crashwriter: \(error)\n".utf8))
            exit(1)
        }
    }

    static func reclaim(path: String) -> Never {
        do {
            var config = StoreConfiguration(path: path)
            config.reclaimFreeBytes = 1 << 20
            config.reclaimStepPages = 16
            if !FileManager.default.fileExists(atPath: path) {
                try Store(config).close()
                _ = try Store.compact(databaseAt: path)
            }
            let store = try Store(config)
            if (try? store.user(id: "writer")) == nil {
                _ = try store.createUser(id: "writer", displayName: "Writer")
                _ = try store.createSession(id: "crash", title: "crash test", owner: "writer")
            }
            if (try? store.session(id: "big")) == nil {
                _ = try store.createSession(id: "big", title: "to delete", owner: "writer")
                let text = String(repeating: "lorem ipsum dolor sit amet ", count: 80)
                for chunk in stride(from: 0, to: 3_000, by: 500) {
                    _ = try store.appendTurns(session: "big", actor: "writer", (chunk..<chunk + 500).map { NewTurn(role: .user, content: "\($0) \(text)") })
                }
            }
            try store.deleteSession(id: "big", actor: "writer")
            var told = false
            while true {
                let seq = try store.appendTurn(session: "crash", actor: "writer", NewTurn(role: .user, content: "during the reclaim")).seq
                var line = "\(seq)\n"
                if !told && store.diskSpace.steps.count > 0 {
                    told = true
                    line += "reclaiming\n"
                }
                // Safe: the buffer lives for the closure, and write(2) reads it only during the call.
                line.utf8CString.withUnsafeBufferPointer { buffer in _ = write(1, buffer.baseAddress, buffer.count - 1) }
                usleep(1_000)
            }
        } catch {
            FileHandle.standardError.write(Data("crashwriter: \(error)\n".utf8))
            exit(1)
        }
    }

    static func rebuild(path: String) -> Never {
        do {
            var config = StoreConfiguration(path: path)
            config.searchIndexBatchTurns = 20
            config.searchIndexQuietMilliseconds = 5
            let store = try Store(config)
            _ = write(1, "open\n", 5)
            var i = 0
            while true {
                i += 1
                _ = try store.appendTurns(session: "crash", actor: "writer", [NewTurn(role: .user, content: "during the rebuild \(i) kayak")])
                usleep(2_000)
            }
        } catch {
            FileHandle.standardError.write(Data("crashwriter: \(error)\n".utf8))
            exit(1)
        }
    }

    static func importSlowly(path: String, source: String, newID: String, claimant: String) -> Never {
        do {
            var config = StoreConfiguration(path: path)
            config.importStepRows = 1
            config.stepPause = 100
            config.adaptiveStepPause = false // every step pauses, whatever else writes
            let store = try Store(config)
            let document = try store.exportSession(id: source, actor: claimant)
            _ = write(1, "importing\n", 10)
            _ = try store.importSession(document, asID: newID, claimedBy: claimant)
            _ = write(1, "published\n", 10)
            store.close()
            exit(0)
        } catch {
            FileHandle.standardError.write(Data("crashwriter: \(error)\n".utf8))
            exit(1)
        }
    }
}
