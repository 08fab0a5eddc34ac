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
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

/* Byte classes for the scanners below: one table lookup per byte, no calls (the tool parses every
 * delivery; memchr per string cost more than the scan for strings this short). */
enum { C_PLAIN = 0, C_QUOTE = 1, C_BACKSLASH = 2, C_OPEN = 3, C_CLOSE = 4, C_END = 5 };
static const unsigned char string_class[256] = { ['"'] = C_QUOTE, ['\\'] = C_BACKSLASH };
static const unsigned char nest_class[256] = { ['"'] = C_QUOTE, ['{'] = C_OPEN, ['['] = C_OPEN, ['}'] = C_CLOSE, [']'] = C_CLOSE };
static const unsigned char scalar_class[256] = { [','] = C_END, ['}'] = C_END, [']'] = C_END, [' '] = C_END, ['\n'] = C_END };

/* The closing quote of the JSON string whose opening quote is at p, or NULL if the message ends first.
 * 16 bytes at a time (SSE2, x86-64's baseline) while 16 remain, then byte by byte. */
static const char *string_end(const char *p, const char *end) {
    const char *q = p + 1;
    for (;;) {
#if defined(__SSE2__)
        const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
        while (end - q >= 16) {
            __m128i chunk = _mm_loadu_si128((const __m128i *)(const void *)q);
            int hits = _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(chunk, quote), _mm_cmpeq_epi8(chunk, backslash)));
            if (hits) { q += __builtin_ctz((unsigned)hits); goto found; }
            q += 16;
        }
#endif
        while (q < end && string_class[(unsigned char)*q] == C_PLAIN) q++;
        if (q >= end) return NULL;
#if defined(__SSE2__)
    found:
#endif
        if (*q == '"') return q;
        q += 2; /* a backslash: the escaped character is never the end */
        if (q > end) return NULL;
    }
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
            switch (nest_class[(unsigned char)*p]) {
            case C_QUOTE: {
                const char *q = string_end(p, end);
                if (!q) return NULL;
                p = q + 1;
                continue;
            }
            case C_OPEN: depth++; break;
            case C_CLOSE: if (--depth == 0) return p + 1; break;
            default: break;
            }
            p++;
        }
        return NULL;
    }
    while (p < end && scalar_class[(unsigned char)*p] != C_END) p++;
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
/* If `p` starts with the literal `lit`, just past it; else NULL. */
static const char *expect(const char *p, const char *end, const char *lit, size_t len) {
    return (size_t)(end - p) >= len && memcmp(p, lit, len) == 0 ? p + len : NULL;
}
#define EXPECT(p, lit) ((p) ? expect((p), end, lit, sizeof lit - 1) : NULL)

/* Fast path for a turn event exactly as tandemd writes it (docs/protocol.md: sorted keys, no
 * whitespace): {"author":"..","content":"..","created":N,"eseq":N,"event":"turn",["metadata":{..},]
 * ["nonce":"..",]"role":"..","seq":N,... Every step is checked; the first thing that differs
 * returns 0 and the general parser below takes the message. The fields after seq are not needed. */
static int parse_canonical_turn(const char *m, const char *end, tl_msg *out) {
    const char *p = expect(m, end, "{\"author\":\"", 11), *q;
    if (!p || !(q = string_end(p - 1, end))) return 0;
    p = EXPECT(q + 1, ",\"content\":\"");
    if (!p || !(q = string_end(p - 1, end))) return 0;
    const char *content = p;
    size_t content_len = (size_t)(q - p);
    p = EXPECT(q + 1, ",\"created\":");
    if (!p || !(p = skip_value(p, end))) return 0;
    p = EXPECT(p, ",\"eseq\":");
    if (!p || !(p = skip_value(p, end))) return 0;
    p = EXPECT(p, ",\"event\":\"turn\"");
    if (!p) return 0;
    const char *metadata = EXPECT(p, ",\"metadata\":"); /* absent when empty */
    if (metadata && (*metadata != '{' || !(p = skip_value(metadata, end)))) return 0;
    const char *nonce = EXPECT(p, ",\"nonce\":\"");
    if (nonce) {
        if (!(q = string_end(nonce - 1, end))) return 0;
        p = q + 1;
    }
    p = EXPECT(p, ",\"role\":\"");
    if (!p || !(q = string_end(p - 1, end))) return 0;
    p = EXPECT(q + 1, ",\"seq\":");
    if (!p || !(q = skip_value(p, end)) || int_at(p, q, &out->seq) != 0) return 0;
    out->has_seq = 1;
    out->kind = TL_TURN;
    out->content = content;
    out->content_len = content_len;
    return 1;
}

int parse_tandem(const char *m, size_t n, tl_msg *out) {
    memset(out, 0, sizeof *out);
    if (parse_canonical_turn(m, m + n, out)) return 0;
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
