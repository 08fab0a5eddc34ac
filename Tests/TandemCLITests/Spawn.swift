import Foundation
import Glibc

/// Starts child processes with posix_spawn and reaps them with waitpid. Foundation's `Process` relies on
/// SIGCHLD delivery, which the in-process server's signal setup can starve, so the tests do it directly.
struct Spawned {
    let pid: pid_t

    /// Starts `path` with `arguments`; stdin from `stdinPath` (or /dev/null), stdout and stderr to files.
    /// The child gets an empty signal mask and default signal actions.
    init(_ path: String, _ arguments: [String], environment: [String: String], stdinPath: String? = nil,
         stdoutPath: String, stderrPath: String) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdinPath ?? "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for number in [SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGCHLD] { sigaddset(&defaults, number) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        // Safe: strdup copies live until the deferred free, after posix_spawn has copied them.
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        guard rc == 0 else { throw SpawnError(message: "posix_spawn \(path): \(String(cString: strerror(rc)))") }
        self.pid = pid
    }

    /// Waits up to `timeout` seconds for the exit status; kills the child (SIGKILL) when it overstays.
    @discardableResult
    func wait(timeout: Double) -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { break }
            if r < 0 { return -1 }
            if Date() >= deadline {
                kill(pid, SIGKILL)
                waitpid(pid, &status, 0)
                return -9
            }
            usleep(10_000)
        }
        // WIFEXITED / WEXITSTATUS are macros: decode by hand.
        return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : -(status & 0x7F)
    }

    func signal(_ number: Int32) { kill(pid, number) }
}

struct SpawnError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
