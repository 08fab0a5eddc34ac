/* msg.c - measured payloads and the few tandem.v1 JSON fields the load tool reads.
 *
 * Pure functions, no I/O (msg_test.c checks them). The tool does not parse JSON in general: it
 * finds the first "content" string (our payload, plain hex, so never escaped), and outside that
 * string the top-level markers "ok":true / "ok":false, "id":N, "event":"turn", "seq":N and
 * error.code. A JSON string never holds an unescaped quote, so a marker that starts with a quote
 * cannot match inside any string value.
 */
#include "tandemload.h"

#include <stdio.h>
#include <string.h>

void put_hex(uint8_t *p, uint64_t v, int digits) {
    for (int i = digits - 1; i >= 0; i--, v >>= 4) p[i] = "0123456789abcdef"[v & 15];
}

static int hex_value(const char *p, int digits, uint64_t *out) {
    uint64_t v = 0;
    for (int i = 0; i < digits; i++) {
        int ch = (unsigned char)p[i];
        int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
        if (d < 0) return -1;
        v = v << 4 | (uint64_t)d;
    }
    *out = v;
    return 0;
}

/* Payload layout (both modes): kind ('M' measured, 'S' sync probe), send time (CLOCK_MONOTONIC ns,
 * 16 hex digits), sender connection index (8 hex digits), then 'x' up to n bytes. */
void fill_payload(uint8_t *p, size_t n, char kind, uint64_t t, uint64_t sender) {
    p[0] = (uint8_t)kind;
    put_hex(p + 1, t, 16);
    put_hex(p + 17, sender, 8);
    if (n > MIN_PAYLOAD) memset(p + MIN_PAYLOAD, 'x', n - MIN_PAYLOAD);
}

int read_payload(const char *p, size_t n, char *kind, uint64_t *t, uint64_t *sender) {
    if (n < MIN_PAYLOAD || (p[0] != 'M' && p[0] != 'S')) return -1;
    if (hex_value(p + 1, 16, t) || hex_value(p + 17, 8, sender)) return -1;
    *kind = p[0];
    return 0;
}

/* memmem over m[0,n) leaving out the span [skip, skip_end). */
static const char *find_outside(const char *m, size_t n, const char *needle, const char *skip, const char *skip_end) {
    size_t k = strlen(needle);
    if (!skip) return memmem(m, n, needle, k);
    const char *r = memmem(m, (size_t)(skip - m), needle, k);
    return r ? r : memmem(skip_end, (size_t)(m + n - skip_end), needle, k);
}

/* Integer right after the marker (optional minus sign); -1 if absent or not a number. */
static int int_after(const char *m, size_t n, const char *at, size_t marker_len, int64_t *out) {
    const char *p = at + marker_len, *end = m + n;
    int neg = 0;
    if (p < end && *p == '-') { neg = 1; p++; }
    if (p >= end || *p < '0' || *p > '9') return -1;
    int64_t v = 0;
    while (p < end && *p >= '0' && *p <= '9') v = v * 10 + (*p++ - '0');
    *out = neg ? -v : v;
    return 0;
}

int parse_tandem(const char *m, size_t n, tl_msg *out) {
    memset(out, 0, sizeof *out);
    static const char content_key[] = "\"content\":\"";
    const char *cs = memmem(m, n, content_key, sizeof content_key - 1), *ce = NULL;
    if (cs) {
        cs += sizeof content_key - 1;
        ce = cs;
        while (ce < m + n && *ce != '"') ce += *ce == '\\' ? 2 : 1;
        if (ce > m + n) ce = m + n;
        out->content = cs;
        out->content_len = (size_t)(ce - cs);
        cs -= sizeof content_key - 1; /* skip the key too when looking for markers */
    }
    const char *ok = find_outside(m, n, "\"ok\":true", cs, ce), *fail = ok ? NULL : find_outside(m, n, "\"ok\":false", cs, ce);
    if (ok || fail) {
        out->kind = ok ? TL_OK : TL_ERR;
        const char *id = find_outside(m, n, "\"id\":", cs, ce);
        if (id && int_after(m, n, id, 5, &out->id) == 0) out->has_id = 1;
        if (fail) {
            const char *code = find_outside(m, n, "\"code\":\"", cs, ce);
            if (code) {
                code += 8;
                size_t i = 0;
                while (code + i < m + n && code[i] != '"' && i + 1 < sizeof out->code) { out->code[i] = code[i]; i++; }
                out->code[i] = 0;
            }
        }
        return 0;
    }
    if (!find_outside(m, n, "\"event\":\"turn\"", cs, ce)) { out->kind = TL_OTHER; return 0; }
    out->kind = TL_TURN;
    const char *seq = find_outside(m, n, "\"seq\":", cs, ce);
    if (seq && int_after(m, n, seq, 6, &out->seq) == 0) out->has_seq = 1;
    return out->content ? 0 : -1;
}

int build_op(char *buf, size_t cap, int64_t id, const char *op, const char *session_prefix, int room) {
    int k = snprintf(buf, cap, "{\"id\":%lld,\"op\":\"%s\",\"session\":\"%s%d\"}", (long long)id, op, session_prefix, room);
    return k > 0 && (size_t)k < cap ? k : -1;
}

int build_post(char *buf, size_t cap, int64_t id, const char *session_prefix, int room, const uint8_t *payload, size_t n) {
    int k = snprintf(buf, cap, "{\"id\":%lld,\"op\":\"turn.post\",\"session\":\"%s%d\",\"content\":\"", (long long)id,
                     session_prefix, room);
    if (k < 0 || (size_t)k + n + 3 > cap) return -1;
    memcpy(buf + k, payload, n);
    memcpy(buf + k + n, "\"}", 2);
    return k + (int)n + 2;
}
