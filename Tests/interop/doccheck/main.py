#!/usr/bin/env python3
"""The doc check: a tandem.v1 client written from docs/protocol.md alone (no server source read for it),
driving a running tandemd through every operation, event, error code, paging rule, recovery case, share
link case, HTTP answer, close code and limit the document states, and checking each answer's exact
shape (its fields, optional ones left off, sorted keys without whitespace). Where the server and the
document disagree, one of them is wrong.

It needs, besides the owner's token, the tokens of two more users `bob` and `carol`, and the
`tandem-admin` command on the same database (token revoke, grants and deletes from another process).
A second tandemd started with tiny limits (see Tests/interop/run for its flags) takes the checks that
need them: quotas, idle timeout, origins, public URL, max-connections, page and queue bounds, auth
failures, and last its shutdown (close 1001).

Usage: main.py --url ws://127.0.0.1:PORT/ws --token OWNER --bob BOB --carol CAROL
               --admin "tandem-admin --db PATH" [--small-url URL --small-token T --small-pid PID] [--only a,b]
Prints a line per check; exits non-zero when any fails.
"""
import argparse
import sys
import time
import traceback

from access_checks import admin_live, revoke_token, roles, shares
from connect_checks import auth_failures, framing, handshake, idle, messages, more_http, public_url_and_capacity
from content_checks import checkpoints_branches_templates, members_and_contributions, misc, state
from limit_checks import limits, probes, quotas, recovery, small_buffers
from merge_checks import merge_bounds, merge_resolutions
from session_checks import live_and_turns, sessions
from wire import FAILURES, PASSED

# In this order: the second server's sections last, auth_failures (which bars this address there and
# then stops that server) the very last.
SECTIONS = [handshake, framing, messages, sessions, live_and_turns, state, members_and_contributions,
            checkpoints_branches_templates, merge_bounds, merge_resolutions, shares, recovery, roles, misc, probes, limits, revoke_token, admin_live,
            idle, quotas, small_buffers, more_http, public_url_and_capacity, auth_failures]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="ws://HOST:PORT/ws of the server with default settings")
    parser.add_argument("--token", required=True, help="its owner's token")
    parser.add_argument("--bob", required=True, help="the token of user bob")
    parser.add_argument("--carol", required=True, help="the token of user carol")
    parser.add_argument("--admin", default="", help="the tandem-admin command line for its database")
    parser.add_argument("--small-url", default="", help="a second tandemd with tiny quotas and timeouts")
    parser.add_argument("--small-token", default="", help="its owner's token (it also has a user dave)")
    parser.add_argument("--small-max-connections", type=int, default=6, help="its --max-connections")
    parser.add_argument("--small-pid", type=int, default=0, help="its process id: the last check stops it")
    parser.add_argument("--only", default="", help="comma-separated section names")
    args = parser.parse_args()
    started = time.monotonic()
    for section in SECTIONS:
        if args.only and section.__name__ not in args.only.split(","):
            continue
        print(section.__name__)
        try:
            section(args)
        except Exception as error:  # a section that breaks off is one failure; the others still run
            FAILURES.append(f"{section.__name__}: {type(error).__name__}: {error}")
            print(f"  FAIL {section.__name__} broke off: {type(error).__name__}: {error}")
            traceback.print_exc(limit=3)
    print(f"doc check: {PASSED[0]} checks passed, {len(FAILURES)} failed, in {time.monotonic() - started:.1f} s")
    for failure in FAILURES:
        print(f"  - {failure}")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
