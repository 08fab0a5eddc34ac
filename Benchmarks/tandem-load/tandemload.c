/* tandemload.c - session fan-out load generator for tandemd (tandem.v1) and for plain room servers.
 *
 * Two wires, one tool, the same shapes (C connections in R rooms/sessions, S senders x M messages of
 * P bytes), so an application server and a plain transport are measured alike:
 *   --mode room    ws://127.0.0.1:PORT/room/r<N>: every text frame is broadcast to the whole room,
 *                  sender included (the ../shared/bench wire; the room example, c-epoll room.c ...)
 *   --mode tandem  ws://127.0.0.1:PORT/ws, subprotocol tandem.v1, Authorization: Bearer TOKEN;
 *                  connection i joins session <prefix><i % R>; senders post turn.post requests whose
 *                  content is the payload; each post is acknowledged (durable) and broadcast to all
 *                  members as a `turn` event.
 * Phases: connect -> [create sessions] -> [join] -> sync (a probe per room until every member saw
 * one) -> send -> one JSON line of results. libc + pthreads only; one epoll per worker thread.
 *
 * Build: gcc -O2 -Wall -o tandemload tandemload.c conn.c msg.c report.c -lpthread
 */
#include "tandemload.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

config_t cfg = {MODE_ROOM, 0, 100, 1, 10, 1000, 64, -1, 1, 128, 60, 1, 0, 0, "/room/", "/ws", "load-", NULL, 0, 0, 0};
_Atomic int g_phase = PH_CONNECT, g_http_status;
_Atomic long g_open, g_failed, g_created, g_joined, g_synced, g_pending, g_fatal;
_Atomic long *g_room_synced;
long *g_room_size, *g_room_senders;
char g_fatal_msg[160];
static uint64_t g_send_start;

int run_main(worker_t *ws, long expected, long posts); /* report.c */

uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t rnd(worker_t *w) { /* xorshift64* */
    uint64_t x = w->rng;
    x ^= x >> 12; x ^= x << 25; x ^= x >> 27;
    w->rng = x;
    return x * 0x2545F4914F6CDD1Dull;
}

uint64_t send_start_ns(void) { return g_send_start; }
void set_send_start(uint64_t t) { g_send_start = t; }

static void fatal(const char *what, int room, const char *code) {
    if (atomic_fetch_add(&g_fatal, 1) == 0)
        snprintf(g_fatal_msg, sizeof g_fatal_msg, "%s of session %s%d failed: %s", what, cfg.session_prefix, room,
                 code[0] ? code : "unreadable error");
}

static void count_code(worker_t *w, const char *code) {
    const char *name = code[0] ? code : "unreadable";
    for (int i = 0; i < MAX_CODES; i++) {
        if (!w->codes[i][0]) snprintf(w->codes[i], sizeof w->codes[i], "%s", name);
        if (strcmp(w->codes[i], name) == 0) { w->code_n[i]++; return; }
    }
}

/* Senders are looked at only when something changed for them (an answer or their own copy came
 * back, output drained), so a loop turn costs O(events), not O(senders). */
static void wake_sender(worker_t *w, conn_t *c) {
    if (c->idx < cfg.senders && !c->queued) { c->queued = 1; w->ready[w->nready++] = c; }
}

static long in_flight(const conn_t *c) { return cfg.mode == MODE_TANDEM ? c->sent - c->answered : c->sent - c->acked; }

/* ---------- outbound ---------- */

static int send_text(worker_t *w, conn_t *c, const void *p, size_t n) { return send_frame(w, c, 0x1, p, n); }

static int send_payload(worker_t *w, conn_t *c, char kind, int64_t id) {
    fill_payload(w->pbuf, (size_t)cfg.payload, kind, now_ns(), (uint64_t)c->idx);
    if (cfg.mode == MODE_ROOM) return send_text(w, c, w->pbuf, (size_t)cfg.payload);
    int n = build_post((char *)w->jbuf, (size_t)cfg.payload + 256, id, cfg.session_prefix, c->room, w->pbuf, (size_t)cfg.payload);
    return n < 0 ? -1 : send_text(w, c, w->jbuf, (size_t)n);
}

