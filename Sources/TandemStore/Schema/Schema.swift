/// The SQL of each migration. Times are Unix milliseconds; JSON is canonical text.
enum Schema {
    static let core = """
        CREATE TABLE users(
          id TEXT PRIMARY KEY, display_name TEXT NOT NULL, created_at INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE api_tokens(
          id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
          hash TEXT NOT NULL UNIQUE, label TEXT NOT NULL, created_at INTEGER NOT NULL,
          revoked_at INTEGER, last_used_at INTEGER) WITHOUT ROWID;
        CREATE INDEX api_tokens_user ON api_tokens(user_id);

        -- sid is the compact internal key; id is the public URL-safe identifier.
        CREATE TABLE sessions(
          sid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, title TEXT NOT NULL,
          owner TEXT NOT NULL REFERENCES users(id), metadata TEXT NOT NULL DEFAULT '{}',
          status TEXT NOT NULL DEFAULT 'active', created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
          paused_at INTEGER, archived_at INTEGER,
          last_turn_seq INTEGER NOT NULL DEFAULT 0, last_event_seq INTEGER NOT NULL DEFAULT 0,
          parent_sid INTEGER REFERENCES sessions(sid) ON DELETE SET NULL, fork_seq INTEGER,
          fork_rows TEXT, branch_status TEXT);
        CREATE INDEX sessions_updated ON sessions(updated_at DESC, sid DESC);
        CREATE INDEX sessions_status ON sessions(status, archived_at);
        CREATE INDEX sessions_parent ON sessions(parent_sid);

        CREATE TABLE members(
          sid INTEGER NOT NULL REFERENCES sessions(sid) ON DELETE CASCADE,
          user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
          role TEXT NOT NULL, added_at INTEGER NOT NULL, PRIMARY KEY(sid, user_id)) WITHOUT ROWID;
        CREATE INDEX members_user ON members(user_id, sid);

        -- Rowid table (content can be large) with (sid, seq) unique: last-N is an index range scan.
        -- state: 0 live, 1 undone, 2 cleared, 3 rewound (by a checkpoint restore). Never erased.
        CREATE TABLE turns(
          id INTEGER PRIMARY KEY, sid INTEGER NOT NULL REFERENCES sessions(sid) ON DELETE CASCADE,
          seq INTEGER NOT NULL, role TEXT NOT NULL, author TEXT NOT NULL, content TEXT NOT NULL,
          metadata TEXT NOT NULL DEFAULT '{}', tokens_in INTEGER NOT NULL DEFAULT 0,
          tokens_out INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL,
          state INTEGER NOT NULL DEFAULT 0, event_seq INTEGER NOT NULL);
        CREATE UNIQUE INDEX turns_sid_seq ON turns(sid, seq);

        -- The per-session change log: every change bumps sessions.last_event_seq by one. Turn appends
        -- are not listed here: each turn row carries its event_seq (see Changes.load).
        CREATE TABLE events(
          sid INTEGER NOT NULL REFERENCES sessions(sid) ON DELETE CASCADE, seq INTEGER NOT NULL,
          kind TEXT NOT NULL, actor TEXT, turn_seq INTEGER, row_key TEXT, row_version INTEGER,
          data TEXT, created_at INTEGER NOT NULL, PRIMARY KEY(sid, seq)) WITHOUT ROWID;

        CREATE TABLE comments(
          id INTEGER PRIMARY KEY, sid INTEGER NOT NULL REFERENCES sessions(sid) ON DELETE CASCADE,
          turn_seq INTEGER NOT NULL, author TEXT NOT NULL, body TEXT NOT NULL, created_at INTEGER NOT NULL);
        CREATE INDEX comments_turn ON comments(sid, turn_seq);

        CREATE TABLE state_rows(
          sid INTEGER NOT NULL REFERENCES sessions(sid) ON DELETE CASCADE, key TEXT NOT NULL,
          version INTEGER NOT NULL, value TEXT NOT NULL, author TEXT NOT NULL, updated_at INTEGER NOT NULL,
          merged INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(sid, key)) WITHOUT ROWID;
        CREATE TABLE state_history(
          sid INTEGER NOT NULL REFERENCES sessions(sid) ON DELETE CASCADE, key TEXT NOT NULL,
          version INTEGER NOT NULL, value TEXT NOT NULL, author TEXT NOT NULL, created_at INTEGER NOT NULL,
          merged INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(sid, key, version)) WITHOUT ROWID;

        CREATE TABLE contributions(
          sid INTEGER NOT NULL REFERENCES sessions(sid) ON DELETE CASCADE, user_id TEXT NOT NULL,
          turns INTEGER NOT NULL DEFAULT 0, tokens_in INTEGER NOT NULL DEFAULT 0,
          tokens_out INTEGER NOT NULL DEFAULT 0, comments INTEGER NOT NULL DEFAULT 0,
          row_writes INTEGER NOT NULL DEFAULT 0, merges INTEGER NOT NULL DEFAULT 0,
          conflicts INTEGER NOT NULL DEFAULT 0, undos INTEGER NOT NULL DEFAULT 0,
          PRIMARY KEY(sid, user_id)) WITHOUT ROWID;
        CREATE INDEX contributions_user ON contributions(user_id);

        CREATE TABLE checkpoints(
          sid INTEGER NOT NULL REFERENCES sessions(sid) ON DELETE CASCADE, name TEXT NOT NULL,
          turn_seq INTEGER NOT NULL, row_versions TEXT NOT NULL, created_by TEXT NOT NULL,
          created_at INTEGER NOT NULL, PRIMARY KEY(sid, name)) WITHOUT ROWID;
        """

