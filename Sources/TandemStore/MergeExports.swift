// The store's answers carry the merge's types (`MergeConflict`, `ConflictingLines`, `MergeTooCostly`):
// whoever uses the store sees them without importing the merge on its own.
@_exported import TandemMerge