static int send_op(worker_t *w, conn_t *c, int64_t id, const char *op) {
    int n = build_op((char *)w->jbuf, (size_t)cfg.payload + 256, id, op, cfg.session_prefix, c->room);
    return n < 0 ? -1 : send_text(w, c, w->jbuf, (size_t)n);
}

/* ---------- inbound ---------- */

static void mark_synced(conn_t *c) {
    if (c->synced) return;
    c->synced = 1;
    atomic_fetch_add(&g_room_synced[c->room], 1);
    atomic_fetch_add(&g_synced, 1);
}

static void on_delivery(worker_t *w, conn_t *c, char kind, uint64_t t, uint64_t sender) {
    if (kind == 'S') { mark_synced(c); return; }
    uint64_t latency = w->rx_now > t ? w->rx_now - t : 0;
    if (w->nlat < w->cap_lat) w->lat[w->nlat++] = latency;
    if (w->tl_max_us && t >= g_send_start && (t - g_send_start) / TL_BUCKET_NS < TL_BUCKETS) {
        uint32_t *worst = &w->tl_max_us[(t - g_send_start) / TL_BUCKET_NS];
        if (latency / 1000 > *worst) *worst = (uint32_t)(latency / 1000);
    }
    c->received++; w->received++;
    w->last_rx = w->rx_now;
    if (cfg.mode == MODE_ROOM && sender == (uint64_t)c->idx) {
        c->acked++; w->acked++;
        w->last_ack = w->rx_now;
        wake_sender(w, c);
    }
}

static void on_room_message(worker_t *w, conn_t *c) {
    char kind;
    uint64_t t, sender;
    if (read_payload(c->msg, c->msg_len, &kind, &t, &sender) || sender >= (uint64_t)cfg.conns) { w->bad++; return; }
    on_delivery(w, c, kind, t, sender);
}

static void on_response(worker_t *w, conn_t *c, const tl_msg *m) {
    int ok = m->kind == TL_OK, exists = m->id == ID_CREATE && strcmp(m->code, "already_exists") == 0;
    if (!ok && !exists) count_code(w, m->code);
    if (!m->has_id) { w->errors++; return; }
    if (m->id == ID_CREATE) {
        if (ok || exists) atomic_fetch_add(&g_created, 1);
        else fatal("session.create", c->room, m->code);
    } else if (m->id == ID_JOIN) {
        if (ok) atomic_fetch_add(&g_joined, 1);
        else fatal("session.join", c->room, m->code);
    } else if (m->id <= ID_PROBE_BASE) {
        if (!ok) w->errors++;
    } else if (m->id >= 1 && m->id <= cfg.msgs) {
        c->answered++; w->answered++;
        if (ok) {
            char kind;
            uint64_t t, sender;
            c->acked++; w->acked++;
            w->last_ack = w->rx_now;
            if (m->content && read_payload(m->content, m->content_len, &kind, &t, &sender) == 0 && w->nack < w->cap_ack)
                w->ack_lat[w->nack++] = w->rx_now > t ? w->rx_now - t : 0;
        } else {
            w->errors++;
            w->undeliverable += g_room_size[c->room]; /* nobody will see this turn */
        }
        wake_sender(w, c);
    } else {
        w->bad++;
    }
}

static void on_tandem_message(worker_t *w, conn_t *c) {
    tl_msg m;
    if (parse_tandem(c->msg, c->msg_len, &m) < 0) { w->bad++; return; }
    if (m.kind == TL_OK || m.kind == TL_ERR) { on_response(w, c, &m); return; }
    if (m.kind == TL_OTHER) { w->other_events++; return; }
    /* A turn event: every member must see its session's turns in seq order, none missing or twice. */
    if (m.has_seq) {
        if (c->last_seq && m.seq != c->last_seq + 1) w->order_errors++;
        c->last_seq = m.seq;
    }
    char kind;
    uint64_t t, sender;
    if (read_payload(m.content, m.content_len, &kind, &t, &sender) || sender >= (uint64_t)cfg.conns) { w->bad++; return; }
    on_delivery(w, c, kind, t, sender);
}

