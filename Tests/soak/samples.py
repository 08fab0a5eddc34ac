"""What the soak samples while it runs (/proc figures, the database files, /metrics) and how it judges
growth: the rules a leak would break but noise would not (docs/hardening.md, "Soak")."""
import os

from tandem_drill import median


def file_size(path):
    return os.path.getsize(path) if os.path.exists(path) else 0


def series_count(text):
    """Distinct series in a /metrics page: its sample lines."""
    return sum(1 for line in text.splitlines() if line and not line.startswith("#"))


def sample(server):
    """One sample of what could grow: /proc figures, the files, /metrics."""
    text = server.metrics_text()
    metrics, series = server.metrics(text), series_count(text)
    return {"rss": server.rss_bytes(), "fds": server.open_fds(), "threads": server.threads(),
            "db": file_size(server.db), "wal": file_size(server.db + "-wal"),
            "search": file_size(server.db + "-search") + file_size(server.db + "-search-wal"),
            "allocated": int(metrics.get("tandem_memory_allocated_bytes", 0)), "series": series,
            "connections": int(metrics.get("tandem_connections", -1)),
            "sessions": int(metrics.get("tandem_sessions_live", -1))}


def format_row(row):
    latency = lambda v: "    -" if v is None else f"{v:7.1f}"
    mib = lambda v: f"{v / 2**20:7.1f}"
    return (f"{row['t']:6.0f} {mib(row['rss'])} {mib(row['allocated'])} {row['fds']:4d} {row['threads']:3d} "
            f"{mib(row['db'])} {mib(row['wal'])} {row['series']:4d} {row['connections']:4d} {row['sessions']:4d} "
            f"{latency(row['p50'])} {latency(row['p99'])} {row['deliveries']:7d} {row['turns']:7d}")


HEADER = ("  t(s)     RSS   alloc  fds thr      db     wal  ser conn sess p50(ms) p99(ms) deliver   acked"
          "   (MiB; alloc = jemalloc's allocated; ser = /metrics series)")

# What must plateau, and the slack a leak would exceed but noise would not: (key, name, ratio, absolute).
# Compared: the median of the last third of the samples after the warm-up against the median of the middle
# third (the first third after the warm-up still includes caches and arenas filling up to their bounds).
GROWTH_RULES = [("rss", "RSS", 1.10, 8 * 2**20), ("allocated", "jemalloc allocated", 1.10, 4 * 2**20),
                ("fds", "open fds", 1.0, 8), ("threads", "threads", 1.0, 2), ("series", "/metrics series", 1.0, 4),
                ("wal", "WAL file", 1.25, 16 * 2**20)]
# The WAL is truncated back to journal_size_limit (docs/store.md: 64 MiB) whenever it restarts; past it
# (plus the commit that crossed it) means checkpoints no longer complete: a reader holding a snapshot.
WAL_BOUND = 72 * 2**20


def growth_verdict(rows, seconds):
    warm = max(30.0, 0.10 * seconds)
    kept = [r for r in rows if r["t"] > warm]
    if len(kept) < 3:
        return [f"too few samples after the {warm:.0f} s warm-up ({len(kept)})"], ""
    third = max(1, len(kept) // 3)
    middle, last = kept[third:2 * third], kept[-third:]
    problems, parts = [], []
    for key, name, ratio, slack in GROWTH_RULES:
        before, after = median([r[key] for r in middle]), median([r[key] for r in last])
        big = slack >= 2**20
        shown = (lambda v: f"{v / 2**20:.1f} MiB") if big else (lambda v: f"{v}")
        parts.append(f"{name} {shown(before)} → {shown(after)}")
        if after > before * ratio + slack:
            problems.append(f"{name} keeps growing: median {shown(before)} (middle third) → {shown(after)} (last third)")
    worst_wal = max(r["wal"] for r in rows)
    if worst_wal > WAL_BOUND:
        problems.append(f"the WAL reached {worst_wal / 2**20:.1f} MiB, past its 64 MiB bound: checkpoints do not complete")
    summary = (", ".join(parts) + f" (medians, middle vs last third of {len(kept)} samples after {warm:.0f} s warm-up); "
               f"largest WAL {worst_wal / 2**20:.1f} MiB")
    return problems, summary
