"""tandem-admin as the admin race runs it: one command on the server's database file, its exit code,
output and how long it took, checked against docs/admin.md's contract for every answer: an exit code of
the table (0-4), a failure's reason as the first line of stderr (`error: ...`), no SQLite words
(`SQLITE_BUSY`, "database is locked") in place of the documented busy message, and `--json` documents
that parse. Also the external lock holder: a second SQLite connection that holds the database's write lock
for a while, as tandemd does in a long write."""
import json
import sqlite3
import subprocess
import threading
import time

from matching import Mismatch

CODES = {0: "done", 1: "usage", 2: "not found", 3: "conflict", 4: "database"}
RAW_SQLITE = ("SQLITE_", "database is locked", "database table is locked", "sqlite3_")


def busy_message(seconds):
    """docs: a write that waits past --busy-timeout exits 4 saying so (AdminFailure.busyMessage)."""
    waited = str(int(seconds)) if seconds == int(seconds) else str(seconds)
    return ("error: the database is busy: another process (tandemd in a long write, or another tandem-admin) held its "
            f"write lock for more than {waited} s; try again, or wait longer with --busy-timeout SECONDS")


class Answer:
    """One tandem-admin run: `rc`, `out`, `err`, `seconds` (wall time) and `doc` (the --json document)."""

    def __init__(self, argv, rc, out, err, seconds):
        self.argv, self.rc, self.out, self.err, self.seconds = argv, rc, out, err, seconds
        self.doc = None

    @property
    def reason(self):
        """The first line of stderr (a failure's reason)."""
        return self.err.splitlines()[0] if self.err else ""

    def __repr__(self):
        return f"tandem-admin {' '.join(self.argv)} -> {self.rc} out={self.out[:300]!r} err={self.err[:300]!r}"


class AdminCLI:
    """Runs `tandem-admin --db DB ...` for one server; every answer is checked against the contract."""

    def __init__(self, admin, db):
        self.admin, self.db = admin, db
        self.codes = {}  # (command, rc) -> count, for the tallies

    def start(self, *argv, busy_timeout=None):
        """The command started, not waited for: (Popen, argv, start time)."""
        argv = [str(a) for a in argv] + ([] if busy_timeout is None else ["--busy-timeout", str(busy_timeout)])
        proc = subprocess.Popen([self.admin, "--db", self.db, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        return proc, argv, time.monotonic()

    def finish(self, started, json_doc=False):
        """Waits for a started command; its checked Answer."""
        proc, argv, t0 = started
        out, err = proc.communicate(timeout=60)
        a = Answer(argv, proc.returncode, out, err, time.monotonic() - t0)
        name = " ".join(w for w in argv[:2] if not w.startswith("-"))
        self.codes[(name, a.rc)] = self.codes.get((name, a.rc), 0) + 1
        if a.rc not in CODES:
            raise Mismatch(f"exit code {a.rc} is not in docs/admin.md's table: {a}")
        if any(w in a.err or w in a.out for w in RAW_SQLITE):
            raise Mismatch(f"SQLite's own words instead of the documented message: {a}")
        if a.rc != 0 and not a.reason.startswith("error: "):
            raise Mismatch(f"a failure's first stderr line must be 'error: ...': {a}")
        if a.rc == 0 and json_doc:
            try:
                a.doc = json.loads(a.out)
            except ValueError:
                raise Mismatch(f"--json printed no JSON document: {a}")
        return a

    def run(self, *argv, busy_timeout=None, json_doc=False):
        return self.finish(self.start(*argv, busy_timeout=busy_timeout), json_doc)

    def token_ids(self, user):
        """The ids of a user's tokens (tokens list --json)."""
        a = self.run("tokens", "list", user, "--json", json_doc=True)
        if a.rc != 0:
            raise Mismatch(f"tokens list {user}: {a}")
        return [t["id"] for t in a.doc["tokens"] if not t["revoked"]]


class LockHolder:
    """Holds the database's write lock (BEGIN IMMEDIATE on a connection of its own) for `seconds`, on a
    thread: tandemd's writer and tandem-admin wait for it as for any other process's long write."""

    def __init__(self, db, seconds):
        self.db, self.seconds = db, seconds
        self.held = threading.Event()
        self.error = None
        self.releasing = None
        self.thread = threading.Thread(target=self._hold, daemon=True)
        self.thread.start()
        if not self.held.wait(5) or self.error:
            raise Mismatch(f"could not take the write lock for the race: {self.error}")

    def _hold(self):
        try:
            con = sqlite3.connect(self.db, timeout=5, isolation_level=None)
            con.execute("BEGIN IMMEDIATE")
            self.held.set()
            time.sleep(self.seconds)
            self.releasing = time.monotonic()  # no other write can commit before this
            con.execute("ROLLBACK")
            con.close()
        except Exception as e:  # reported by the constructor when the lock was never held
            self.error = e
            self.held.set()

    def join(self):
        self.thread.join(10)