void on_message(worker_t *w, conn_t *c) {
    if (cfg.mode == MODE_TANDEM) on_tandem_message(w, c);
    else on_room_message(w, c);
}

/* ---------- worker loop ---------- */

static void pump_send(worker_t *w, uint64_t now) {
    double interval = cfg.rate > 0 ? 1e9 * cfg.senders / cfg.rate : 0;
    if (!w->started) {
        w->started = 1;
        for (int k = 0; k < w->nsenders; k++) {
            w->c[k].next_due = g_send_start + (uint64_t)(interval * w->c[k].idx / cfg.senders);
            if (interval == 0) wake_sender(w, &w->c[k]);
        }
    }
    /* Rate mode: senders fall due in a fixed cyclic order (offset by index, same period), so a
     * cursor finds the due ones without scanning every sender each millisecond. A due sender that
     * the window holds back is passed over; an answer or drained output wakes it again. */
    for (int i = 0; interval > 0 && w->active > 0 && i < w->nsenders; i++) {
        conn_t *c = &w->c[w->cursor];
        if (c->sent < cfg.msgs && c->state == ST_OPEN) {
            if (now < c->next_due) break;
            wake_sender(w, c);
        }
        w->cursor = (w->cursor + 1) % w->nsenders;
    }
    while (w->nready > 0) {
        conn_t *c = w->ready[--w->nready];
        c->queued = 0;
        while (c->state == ST_OPEN && c->sent < cfg.msgs && in_flight(c) < cfg.window && c->out_len < OUT_CAP_LIMIT &&
               (interval == 0 || now >= c->next_due)) {
            if (send_payload(w, c, 'M', c->sent + 1) < 0) { conn_dead(w, c); break; }
            c->sent++; w->sent++;
            if (c->sent == cfg.msgs) w->active--;
            c->next_due += (uint64_t)interval;
        }
    }
}

static void pump(worker_t *w, int phase, uint64_t now) {
    int first = phase != w->phase_seen;
    w->phase_seen = phase;
    if (phase == PH_CONNECT) {
        while (w->nretry > 0 && atomic_load(&g_pending) < cfg.conc) start_connect(w, w->retry[--w->nretry]);
        while (w->next_conn < w->n && atomic_load(&g_pending) < cfg.conc) start_connect(w, &w->c[w->next_conn++]);
    } else if (phase == PH_CREATE && first) { /* each session's first connection creates it */
        for (int k = 0; k < w->n && w->c[k].idx < cfg.rooms; k++)
            if (w->c[k].state == ST_OPEN && send_op(w, &w->c[k], ID_CREATE, "session.create") < 0) conn_dead(w, &w->c[k]);
    } else if (phase == PH_JOIN && first) {
        for (int k = 0; k < w->n; k++)
            if (w->c[k].state == ST_OPEN && send_op(w, &w->c[k], ID_JOIN, "session.join") < 0) conn_dead(w, &w->c[k]);
    } else if (phase == PH_SYNC && now - w->last_probe > (cfg.mode == MODE_TANDEM ? 500000000ull : 100000000ull)) {
        w->last_probe = now; /* the room's leader is connection idx == room number */
        for (int k = 0; k < w->n && w->c[k].idx < cfg.rooms; k++) {
            conn_t *c = &w->c[k];
            if (c->state == ST_OPEN && atomic_load(&g_room_synced[c->room]) < g_room_size[c->room] &&
                send_payload(w, c, 'S', ID_PROBE_BASE - c->probes++) < 0) conn_dead(w, c);
        }
    } else if (phase == PH_SEND) {
        pump_send(w, now);
    }
    atomic_store_explicit(&w->pub_received, w->received, memory_order_relaxed);
    atomic_store_explicit(&w->pub_lost, w->lost, memory_order_relaxed);
    atomic_store_explicit(&w->pub_answered, w->answered, memory_order_relaxed);
    atomic_store_explicit(&w->pub_lost_posts, w->lost_posts, memory_order_relaxed);
    atomic_store_explicit(&w->pub_undeliverable, w->undeliverable, memory_order_relaxed);
}

