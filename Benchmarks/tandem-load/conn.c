/* conn.c - client side of one WebSocket connection: non-blocking connect, HTTP upgrade (plain room
 * wire or tandem.v1 with a bearer token), masked frames out, a streaming frame parser in.
 * Every function runs on the worker thread that owns the connection.
 */
#include "tandemload.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

static void set_out_interest(worker_t *w, conn_t *c, int want) {
    if (want == c->want_out) return;
    struct epoll_event ev = {.events = EPOLLIN | (want ? EPOLLOUT : 0), .data.ptr = c};
    epoll_ctl(w->epfd, EPOLL_CTL_MOD, c->fd, &ev);
    c->want_out = want;
}

int flush_out(worker_t *w, conn_t *c) {
    size_t off = 0;
    while (off < c->out_len) {
        ssize_t k = send(c->fd, c->out + off, c->out_len - off, MSG_NOSIGNAL);
        if (k < 0) {
            if (errno == EAGAIN || errno == EINTR) break;
            return -1;
        }
        off += (size_t)k;
    }
    if (off) memmove(c->out, c->out + off, c->out_len - off);
    c->out_len -= off;
    set_out_interest(w, c, c->out_len > 0);
    return 0;
}

static int queue_out(worker_t *w, conn_t *c, const void *p, size_t n) {
    if (c->out_len + n > c->out_cap) {
        size_t cap = c->out_cap ? c->out_cap : 512;
        while (cap < c->out_len + n) cap *= 2;
        char *q = realloc(c->out, cap);
        if (!q) return -1;
        c->out = q;
        c->out_cap = cap;
    }
    memcpy(c->out + c->out_len, p, n);
    c->out_len += n;
    /* Only try the socket when nothing was pending: otherwise EPOLLOUT will flush it. */
    return c->out_len == n ? flush_out(w, c) : 0;
}

/* RFC 6455 5.3: client frames are masked with a fresh key each. */
int send_frame(worker_t *w, conn_t *c, int opcode, const uint8_t *data, size_t n) {
    uint8_t *f = w->wbuf;
    size_t h = 0;
    f[h++] = (uint8_t)(0x80 | opcode);
    if (n < 126) {
        f[h++] = (uint8_t)(0x80 | n);
    } else if (n < 65536) {
        f[h++] = 0x80 | 126; f[h++] = (uint8_t)(n >> 8); f[h++] = (uint8_t)n;
    } else {
        f[h++] = 0x80 | 127;
        for (int i = 7; i >= 0; i--) f[h++] = (uint8_t)(n >> (8 * i));
    }
    uint32_t key = (uint32_t)rnd(w);
    memcpy(f + h, &key, 4);
    const uint8_t *m = f + h;
    h += 4;
    for (size_t i = 0; i < n; i++) f[h + i] = data[i] ^ m[i & 3];
    return queue_out(w, c, f, h + n);
}

static void drop_fd(worker_t *w, conn_t *c) {
    if (c->fd >= 0) { epoll_ctl(w->epfd, EPOLL_CTL_DEL, c->fd, NULL); close(c->fd); }
    c->fd = -1;
}

/* Before the upgrade completed: try again (bounded) while still connecting, else give up. */
void conn_failed(worker_t *w, conn_t *c) {
    drop_fd(w, c);
    if (c->state == ST_CONNECTING || c->state == ST_HANDSHAKE) atomic_fetch_sub(&g_pending, 1);
    if (c->attempts < MAX_ATTEMPTS && atomic_load(&g_phase) == PH_CONNECT) {
        c->state = ST_IDLE;
        w->retry[w->nretry++] = c;
    } else {
        c->state = ST_DEAD;
        atomic_fetch_add(&g_failed, 1);
    }
}

/* After the upgrade: the server closed or reset it. What it still owed us is written off so the
 * run can end without waiting for the timeout (it still ends with an error). */
void conn_dead(worker_t *w, conn_t *c) {
    drop_fd(w, c);
    c->state = ST_DEAD;
    if (atomic_load(&g_phase) == PH_DONE) return;
    w->errors++;
    w->lost += c->expected - c->received;
    if (c->idx < cfg.senders) w->lost_posts += cfg.msgs - c->answered;
}

