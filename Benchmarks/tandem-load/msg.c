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

/* The closing quote of the JSON string whose opening quote is at p, or NULL if the message ends first. */
static const char *string_end(const char *p, const char *end) {
    const char *from = p + 1;
    while (from < end) {
        const char *q = memchr(from, '"', (size_t)(end - from));
        if (!q) return NULL;
        const char *b = q;
        while (b > from && b[-1] == '\\') b--;
        if (((q - b) & 1) == 0) return q; /* an even run of backslashes: the quote is real */
        from = q + 1;
    }
    return NULL;
}

/* Just past the JSON value starting at p, or NULL if the message ends inside it. */
static const char *skip_value(const char *p, const char *end) {
    if (p >= end) return NULL;
    if (*p == '"') {
        const char *q = string_end(p, end);
        return q ? q + 1 : NULL;
    }
    if (*p == '{' || *p == '[') {
        int depth = 0;
        while (p < end) {
            char ch = *p;
            if (ch == '"') {
                const char *q = string_end(p, end);
                if (!q) return NULL;
                p = q + 1;
                continue;
            }
            if (ch == '{' || ch == '[') depth++;
            else if ((ch == '}' || ch == ']') && --depth == 0) return p + 1;
            p++;
        }
        return NULL;
    }
    while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\n') p++;
    return p < end ? p : NULL;
}

/* Integer at p (optional minus sign); -1 if it is not a number (e.g. null). */
static int int_at(const char *p, const char *end, int64_t *out) {
    int neg = 0;
    if (p < end && *p == '-') { neg = 1; p++; }
    if (p >= end || *p < '0' || *p > '9') return -1;
    int64_t v = 0;
    while (p < end && *p >= '0' && *p <= '9') v = v * 10 + (*p++ - '0');
    *out = neg ? -v : v;
    return 0;
}

#define KEY_IS(lit) (klen == sizeof lit - 1 && memcmp(ks, lit, sizeof lit - 1) == 0)

/* One pass over the top-level keys (values skipped by structure, strings by memchr): the load
 * tool parses every delivery, so this is the instrument's own hot path. Markers inside strings or
 * nested objects are never mistaken for top-level ones. */
int parse_tandem(const char *m, size_t n, tl_msg *out) {
    memset(out, 0, sizeof *out);
    const char *p = m, *end = m + n;
    const char *err = NULL, *err_end = NULL, *result = NULL, *result_end = NULL;
    int ok = -1, turn = 0;
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) p++;
    if (p >= end || *p != '{') return -1;
    p++;
    while (p < end) {
        while (p < end && (*p == ' ' || *p == ',' || *p == '\n' || *p == '\r' || *p == '\t')) p++;
        if (p >= end || *p == '}') break;
        if (*p != '"') return -1;
        const char *ks = p + 1, *ke = string_end(p, end);
        if (!ke) break; /* cut inside a key */
        size_t klen = (size_t)(ke - ks);
        p = ke + 1;
        while (p < end && (*p == ' ' || *p == ':')) p++;
        const char *v = p, *ve = skip_value(p, end);
        if (!ve) break; /* cut inside a value */
        if (KEY_IS("content") && *v == '"') {
            out->content = v + 1;
            out->content_len = (size_t)(ve - 1 - (v + 1));
        } else if (KEY_IS("event")) {
            turn = ve - v == 6 && memcmp(v, "\"turn\"", 6) == 0;
        } else if (KEY_IS("ok")) {
            ok = *v == 't';
        } else if (KEY_IS("id")) {
            if (int_at(v, ve, &out->id) == 0) out->has_id = 1;
        } else if (KEY_IS("seq")) {
            if (int_at(v, ve, &out->seq) == 0) out->has_seq = 1;
        } else if (KEY_IS("error")) {
            err = v; err_end = ve;
        } else if (KEY_IS("result")) {
            result = v; result_end = ve;
        }
        p = ve;
    }
    if (ok >= 0) {
        out->kind = ok ? TL_OK : TL_ERR;
        out->content = NULL;
        out->content_len = 0;
        if (err) {
            static const char code_key[] = "\"code\":\"";
            const char *code = memmem(err, (size_t)(err_end - err), code_key, sizeof code_key - 1);
            if (code) {
                code += sizeof code_key - 1;
                size_t i = 0;
                while (code + i < err_end && code[i] != '"' && i + 1 < sizeof out->code) { out->code[i] = code[i]; i++; }
                out->code[i] = 0;
            }
        }
        if (result) { /* a post's answer carries its turn: its content gives the ack latency */
            static const char content_key[] = "\"content\":";
            const char *c = memmem(result, (size_t)(result_end - result), content_key, sizeof content_key - 1);
            if (c && c + sizeof content_key - 1 < result_end && c[sizeof content_key - 1] == '"') {
                const char *cs = c + sizeof content_key - 1, *ce = string_end(cs, result_end);
                if (ce) { out->content = cs + 1; out->content_len = (size_t)(ce - cs - 1); }
            }
        }
        return 0;
    }
    if (!turn) { out->kind = TL_OTHER; return 0; }
    out->kind = TL_TURN;
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