/* How long the loop may sleep: closed loop 10 ms (answers and deliveries wake it); rate mode
 * until the sender at the cursor falls due (1 ms granularity); setup phases 1 ms. */
static int wait_ms(worker_t *w, int phase) {
    if (w->nready > 0) return 0;
    if (phase != PH_SEND) return 1;
    if (cfg.rate <= 0 || w->active == 0) return 10;
    uint64_t due = w->c[w->cursor].next_due, now = now_ns();
    uint64_t ms = due > now ? (due - now + 999999) / 1000000 : 1;
    return ms > 10 ? 10 : (int)ms;
}

static void *worker_main(void *arg) {
    worker_t *w = arg;
    struct epoll_event evs[256];
    w->phase_seen = -1;
    for (;;) {
        int phase = atomic_load(&g_phase);
        if (phase == PH_DONE) break;
        pump(w, phase, now_ns());
        int n = epoll_wait(w->epfd, evs, 256, wait_ms(w, phase));
        for (int i = 0; i < n; i++) {
            conn_t *c = evs[i].data.ptr;
            uint32_t e = evs[i].events;
            if (c->state == ST_CONNECTING) {
                on_connected(w, c);
            } else if (c->state == ST_HANDSHAKE || c->state == ST_OPEN) {
                if ((e & EPOLLOUT) && flush_out(w, c) < 0) {
                    if (c->state == ST_OPEN) conn_dead(w, c); else conn_failed(w, c);
                    continue;
                }
                if ((e & EPOLLOUT) && c->state == ST_OPEN) wake_sender(w, c);
                if (e & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
                    if (c->state == ST_HANDSHAKE) on_handshake(w, c); else on_readable(w, c);
                }
            }
        }
    }
    close_all(w);
    return NULL;
}

/* ---------- setup ---------- */

static const char *usage_text =
    "usage: tandemload -p PORT [options]\n"
    "Session fan-out load generator: room mode (plain broadcast rooms) or tandem mode (tandem.v1).\n"
    "  -p PORT        server port on 127.0.0.1 (required)\n"
    "  -M, --mode M   room (default): ws://127.0.0.1:PORT<prefix>r<N>, every frame goes to the room;\n"
    "                 tandem: ws://127.0.0.1:PORT/ws, tandem.v1, session.join + turn.post\n"
    "  -c CONNS       connections (default 100)\n"
    "  -r ROOMS       rooms / sessions; connection i is in room i %% ROOMS (default 1)\n"
    "  -s SENDERS     senders: connections 0..S-1 (default 10)\n"
    "  -m MSGS        messages (turns) per sender (default 1000)\n"
    "  -P BYTES       payload bytes per message (tandem: the turn's content), >= 25 (default 64)\n"
    "  -R RATE        open-loop total send rate, messages/s (default 0: as fast as the window allows)\n"
    "  -w WINDOW      max messages in flight per sender (default 16; unlimited when -R is given).\n"
    "                 room: sent but the sender's own copy not yet back; tandem: posted but not yet\n"
    "                 answered (the answer comes once the turn is durable)\n"
    "  -t THREADS     worker threads, one epoll each; connection i goes to thread i %% T (default 1)\n"
    "  -k N           max concurrent connection attempts, all threads together (default 128)\n"
    "  -T SECS        timeout for connect+setup+sync and, separately, for the send phase (default 60)\n"
    "  -u PREFIX      room mode: URL path prefix (default /room/)\n"
    "  -n             skip the sync phase\n"
    "  --server-pid PID  also report that process's CPU seconds during the send phase\n"
    "                 (server_send_cpu_s: a figure less sensitive to a busy host than rates)\n"
    "tandem mode:\n"
    "  -a, --token TOKEN        bearer token for every connection (default: $TANDEM_TOKEN)\n"
    "  -A, --token-file FILE    tokens, one per line; connection i uses line i %% lines\n"
    "  -S, --session-prefix P   sessions are P0..P<ROOMS-1> (default load-)\n"
    "  -C, --create             create the sessions first (session.create by each session's first\n"
    "                           connection; already_exists is fine); else they must exist and the\n"
    "                           token's user must be a member with write access\n"
    "      --path PATH          WebSocket path (default /ws)\n"
    "Expected deliveries = sum over senders of MSGS x (members of the sender's room).\n"
    "Prints one JSON line; exit 0 if every expected delivery (and in tandem mode every answer) arrived\n"
    "without error, 2 if not, 1 on setup errors (connect, create, join, sync).\n";

