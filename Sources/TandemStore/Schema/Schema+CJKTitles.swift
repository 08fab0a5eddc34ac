extension Schema {
    /// Session titles are indexed as `SearchText.spaced` makes them, so a CJK character is a word of
    /// its own and `東京` finds `東京都` (docs/store.md, "CJK text: words of one character"). FTS5
    /// re-reads an external-content table's text to make snippets and to check it, and that text
    /// would no longer be what was indexed: the index becomes contentless (snippets are made by `SearchSnippet` from the title)
    /// and its triggers feed it through `tandem_search_text`, which every Tandem connection has
    /// (`Database.registerFunctions`). Titles are few (one per session): the index is filled again
    /// here, in the migration's transaction.
    static let cjkTitles = """
        DROP TRIGGER sessions_fts_insert;
        DROP TRIGGER sessions_fts_delete;
        DROP TRIGGER sessions_fts_update;
        DROP TABLE sessions_fts;
        CREATE VIRTUAL TABLE sessions_fts USING fts5(title, content='', columnsize=0);
        INSERT INTO sessions_fts(rowid, title) SELECT sid, tandem_search_text(title) FROM sessions;
        CREATE TRIGGER sessions_fts_insert AFTER INSERT ON sessions BEGIN
          INSERT INTO sessions_fts(rowid, title) VALUES (new.sid, tandem_search_text(new.title));
        END;
        CREATE TRIGGER sessions_fts_delete AFTER DELETE ON sessions BEGIN
          INSERT INTO sessions_fts(sessions_fts, rowid, title) VALUES ('delete', old.sid, tandem_search_text(old.title));
        END;
        CREATE TRIGGER sessions_fts_update AFTER UPDATE OF title ON sessions BEGIN
          INSERT INTO sessions_fts(sessions_fts, rowid, title) VALUES ('delete', old.sid, tandem_search_text(old.title));
          INSERT INTO sessions_fts(rowid, title) VALUES (new.sid, tandem_search_text(new.title));
        END;
        """
}
