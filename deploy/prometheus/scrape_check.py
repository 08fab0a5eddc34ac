#!/usr/bin/env python3
"""Drives a real tandemd and checks its /metrics against the alert rules, as deploy/prometheus/test runs it.

Over wss:// and https:// (tandemd's own TLS, so the certificate expiry is exported): posts turns in a
session, makes one handshake with a bad token, then scrapes /metrics into --out (for `promtool check
metrics`) and checks that every metric name the rules' expressions use is in the scrape: a renamed or
removed metric would otherwise leave its alert silently unable to fire. Names are every `tandem_*`
word of the rules outside comments (expressions, and the metrics descriptions point at; `up` is
Prometheus' own); histograms are used through their `_bucket`/`_count` series, as the scrape has them.

Usage: scrape_check.py --port P --cafile CERT.pem --token OWNER_TOKEN --rules RULES.yml --out METRICS.txt
Prints ok/FAIL lines; exits non-zero on any failure.
"""
import argparse
import contextlib
import json
import re
import ssl
import sys
import time
import urllib.request
import uuid

from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

SUBPROTOCOL = "tandem.v1"
TURNS = 20


def request(ws, state, op, **params):
    state["id"] += 1
    ws.send(json.dumps({"id": state["id"], "op": op, **params}))
    deadline = time.monotonic() + 5
    while True:
        message = json.loads(ws.recv(timeout=max(0.001, deadline - time.monotonic())))
        if message.get("id") == state["id"]:
            if message.get("ok") is not True:
                raise SystemExit(f"FAIL: {op}: {message}")
            return message["result"]


def drive(port, context, token):
    url = f"wss://127.0.0.1:{port}/ws"
    with contextlib.ExitStack() as stack:
        ws = stack.enter_context(connect(url, subprotocols=[SUBPROTOCOL], ssl=context,
                                         additional_headers={"Authorization": f"Bearer {token}"}))
        state = {"id": 0}
        session = "alerts-" + uuid.uuid4().hex[:10]
        request(ws, state, "session.create", session=session, title="metrics check")
        request(ws, state, "session.join", session=session)
        for n in range(TURNS):
            request(ws, state, "turn.post", session=session, content=f"turn {n}", nonce=f"n-{n}")
    try:
        with connect(url, subprotocols=[SUBPROTOCOL], ssl=context, additional_headers={"Authorization": "Bearer not-a-token"}):
            raise SystemExit("FAIL: a bad token was accepted")
    except InvalidStatus as refused:
        if refused.response.status_code != 401:
            raise SystemExit(f"FAIL: a bad token got HTTP {refused.response.status_code}, not 401")
    print(f"ok: posted {TURNS} turns over wss://, one handshake refused for a bad token")


def scrape(port, context):
    with urllib.request.urlopen(f"https://127.0.0.1:{port}/metrics", context=context, timeout=10) as answer:
        return answer.read().decode()


def samples(text):
    """Metric name -> value of its first sample without labels (or with, if none has none)."""
    found = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name = re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line).group(0)
            found.setdefault(name, float(line.rsplit(" ", 1)[1]))
    return found


def main():
    parser = argparse.ArgumentParser()
    for flag in ("--port", "--cafile", "--token", "--rules", "--out"):
        parser.add_argument(flag, required=True)
    args = parser.parse_args()
    context = ssl.create_default_context(cafile=args.cafile)
    drive(args.port, context, args.token)
    text = scrape(args.port, context)
    with open(args.out, "w") as out:
        out.write(text)
    exported = samples(text)

    failures = 0
    def check(condition, what):
        nonlocal failures
        print(("ok: " if condition else "FAIL: ") + what)
        failures += 0 if condition else 1

    check(exported.get("tandem_turns_total", 0) >= TURNS, f"the scrape counts the {TURNS} turns posted")
    check(exported.get("tandem_auth_failures_total", 0) >= 1, "the scrape counts the refused handshake")
    check(exported.get("tandem_turn_commit_seconds_count", 0) >= TURNS, "the commit latency histogram has the posts")
    check(exported.get("tandem_tls_certificate_expiry_timestamp_seconds", 0) > time.time(),
          "the certificate expiry is exported, in the future")
    check(exported.get("tandem_connections_limit", 0) > 0, "the max-connections limit is exported")
    check(0 < exported.get("tandem_store_filesystem_avail_bytes", 0) <= exported.get("tandem_store_filesystem_size_bytes", 0),
          "the database's file system's free and total bytes are exported")
    check(exported.get("tandem_store_file_bytes", 0) > 0 and exported.get("tandem_store_reclaims_online") == 0,
          "the database file's size and its mode (a new file: auto_vacuum NONE) are exported")

    # Every tandem_* word under each alert: its expression, and the metrics its description points at.
    used, alert = {}, None
    for line in open(args.rules):
        if line.lstrip().startswith("#"):
            continue
        if match := re.match(r"\s*- alert: (\w+)", line):
            alert = match.group(1)
        for name in re.findall(r"\b(tandem_[a-z0-9_]+)\b", line):
            used.setdefault(name, []).append(alert)
    check(len(used) >= 10, f"the rules use {len(used)} tandem metrics")
    for name in sorted(used):
        # A histogram's family name (in a description) is exported as its _count, _sum and _bucket series.
        check(name in exported or f"{name}_count" in exported, f"{name} (used by {', '.join(sorted(set(used[name])))}) is exported")
    if failures:
        print(f"{failures} check(s) failed", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
