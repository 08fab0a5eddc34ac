extension Schema {
    /// The process writing a hidden session (status `importing`: an import, a fork, a session from
    /// a template), as `ImportOwner.token` names it: a restart hands the hidden sessions of a
    /// process that is gone to the delete steps at once, instead of after 10 minutes of silence
    /// (`ImportReclaim`). Null in rows older builds wrote, and meaningless once the session is shown.
    static let importerProcess = """
        ALTER TABLE sessions ADD COLUMN importer TEXT;
        """
}
