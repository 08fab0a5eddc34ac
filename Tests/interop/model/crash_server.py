"""A tandemd for the crash model check (crash_check.py): the model check's Server that can be killed
with SIGKILL at a chosen moment (a timer after a chosen request), restarted on the same database, and
whose file can be looked at while it runs: `PRAGMA integrity_check`, and the work a kill may leave
behind (hidden sessions of deletes, imports, forks; branch merge job rows)."""
import os
import signal
import sqlite3
import subprocess
import threading
import time

from matching import Mismatch
from wire import Server


class KillableServer(Server):
    """`kill_later(delay)` arms a SIGKILL `delay` seconds from now; `restart` starts tandemd again on
    the same database; `killed` says whether the last kill was ours."""

    def __init__(self, tandemd, extra=()):
        self.extra = list(extra)
        super().__init__(tandemd, extra)
        self.timer = None
        self.kills = 0
        self.kill_sent = False

    def kill_later(self, delay):
        self.cancel()
        self.kill_sent = False
        self.timer = threading.Timer(delay, self.kill_now)
        self.timer.daemon = True
        self.timer.start()

    def kill_now(self):
        if self.proc.poll() is None:
            self.kill_sent = True
            os.kill(self.proc.pid, signal.SIGKILL)

    def cancel(self):
        if self.timer is not None:
            self.timer.cancel()
            self.timer.join()
            self.timer = None

    def dead(self):
        """Waits a moment for the process to be gone; True when it is."""
        try:
            self.proc.wait(2)
            return True
        except Exception:
            return False

    def work_left(self):
        """While tandemd is dead: the merge job rows, the deletes under way and the hidden sessions of
        imports, forks and template sessions the kill left (a read-only look, which neither
        checkpoints nor removes the WAL, so the next start recovers the file as the kill left it).
        (merges, deletes, hidden); None when the file could not be read so."""
        try:
            return (self.query("SELECT count(*) FROM branch_merges")[0][0],
                    self.query("SELECT count(*) FROM sessions WHERE status = 'deleting'")[0][0],
                    self.query("SELECT count(*) FROM sessions WHERE status = 'importing'")[0][0])
        except sqlite3.Error:
            return None

    def restart(self, early_kill=None):
        """After a kill: the same database, a new port (clients reconnect to `url`). With
        `early_kill` (seconds), the first start is killed that long after it began (while it opens the
        database and finishes the work the kill left: merges, deletes) and a second one serves."""
        self.cancel()
        self.proc.wait()
        self.log.close()
        self.kills += 1
        if early_kill is not None:
            with open(os.path.join(self.tmp, f"early{self.kills}.log"), "w") as log:
                first = subprocess.Popen([self.tandemd, "--db", self.db, "--host", "127.0.0.1", "--port", "0",
                                          "--log-level", "info", *self.extra], stdout=log, stderr=subprocess.STDOUT)
                time.sleep(early_kill)
                first.kill()
                first.wait()
        self._start(self.extra)

    def query(self, sql):
        """Rows of a read on the live database file (read-only: WAL readers do not block the server)."""
        con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=10)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()

    def integrity(self):
        got = self.query("PRAGMA integrity_check")
        if got != [("ok",)]:
            raise Mismatch(f"PRAGMA integrity_check after the restart: {got[:5]}")

    def leftovers(self, wait=5.0):
        """What a kill left that the next start must finish: merge job rows must be gone at once (the
        start finishes them before it listens), and so must the hidden sessions of imports, forks and
        template sessions (their writer, the killed tandemd, is provably gone: the start hands them to
        the delete steps); deletes within `wait` seconds (the writer's chore)."""
        jobs = self.query("SELECT count(*) FROM branch_merges")[0][0]
        if jobs:
            raise Mismatch(f"{jobs} branch merge job rows left after the restart (the start finishes them)")
        importing = self.query("SELECT count(*) FROM sessions WHERE status = 'importing'")[0][0]
        if importing:
            raise Mismatch(f"{importing} hidden import/fork/template session(s) of the killed tandemd left after the restart")
        deadline = time.monotonic() + wait
        while True:
            hidden = self.query("SELECT status, count(*) FROM sessions WHERE status NOT IN "
                                "('active', 'paused', 'archived') GROUP BY status")
            if not hidden or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        if hidden:
            raise Mismatch(f"hidden sessions left {wait} s after the restart: {hidden}")
