extension Schema {
    /// Indexes for two reads that walked what they should seek:
    /// - `turns_author`: `history` with `author` reads one author's turns of a session in seq order
    ///   (it walked every turn of the session through `turns_sid_seq`, filtering by author).
    /// - `state_rows.nfc_key` (`RowKeySpelling`: the key's NFC form, NULL for printable ASCII) and
    ///   `state_rows_spelling`: a new key beyond ASCII is checked for an existing respelling with one
    ///   seek (it read every other such key of the session on the writer thread). Existing rows are
    ///   filled here, through the `tandem_key_spelling` function every connection registers.
    static let readPaths = """
        CREATE INDEX turns_author ON turns(sid, author, seq);
        ALTER TABLE state_rows ADD COLUMN nfc_key TEXT;
        UPDATE state_rows SET nfc_key = tandem_key_spelling(key) WHERE key GLOB '*[^ -~]*';
        CREATE INDEX state_rows_spelling ON state_rows(sid, nfc_key) WHERE nfc_key IS NOT NULL;
        """
}
