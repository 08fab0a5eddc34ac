/* msg_test.c - checks msg.c against the wire examples of docs/protocol.md and a few hostile cases.
 * Build and run: gcc -O2 -Wall -o msg_test msg_test.c msg.c && ./msg_test   (exit 0: all passed) */
#include "tandemload.h"

#include <stdio.h>
#include <string.h>

static int failures;
#define CHECK(cond) do { if (!(cond)) { failures++; fprintf(stderr, "%s:%d: failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)

static int parse(const char *s, tl_msg *m) { return parse_tandem(s, strlen(s), m); }

int main(void) {
    tl_msg m;
    uint8_t pay[40];
    char kind, buf[512];
    uint64_t t, sender;

    fill_payload(pay, sizeof pay, 'M', 0x0123456789abcdefull, 42);
    CHECK(read_payload((char *)pay, sizeof pay, &kind, &t, &sender) == 0 && kind == 'M' && t == 0x0123456789abcdefull && sender == 42);
    CHECK(pay[39] == 'x');
    CHECK(read_payload((char *)pay, 24, &kind, &t, &sender) < 0);      /* too short */
    pay[5] = 'G';
    CHECK(read_payload((char *)pay, sizeof pay, &kind, &t, &sender) < 0); /* not hex */

    /* a turn event (sorted keys, as the server writes them: no empty metadata, no zero tokens) */
    fill_payload(pay, 30, 'M', 77, 3);
    snprintf(buf, sizeof buf, "{\"author\":\"owner\",\"content\":\"%.30s\",\"created\":1763800000001,\"eseq\":58,\"event\":\"turn\","
             "\"role\":\"user\",\"seq\":42,\"session\":\"load-1\"}", (char *)pay);
    CHECK(parse(buf, &m) == 0 && m.kind == TL_TURN && m.has_seq && m.seq == 42 && m.content_len == 30);
    /* with both written out (an older server) */
    snprintf(buf, sizeof buf, "{\"author\":\"owner\",\"content\":\"%.30s\",\"created\":1763800000001,\"eseq\":58,\"event\":\"turn\","
             "\"metadata\":{},\"role\":\"user\",\"seq\":43,\"session\":\"load-1\",\"tokens\":{\"input\":0,\"output\":0}}", (char *)pay);
    CHECK(parse(buf, &m) == 0 && m.kind == TL_TURN && m.has_seq && m.seq == 43 && m.content_len == 30);
    CHECK(read_payload(m.content, m.content_len, &kind, &t, &sender) == 0 && t == 77 && sender == 3);

    /* the canonical fast path: with a nonce, an escaped quote in the author, and a content that
     * spells out a whole fake tail (escaped, so it cannot end the string): the real seq wins */
    snprintf(buf, sizeof buf, "{\"author\":\"o\\\"w\",\"content\":\"%.30s\",\"created\":1,\"eseq\":2,\"event\":\"turn\","
             "\"metadata\":{\"k\":[1,{\"seq\":7}]},\"nonce\":\"n-1\",\"role\":\"user\",\"seq\":44,\"session\":\"s\",\"tokens\":{}}", (char *)pay);
    CHECK(parse(buf, &m) == 0 && m.kind == TL_TURN && m.has_seq && m.seq == 44 && m.content_len == 30);
    CHECK(parse("{\"author\":\"a\",\"content\":\"M\\\",\\\"created\\\":1,\\\"eseq\\\":1,\\\"event\\\":\\\"turn\\\",\\\"metadata\\\":{},"
                "\\\"role\\\":\\\"u\\\",\\\"seq\\\":99\",\"created\":1,\"eseq\":3,\"event\":\"turn\",\"metadata\":{},\"role\":\"user\",\"seq\":5}", &m) == 0 &&
          m.kind == TL_TURN && m.seq == 5);
    /* not canonical (another key order, spaces): the general parser gives the same answer */
    CHECK(parse("{\"seq\":45,\"event\":\"turn\",\"content\":\"Mabc\",\"author\":\"a\"}", &m) == 0 && m.kind == TL_TURN && m.seq == 45 && m.content_len == 4);
    CHECK(parse("{\"author\":\"a\", \"content\":\"Mabc\",\"created\":1,\"eseq\":3,\"event\":\"turn\",\"metadata\":{},\"role\":\"user\",\"seq\":6}", &m) == 0 &&
          m.kind == TL_TURN && m.seq == 6);
    /* canonical up to the event name, but another event: not a turn */
    CHECK(parse("{\"author\":\"a\",\"content\":\"Mabc\",\"created\":1,\"eseq\":3,\"event\":\"turns\",\"metadata\":{},\"role\":\"user\",\"seq\":6}", &m) == 0 &&
          m.kind == TL_OTHER);
    /* cut right after seq's digits: the general parser's verdict (a value cut short is not trusted) */
    CHECK(parse("{\"author\":\"a\",\"content\":\"Mabc\",\"created\":1,\"eseq\":3,\"event\":\"turn\",\"metadata\":{},\"role\":\"user\",\"seq\":6", &m) == 0 &&
          m.kind == TL_TURN && !m.has_seq);

    /* a post's answer carries the turn (and its content) too: it is a response, not an event */
    snprintf(buf, sizeof buf, "{\"id\":7,\"ok\":true,\"result\":{\"duplicate\":false,\"eseq\":58,\"turn\":{\"author\":\"owner\","
             "\"content\":\"%.30s\",\"created\":1,\"metadata\":{},\"role\":\"user\",\"seq\":43,\"tokens\":{\"input\":0,\"output\":0}}}}", (char *)pay);
    CHECK(parse(buf, &m) == 0 && m.kind == TL_OK && m.has_id && m.id == 7 && m.content_len == 30);

    /* failures: code first (sorted keys), id and ok last; negative and null ids */
    CHECK(parse("{\"error\":{\"code\":\"rate_limited\",\"message\":\"slow down \\\"id\\\":9\",\"retry_after_ms\":20},\"id\":-3,\"ok\":false}", &m) == 0 &&
          m.kind == TL_ERR && m.has_id && m.id == -3 && strcmp(m.code, "rate_limited") == 0);
    CHECK(parse("{\"error\":{\"code\":\"invalid_json\",\"message\":\"x\"},\"id\":null,\"ok\":false}", &m) == 0 && m.kind == TL_ERR && !m.has_id);

    /* other events are ignored, even when a string mentions a turn */
    CHECK(parse("{\"action\":\"joined\",\"event\":\"presence\",\"online_count\":1,\"session\":\"s\",\"user\":\"owner\"}", &m) == 0 && m.kind == TL_OTHER);
    CHECK(parse("{\"comment\":{\"author\":\"a\",\"id\":5,\"seq\":4,\"text\":\"\\\"event\\\":\\\"turn\\\"\"},\"eseq\":9,\"event\":\"comment\",\"session\":\"s\"}", &m) == 0 &&
          m.kind == TL_OTHER);

    /* a content that looks like markers does not fool the classifier */
    CHECK(parse("{\"author\":\"a\",\"content\":\"\\\"ok\\\":true \\\"id\\\":1\",\"eseq\":1,\"event\":\"turn\",\"seq\":1,\"session\":\"s\"}", &m) == 0 &&
          m.kind == TL_TURN && m.seq == 1);
    /* a turn event cut before its content ends (kept prefix too short) still classifies safely */
    CHECK(parse("{\"author\":\"a\",\"content\":\"M0000", &m) == 0 && m.kind == TL_OTHER);

    /* whitespace between tokens, escaped backslash before a closing quote, nested arrays */
    CHECK(parse("{ \"author\" : \"a\\\\\", \"content\" : \"M\\\\\", \"event\" : \"turn\", \"metadata\":{\"x\":[1,{\"seq\":9}]}, \"seq\" : 12 }", &m) == 0 &&
          m.kind == TL_TURN && m.has_seq && m.seq == 12 && m.content_len == 3);
    /* an answer whose nested content holds escaped quotes */
    CHECK(parse("{\"id\":2,\"ok\":true,\"result\":{\"turn\":{\"content\":\"a\\\"b\",\"seq\":1}}}", &m) == 0 &&
          m.kind == TL_OK && m.id == 2 && m.content_len == 4);
    /* not an object */
    CHECK(parse("[1,2]", &m) < 0);

    /* request builders */
    CHECK(build_op(buf, sizeof buf, -1, "session.create", "load-", 12) > 0 &&
          strcmp(buf, "{\"id\":-1,\"op\":\"session.create\",\"session\":\"load-12\"}") == 0);
    int n = build_post(buf, sizeof buf, 5, "load-", 0, (const uint8_t *)"Mabc", 4);
    CHECK(n > 0 && (size_t)n == strlen("{\"id\":5,\"op\":\"turn.post\",\"session\":\"load-0\",\"content\":\"Mabc\"}") &&
          memcmp(buf, "{\"id\":5,\"op\":\"turn.post\",\"session\":\"load-0\",\"content\":\"Mabc\"}", (size_t)n) == 0);
    CHECK(build_post(buf, 20, 5, "load-", 0, (const uint8_t *)"Mabc", 4) < 0);

    if (failures) { fprintf(stderr, "%d check(s) failed\n", failures); return 1; }
    puts("msg_test: all checks passed");
    return 0;
}