    /// Full-text search: external-content FTS5 over turn content and session titles (kept by
    /// triggers: titles change rarely). Since migration 5 turns are indexed off the commit path
    /// (see `searchHighWater`).
    static let search = """
        CREATE VIRTUAL TABLE turns_fts USING fts5(content, content='turns', content_rowid='id');
        INSERT INTO turns_fts(turns_fts) VALUES('rebuild');
        CREATE VIRTUAL TABLE sessions_fts USING fts5(title, content='sessions', content_rowid='sid');
        INSERT INTO sessions_fts(sessions_fts) VALUES('rebuild');
        CREATE TRIGGER sessions_fts_insert AFTER INSERT ON sessions BEGIN
          INSERT INTO sessions_fts(rowid, title) VALUES (new.sid, new.title);
        END;
        CREATE TRIGGER sessions_fts_delete AFTER DELETE ON sessions BEGIN
          INSERT INTO sessions_fts(sessions_fts, rowid, title) VALUES ('delete', old.sid, old.title);
        END;
        CREATE TRIGGER sessions_fts_update AFTER UPDATE OF title ON sessions BEGIN
          INSERT INTO sessions_fts(sessions_fts, rowid, title) VALUES ('delete', old.sid, old.title);
          INSERT INTO sessions_fts(rowid, title) VALUES (new.sid, new.title);
        END;
        """

    /// Idempotent posting: a nonce is unique per session and author.
    static let turnNonce = """
        ALTER TABLE turns ADD COLUMN nonce TEXT;
        CREATE UNIQUE INDEX turns_nonce ON turns(sid, author, nonce) WHERE nonce IS NOT NULL;
        """