void start_connect(worker_t *w, conn_t *c) {
    c->attempts++;
    c->out_len = 0; c->hs_len = 0; c->hdr_len = 0; c->in_payload = 0; c->want_out = 1;
    c->t_start = now_ns();
    c->state = ST_CONNECTING;
    atomic_fetch_add(&g_pending, 1);
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) { conn_failed(w, c); return; }
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)cfg.port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* loopback only, by design */
    if (connect(c->fd, (struct sockaddr *)&a, sizeof a) < 0 && errno != EINPROGRESS) { conn_failed(w, c); return; }
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
    if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0) conn_failed(w, c);
}

void on_connected(worker_t *w, conn_t *c) {
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) { conn_failed(w, c); return; }
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint8_t raw[18] = {0};
    char key[25], req[1536];
    for (int i = 0; i < 16; i++) raw[i] = (uint8_t)rnd(w);
    for (int i = 0, j = 0; i < 18; i += 3) { /* 16 random bytes -> 22 base64 chars + "==" */
        uint32_t v = (uint32_t)raw[i] << 16 | (uint32_t)raw[i + 1] << 8 | raw[i + 2];
        for (int k = 3; k >= 0; k--) key[j++] = b64[(v >> (6 * k)) & 63];
    }
    key[22] = key[23] = '=';
    key[24] = 0;
    int n;
    if (cfg.mode == MODE_TANDEM) {
        n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: tandem.v1\r\n"
                     "Authorization: Bearer %s\r\n\r\n",
                     cfg.path, cfg.port, key, cfg.tokens[c->idx % cfg.ntokens]);
    } else {
        n = snprintf(req, sizeof req,
                     "GET %sr%d HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
                     cfg.prefix, c->room, cfg.port, key);
    }
    c->state = ST_HANDSHAKE;
    if (n < 0 || n >= (int)sizeof req || queue_out(w, c, req, (size_t)n) < 0) conn_failed(w, c);
}

/* ---------- inbound frames ---------- */

static int end_frame(worker_t *w, conn_t *c) {
    c->in_payload = 0;
    switch (c->opcode) {
    case 0x8: return -1;                                                /* close */
    case 0x9: return send_frame(w, c, 0xA, c->ctl, (size_t)c->ctl_len); /* ping -> pong */
    case 0xA: return 0;                                                 /* pong */
    case 0x0: case 0x1: case 0x2:
        if (c->fin) on_message(w, c);
        return 0;
    default: return -1;
    }
}

static void begin_frame(conn_t *c) {
    const uint8_t *h = c->hdr;
    uint64_t len = h[1] & 127;
    int p = 2;
    if (len == 126) { len = (uint64_t)h[2] << 8 | h[3]; p = 4; }
    else if (len == 127) { len = 0; for (int i = 0; i < 8; i++) len = len << 8 | h[2 + i]; p = 10; }
    c->fin = h[0] >> 7;
    c->opcode = h[0] & 15;
    c->masked = h[1] >> 7; /* a server must not mask; tolerated anyway */
    if (c->masked) memcpy(c->mask, h + p, 4);
    if (c->opcode == 0x1 || c->opcode == 0x2) c->msg_len = 0; /* a new message (not a continuation) */
    c->ctl_len = 0;
    c->remaining = len;
    c->pay_off = 0;
    c->hdr_len = 0;
    c->in_payload = 1;
}

/* Any split of the byte stream works. Data payloads are kept up to cfg.keep bytes (the tool
 * reads only their start), continuation frames append to the message. */
