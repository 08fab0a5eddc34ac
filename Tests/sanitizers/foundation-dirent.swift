// Tests/sanitizers/run address compiles this with -sanitize=address to learn whether the toolchain's
// Foundation still overflows in Process.run, and whether asan.supp hides that and nothing else.
// Process.run calls findMaximumOpenFromProcSelfFD, which copies a whole `dirent` (256-byte name) out
// of readdir's 32 KiB buffer; once /proc/self/fd lists some 1,360 descriptors the buffer fills, and the
// copy of its last entry reads past the end: a heap-buffer-overflow, seen by ASan's memcpy interceptor
// (Foundation itself is not instrumented). The test process crosses that count whenever a test holds
// many sockets (1,000 hostile connections) while another starts a process.
//   foundation-dirent spawn   opens 2,000 descriptors, then runs /bin/true through Process
//   foundation-dirent own     hands write() 300 bytes of a 32-byte heap block from our own code: the
//                             same kind of report through an interceptor, which the suppression must keep
import Foundation
import Glibc

func ownOverflow() {
    let block = malloc(32)!
    memset(block, 0, 32)
    let devnull = open("/dev/null", O_WRONLY)
    _ = write(devnull, block, 300)
    close(devnull)
    free(block)
}

switch CommandLine.arguments.dropFirst().first {
case "spawn":
    for _ in 0..<2_000 where open("/dev/null", O_RDONLY) < 0 { fatalError("open: \(errno)") }
    let child = Process()
    child.executableURL = URL(fileURLWithPath: "/bin/true")
    try child.run()
    child.waitUntilExit()
case "own":
    ownOverflow()
default:
    FileHandle.standardError.write(Data("usage: foundation-dirent spawn|own\n".utf8))
    exit(2)
}
