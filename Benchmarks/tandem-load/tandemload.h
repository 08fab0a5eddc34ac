/* tandemload.h - shared declarations of the tandem load generator (see tandemload.c). */
#ifndef TANDEMLOAD_H
#define TANDEMLOAD_H

#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define MIN_PAYLOAD 25            /* kind + 16 hex digits send time + 8 hex digits sender index */
#define MAX_ATTEMPTS 5            /* connect attempts per connection */
#define OUT_CAP_LIMIT (1 << 20)   /* a sender pauses while this much of its output is unsent */
#define MAX_CODES 16              /* distinct error codes counted per worker */

enum { MODE_ROOM, MODE_TANDEM };
enum { PH_CONNECT, PH_CREATE, PH_JOIN, PH_SYNC, PH_SEND, PH_DONE };
enum { ST_IDLE, ST_CONNECTING, ST_HANDSHAKE, ST_OPEN, ST_DEAD };

/* Request ids (tandem mode): the id alone says what a response answers. */
#define ID_CREATE (-1)
#define ID_JOIN 0
#define ID_PROBE_BASE (-2)        /* probes use -2, -3, ...; measured posts use 1..msgs */

typedef struct {
    int mode, port, conns, rooms, senders, msgs, payload, window, threads, conc, timeout_s, sync, create;
    double rate;
    const char *prefix;           /* room mode: URL path prefix; rooms are <prefix>r<N> */
    const char *path;             /* tandem mode: WebSocket path */
    const char *session_prefix;   /* tandem mode: sessions are <session_prefix><N> */
    char **tokens;                /* tandem mode: connection i uses tokens[i % ntokens] */
    int ntokens;
    size_t keep;                  /* bytes kept of each received message */
    int server_pid;               /* optional: report this process's CPU time during the send phase */
} config_t;

typedef struct {
    int fd, idx, room, state, attempts, want_out, queued, synced;
    uint64_t t_start;                         /* connect() time, for the handshake latency */
    char *out;                                /* bytes the kernel has not accepted yet */
    size_t out_len, out_cap;
    char hs[1024];                            /* HTTP upgrade response */
    int hs_len;
    uint8_t hdr[14];                          /* frame header being read */
    int hdr_len, in_payload, opcode, fin, masked;
    uint8_t mask[4];
    uint64_t remaining, pay_off;
    uint8_t ctl[125];                         /* control frame payload (ping/close) */
    int ctl_len;
    char *msg;                                /* the current data message (first cfg.keep bytes) */
    size_t msg_len;
    long sent, acked, answered, expected, received, probes;
    int64_t last_seq;                         /* tandem: seq of the last turn event seen (0: none) */
    uint64_t next_due;                        /* rate mode: when the next send is due */
} conn_t;

typedef struct {
    int id, epfd, n, next_conn, nretry, nready, done, started, phase_seen;
    int nsenders, active, cursor;             /* senders are c[0..nsenders-1]; not yet finished; rate cursor */
    conn_t *c;                                /* this thread's connections, ascending idx */
    conn_t **retry, **ready;
    uint64_t rng, rx_now, last_probe;
    uint64_t *lat, *ack_lat, *hs_lat;         /* ns */
    uint32_t *tl_max_us;                      /* TANDEMLOAD_TIMELINE: worst delivery latency per 10-ms bucket of send time */
    long nlat, cap_lat, nack, cap_ack, nhs;
    long expected, received, sent, acked, answered, errors, bad, lost, lost_posts, undeliverable;
    long order_errors, other_events;
    uint64_t last_rx, last_ack;
    char codes[MAX_CODES][32];                /* error codes of failed requests, with counts */
    long code_n[MAX_CODES];
    uint8_t *pbuf, *jbuf, *wbuf;              /* payload, request JSON, frame scratch */
    uint8_t rbuf[1 << 16];
    /* published for the main thread after every loop turn */
    _Atomic long pub_received, pub_lost, pub_answered, pub_lost_posts, pub_undeliverable;
    pthread_t th;
} worker_t;

extern config_t cfg;
extern _Atomic int g_phase, g_http_status;
extern _Atomic long g_open, g_failed, g_created, g_joined, g_synced, g_pending, g_fatal;
extern _Atomic long *g_room_synced;
extern long *g_room_size, *g_room_senders;
extern char g_fatal_msg[160];

/* the timeline's buckets: 10 ms of send time each, 10 minutes in all */
enum { TL_BUCKET_NS = 10000000, TL_BUCKETS = 60000 };

uint64_t now_ns(void);
uint64_t rnd(worker_t *w);

/* conn.c: sockets, the HTTP upgrade, RFC 6455 framing */
int flush_out(worker_t *w, conn_t *c);
int send_frame(worker_t *w, conn_t *c, int opcode, const uint8_t *data, size_t n);
void start_connect(worker_t *w, conn_t *c);
void on_connected(worker_t *w, conn_t *c);
void on_handshake(worker_t *w, conn_t *c);
void on_readable(worker_t *w, conn_t *c);
void conn_dead(worker_t *w, conn_t *c);
void conn_failed(worker_t *w, conn_t *c);
void close_all(worker_t *w);

/* tandemload.c: a complete data message arrived on c (c->msg, c->msg_len) */
void on_message(worker_t *w, conn_t *c);

/* msg.c: payloads and the little of tandem.v1 JSON the tool needs (pure functions) */
enum { TL_OTHER, TL_TURN, TL_OK, TL_ERR };
typedef struct {
    int kind;                     /* TL_OTHER (event we ignore), TL_TURN (turn event), TL_OK, TL_ERR */
    int has_id, has_seq;
    int64_t id, seq;
    const char *content;          /* the first "content" string, raw (NULL if none) */
    size_t content_len;
    char code[32];                /* TL_ERR: error.code ("" if unreadable) */
} tl_msg;

void put_hex(uint8_t *p, uint64_t v, int digits);
void fill_payload(uint8_t *p, size_t n, char kind, uint64_t t, uint64_t sender);
int read_payload(const char *p, size_t n, char *kind, uint64_t *t, uint64_t *sender);
int parse_tandem(const char *m, size_t n, tl_msg *out);
int build_post(char *buf, size_t cap, int64_t id, const char *session_prefix, int room, const uint8_t *payload, size_t n);
int build_op(char *buf, size_t cap, int64_t id, const char *op, const char *session_prefix, int room);

#endif
