import Foundation
@testable import TandemServer
import Testing

/// The server links jemalloc in place of glibc's malloc (Allocator.swift says why); these check
/// that it is really the allocator serving Swift's allocations, not merely loaded beside glibc's.
/// Sanitizer builds (`TANDEM_WITHOUT_JEMALLOC`) check instead that it is left out.
@Suite struct AllocatorTests {
    #if TANDEM_WITHOUT_JEMALLOC
    @Test func sanitizerBuildsLeaveJemallocOut() {
        #expect(Allocator.version == nil)
        #expect(Allocator.statistics() == nil)
        #expect(Allocator.releaseFreedMemory() == false)
    }
    #else
    @Test func runsOnJemalloc() throws {
        let version = try #require(Allocator.version)
        #expect(version.hasPrefix("5."), "jemalloc \(version)")
    }

    @Test func swiftAllocationsAreServedByJemalloc() throws {
        // The thread's own running total: other tests allocating and freeing meanwhile don't move it.
        let before = try #require(Allocator.allocatedByThisThread)
        let size = 64 << 20
        // If glibc's malloc served this, jemalloc's count for the thread would not move.
        // Safe: allocated, initialized and freed here; nothing reads it after deallocate.
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 64)
        buffer.initializeMemory(as: UInt8.self, repeating: 1)
        let array = [UInt8](repeating: 2, count: 1 << 20)
        let after = try #require(Allocator.allocatedByThisThread)
        buffer.deallocate()
        #expect(after >= before + UInt64(size + array.count))
        let process = try #require(Allocator.statistics())
        #expect(process.resident >= process.allocated && process.allocated > 0)
    }

    @Test func releasingFreedMemoryPurgesEveryArena() {
        #expect(Allocator.releaseFreedMemory())
    }

    @Test func metricsShowTheAllocatorsCounts() throws {
        let text = ServerMetrics().render()
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("tandem_memory_allocated_bytes ") })
        let bytes = try #require(Int(line.split(separator: " ")[1]))
        #expect(bytes > 0)
        #expect(text.contains("# TYPE tandem_memory_resident_bytes gauge"))
    }
    #endif
}
