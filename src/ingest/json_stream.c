/*
 * The text of a JSON Lines document too large for memory (a crawler's 2 GB line), decoded as a
 * stream so that it is scanned in overlapping chunks like any large document, in bounded memory.
 * A small hand-written JSON reader is needed because the JSON libraries we have build the whole
 * value in memory; this one only walks the top-level object, keeps short string members (id,
 * source, url, time) met before "text", skips other values by depth counting and decodes the
 * "text" string (escapes and surrogate pairs) as it is read.
 */
#include "ingest_int.h"

#include <stdlib.h>
#include <string.h>

#define MEMBER_MAX 1024

typedef struct json_stream {
    vigil_stream s;
    const char *in; /* the look-ahead window of below: in[0..len), pos bytes used */
    size_t pos, len;
    bool in_eof;
    enum { J_START, J_TEXT, J_AFTER, J_DONE, J_FAILED } state;
    char members[4][MEMBER_MAX];
    char pending[4]; /* decoded UTF-8 not yet handed out */
    size_t npending;
} json_stream;

static const char *const names[4] = {"id", "source", "url", "time"};

static void fail(json_stream *j, const char *msg)
{
    if (j->state != J_FAILED)
        snprintf(j->s.err, sizeof j->s.err, "%s (at byte %llu of the file)", msg,
                 (unsigned long long)(j->s.below->pos + j->pos));
    j->state = J_FAILED;
}

/* Makes the next byte visible in the window of below (consuming what was used, so that the
 * bytes after this line stay for the next reader); false at the end or on error. */
static bool refill(json_stream *j)
{
    if (j->pos < j->len)
        return true;
    if (j->in_eof)
        return false;
    vigil_stream *b = j->s.below;
    b->bpos += j->pos;
    b->pos += j->pos;
    j->pos = j->len = 0;
    const char *d;
    ssize_t got = vigil_stream_peek(b, 65536, &d);
    if (got < 0) {
        snprintf(j->s.err, sizeof j->s.err, "%s", b->err);
        j->state = J_FAILED;
        j->in_eof = true;
        return false;
    }
    if (got == 0) {
        j->in_eof = true;
        return false;
    }
    j->in = d;
    j->len = (size_t)got;
    return true;
}

/* Next byte of the line, -1 at its end (or on error, with err set). */
static int next(json_stream *j)
{
    if (!refill(j))
        return -1;
    return (unsigned char)j->in[j->pos++];
}

static int peekc(json_stream *j)
{
    if (!refill(j))
        return -1;
    return (unsigned char)j->in[j->pos];
}

/* Hands back to below the bytes used. */
static void release(json_stream *j)
{
    vigil_stream *b = j->s.below;
    b->bpos += j->pos;
    b->pos += j->pos;
    j->pos = j->len = 0;
}

static int skip_ws(json_stream *j)
{
    int c;
    do
        c = next(j);
    while (c == ' ' || c == '\t' || c == '\r');
    return c;
}

static int hex4(json_stream *j)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        int c = next(j), h = c < 0 ? -1 : vigil_hexval((unsigned char)c);
        if (h < 0)
            return -1;
        v = v << 4 | h;
    }
    return v;
}

/* One character of a string after its opening quote: 1 with bytes in out[*n], 0 at the closing
 * quote, -1 on error. */
static int string_char(json_stream *j, char *out, size_t *n)
{
    int c = next(j);
    if (c < 0) {
        fail(j, "unterminated string");
        return -1;
    }
    if (c == '"')
        return 0;
    if (c != '\\') {
        if (c < 0x20) {
            if (c == '\n')
                j->pos--; /* the line's end, left for the skip to the next line */
            fail(j, c == '\n' ? "unterminated string" : "control character in a string");
            return -1;
        }
        out[0] = (char)c;
        *n = 1;
        return 1;
    }
    c = next(j);
    switch (c) {
    case '"': case '\\': case '/': out[0] = (char)c; *n = 1; return 1;
    case 'b': out[0] = '\b'; *n = 1; return 1;
    case 'f': out[0] = '\f'; *n = 1; return 1;
    case 'n': out[0] = '\n'; *n = 1; return 1;
    case 'r': out[0] = '\r'; *n = 1; return 1;
    case 't': out[0] = '\t'; *n = 1; return 1;
    case 'u': {
        int cp = hex4(j);
        if (cp < 0) {
            fail(j, "bad \\u escape");
            return -1;
        }
        if (cp >= 0xd800 && cp < 0xdc00) {
            int lo = -1;
            if (next(j) == '\\' && next(j) == 'u')
                lo = hex4(j);
            if (lo < 0xdc00 || lo >= 0xe000) {
                fail(j, "unpaired surrogate in a \\u escape");
                return -1;
            }
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        } else if (cp >= 0xdc00 && cp < 0xe000) {
            /* a low surrogate alone: refused, as jansson refuses it in an ordinary line */
            fail(j, "unpaired surrogate in a \\u escape");
            return -1;
        }
        *n = vigil_utf8_put((uint32_t)cp, out);
        return 1;
    }
    default:
        fail(j, "bad escape in a string");
        return -1;
    }
}

/* Reads a string (after its quote) into out[cap] (cut when longer) or discards it. */
static bool read_string(json_stream *j, char *out, size_t cap)
{
    size_t k = 0;
    for (;;) {
        char b[4];
        size_t n;
        int r = string_char(j, b, &n);
        if (r < 0)
            return false;
        if (r == 0)
            break;
        if (out && k + n < cap) {
            memcpy(out + k, b, n);
            k += n;
        }
    }
    if (out)
        out[k] = '\0';
    return true;
}