static char **read_tokens(const char *file, int *n) {
    FILE *f = fopen(file, "r");
    if (!f) { perror(file); return NULL; }
    char **v = NULL, line[4096];
    int cap = 0;
    *n = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n \t")] = 0;
        if (!line[0]) continue;
        if (*n == cap) { cap = cap ? cap * 2 : 16; v = realloc(v, sizeof *v * (size_t)cap); }
        v[(*n)++] = strdup(line);
    }
    fclose(f);
    return v;
}

static int parse_args(int argc, char **argv) {
    static const struct option longs[] = {
        {"mode", required_argument, 0, 'M'}, {"token", required_argument, 0, 'a'}, {"token-file", required_argument, 0, 'A'},
        {"session-prefix", required_argument, 0, 'S'}, {"create", no_argument, 0, 'C'}, {"path", required_argument, 0, 1},
        {"server-pid", required_argument, 0, 2},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    static char *one_token[1];
    int opt;
    while ((opt = getopt_long(argc, argv, "p:c:r:s:m:P:R:w:t:k:T:u:nM:a:A:S:Ch", longs, NULL)) != -1) {
        switch (opt) {
        case 'p': cfg.port = atoi(optarg); break;
        case 'c': cfg.conns = atoi(optarg); break;
        case 'r': cfg.rooms = atoi(optarg); break;
        case 's': cfg.senders = atoi(optarg); break;
        case 'm': cfg.msgs = atoi(optarg); break;
        case 'P': cfg.payload = atoi(optarg); break;
        case 'R': cfg.rate = atof(optarg); break;
        case 'w': cfg.window = atoi(optarg); break;
        case 't': cfg.threads = atoi(optarg); break;
        case 'k': cfg.conc = atoi(optarg); break;
        case 'T': cfg.timeout_s = atoi(optarg); break;
        case 'u': cfg.prefix = optarg; break;
        case 'n': cfg.sync = 0; break;
        case 'M':
            if (strcmp(optarg, "room") == 0) cfg.mode = MODE_ROOM;
            else if (strcmp(optarg, "tandem") == 0) cfg.mode = MODE_TANDEM;
            else { fprintf(stderr, "unknown mode %s\n", optarg); return -1; }
            break;
        case 'a': one_token[0] = optarg; cfg.tokens = one_token; cfg.ntokens = 1; break;
        case 'A': if (!(cfg.tokens = read_tokens(optarg, &cfg.ntokens))) return -1; break;
        case 'S': cfg.session_prefix = optarg; break;
        case 'C': cfg.create = 1; break;
        case 1: cfg.path = optarg; break;
        case 2: cfg.server_pid = atoi(optarg); break;
        case 'h': fputs(usage_text, stdout); exit(0);
        default: return -1;
        }
    }
    if (cfg.mode == MODE_TANDEM && cfg.ntokens == 0 && getenv("TANDEM_TOKEN") && getenv("TANDEM_TOKEN")[0]) {
        one_token[0] = getenv("TANDEM_TOKEN"); cfg.tokens = one_token; cfg.ntokens = 1;
    }
    if (cfg.mode == MODE_TANDEM && cfg.ntokens == 0) { fputs("tandem mode needs a token (-a, -A or $TANDEM_TOKEN)\n", stderr); return -1; }
    if (cfg.port <= 0 || cfg.port > 65535 || cfg.conns < 1 || cfg.rooms < 1 || cfg.rooms > cfg.conns ||
        cfg.senders < 0 || cfg.senders > cfg.conns || cfg.msgs < 0 || cfg.payload < MIN_PAYLOAD ||
        cfg.payload > (1 << 24) || cfg.threads < 1 || cfg.threads > 64 || cfg.conc < 1 || cfg.timeout_s < 1)
        return -1;
    if (cfg.window <= 0) cfg.window = cfg.rate > 0 ? INT_MAX : 16;
    /* room: the payload prefix is all we read; tandem: the event's fields before and after content */
    cfg.keep = cfg.mode == MODE_TANDEM ? (size_t)cfg.payload + 2048 : 64;
    return 0;
}

int main(int argc, char **argv) {
    if (parse_args(argc, argv) < 0) { fputs(usage_text, stderr); return 1; }
    struct rlimit rl; /* one fd per connection: raise the soft limit as far as allowed */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)cfg.conns + 64) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        if (rl.rlim_cur < (rlim_t)cfg.conns + 64) fprintf(stderr, "warning: RLIMIT_NOFILE %lu too low\n", (unsigned long)rl.rlim_cur);
    }
    g_room_size = calloc((size_t)cfg.rooms, sizeof(long));
    g_room_senders = calloc((size_t)cfg.rooms, sizeof(long));
    g_room_synced = calloc((size_t)cfg.rooms, sizeof(_Atomic long));
    for (int i = 0; i < cfg.conns; i++) {
        g_room_size[i % cfg.rooms]++;
        if (i < cfg.senders) g_room_senders[i % cfg.rooms]++;
    }
    long expected = 0, posts = (long)cfg.senders * cfg.msgs;
    uint64_t seed;
    if (getrandom(&seed, sizeof seed, 0) != sizeof seed) seed = now_ns();
    worker_t *ws = calloc((size_t)cfg.threads, sizeof(worker_t));
    for (int t = 0; t < cfg.threads; t++) {
        worker_t *w = &ws[t];
        w->id = t;
        w->rng = seed ^ (0x9E3779B97F4A7C15ull * (uint64_t)(t + 1));
        w->epfd = epoll_create1(EPOLL_CLOEXEC);
        w->n = (cfg.conns - t + cfg.threads - 1) / cfg.threads;
        w->c = calloc((size_t)w->n, sizeof(conn_t));
        w->retry = calloc((size_t)w->n, sizeof(conn_t *));
        w->ready = calloc((size_t)w->n, sizeof(conn_t *));
        w->hs_lat = calloc((size_t)w->n, sizeof(uint64_t));
        w->pbuf = malloc((size_t)cfg.payload);
        w->jbuf = malloc((size_t)cfg.payload + 256);
        w->wbuf = malloc((size_t)cfg.payload + 256 + 14);
        for (int k = 0; k < w->n; k++) {
            conn_t *c = &w->c[k];
            c->fd = -1;
            c->idx = t + k * cfg.threads;
            c->room = c->idx % cfg.rooms;
            c->msg = malloc(cfg.keep);
            c->expected = (long)cfg.msgs * g_room_senders[c->room];
            w->expected += c->expected;
            if (c->idx < cfg.senders) w->nsenders++;
        }
        if (getenv("TANDEMLOAD_TIMELINE")) w->tl_max_us = calloc(TL_BUCKETS, sizeof(uint32_t));
        w->cap_lat = w->expected;
        w->lat = malloc(sizeof(uint64_t) * (size_t)(w->cap_lat ? w->cap_lat : 1));
        w->active = w->nsenders;
        w->cap_ack = (long)w->nsenders * cfg.msgs;
        w->ack_lat = malloc(sizeof(uint64_t) * (size_t)(w->cap_ack ? w->cap_ack : 1));
        expected += w->expected;
    }
    for (int t = 0; t < cfg.threads; t++) pthread_create(&ws[t].th, NULL, worker_main, &ws[t]);
    return run_main(ws, expected, posts);
}
