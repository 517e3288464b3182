/* Unit tests for the JSON Lines reader: its fast path for flat records must accept exactly what
 * jansson accepts and decode the same strings; everything else goes to jansson. */
#include "../../src/internal.h"
#include "../harness.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t rng_state = 0x2545F4914F6CDD1Dull;
static uint32_t rnd(uint32_t n)
{
    return harness_rnd(&rng_state, n);
}

/* A JSON string literal, mostly valid, sometimes not. */
static void gen_string(vigil_buf *o)
{
    static const char *const good[] = {
        "John Smith", " ", "\\n", "\\\"", "\\\\", "\\/", "\\t", "\\u00e9", "\\u00E9",
        "\\ud83d\\ude00", "\\u20ac", "caf\xc3\xa9", "\xe2\x82\xac", "\\b\\f\\r",
        "call 555 201 3344", "\xf0\x9f\x98\x80"};
    static const char *const bad[] = {"\\ud83d", "\\ude00", "\\u0000", "\xff", "\xc3",
                                      "\x01", "\\x", "\\u12", "a\"b"};
    vigil_status st = vigil_buf_append(o, "\"", 1);
    int n = (int)rnd(6);
    for (int k = 0; k < n && st == VIGIL_OK; k++) {
        const char *p = rnd(12) ? good[rnd(sizeof good / sizeof *good)]
                                : bad[rnd(sizeof bad / sizeof *bad)];
        st = vigil_buf_append(o, p, strlen(p));
    }
    if (st == VIGIL_OK && rnd(40))
        st = vigil_buf_append(o, "\"", 1);
    CHECK(st == VIGIL_OK);
}

static void gen_value(vigil_buf *o)
{
    static const char *const other[] = {"12", "-3.5e2", "true", "false", "null", "{}", "[]",
                                        "{\"a\": \"b\"}", "[\"x\", 1]", "01", "tru"};
    if (rnd(12)) {
        gen_string(o);
    } else {
        const char *p = other[rnd(sizeof other / sizeof *other)];
        CHECK(vigil_buf_append(o, p, strlen(p)) == VIGIL_OK);
    }
}

static void gen_line(vigil_buf *o)
{
    static const char *const keys[] = {"text", "id", "source", "url", "time", "format",
                                       "other", "te\\u0078t", "TEXT"};
    static const char *const ws[] = {"", " ", "  ", "\t", "\r"};
    o->len = 0;
    vigil_status st = vigil_buf_append(o, ws[rnd(5)], strlen(ws[0]));
    st = st ? st : vigil_buf_append(o, "{", 1);
    int n = (int)rnd(6);
    for (int k = 0; k < n && st == VIGIL_OK; k++) {
        if (k)
            st = vigil_buf_append(o, rnd(30) ? "," : "", rnd(30) ? 1 : 0);
        const char *w = ws[rnd(5)];
        st = st ? st : vigil_buf_append(o, w, strlen(w));
        const char *key = k == 0 && rnd(4) ? "text" : keys[rnd(sizeof keys / sizeof *keys)];
        st = st ? st : vigil_buf_printf(o, "\"%s\"%s:%s", key, ws[rnd(5)], ws[rnd(5)]);
        if (st == VIGIL_OK)
            gen_value(o);
    }
    st = st ? st : vigil_buf_append(o, rnd(30) ? "}" : "", rnd(30) ? 1 : 0);
    if (st == VIGIL_OK && !rnd(30))
        st = vigil_buf_append(o, " x", 2);
    CHECK(st == VIGIL_OK);
}

static const char *member(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static int same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

TEST(flat_records_read_as_jansson_reads_them)
{
    vigil_buf line = {0};
    int accepted = 0, refused = 0;
    for (int round = 0; round < 4000; round++) {
        gen_line(&line);
        char path[] = "/tmp/vigil-jsonl-XXXXXX";
        int fd = mkstemp(path);
        CHECK(fd >= 0);
        CHECK(write(fd, line.data, line.len) == (ssize_t)line.len && write(fd, "\n", 1) == 1);
        CHECK(lseek(fd, 0, SEEK_SET) == 0);
        unlink(path);
        vigil_reader *r;
        char err[512];
        CHECK(vigil_reader_open_fd(fd, "t.jsonl", 0, VIGIL_INPUT_JSONL, 1 << 20, &r, err,
                                   sizeof err) == VIGIL_OK);
        vigil_doc doc;
        vigil_status st = vigil_reader_next(r, &doc);
        json_t *o = json_loadb(line.data, line.len, JSON_ALLOW_NUL, NULL);
        json_t *text = json_object_get(o, "text");
        if (json_is_object(o) && json_is_string(text)) {
            accepted++;
            CHECK_EQ_INT(st, VIGIL_OK);
            if (st == VIGIL_OK) {
                CHECK_EQ_INT(doc.len, json_string_length(text));
                CHECK(memcmp(doc.text, json_string_value(text), doc.len) == 0);
                CHECK(same(doc.source, member(o, "source")));
                CHECK(same(doc.url, member(o, "url")));
                CHECK(same(doc.time, member(o, "time")));
                const char *id = member(o, "id");
                if (id)
                    CHECK(strncmp(doc.id, id, 500) == 0);
            }
        } else {
            refused++;
            CHECK(st != VIGIL_OK);
        }
        json_decref(o);
        vigil_reader_close(r);
    }
    /* the generator must exercise both sides */
    fprintf(stderr, "accepted %d refused %d\n", accepted, refused);
    CHECK(accepted > 500 && refused > 500);
    vigil_buf_free(&line);
}

HARNESS_MAIN(T(flat_records_read_as_jansson_reads_them))