/* Skips one value whose first byte is c. */
static bool skip_value(json_stream *j, int c)
{
    if (c == '"')
        return read_string(j, NULL, 0);
    if (c == '{' || c == '[') {
        size_t depth = 1;
        while (depth) {
            c = next(j);
            if (c < 0 || c == '\n') {
                fail(j, "unterminated object or array");
                return false;
            }
            if (c == '"' && !read_string(j, NULL, 0))
                return false;
            if (c == '{' || c == '[')
                depth++;
            else if (c == '}' || c == ']')
                depth--;
        }
        return true;
    }
    /* number, true, false, null: up to the next delimiter */
    for (;;) {
        int d = peekc(j);
        if (d < 0 || d == ',' || d == '}' || d == ']' || d == ' ' || d == '\n' || d == '\t' ||
            d == '\r')
            return true;
        j->pos++;
    }
}

/* Walks members until the value of "text" starts (returns true) or the object ends. */
static bool seek_text(json_stream *j)
{
    int c = skip_ws(j);
    if (c != '{') {
        fail(j, "a document is a JSON object");
        return false;
    }
    for (;;) {
        c = skip_ws(j);
        if (c == '}') {
            fail(j, "a document needs a string member \"text\"");
            return false;
        }
        if (c != '"') {
            fail(j, "expected a member name");
            return false;
        }
        char key[32];
        if (!read_string(j, key, sizeof key))
            return false;
        if (skip_ws(j) != ':') {
            fail(j, "expected ':' after a member name");
            return false;
        }
        c = skip_ws(j);
        if (strcmp(key, "text") == 0) {
            if (c != '"') {
                fail(j, "a document needs a string member \"text\"");
                return false;
            }
            return true;
        }
        int slot = -1;
        for (int i = 0; i < 4; i++)
            if (strcmp(key, names[i]) == 0)
                slot = i;
        if (c == '"' && slot >= 0) {
            if (!read_string(j, j->members[slot], MEMBER_MAX))
                return false;
        } else if (!skip_value(j, c)) {
            return false;
        }
        c = skip_ws(j);
        if (c == '}') {
            fail(j, "a document needs a string member \"text\"");
            return false;
        }
        if (c != ',') {
            fail(j, "expected ',' or '}' after a member");
            return false;
        }
    }
}

static ssize_t json_read(vigil_stream *s, char *buf, size_t n)
{
    json_stream *j = (json_stream *)s;
    if (j->state == J_START) {
        if (!seek_text(j))
            return -1;
        j->state = J_TEXT;
    }
    if (j->state == J_FAILED)
        return -1;
    if (j->state != J_TEXT)
        return 0;
    size_t k = 0;
    while (k < n && j->npending) { /* a character cut by the previous call */
        buf[k++] = j->pending[0];
        memmove(j->pending, j->pending + 1, --j->npending);
    }
    while (k < n) {
        /* plain bytes fast, escapes one by one */
        if (j->pos < j->len) {
            const char *p = j->in + j->pos;
            size_t avail = j->len - j->pos, m = 0, lim = n - k < avail ? n - k : avail;
            while (m < lim && p[m] != '"' && p[m] != '\\' && (unsigned char)p[m] >= 0x20)
                m++;
            memcpy(buf + k, p, m);
            k += m;
            j->pos += m;
            if (m == lim)
                continue;
        }
        char b[4];
        size_t bn;
        int r = string_char(j, b, &bn);
        if (r < 0)
            return -1;
        if (r == 0) {
            j->state = J_AFTER;
            break;
        }
        size_t fit = n - k < bn ? n - k : bn;
        memcpy(buf + k, b, fit);
        k += fit;
        memcpy(j->pending, b + fit, bn - fit);
        j->npending = bn - fit;
    }
    return (ssize_t)k;
}

bool vigil_json_text_finish(vigil_stream *s)
{
    json_stream *j = (json_stream *)s;
    if (j->state == J_START || j->state == J_TEXT) { /* the text was not read to its end */
        char tmp[4096];
        while (json_read(s, tmp, sizeof tmp) > 0)
            ;
    }
    if (j->state == J_AFTER) {
        /* the members after the text, then the end of the line */
        int c = skip_ws(j);
        while (c == ',' && j->state != J_FAILED) {
            c = skip_ws(j);
            if (c != '"' || !read_string(j, NULL, 0) || skip_ws(j) != ':' ||
                !skip_value(j, skip_ws(j))) {
                fail(j, "malformed member after \"text\"");
                break;
            }
            c = skip_ws(j);
        }
        if (j->state != J_FAILED && c != '}')
            fail(j, "expected '}' at the end of the document");
        if (j->state != J_FAILED) {
            do
                c = next(j);
            while (c == ' ' || c == '\t' || c == '\r');
            if (c == '\n' || c == -1) {
                j->state = J_DONE;
                release(j);
                return true;
            }
            fail(j, "text after the document on its line");
            if (c == '\n')
                j->pos--;
        }
    }
    /* skip what is left of the line */
    int c;
    do
        c = next(j);
    while (c != '\n' && c != -1);
    release(j);
    return false;
}

const char *vigil_json_text_member(const vigil_stream *s, const char *name)
{
    const json_stream *j = (const json_stream *)s;
    for (int i = 0; i < 4; i++)
        if (strcmp(name, names[i]) == 0)
            return j->members[i][0] ? j->members[i] : NULL;
    return NULL;
}

vigil_status vigil_stream_json_text(vigil_stream *below, vigil_stream **out)
{
    json_stream *j = calloc(1, sizeof *j);
    if (!j)
        return VIGIL_ERR_NOMEM;
    j->s.read = json_read;
    j->s.below = below;
    *out = &j->s;
    return VIGIL_OK;
}
