// A correct program: two threads update a dictionary only inside Synchronization.Mutex.withLock.
// Tests/sanitizers/run compiles it with -sanitize=thread: on Swift 6.3.1 for Linux ThreadSanitizer
// reports "Swift access race" here, because Mutex's lock and unlock live in the uninstrumented
// libswiftSynchronization.so (a futex word), so TSan never sees the happens-before they create.
// While this program draws reports, the run sets aside reports of the same shape in Tandem's
// code (both accesses inside withLock bodies of one file) instead of failing on them.
import Foundation
import Synchronization

final class Shared: Sendable {
    let counts = Mutex<[Int: Int]>([:])
}

let shared = Shared()
let done = DispatchSemaphore(value: 0)
for thread in 0..<2 {
    Thread {
        for i in 0..<20_000 { shared.counts.withLock { $0[i % 64, default: 0] += thread } }
        done.signal()
    }.start()
}
done.wait()
done.wait()
print(shared.counts.withLock { $0.count })