    static let collaboration = """
        CREATE TABLE templates(
          id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, body TEXT NOT NULL,
          created_by TEXT NOT NULL, created_at INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE share_links(
          id TEXT PRIMARY KEY, sid INTEGER NOT NULL REFERENCES sessions(sid) ON DELETE CASCADE,
          hash TEXT NOT NULL UNIQUE, permission TEXT NOT NULL, expires_at INTEGER,
          created_by TEXT NOT NULL, created_at INTEGER NOT NULL, revoked_at INTEGER,
          last_used_at INTEGER) WITHOUT ROWID;
        CREATE INDEX share_links_session ON share_links(sid);
        -- No foreign keys: audit entries outlive what they describe.
        CREATE TABLE audit_log(
          id INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor TEXT, action TEXT NOT NULL,
          session_id TEXT, target TEXT, detail TEXT NOT NULL DEFAULT '{}');
        CREATE INDEX audit_session ON audit_log(session_id, id);
        """

    /// Turn indexing leaves the commit path: the writer indexes committed turns in its idle time,
    /// in id order, and records how far it got (`turns_through`) in the same transaction as the
    /// index rows. Invariant: a turn is in `turns_fts` exactly when its id <= `turns_through`.
    /// The index built before (inline, or skipped when indexing was switched off) is not trusted:
    /// it is emptied and rebuilt by the indexer, in bounded batches, starting from 0.
    static let searchHighWater = """
        CREATE TABLE search_progress(
          id INTEGER PRIMARY KEY CHECK (id = 1), turns_through INTEGER NOT NULL);
        INSERT INTO turns_fts(turns_fts) VALUES('delete-all');
        INSERT INTO search_progress(id, turns_through) VALUES (1, 0);
        """

    /// The turn index moves to a file of its own (`SearchFile`, `SearchIndexWorker`), so that
    /// indexing never holds the write lock appends wait for. Session deletes leave the index a
    /// note of what to forget: the deleted turns' text (the new index is contentless) and the
    /// highest turn id left. AUTOINCREMENT: the index records the last note it applied, so a
    /// note's number must never be handed out again after notes are pruned. `epoch` tells the
    /// index which database it was built for.
    static let searchFile = """
        DROP TABLE turns_fts;
        DROP TABLE search_progress;
        CREATE TABLE search_forget(seq INTEGER PRIMARY KEY AUTOINCREMENT, keep_through INTEGER NOT NULL);
        CREATE TABLE search_forget_turns(
          seq INTEGER NOT NULL, id INTEGER NOT NULL, content TEXT NOT NULL, PRIMARY KEY(seq, id)) WITHOUT ROWID;
        CREATE TABLE search_meta(id INTEGER PRIMARY KEY CHECK (id = 1), epoch TEXT NOT NULL);
        INSERT INTO search_meta(id, epoch) VALUES (1, lower(hex(randomblob(16))));
        """

    /// Clears and checkpoint restores record how far they reached instead of rewriting every turn
    /// they retire (`TurnRetirements`: a clear of a 1,000,000-turn session held the write lock
    /// 2.7 s). `id` orders them: the first that covers a stored-live turn decides its state. Turns
    /// retired before this migration keep their stored states.
    static let turnRetirements = """
        CREATE TABLE turn_retirements(
          id INTEGER PRIMARY KEY, sid INTEGER NOT NULL REFERENCES sessions(sid) ON DELETE CASCADE,
          after INTEGER NOT NULL, through INTEGER NOT NULL, state INTEGER NOT NULL);
        CREATE INDEX turn_retirements_session ON turn_retirements(sid, id);
        """

