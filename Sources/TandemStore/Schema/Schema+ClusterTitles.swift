extension Schema {
    /// Session titles are indexed as `SearchText.spaced` makes them since this migration: besides
    /// CJK characters (migration 21), each Thai, Lao, Khmer and Myanmar cluster is a word of its
    /// own, and the index's tokenizer keeps combining marks in their words (`SearchText.tokenizeOption`),
    /// so `กรุงเทพ` finds `ฉันไปกรุงเทพ` and `กิน` does not find `กน` (docs/store.md, "Thai, Lao,
    /// Khmer, Myanmar: words of one cluster; Tibetan syllables").
    /// The triggers feed the index through `tandem_search_clusters`; `tandem_search_text` (migration
    /// 21's) is left as it was. Titles are few (one per session): the index is made again and
    /// filled here, in the migration's transaction, without deleting from the old one (whose words
    /// came from the older function).
    static let clusterTitles = """
        DROP TRIGGER sessions_fts_insert;
        DROP TRIGGER sessions_fts_delete;
        DROP TRIGGER sessions_fts_update;
        DROP TABLE sessions_fts;
        CREATE VIRTUAL TABLE sessions_fts USING fts5(title, content='', columnsize=0, \(SearchText.tokenizeOption));
        INSERT INTO sessions_fts(rowid, title) SELECT sid, tandem_search_clusters(title) FROM sessions;
        CREATE TRIGGER sessions_fts_insert AFTER INSERT ON sessions BEGIN
          INSERT INTO sessions_fts(rowid, title) VALUES (new.sid, tandem_search_clusters(new.title));
        END;
        CREATE TRIGGER sessions_fts_delete AFTER DELETE ON sessions BEGIN
          INSERT INTO sessions_fts(sessions_fts, rowid, title) VALUES ('delete', old.sid, tandem_search_clusters(old.title));
        END;
        CREATE TRIGGER sessions_fts_update AFTER UPDATE OF title ON sessions BEGIN
          INSERT INTO sessions_fts(sessions_fts, rowid, title) VALUES ('delete', old.sid, tandem_search_clusters(old.title));
          INSERT INTO sessions_fts(rowid, title) VALUES (new.sid, tandem_search_clusters(new.title));
        END;
        """
}
