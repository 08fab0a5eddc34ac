import Foundation
import TandemStore
import TandemTransport

extension ServerConfiguration {
    /// What the store is opened with: the settings the store enforces (quotas, caps, steps, the
    /// wire's size limits, so that what reaches the store by other paths keeps them too).
    var storeConfiguration: StoreConfiguration {
        var store = StoreConfiguration(path: databasePath)
        let wire = protocolLimits
        store.maxContentBytes = maxTurnContentBytes
        store.maxTitleBytes = wire.maxNameBytes
        store.maxCommentBytes = wire.maxCommentBytes
        store.maxMetadataBytes = wire.maxMetadataBytes
        store.maxRowValueBytes = wire.maxStateValueBytes
        store.cacheBytes = cacheBytes
        store.maxSessionsPerUser = maxSessionsPerUser
        store.maxShareLinksPerSession = maxShareLinksPerSession
        store.maxCheckpointsPerSession = maxCheckpointsPerSession
        store.maxTemplatesPerUser = maxTemplatesPerUser
        store.maxRowsPerSession = maxRowsPerSession
        store.maxCommentsPerSession = maxCommentsPerSession
        store.maxMembersPerSession = maxMembersPerSession
        store.maxMergeDiffSteps = maxMergeDiffSteps
        store.maxConflictLines = maxConflictLines
        store.maxMergeRowsReported = maxMergeListed
        store.maxMergeConflictsReported = maxMergeListed
        store.maxSearchScan = maxSearchScan
        store.importStepRows = writeStepRecords
        store.maxBlockedOnMerges = min(maxMergeWaits, Self.workThreads / 2)
        store.reclaimFreeBytes = reclaimFreeMiB > 0 ? reclaimFreeMiB << 20 : nil
        store.searchPrefixIndex = searchPrefixIndex.compactMap { Int($0) } // "none": no entry is a number
        store.busyTimeoutMilliseconds = Int32((busyTimeoutSeconds * 1000).rounded(.up))
        store.maxClockHoldMilliseconds = Int64((clockHoldSeconds * 1000).rounded())
        store.synchronous = durability == .full ? .full : .normal
        store.requiresWritable = true
        // Every answer and event of one run of commits reaches each loop as one task: one wake-up,
        // one write per connection for all of them.
        store.completionScope = { completions in SendBatch.collect(completions) }
        return store
    }

    /// Threads of the server's work pool, where every request but `turn.post` runs and waits for
    /// its store work (4 per core, at least 4).
    static var workThreads: Int { max(4, ProcessInfo.processInfo.activeProcessorCount * 4) }
}
