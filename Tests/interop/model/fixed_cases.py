"""Deterministic cases the random runs reach too rarely, each a defect found by this check and fixed:
run once per check.py invocation, before the seeds. Each returns nothing or raises Mismatch.
- A deleted session's comment ids are not given again (session.delete is not among the random
  operations, whose discards meet it only when a branch held the highest ids)."""
import time

from matching import Mismatch
from wire import Client


def comment_ids_outlive_a_delete(server):
    """The comments with the highest ids go with their session; the next comment elsewhere must
    still get a higher id (before migration 19 SQLite gave the highest id left plus one)."""
    c = Client(server.url, server.owner_token, "owner")
    try:
        def ok(op, **params):
            r = c.request(op, **params)
            if not r.get("ok"):
                raise Mismatch(f"fixed case: {op} {params}: {r}")
            return r["result"]
        for sid in ("case-kept", "case-gone"):
            ok("session.create", session=sid)
            ok("turn.post", session=sid, content="a")
        given = [ok("comment.add", session=sid, seq=1, text="c")["comment"]["id"]
                 for sid in ("case-kept", "case-gone", "case-gone")]
        ok("session.delete", session="case-gone")
        # The delete hides the session at once and removes its rows in the writer's idle steps after
        # the answer: give them time to go, or an old build would pass (its reuse needs them gone).
        time.sleep(0.5)
        got = ok("comment.add", session="case-kept", seq=1, text="after the delete")["comment"]["id"]
        if got <= max(given):
            raise Mismatch(f"comment id {got} given again after a session's delete (ids given before: {given})")
        server.comment_high = max(server.comment_high, got)
    finally:
        c.close()


CASES = [comment_ids_outlive_a_delete]
