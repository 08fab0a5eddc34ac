extension Schema {
    /// Migration 8 gave each checkpoint saved before it the last change made at or before its time
    /// (milliseconds), so a clear or restore made in the checkpoint's own millisecond, after it, was
    /// placed before it, and a checkpoint that clear or restore made stale restored its rows without
    /// their turns. Found by the upgrade fixtures (a schema-6 database where a script saved a checkpoint
    /// and cleared the session within a millisecond). Such a checkpoint's position now stops before the
    /// first clear or restore of its millisecond (`Checkpoints.backfillEventSeq` does so for older
    /// exports). Only checkpoints saved before migration 8 ran (its `applied_at`) were dated this way:
    /// later ones hold the exact position they were saved at, even with a clear in the same millisecond.
    static let checkpointTimeTies = """
        UPDATE checkpoints SET event_seq = (\(Checkpoints.firstTiedClearOrRestore)) - 1
          WHERE created_at < coalesce((SELECT applied_at FROM schema_migrations WHERE version = 8), 0)
            AND event_seq >= (\(Checkpoints.firstTiedClearOrRestore));
        """
}