    /// Templates belong to the user who saved them: a name is unique per user, and only its
    /// author may create sessions from it (before, any user could, by name, and get the source
    /// session's rows). Checkpoints record the change-log position they were saved at, so a
    /// restore can tell a clear or restore that came after them (`stale_checkpoint`); those
    /// saved before this migration take the last change made before their time (as shipped: a clear
    /// in a checkpoint's own millisecond counted as before it; migration 20 corrects that). A session's
    /// `owner` follows its owner members (it kept naming a creator who had handed over).
    static let ownedTemplates = """
        CREATE TABLE templates_by_author(
          id TEXT PRIMARY KEY, name TEXT NOT NULL, body TEXT NOT NULL,
          created_by TEXT NOT NULL, created_at INTEGER NOT NULL, UNIQUE(created_by, name)) WITHOUT ROWID;
        INSERT INTO templates_by_author SELECT id, name, body, created_by, created_at FROM templates;
        DROP TABLE templates;
        ALTER TABLE templates_by_author RENAME TO templates;
        ALTER TABLE checkpoints ADD COLUMN event_seq INTEGER;
        UPDATE checkpoints SET event_seq = coalesce((SELECT max(e.seq) FROM events e
          WHERE e.sid = checkpoints.sid AND e.created_at <= checkpoints.created_at), 0) WHERE event_seq IS NULL;
        UPDATE sessions SET owner = (SELECT user_id FROM members m WHERE m.sid = sessions.sid AND m.role = 'owner' ORDER BY added_at, user_id LIMIT 1)
          WHERE NOT EXISTS (SELECT 1 FROM members m WHERE m.sid = sessions.sid AND m.role = 'owner' AND m.user_id = sessions.owner)
            AND EXISTS (SELECT 1 FROM members m WHERE m.sid = sessions.sid AND m.role = 'owner');
        """

    /// The `created` of every deleted session, by the id it had: a session made later under the
    /// same id gets another `created`, so a client resuming with the old one is told to resync.
    static let retiredSessionIDs = """
        CREATE TABLE retired_session_ids(
          id TEXT NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY (id, created_at)) WITHOUT ROWID;
        """

    /// Counting the sessions a user owns (`Quotas.requireSessionRoom`, on every create) must not
    /// scan the table: the other counts quotas take already have an index (share links by
    /// session, checkpoints and templates by their primary keys).
    static let sessionsByOwner = """
        CREATE INDEX sessions_owner ON sessions(owner, status);
        """

    /// Lists read a page without reading what they do not show, and `share.create` counts working
    /// links without scanning dead ones. A checkpoint keeps its row count (listing one read its
    /// whole key → version map, 1.5 MB at 10^5 rows) and a template its source session (listing
    /// one parsed its whole body); covering indexes list both in order without touching the maps
    /// and bodies (a column stored after a big one is reached through its overflow pages). Working
    /// share links get a partial index, so the quota count
    /// (`Quotas.requireShareLinkRoom`) reads only unrevoked links that have not expired (it scanned
    /// every link the session ever had: 6.7 ms per create at 30,000). Links by creation time
    /// page `share.list` newest first; that index also serves lookups by session, so the one on
    /// `sid` alone goes.
    static let listPages = """
        ALTER TABLE checkpoints ADD COLUMN row_count INTEGER NOT NULL DEFAULT 0;
        UPDATE checkpoints SET row_count = (SELECT count(*) FROM json_each(checkpoints.row_versions));
        ALTER TABLE templates ADD COLUMN source TEXT NOT NULL DEFAULT '';
        UPDATE templates SET source = coalesce(json_extract(body, '$.source'), '');
        CREATE INDEX checkpoints_listing ON checkpoints(sid, created_at, name, turn_seq, created_by, row_count);
        CREATE INDEX templates_listing ON templates(created_by, name, created_at, source);
        CREATE INDEX share_links_working ON share_links(sid, expires_at) WHERE revoked_at IS NULL;
        CREATE INDEX share_links_created ON share_links(sid, created_at, id);
        DROP INDEX share_links_session;
        """

    /// Where a branch's change log and its parent's stood when the branch was published: a
    /// merge reads only the events after them (the rows the branch changed, the parent's undos)
    /// instead of every row of the branch and every event of the parent (a merge of a branch
    /// that changed nothing held the writer 6.7 s on a session of 100,000 rows). Branches
    /// forked before this migration, and imported ones, have neither and are compared whole.
    static let branchForkMarks = """
        ALTER TABLE sessions ADD COLUMN fork_event_seq INTEGER;
        ALTER TABLE sessions ADD COLUMN fork_parent_event_seq INTEGER;
        """
}
