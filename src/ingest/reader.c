/*
 * Document readers. A file is opened through the stream layers (gzip and zstd undone whatever
 * its name), its format is found from its extension or its first bytes, and it is cut into
 * documents:
 *   plain, html, eml  one document per file
 *   jsonl             one per line {"id", "text", "source", "url", "time"}
 *   mbox              one per message ("From " separator lines)
 *   warc              one per response, resource or conversion record
 * Every document's body is pulled through a stream and emitted in pieces of at most max_doc
 * bytes that overlap by OVERLAP bytes, so a 20 GB record or a 2 GB line never sits in memory
 * and a name and address across a cut are still seen together. Readers only split and label;
 * the heavy work (HTML parsing, MIME decoding) is vigil_text_prepare's, on the scanning
 * threads.
 *
 * Errors name the file, the record or line, and the byte offset. A record error leaves the
 * reader ready for the next record (a WARC record whose Content-Length lies is followed by a
 * search for the next "WARC/" header line), and the bytes of a rejected line are kept for
 * --rejects.
 */
#include "ingest_int.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <unistd.h>

#define SNIFF 4096
#define HEADER_LINE_MAX 65536
#define HEADER_LINES_MAX 512

typedef struct fields {
    char type[32], id[256], uri[2048], date[64], ctype[256];
    uint64_t length;
    bool has_length;
} fields;

/* The members of a JSON Lines record the reader keeps. */
enum { JV_TEXT, JV_ID, JV_SOURCE, JV_URL, JV_TIME, JV_FORMAT, JV_OTHER, JV_COUNT };

struct vigil_reader {
    char *path;
    vigil_input_format fmt;
    size_t max_doc, overlap;
    vigil_stream *in;
    const uint64_t *raw_pos;
    char errmsg[1024];
    bool done;
    /* the document being emitted */
    vigil_stream *body;     /* top of the body's stream chain */
    vigil_stream *chain[4]; /* layers to close after the body (top first) */
    size_t nchain;
    vigil_content content;
    vigil_buf buf;      /* the current piece: buf[0..have) */
    size_t shift;       /* bytes to drop from buf before the next piece */
    size_t seen;        /* bytes at the start of buf already in the previous piece */
    uint64_t buf_off;   /* offset of buf[0] in the body */
    unsigned chunk;
    bool body_eof, chunked;
    vigil_status pending; /* an error met while filling, reported on the next call */
    char pending_msg[512];
    char *id, *url, *time, *charset;
    char idbuf[600];
    /* jsonl */
    json_t *cur;
    vigil_buf jv[JV_COUNT]; /* the fast path's decoded members */
    bool jv_seen[JV_OTHER];
    size_t line;
    /* records (warc, mbox) */
    size_t record;
    uint64_t rec_off;
    bool have_version; /* the next WARC record's version line was read while resynchronizing */
    fields rec;        /* the current WARC record */
    vigil_buf rejected;
};

/* ------------------------------------------------------------------ formats */

static const char *const format_names[] = {"auto", "plain", "jsonl", "html", "warc", "mbox",
                                           "eml"};

vigil_status vigil_input_format_parse(const char *name, vigil_input_format *out)
{
    for (unsigned i = 1; i < sizeof format_names / sizeof *format_names; i++)
        if (strcmp(name, format_names[i]) == 0) {
            *out = (vigil_input_format)i;
            return VIGIL_OK;
        }
    return VIGIL_ERR_ARG;
}

const char *vigil_input_format_name(vigil_input_format f)
{
    return (unsigned)f < sizeof format_names / sizeof *format_names ? format_names[f] : "?";
}

static bool ends_with(const char *s, size_t n, const char *suf)
{
    size_t b = strlen(suf);
    return n >= b && strncasecmp(s + n - b, suf, b) == 0;
}

static vigil_input_format by_extension(const char *path)
{
    size_t n = strlen(path);
    if (ends_with(path, n, ".gz"))
        n -= 3;
    else if (ends_with(path, n, ".zst"))
        n -= 4;
    else if (ends_with(path, n, ".zstd"))
        n -= 5;
    static const struct {
        const char *ext;
        vigil_input_format f;
    } map[] = {{".jsonl", VIGIL_INPUT_JSONL}, {".ndjson", VIGIL_INPUT_JSONL},
               {".warc", VIGIL_INPUT_WARC},   {".arc.warc", VIGIL_INPUT_WARC},
               {".mbox", VIGIL_INPUT_MBOX},   {".mbx", VIGIL_INPUT_MBOX},
               {".eml", VIGIL_INPUT_EML},     {".html", VIGIL_INPUT_HTML},
               {".htm", VIGIL_INPUT_HTML},    {".xhtml", VIGIL_INPUT_HTML},
               {".txt", VIGIL_INPUT_PLAIN}};
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (ends_with(path, n, map[i].ext))
            return map[i].f;
    return VIGIL_INPUT_AUTO;
}

