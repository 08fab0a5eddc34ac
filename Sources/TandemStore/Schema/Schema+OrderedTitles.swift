extension Schema {
    /// Session titles are indexed with the marks of each Thai and Lao cluster in one order since this
    /// migration (`SearchMarkOrder`): a title typed with a tone mark before its vowel sign is found by
    /// a query typed the other way, and the reverse (docs/store.md, "Thai, Lao, Khmer, Myanmar: words
    /// of one cluster; Tibetan syllables"). The triggers feed the index through `tandem_search_ordered`; `tandem_search_clusters` (migration 24's) is left as it
    /// was. As there, titles are few: the index is made again and filled here, in the migration's
    /// transaction, without deleting from the old one (whose words came from the older function).
    static let orderedTitles = """
        DROP TRIGGER sessions_fts_insert;
        DROP TRIGGER sessions_fts_delete;
        DROP TRIGGER sessions_fts_update;
        DROP TABLE sessions_fts;
        CREATE VIRTUAL TABLE sessions_fts USING fts5(title, content='', columnsize=0, \(SearchText.tokenizeOption));
        INSERT INTO sessions_fts(rowid, title) SELECT sid, tandem_search_ordered(title) FROM sessions;
        CREATE TRIGGER sessions_fts_insert AFTER INSERT ON sessions BEGIN
          INSERT INTO sessions_fts(rowid, title) VALUES (new.sid, tandem_search_ordered(new.title));
        END;
        CREATE TRIGGER sessions_fts_delete AFTER DELETE ON sessions BEGIN
          INSERT INTO sessions_fts(sessions_fts, rowid, title) VALUES ('delete', old.sid, tandem_search_ordered(old.title));
        END;
        CREATE TRIGGER sessions_fts_update AFTER UPDATE OF title ON sessions BEGIN
          INSERT INTO sessions_fts(sessions_fts, rowid, title) VALUES ('delete', old.sid, tandem_search_ordered(old.title));
          INSERT INTO sessions_fts(rowid, title) VALUES (new.sid, tandem_search_ordered(new.title));
        END;
        """
}