static int feed(worker_t *w, conn_t *c, const uint8_t *p, size_t n) {
    while (n > 0) {
        if (!c->in_payload) {
            c->hdr[c->hdr_len++] = *p++;
            n--;
            if (c->hdr_len < 2) continue;
            int need = 2 + ((c->hdr[1] & 127) == 126 ? 2 : (c->hdr[1] & 127) == 127 ? 8 : 0) + (c->hdr[1] >> 7) * 4;
            if (c->hdr_len < need) continue;
            begin_frame(c);
            if (c->opcode >= 0x8 && c->remaining > 125) return -1;
            if (c->remaining == 0 && end_frame(w, c) < 0) return -1;
            continue;
        }
        size_t k = n < c->remaining ? n : (size_t)c->remaining;
        if (c->opcode >= 0x8) {
            for (size_t i = 0; i < k; i++) c->ctl[c->ctl_len++] = c->masked ? p[i] ^ c->mask[(c->pay_off + i) & 3] : p[i];
        } else {
            size_t room = cfg.keep - c->msg_len, take = k < room ? k : room;
            if (c->masked) for (size_t i = 0; i < take; i++) c->msg[c->msg_len + i] = (char)(p[i] ^ c->mask[(c->pay_off + i) & 3]);
            else memcpy(c->msg + c->msg_len, p, take);
            c->msg_len += take;
        }
        p += k; n -= k;
        c->remaining -= k;
        c->pay_off += k;
        if (c->remaining == 0 && end_frame(w, c) < 0) return -1;
    }
    return 0;
}

void on_handshake(worker_t *w, conn_t *c) {
    ssize_t k = recv(c->fd, c->hs + c->hs_len, sizeof c->hs - 1 - (size_t)c->hs_len, 0);
    if (k < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (k <= 0) { conn_failed(w, c); return; }
    c->hs_len += (int)k;
    c->hs[c->hs_len] = 0;
    char *end = strstr(c->hs, "\r\n\r\n");
    if (!end) {
        if (c->hs_len >= (int)sizeof c->hs - 1) conn_failed(w, c);
        return;
    }
    int status = 0;
    if (sscanf(c->hs, "HTTP/1.1 %d", &status) != 1 || status != 101) {
        atomic_store(&g_http_status, status ? status : -1);
        conn_failed(w, c);
        return;
    }
    *end = 0; /* tandem.v1 must be selected by the server */
    if (cfg.mode == MODE_TANDEM && !strcasestr(c->hs, "\r\nSec-WebSocket-Protocol: tandem.v1")) {
        atomic_store(&g_http_status, -101);
        conn_failed(w, c);
        return;
    }
    c->state = ST_OPEN;
    atomic_fetch_sub(&g_pending, 1);
    atomic_fetch_add(&g_open, 1);
    w->hs_lat[w->nhs++] = now_ns() - c->t_start;
    size_t used = (size_t)(end + 4 - c->hs);
    w->rx_now = now_ns();
    if (feed(w, c, (uint8_t *)c->hs + used, (size_t)c->hs_len - used) < 0) conn_dead(w, c);
}

void on_readable(worker_t *w, conn_t *c) {
    for (int i = 0; i < 8; i++) { /* bounded reads per wake-up keep the loop fair */
        ssize_t k = recv(c->fd, w->rbuf, sizeof w->rbuf, 0);
        if (k < 0 && (errno == EAGAIN || errno == EINTR)) return;
        if (k <= 0) { conn_dead(w, c); return; }
        w->rx_now = now_ns();
        if (feed(w, c, w->rbuf, (size_t)k) < 0) { conn_dead(w, c); return; }
        if ((size_t)k < sizeof w->rbuf) return;
    }
}

/* Polite teardown: a close frame (1000) on every open connection, then up to 1 s for the server's
 * close or EOF, then close the sockets. */
void close_all(worker_t *w) {
    static const uint8_t bye[2] = {0x03, 0xE8};
    struct epoll_event evs[256];
    int open = 0;
    for (int k = 0; k < w->n; k++) {
        conn_t *c = &w->c[k];
        if (c->state == ST_OPEN && send_frame(w, c, 0x8, bye, 2) == 0) open++;
        else drop_fd(w, c);
    }
    uint64_t deadline = now_ns() + 1000000000ull;
    while (open > 0 && now_ns() < deadline) {
        int n = epoll_wait(w->epfd, evs, 256, 10);
        for (int i = 0; i < n; i++) {
            conn_t *c = evs[i].data.ptr;
            if (c->state != ST_OPEN) continue;
            if ((evs[i].events & EPOLLOUT) && flush_out(w, c) < 0) conn_dead(w, c);
            else on_readable(w, c);
            if (c->state != ST_OPEN) open--;
        }
    }
    for (int k = 0; k < w->n; k++) drop_fd(w, &w->c[k]);
}