static bool header_line(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && ((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
                     (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
        i++;
    return i > 0 && i < n && s[i] == ':';
}

/* Looks at the first bytes; *binary when they are not text. */
static vigil_input_format by_content(const char *d, size_t n, bool *binary)
{
    *binary = false;
    size_t i = 0;
    if (n >= 3 && (unsigned char)d[0] == 0xef && (unsigned char)d[1] == 0xbb &&
        (unsigned char)d[2] == 0xbf)
        i = 3;
    while (i < n && (d[i] == ' ' || d[i] == '\n' || d[i] == '\r' || d[i] == '\t'))
        i++;
    const char *s = d + i;
    size_t m = n - i;
    if (m >= 7 && memcmp(s, "WARC/1.", 7) == 0)
        return VIGIL_INPUT_WARC;
    static const char *const magic[] = {"%PDF", "\x89PNG", "\xff\xd8\xff", "PK\x03\x04", "GIF8",
                                        "\x7f" "ELF", "BZh", "\xfd" "7zXZ"};
    for (size_t k = 0; k < sizeof magic / sizeof *magic; k++)
        if (m >= strlen(magic[k]) && memcmp(s, magic[k], strlen(magic[k])) == 0) {
            *binary = true;
            return VIGIL_INPUT_PLAIN;
        }
    /* Control bytes in more than a tenth of the first block: not text. A stray NUL in a text
     * is repaired and reported instead (vigil_text_prepare). */
    size_t ctl = 0;
    for (size_t k = 0; k < n; k++) {
        unsigned char c = (unsigned char)d[k];
        ctl += c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' && c != 0x1b;
    }
    if (ctl * 10 > n) {
        *binary = true;
        return VIGIL_INPUT_PLAIN;
    }
    if (m >= 5 && memcmp(s, "From ", 5) == 0) {
        const char *nl = memchr(s, '\n', m);
        if (nl && header_line(nl + 1, m - (size_t)(nl + 1 - s)))
            return VIGIL_INPUT_MBOX;
    }
    /* a message: header lines first, one of them a mail header */
    if (header_line(s, m)) {
        static const char *const mail[] = {"\nfrom:", "\nsubject:", "\nmessage-id:",
                                           "\nreceived:", "\nmime-version:", "\nreturn-path:",
                                           "\ndelivered-to:", "\nto:", "\ndate:"};
        char low[SNIFF + 2];
        size_t l = m < SNIFF ? m : SNIFF;
        low[0] = '\n';
        for (size_t k = 0; k < l; k++)
            low[k + 1] = (char)((s[k] >= 'A' && s[k] <= 'Z') ? s[k] + 32 : s[k]);
        low[l + 1] = '\0';
        int hits = 0;
        for (size_t k = 0; k < sizeof mail / sizeof *mail; k++)
            hits += strstr(low, mail[k]) != NULL;
        if (hits >= 2)
            return VIGIL_INPUT_EML;
    }
    if (m >= 9 && (strncasecmp(s, "<!doctype", 9) == 0 || strncasecmp(s, "<html", 5) == 0 ||
                   strncasecmp(s, "<head", 5) == 0 || strncasecmp(s, "<body", 5) == 0 ||
                   strncasecmp(s, "<?xml", 5) == 0))
        return VIGIL_INPUT_HTML;
    if (m >= 2 && s[0] == '{') {
        const char *nl = memchr(s, '\n', m);
        json_t *o = json_loadb(s, nl ? (size_t)(nl - s) : m, 0, NULL);
        bool ok = json_is_object(o) && json_is_string(json_object_get(o, "text"));
        json_decref(o);
        if (ok)
            return VIGIL_INPUT_JSONL;
    }
    return VIGIL_INPUT_PLAIN;
}

/* ------------------------------------------------------------------ open, close */

static void rerr(vigil_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void rerr(vigil_reader *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->errmsg, sizeof r->errmsg, fmt, ap);
    va_end(ap);
}

static vigil_status open_fd(vigil_reader *r, int fd, uint64_t length, vigil_input_format fmt,
                            char *err, size_t errlen)
{
    vigil_stream *in;
    vigil_status st = vigil_stream_file(fd, length, &in, &r->raw_pos);
    if (st == VIGIL_ERR_IO) {
        vigil_errf(err, errlen, "%s: %s", r->path, in->err);
        vigil_stream_close(in);
        return st;
    }
    if (st) {
        if (fd > 2)
            close(fd);
        return st;
    }
    r->in = in;
    if (fmt == VIGIL_INPUT_AUTO)
        fmt = by_extension(r->path);
    const char *d;
    ssize_t n = vigil_stream_peek(in, SNIFF, &d);
    if (n < 0) {
        vigil_errf(err, errlen, "%s: %s", r->path, in->err);
        return VIGIL_ERR_IO;
    }
    bool binary = false;
    vigil_input_format sniffed = by_content(d, (size_t)n, &binary);
    if (fmt == VIGIL_INPUT_AUTO) {
        if (binary) {
            vigil_errf(err, errlen, "%s: binary file (not text); skipped", r->path);
            return VIGIL_ERR_SKIPPED;
        }
        fmt = sniffed;
    }
    r->fmt = fmt;
    return VIGIL_OK;
}

static vigil_reader *reader_new(const char *name, size_t max_doc)
{
    vigil_reader *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->path = strdup(name);
    r->max_doc = max_doc ? max_doc : (size_t)8 << 20;
    /* the overlap covers any one identifier, threat sentence or name-and-address pair */
    r->overlap = r->max_doc / 4 < 16384 ? r->max_doc / 4 : 16384;
    r->buf.max = r->max_doc + 2;
    if (!r->path) {
        free(r);
        return NULL;
    }
    return r;
}

vigil_status vigil_reader_open_fd(int fd, const char *name, uint64_t length,
                                  vigil_input_format fmt, size_t max_doc, vigil_reader **out,
                                  char *err, size_t errlen)
{
    vigil_reader *r = reader_new(name, max_doc);
    if (!r) {
        close(fd);
        return VIGIL_ERR_NOMEM;
    }
    vigil_status st = open_fd(r, fd, length, fmt, err, errlen);
    if (st) {
        vigil_reader_close(r);
        return st;
    }
    *out = r;
    return VIGIL_OK;
}

vigil_status vigil_reader_open(const char *path, vigil_input_format fmt, size_t max_doc,
                               vigil_reader **out, char *err, size_t errlen)
{
    bool is_stdin = !path || strcmp(path, "-") == 0;
    vigil_reader *r = reader_new(is_stdin ? "-" : path, max_doc);
    if (!r)
        return VIGIL_ERR_NOMEM;
    int fd = is_stdin ? 0 : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        vigil_errf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        vigil_status st = errno == ENOENT ? VIGIL_ERR_NOTFOUND : VIGIL_ERR_IO;
        free(r->path);
        free(r);
        return st;
    }
    vigil_status st = open_fd(r, fd, 0, fmt, err, errlen);
    if (st) {
        vigil_reader_close(r);
        return st;
    }
    *out = r;
    return VIGIL_OK;
}

static void close_body(vigil_reader *r)
{
    for (size_t i = 0; i < r->nchain; i++)
        vigil_stream_close(r->chain[i]);
    r->nchain = 0;
    r->body = NULL;
}

void vigil_reader_close(vigil_reader *r)
{
    if (!r)
        return;
    close_body(r);
    vigil_stream_close(r->in);
    json_decref(r->cur);
    vigil_buf_free(&r->buf);
    vigil_buf_free(&r->rejected);
    for (int k = 0; k < JV_COUNT; k++)
        vigil_buf_free(&r->jv[k]);
    free(r->id);
    free(r->url);
    free(r->time);
    free(r->charset);
    free(r->path);
    free(r);
}

const char *vigil_reader_errmsg(const vigil_reader *r)
{
    return r->errmsg;
}

const char *vigil_reader_rejected(const vigil_reader *r, size_t *len)
{
    *len = r->rejected.len;
    return r->rejected.len ? r->rejected.data : NULL;
}

uint64_t vigil_reader_position(const vigil_reader *r)
{
    return r->raw_pos ? *r->raw_pos : 0;
}

vigil_input_format vigil_reader_format(const vigil_reader *r)
{
    return r->fmt;
}

static void set_str(char **dst, const char *s)
{
    free(*dst);
    *dst = s ? strdup(s) : NULL;
}

/* ------------------------------------------------------------------ body pieces */

static void start_body(vigil_reader *r, vigil_stream *top, vigil_content content)
{
    r->body = top;
    r->content = content;
    r->buf.len = 0;
    r->shift = 0;
    r->seen = 0;
    r->buf_off = 0;
    r->chunk = 0;
    r->body_eof = false;
    r->chunked = false;
    r->pending = VIGIL_OK;
}

/* Where to cut a full buffer: after white space in its last eighth if there is some, else at
 * a UTF-8 character boundary. */
static size_t cut_at(const char *s, size_t n)
{
    size_t lo = n - n / 8;
    for (size_t i = n; i > lo; i--)
        if (s[i - 1] == ' ' || s[i - 1] == '\n' || s[i - 1] == '\t')
            return i;
    size_t i = n;
    while (i > n - 4 && i > 1 && ((unsigned char)s[i] & 0xc0) == 0x80)
        i--;
    return i;
}

/* The next piece of the body as a document, or VIGIL_ERR_NOTFOUND when the body is done. */
static vigil_status next_piece(vigil_reader *r, vigil_doc *doc)
{
    if (!r->body)
        return VIGIL_ERR_NOTFOUND;
    if (r->shift) {
        memmove(r->buf.data, r->buf.data + r->shift, r->buf.len - r->shift);
        r->buf.len -= r->shift;
        r->buf_off += r->shift;
        r->shift = 0;
        if (r->body_eof && r->buf.len <= r->seen)
            return VIGIL_ERR_NOTFOUND; /* nothing new after the overlap */
    } else if (r->body_eof) {
        return VIGIL_ERR_NOTFOUND;
    }
    size_t overlap_now = r->seen; /* what the previous piece already covered */
    size_t want = r->max_doc + 1;
    if (vigil_buf_reserve(&r->buf, want - r->buf.len) != VIGIL_OK) {
        rerr(r, "%s: out of memory", r->path);
        return VIGIL_ERR_NOMEM;
    }
    while (r->buf.len < want && !r->body_eof) {
        ssize_t got = vigil_stream_read(r->body, r->buf.data + r->buf.len, want - r->buf.len);
        if (got < 0) {
            r->pending = VIGIL_ERR_PARSE;
            snprintf(r->pending_msg, sizeof r->pending_msg, "%s", r->body->err);
            r->body_eof = true;
            break;
        }
        if (got == 0)
            r->body_eof = true;
        r->buf.len += (size_t)got;
    }
    if (r->buf.len == 0 && r->chunk == 0 && r->pending == VIGIL_OK && r->buf_off == 0 &&
        r->body_eof) {
        /* an empty document is still a document */
    } else if (r->buf.len == 0) {
        return VIGIL_ERR_NOTFOUND;
    }
    size_t len = r->buf.len;
    if (len > r->max_doc) {
        len = cut_at(r->buf.data, r->max_doc);
        r->chunked = true;
        /* the next piece starts `overlap` bytes before the cut, on a character boundary */
        size_t next = len > r->overlap ? len - r->overlap : len;
        while (next < len && ((unsigned char)r->buf.data[next] & 0xc0) == 0x80)
            next++;
        r->shift = next ? next : len;
        r->seen = len - r->shift;
        if (r->content == VIGIL_CONTENT_EMAIL)
            r->content = VIGIL_CONTENT_TEXT; /* MIME needs the whole message: read it raw */
    } else {
        r->body_eof = true;
    }
    memset(doc, 0, sizeof *doc);
    doc->text = r->buf.data;
    doc->len = len;
    doc->content = r->content;
    doc->charset = r->charset;
    doc->chunk = r->chunked ? ++r->chunk : 0;
    doc->offset = r->buf_off;
    doc->overlap = doc->chunk > 1 ? overlap_now : 0;
    doc->at = r->rec_off;
    doc->id = r->id ? r->id : r->path;
    doc->url = r->url;
    doc->time = r->time;
    return VIGIL_OK;
}

/* Finishes a body: closes its layers; reports an error met while reading it. */
static vigil_status end_body(vigil_reader *r, const char *what)
{
    close_body(r);
    if (r->pending) {
        vigil_status st = r->pending;
        r->pending = VIGIL_OK;
        rerr(r, "%s: %s: %s", r->path, what, r->pending_msg);
        return st;
    }
    return VIGIL_OK;
}

/* ------------------------------------------------------------------ plain, html, eml */

static vigil_status read_whole(vigil_reader *r, vigil_doc *doc)
{
    if (!r->body && !r->done) {
        vigil_content c = r->fmt == VIGIL_INPUT_HTML  ? VIGIL_CONTENT_HTML
                          : r->fmt == VIGIL_INPUT_EML ? VIGIL_CONTENT_EMAIL
                                                      : VIGIL_CONTENT_TEXT;
        start_body(r, r->in, c);
        r->done = true;
        if (c == VIGIL_CONTENT_EMAIL) {
            const char *d;
            ssize_t n = vigil_stream_peek(r->in, HEADER_LINE_MAX, &d);
            char mid[512];
            if (n > 0 && vigil_mail_header(d, (size_t)n, "Message-ID", mid, sizeof mid))
                set_str(&r->id, mid);
            if (n > 0 && vigil_mail_header(d, (size_t)n, "Date", mid, sizeof mid))
                set_str(&r->time, mid);
        }
    }
    vigil_status st = next_piece(r, doc);
    if (st == VIGIL_ERR_NOTFOUND && r->body) {
        r->body = NULL; /* the file stream is closed with the reader */
        if (r->pending) {
            r->pending = VIGIL_OK;
            rerr(r, "%s: %s", r->path, r->pending_msg);
            return VIGIL_ERR_IO;
        }
    }
    return st;
}

/* ------------------------------------------------------------------ jsonl */

static const char *opt_string(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* A line longer than --max-doc: its "text" is decoded as a stream and scanned in chunks. */
static vigil_status jsonl_piece(vigil_reader *r, vigil_doc *doc)
{
    vigil_stream *js = r->chain[0];
    vigil_status st = next_piece(r, doc);
    if (st == VIGIL_OK) {
        const char *id = vigil_json_text_member(js, "id");
        if (id)
            snprintf(r->idbuf, sizeof r->idbuf, "%s", id);
        else
            snprintf(r->idbuf, sizeof r->idbuf, "%s:%zu", r->path, r->line);
        doc->id = r->idbuf;
        doc->source = vigil_json_text_member(js, "source");
        doc->url = vigil_json_text_member(js, "url");
        doc->time = vigil_json_text_member(js, "time");
        return VIGIL_OK;
    }
    if (st != VIGIL_ERR_NOTFOUND)
        return st;
    bool ok = vigil_json_text_finish(js) && !r->pending;
    char msg[600];
    snprintf(msg, sizeof msg, "%s", js->err[0] ? js->err : r->pending_msg);
    r->pending = VIGIL_OK;
    r->body = NULL;
    close_body(r);
    if (!ok) {
        rerr(r, "%s:%zu: %s; the text before it was scanned", r->path, r->line, msg);
        return VIGIL_ERR_PARSE;
    }
    return VIGIL_ERR_NOTFOUND;
}

/* The fast path for a JSON Lines record, written here because jansson, which builds every line
 * as a tree of objects, took a fifth of `vigil scan`'s time on posts (perf): a flat object whose
 * values are all strings is decoded in one pass, straight into the reader's buffers. Anything
 * else - another kind of value, nesting, a repeated member, \u0000, a lone surrogate, a control
 * byte, invalid UTF-8, trailing bytes, a missing "text" - returns false, and the line goes to
 * jansson, which accepts or refuses it and words the error. So this path never accepts what
 * jansson refuses, and gives the same strings. */
static bool jl_string(const char *s, size_t len, size_t *pos, vigil_buf *out)
{
    size_t i = *pos + 1; /* past the opening quote */
    out->len = 0;
    for (;;) {
        size_t a = i;
#ifdef __SSE2__
        /* 16 bytes at a time up to a quote, a backslash or a control byte */
        while (i + 16 <= len) {
            __m128i v = _mm_loadu_si128((const __m128i *)(s + i));
            __m128i stop = _mm_or_si128(
                _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                             _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
                /* bytes 0x00-0x1f: unsigned v < 0x20, as min(v, 0x1f) == v */
                _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v));
            unsigned m = (unsigned)_mm_movemask_epi8(stop);
            if (m) {
                i += (size_t)__builtin_ctz(m);
                break;
            }
            i += 16;
        }
#endif
        while (i < len && s[i] != '"' && s[i] != '\\' && (unsigned char)s[i] >= 0x20)
            i++;
        if (i > a && vigil_buf_append(out, s + a, i - a) != VIGIL_OK)
            return false;
        if (i >= len || (unsigned char)s[i] < 0x20)
            return false;
        if (s[i] == '"')
            break;
        if (++i >= len)
            return false;
        char c = s[i++], e;
        switch (c) {
        case '"': e = '"'; break;
        case '\\': e = '\\'; break;
        case '/': e = '/'; break;
        case 'b': e = '\b'; break;
        case 'f': e = '\f'; break;
        case 'n': e = '\n'; break;
        case 'r': e = '\r'; break;
        case 't': e = '\t'; break;
        case 'u': {
            uint32_t cp = 0;
            for (int k = 0; k < 4; k++, i++) {
                int h = i < len ? vigil_hexval((unsigned char)s[i]) : -1;
                if (h < 0)
                    return false;
                cp = cp << 4 | (uint32_t)h;
            }
            if (cp >= 0xDC00 && cp <= 0xDFFF)
                return false;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                uint32_t lo = 0;
                if (i + 6 > len || s[i] != '\\' || s[i + 1] != 'u')
                    return false;
                for (int k = 2; k < 6; k++) {
                    int h = vigil_hexval((unsigned char)s[i + k]);
                    if (h < 0)
                        return false;
                    lo = lo << 4 | (uint32_t)h;
                }
                if (lo < 0xDC00 || lo > 0xDFFF)
                    return false;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                i += 6;
            }
            if (cp == 0)
                return false;
            char u[4];
            if (vigil_buf_append(out, u, vigil_utf8_put(cp, u)) != VIGIL_OK)
                return false;
            continue;
        }
        default:
            return false;
        }
        if (vigil_buf_append(out, &e, 1) != VIGIL_OK)
            return false;
    }
    *pos = i + 1;
    /* escapes give whole UTF-8 sequences, so the result is valid exactly when the raw parts are */
    return vigil_buf_append(out, "", 0) == VIGIL_OK && vigil_utf8_valid(out->data, out->len);
}

static size_t jl_ws(const char *s, size_t len, size_t i)
{
    while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
        i++;
    return i;
}

static bool jl_record(vigil_reader *r, const char *s, size_t len)
{
    static const char *const names[JV_OTHER] = {"text", "id", "source", "url", "time", "format"};
    bool seen[JV_OTHER] = {false};
    size_t i = jl_ws(s, len, 0);
    if (i >= len || s[i] != '{')
        return false;
    i = jl_ws(s, len, i + 1);
    for (;;) {
        if (i >= len || s[i] != '"' || !jl_string(s, len, &i, &r->jv[JV_OTHER]))
            return false;
        int k = 0;
        while (k < JV_OTHER && strcmp(r->jv[JV_OTHER].data, names[k]) != 0)
            k++;
        if (k < JV_OTHER && r->jv[JV_OTHER].len != strlen(names[k]))
            k = JV_OTHER; /* a key with a NUL in it */
        if (k < JV_OTHER) {
            if (seen[k])
                return false; /* a repeated member: jansson's rule decides */
            seen[k] = true;
        }
        i = jl_ws(s, len, i);
        if (i >= len || s[i] != ':')
            return false;
        i = jl_ws(s, len, i + 1);
        if (i >= len || s[i] != '"' || !jl_string(s, len, &i, &r->jv[k]))
            return false;
        i = jl_ws(s, len, i);
        if (i < len && s[i] == ',') {
            i = jl_ws(s, len, i + 1);
            continue;
        }
        if (i >= len || s[i] != '}')
            return false;
        break;
    }
    if (jl_ws(s, len, i + 1) != len || !seen[JV_TEXT])
        return false;
    memcpy(r->jv_seen, seen, sizeof seen);
    return true;
}

static const char *jv_member(vigil_reader *r, int k)
{
    return r->jv_seen[k] ? r->jv[k].data : NULL;
}

static vigil_status read_jsonl(vigil_reader *r, vigil_doc *doc)
{
    if (r->body) {
        vigil_status st = jsonl_piece(r, doc);
        if (st != VIGIL_ERR_NOTFOUND)
            return st;
    }
    for (;;) {
        const char *line;
        uint64_t at = r->in->pos;
        ssize_t n = vigil_stream_getline_keep(r->in, r->max_doc, &line);
        if (n == 0) {
            r->done = true;
            return VIGIL_ERR_NOTFOUND;
        }
        if (n == -1) {
            rerr(r, "%s:%zu: %s", r->path, r->line + 1, r->in->err);
            r->done = true;
            return VIGIL_ERR_IO;
        }
        r->line++;
        if (n == -2) {
            r->rec_off = at;
            vigil_stream *js;
            if (vigil_stream_json_text(r->in, &js) != VIGIL_OK)
                return VIGIL_ERR_NOMEM;
            r->chain[0] = js;
            r->nchain = 1;
            start_body(r, js, VIGIL_CONTENT_TEXT);
            r->chunked = true; /* reported as chunked even if the text itself is short */
            vigil_status st = jsonl_piece(r, doc);
            if (st != VIGIL_ERR_NOTFOUND)
                return st;
            continue;
        }
        size_t len = (size_t)n;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        size_t k = 0;
        while (k < len && (line[k] == ' ' || line[k] == '\t'))
            k++;
        if (k == len)
            continue;
        if (jl_record(r, line, len)) {
            const char *id = jv_member(r, JV_ID);
            if (id)
                snprintf(r->idbuf, sizeof r->idbuf, "%s", id);
            else
                snprintf(r->idbuf, sizeof r->idbuf, "%s:%zu", r->path, r->line);
            memset(doc, 0, sizeof *doc);
            doc->at = at;
            doc->id = r->idbuf;
            doc->text = r->jv[JV_TEXT].data;
            doc->len = r->jv[JV_TEXT].len;
            doc->source = jv_member(r, JV_SOURCE);
            doc->url = jv_member(r, JV_URL);
            doc->time = jv_member(r, JV_TIME);
            const char *format = jv_member(r, JV_FORMAT);
            if (format && strcmp(format, "html") == 0)
                doc->content = VIGIL_CONTENT_HTML;
            else if (format && strcmp(format, "email") == 0)
                doc->content = VIGIL_CONTENT_EMAIL;
            return VIGIL_OK;
        }
        json_decref(r->cur);
        json_error_t jerr;
        r->cur = json_loadb(line, len, JSON_ALLOW_NUL, &jerr);
        json_t *text = json_object_get(r->cur, "text");
        if (!r->cur || !json_is_object(r->cur) || !json_is_string(text)) {
            if (!r->cur)
                rerr(r, "%s:%zu: invalid JSON at column %d (byte %llu of the file): %s",
                     r->path, r->line, jerr.column,
                     (unsigned long long)at + (unsigned long long)(jerr.position > 0
                                                                    ? jerr.position : 0),
                     jerr.text);
            else
                rerr(r, "%s:%zu: a document needs a string member \"text\" (line at byte %llu)",
                     r->path, r->line, (unsigned long long)at);
            r->rejected.len = 0;
            if (vigil_buf_append(&r->rejected, line, len) != VIGIL_OK)
                r->rejected.len = 0;
            return VIGIL_ERR_PARSE;
        }
        json_t *id = json_object_get(r->cur, "id");
        if (json_is_string(id))
            snprintf(r->idbuf, sizeof r->idbuf, "%s", json_string_value(id));
        else if (json_is_integer(id))
            snprintf(r->idbuf, sizeof r->idbuf, "%lld", (long long)json_integer_value(id));
        else
            snprintf(r->idbuf, sizeof r->idbuf, "%s:%zu", r->path, r->line);
        memset(doc, 0, sizeof *doc);
        doc->at = at;
        doc->id = r->idbuf;
        doc->text = json_string_value(text);
        doc->len = json_string_length(text);
        doc->source = opt_string(r->cur, "source");
        doc->url = opt_string(r->cur, "url");
        doc->time = opt_string(r->cur, "time");
        const char *format = opt_string(r->cur, "format");
        if (format && strcmp(format, "html") == 0)
            doc->content = VIGIL_CONTENT_HTML;
        else if (format && strcmp(format, "email") == 0)
            doc->content = VIGIL_CONTENT_EMAIL;
        return VIGIL_OK;
    }
}

/* ------------------------------------------------------------------ mbox */

/* One message of an mbox: reads below up to the next "From " line that follows a blank line
 * (or starts the file). */
typedef struct mbox_stream {
    vigil_stream s;
    bool first, ended;
} mbox_stream;

static ssize_t mbox_read(vigil_stream *s, char *buf, size_t n)
{
    mbox_stream *m = (mbox_stream *)s;
    if (m->ended)
        return 0;
    const char *d;
    ssize_t have = vigil_stream_peek(s->below, 65536, &d);
    if (have < 0) {
        snprintf(s->err, sizeof s->err, "%s", s->below->err);
        return -1;
    }
    if (have == 0)
        return 0;
    size_t take = (size_t)have;
    size_t from = m->first ? 1 : 0; /* the message's own "From " line */
    for (size_t i = from; i + 5 <= (size_t)have; i++) {
        if (memcmp(d + i, "From ", 5) == 0 && i > 0 && d[i - 1] == '\n') {
            take = i;
            m->ended = true;
            break;
        }
    }
    if (!m->ended && (size_t)have == 65536 && take > 5)
        take -= 5; /* a separator may straddle the window */
    m->first = false;
    if (take > n) {
        take = n;
        m->ended = false;
    }
    if (take == 0)
        return 0;
    return vigil_stream_read(s->below, buf, take);
}

static vigil_status read_mbox(vigil_reader *r, vigil_doc *doc)
{
    for (;;) {
        if (r->body) {
            vigil_status st = next_piece(r, doc);
            if (st != VIGIL_ERR_NOTFOUND)
                return st;
            char what[64];
            snprintf(what, sizeof what, "message %zu", r->record);
            st = end_body(r, what);
            if (st)
                return st;
        }
        const char *d;
        ssize_t n = vigil_stream_peek(r->in, 5, &d);
        if (n < 0) {
            rerr(r, "%s: %s", r->path, r->in->err);
            r->done = true;
            return VIGIL_ERR_IO;
        }
        if (n == 0) {
            r->done = true;
            return VIGIL_ERR_NOTFOUND;
        }
        mbox_stream *m = calloc(1, sizeof *m);
        if (!m)
            return VIGIL_ERR_NOMEM;
        m->s.read = mbox_read;
        m->s.below = r->in;
        m->first = n == 5 && memcmp(d, "From ", 5) == 0;
        r->record++;
        r->rec_off = r->in->pos;
        r->chain[0] = &m->s;
        r->nchain = 1;
        start_body(r, &m->s, VIGIL_CONTENT_EMAIL);
        ssize_t h = vigil_stream_peek(&m->s, HEADER_LINE_MAX, &d);
        char mid[512];
        free(r->id);
        r->id = NULL;
        free(r->time);
        r->time = NULL;
        if (h > 0) {
            /* skip the separator line for the header lookup */
            const char *hd = d;
            size_t hn = (size_t)h;
            if (hn >= 5 && memcmp(hd, "From ", 5) == 0) {
                const char *nl = memchr(hd, '\n', hn);
                hn -= nl ? (size_t)(nl + 1 - hd) : hn;
                hd = nl ? nl + 1 : hd + h;
            }
            if (vigil_mail_header(hd, hn, "Message-ID", mid, sizeof mid))
                set_str(&r->id, mid);
            if (vigil_mail_header(hd, hn, "Date", mid, sizeof mid))
                set_str(&r->time, mid);
        }
        if (!r->id) {
            char tmp[600];
            snprintf(tmp, sizeof tmp, "%s#%zu", r->path, r->record);
            set_str(&r->id, tmp);
        }
    }
}

/* ------------------------------------------------------------------ warc */

static void trim_value(const char *line, size_t n, size_t from, char *out, size_t cap)
{
    while (from < n && (line[from] == ' ' || line[from] == '\t'))
        from++;
    while (n > from && (line[n - 1] == '\r' || line[n - 1] == '\n' || line[n - 1] == ' '))
        n--;
    size_t k = n - from < cap - 1 ? n - from : cap - 1;
    memcpy(out, line + from, k);
    out[k] = '\0';
}

static bool field_is(const char *line, size_t n, const char *name, size_t *val)
{
    size_t l = strlen(name);
    if (n <= l || line[l] != ':' || strncasecmp(line, name, l) != 0)
        return false;
    *val = l + 1;
    return true;
}

/* Reads a block of header lines up to the empty line. */
static vigil_status read_headers(vigil_reader *r, vigil_stream *s, fields *f, char *ctype_out,
                                 size_t ctcap, char *te, char *ce, bool warc)
{
    for (int lines = 0;; lines++) {
        const char *line;
        ssize_t n = vigil_stream_getline(s, HEADER_LINE_MAX, &line);
        if (n == -1)
            return VIGIL_ERR_IO;
        if (n == -2 || lines > HEADER_LINES_MAX)
            return VIGIL_ERR_PARSE;
        if (n == 0)
            return warc ? VIGIL_ERR_PARSE : VIGIL_OK;
        if (line[0] == '\r' || line[0] == '\n')
            return VIGIL_OK;
        size_t v, len = (size_t)n;
        if (warc) {
            if (field_is(line, len, "WARC-Type", &v))
                trim_value(line, len, v, f->type, sizeof f->type);
            else if (field_is(line, len, "WARC-Record-ID", &v))
                trim_value(line, len, v, f->id, sizeof f->id);
            else if (field_is(line, len, "WARC-Target-URI", &v)) {
                trim_value(line, len, v, f->uri, sizeof f->uri);
                size_t ul = strlen(f->uri); /* WARC/1.0 writers (wget) put it in <...> */
                if (ul >= 2 && f->uri[0] == '<' && f->uri[ul - 1] == '>') {
                    memmove(f->uri, f->uri + 1, ul - 2);
                    f->uri[ul - 2] = '\0';
                }
            }
            else if (field_is(line, len, "WARC-Date", &v))
                trim_value(line, len, v, f->date, sizeof f->date);
            else if (field_is(line, len, "Content-Type", &v))
                trim_value(line, len, v, f->ctype, sizeof f->ctype);
            else if (field_is(line, len, "Content-Length", &v)) {
                char num[32], *end;
                trim_value(line, len, v, num, sizeof num);
                errno = 0;
                unsigned long long x = strtoull(num, &end, 10);
                if (end == num || *end || errno)
                    return VIGIL_ERR_PARSE;
                f->length = x;
                f->has_length = true;
            }
        } else {
            if (field_is(line, len, "Content-Type", &v))
                trim_value(line, len, v, ctype_out, ctcap);
            else if (field_is(line, len, "Transfer-Encoding", &v))
                trim_value(line, len, v, te, 64);
            else if (field_is(line, len, "Content-Encoding", &v))
                trim_value(line, len, v, ce, 64);
            else if (!header_line(line, len) && line[0] != ' ' && line[0] != '\t')
                return VIGIL_ERR_PARSE;
        }
    }
}

/* What a media type holds: 1 HTML, 0 text, -1 not text. */
static int media_kind(const char *ct)
{
    if (!ct[0])
        return 0;
    if (strncasecmp(ct, "text/html", 9) == 0 || strncasecmp(ct, "application/xhtml", 17) == 0)
        return 1;
    if (strncasecmp(ct, "text/", 5) == 0 || strncasecmp(ct, "application/json", 16) == 0 ||
        strncasecmp(ct, "application/xml", 15) == 0 || strncasecmp(ct, "application/rss", 15) == 0 ||
        strncasecmp(ct, "application/atom", 16) == 0 || strncasecmp(ct, "message/", 8) == 0)
        return 0;
    return -1;
}

static void charset_of(vigil_reader *r, const char *ct)
{
    const char *p = strcasestr(ct, "charset=");
    free(r->charset);
    r->charset = NULL;
    if (!p)
        return;
    p += 8;
    if (*p == '"')
        p++;
    char cs[64];
    size_t k = 0;
    while (*p && *p != '"' && *p != ';' && *p != ' ' && k + 1 < sizeof cs)
        cs[k++] = *p++;
    cs[k] = '\0';
    if (k)
        r->charset = strdup(cs);
}

static bool is_version(const char *line, size_t n)
{
    return n >= 7 && memcmp(line, "WARC/1.", 7) == 0;
}

/* Reads up to the next "WARC/1." version line; false at the end of the file. */
static bool resync(vigil_reader *r)
{
    const char *line;
    for (;;) {
        ssize_t n = vigil_stream_getline(r->in, HEADER_LINE_MAX, &line);
        if (n == 0 || n == -1)
            break;
        if (is_version(line, (size_t)n)) {
            r->have_version = true;
            return true;
        }
    }
    r->done = true;
    return false;
}

/* Skips the rest of a record's block and checks the CRLF CRLF that ends it. */
static vigil_status finish_record(vigil_reader *r, vigil_stream *block)
{
    const fields *f = &r->rec;
    char tmp[16384];
    ssize_t got;
    while ((got = vigil_stream_read(block, tmp, sizeof tmp)) > 0)
        ;
    if (got < 0) {
        rerr(r, "%s: record %zu (%s) at byte %llu: Content-Length %llu is longer than the "
             "record: %s", r->path, r->record, f->id, (unsigned long long)r->rec_off,
             (unsigned long long)f->length, block->err);
        r->done = true;
        return VIGIL_ERR_PARSE;
    }
    const char *d;
    ssize_t n = vigil_stream_peek(r->in, 4, &d);
    if (n == 4 && memcmp(d, "\r\n\r\n", 4) == 0) {
        r->in->bpos += 4;
        r->in->pos += 4;
        return VIGIL_OK;
    }
    if (n == 0)
        return VIGIL_OK; /* tolerate a missing trailer at the end of the file */
    /* The Content-Length lied: find the next record. */
    uint64_t at = r->in->pos;
    resync(r);
    rerr(r, "%s: record %zu (%s) at byte %llu: Content-Length %llu does not end at the record's "
         "end (no CRLF CRLF at byte %llu); resynchronized at the next WARC header",
         r->path, r->record, f->id, (unsigned long long)r->rec_off,
         (unsigned long long)f->length, (unsigned long long)at);
    return VIGIL_ERR_PARSE;
}

/* Skips the rest of a record that is not scanned, reporting msg (or the record's own framing
 * error, which matters more). */
static vigil_status skip_record(vigil_reader *r, vigil_stream *block, vigil_status st,
                                const char *msg)
{
    char keep[1024];
    snprintf(keep, sizeof keep, "%s", msg);
    vigil_status fin = finish_record(r, block);
    close_body(r);
    if (fin)
        return fin;
    if (keep[0])
        rerr(r, "%s", keep);
    return st;
}

static vigil_status push_layer(vigil_reader *r, vigil_stream *s)
{
    memmove(r->chain + 1, r->chain, r->nchain * sizeof *r->chain);
    r->chain[0] = s;
    r->nchain++;
    return VIGIL_OK;
}

static vigil_status read_warc(vigil_reader *r, vigil_doc *doc)
{
    char msg[1024];
    for (;;) {
        if (r->body) {
            vigil_status st = next_piece(r, doc);
            if (st != VIGIL_ERR_NOTFOUND)
                return st;
            vigil_stream *block = r->chain[r->nchain - 1];
            for (size_t i = 0; i + 1 < r->nchain; i++) /* the layers above the block */
                vigil_stream_close(r->chain[i]);
            r->chain[0] = block;
            r->nchain = 1;
            r->body = NULL;
            vigil_status pend = r->pending;
            r->pending = VIGIL_OK;
            if (pend)
                snprintf(msg, sizeof msg, "%s: record %zu (%s) at byte %llu: %s", r->path,
                         r->record, r->rec.id, (unsigned long long)r->rec_off, r->pending_msg);
            st = skip_record(r, block, pend, pend ? msg : "");
            if (st)
                return st;
        }
        if (r->done)
            return VIGIL_ERR_NOTFOUND;
        /* the version line, after any blank lines */
        uint64_t at = r->in->pos;
        if (!r->have_version) {
            const char *line;
            ssize_t n;
            do {
                at = r->in->pos;
                n = vigil_stream_getline(r->in, HEADER_LINE_MAX, &line);
            } while (n > 0 && (line[0] == '\r' || line[0] == '\n'));
            if (n == 0) {
                r->done = true;
                return VIGIL_ERR_NOTFOUND;
            }
            if (n == -1) {
                rerr(r, "%s: at byte %llu: %s", r->path, (unsigned long long)at, r->in->err);
                r->done = true;
                return VIGIL_ERR_IO;
            }
            if (!is_version(line, (size_t)n)) {
                rerr(r, "%s: at byte %llu: expected a WARC/1.0 or WARC/1.1 record header; "
                     "skipped to the next one", r->path, (unsigned long long)at);
                resync(r);
                return VIGIL_ERR_PARSE;
            }
        }
        r->have_version = false;
        r->record++;
        r->rec_off = at;
        memset(&r->rec, 0, sizeof r->rec);
        vigil_status st = read_headers(r, r->in, &r->rec, NULL, 0, NULL, NULL, true);
        if (st || !r->rec.has_length) {
            rerr(r, "%s: record %zu at byte %llu: %s", r->path, r->record,
                 (unsigned long long)at, st == VIGIL_ERR_IO ? r->in->err
                 : !st ? "no Content-Length header" : "malformed WARC header block");
            if (st == VIGIL_ERR_IO) {
                r->done = true;
                return st;
            }
            resync(r);
            return VIGIL_ERR_PARSE;
        }
        vigil_stream *block;
        if (vigil_stream_limit(r->in, r->rec.length, &block) != VIGIL_OK)
            return VIGIL_ERR_NOMEM;
        r->chain[0] = block;
        r->nchain = 1;
        if (!r->rec.id[0])
            snprintf(r->rec.id, sizeof r->rec.id, "%s#%zu", r->path, r->record);
        set_str(&r->id, r->rec.id);
        set_str(&r->url, r->rec.uri[0] ? r->rec.uri : NULL);
        set_str(&r->time, r->rec.date[0] ? r->rec.date : NULL);
        free(r->charset);
        r->charset = NULL;
        bool is_response = strcasecmp(r->rec.type, "response") == 0;
        bool is_doc = is_response || strcasecmp(r->rec.type, "resource") == 0 ||
                      strcasecmp(r->rec.type, "conversion") == 0;
        int kind = -1;
        vigil_stream *top = block;
        if (is_doc && is_response && strncasecmp(r->rec.ctype, "application/http", 16) == 0) {
            const char *line;
            ssize_t n = vigil_stream_getline(block, HEADER_LINE_MAX, &line);
            char ct[256] = "", te[64] = "", ce[64] = "";
            if (n > 0 && (n < 5 || memcmp(line, "HTTP/", 5) != 0))
                st = VIGIL_ERR_PARSE;
            else if (n > 0)
                st = read_headers(r, block, NULL, ct, sizeof ct, te, ce, false);
            if (n < 0 || st) {
                snprintf(msg, sizeof msg, "%s: record %zu (%s) at byte %llu: malformed HTTP "
                         "response headers; skipped", r->path, r->record, r->rec.id,
                         (unsigned long long)at);
                return skip_record(r, block, VIGIL_ERR_PARSE, msg);
            }
            kind = n > 0 ? media_kind(ct) : -1;
            charset_of(r, ct);
            if (kind >= 0 && strcasestr(te, "chunked")) {
                vigil_stream *c;
                if (vigil_stream_chunked(top, &c) != VIGIL_OK)
                    return VIGIL_ERR_NOMEM;
                push_layer(r, c);
                top = c;
            }
            if (kind >= 0 && ce[0] && strcasecmp(ce, "identity") != 0) {
                vigil_stream *dec;
                vigil_status ds = vigil_stream_decoder(top, ce, &dec);
                if (ds == VIGIL_ERR_ARG) {
                    snprintf(msg, sizeof msg, "%s: record %zu (%s) at byte %llu: unsupported "
                             "Content-Encoding '%.60s'; skipped", r->path, r->record,
                             r->rec.id, (unsigned long long)at, ce);
                    return skip_record(r, block, VIGIL_ERR_PARSE, msg);
                }
                if (ds)
                    return ds;
                push_layer(r, dec);
                top = dec;
            }
        } else if (is_doc) {
            kind = media_kind(r->rec.ctype);
            charset_of(r, r->rec.ctype);
        }
        if (kind < 0) {
            if (is_doc) {
                snprintf(msg, sizeof msg, "%s: record %zu (%s): not text; skipped", r->path,
                         r->record, r->rec.id);
                return skip_record(r, block, VIGIL_ERR_SKIPPED, msg);
            }
            st = skip_record(r, block, VIGIL_OK, ""); /* warcinfo, request, metadata, revisit */
            if (st)
                return st;
            continue;
        }
        start_body(r, top, kind == 1 ? VIGIL_CONTENT_HTML : VIGIL_CONTENT_TEXT);
    }
}

vigil_status vigil_reader_next(vigil_reader *r, vigil_doc *doc)
{
    r->errmsg[0] = '\0';
    r->rejected.len = 0;
    if (r->done && !r->body)
        return VIGIL_ERR_NOTFOUND;
    switch (r->fmt) {
    case VIGIL_INPUT_JSONL: return read_jsonl(r, doc);
    case VIGIL_INPUT_MBOX: return read_mbox(r, doc);
    case VIGIL_INPUT_WARC: return read_warc(r, doc);
    default: return read_whole(r, doc);
    }
}
