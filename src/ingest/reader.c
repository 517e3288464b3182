/*
 * Document readers: a plain file (one document, id = path), or JSON Lines (one document per
 * line: {"id", "text", "source", "url", "time"}, only "text" required, id defaulting to
 * path:line). Lines and documents are read through one reused buffer capped at max_doc bytes,
 * so memory stays bounded whatever the input; a line or file past the cap is reported and
 * skipped, and reading goes on with the next line.
 */
#include "../internal.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

struct vigil_reader {
    FILE *f;
    char *path;
    bool is_stdin;
    vigil_input_format fmt;
    size_t max_doc;
    char *buf;
    size_t cap;
    size_t line;
    bool done;
    json_t *cur;
    char *id;
    char errmsg[512];
};

static bool ends_with(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

vigil_status vigil_reader_open(const char *path, vigil_input_format fmt, size_t max_doc,
                               vigil_reader **out, char *err, size_t errlen)
{
    vigil_reader *r = calloc(1, sizeof *r);
    if (!r)
        return VIGIL_ERR_NOMEM;
    r->is_stdin = !path || strcmp(path, "-") == 0;
    r->path = strdup(r->is_stdin ? "-" : path);
    r->max_doc = max_doc ? max_doc : (size_t)8 << 20;
    if (fmt == VIGIL_INPUT_AUTO)
        fmt = !r->is_stdin && ends_with(path, ".jsonl") ? VIGIL_INPUT_JSONL : VIGIL_INPUT_PLAIN;
    r->fmt = fmt;
    if (!r->path) {
        free(r);
        return VIGIL_ERR_NOMEM;
    }
    r->f = r->is_stdin ? stdin : fopen(path, "rb");
    if (!r->f) {
        vigil_errf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        vigil_status st = errno == ENOENT ? VIGIL_ERR_NOTFOUND : VIGIL_ERR_IO;
        free(r->path);
        free(r);
        return st;
    }
    *out = r;
    return VIGIL_OK;
}

vigil_status vigil_reader_open_stream(FILE *f, const char *name, vigil_input_format fmt,
                                      size_t max_doc, vigil_reader **out)
{
    vigil_reader *r = calloc(1, sizeof *r);
    if (!r)
        return VIGIL_ERR_NOMEM;
    r->path = strdup(name);
    if (!r->path) {
        free(r);
        return VIGIL_ERR_NOMEM;
    }
    r->f = f;
    r->is_stdin = true; /* borrowed: not closed */
    r->fmt = fmt == VIGIL_INPUT_AUTO ? VIGIL_INPUT_PLAIN : fmt;
    r->max_doc = max_doc ? max_doc : (size_t)8 << 20;
    *out = r;
    return VIGIL_OK;
}

void vigil_reader_close(vigil_reader *r)
{
    if (!r)
        return;
    if (r->f && !r->is_stdin)
        fclose(r->f);
    json_decref(r->cur);
    free(r->id);
    free(r->buf);
    free(r->path);
    free(r);
}

const char *vigil_reader_errmsg(const vigil_reader *r)
{
    return r->errmsg;
}

static vigil_status ensure(vigil_reader *r, size_t need)
{
    if (need <= r->cap)
        return VIGIL_OK;
    size_t cap = r->cap ? r->cap : 65536;
    while (cap < need)
        cap *= 2;
    char *p = realloc(r->buf, cap);
    if (!p)
        return VIGIL_ERR_NOMEM;
    r->buf = p;
    r->cap = cap;
    return VIGIL_OK;
}

static vigil_status read_plain(vigil_reader *r, vigil_doc *doc)
{
    size_t n = 0;
    r->done = true;
    for (;;) {
        if (ensure(r, n + 65536 + 1) != VIGIL_OK)
            return VIGIL_ERR_NOMEM;
        size_t want = r->cap - n - 1;
        if (n + want > r->max_doc + 1)
            want = r->max_doc + 1 - n;
        size_t got = fread(r->buf + n, 1, want, r->f);
        n += got;
        if (n > r->max_doc) {
            vigil_errf(r->errmsg, sizeof r->errmsg, "%s: document is larger than the limit of "
                       "%zu bytes (--max-doc); skipped", r->path, r->max_doc);
            return VIGIL_ERR_LIMIT;
        }
        if (got < want) {
            if (ferror(r->f)) {
                vigil_errf(r->errmsg, sizeof r->errmsg, "%s: read error at byte %zu: %s",
                           r->path, n, strerror(errno));
                return VIGIL_ERR_IO;
            }
            break;
        }
    }
    r->buf[n] = '\0';
    memset(doc, 0, sizeof *doc);
    doc->id = r->path;
    doc->text = r->buf;
    doc->len = n;
    return VIGIL_OK;
}

static const char *opt_string(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Reads one line into buf (without the newline; NUL bytes kept). Returns VIGIL_OK,
 * VIGIL_ERR_NOTFOUND at the end, or VIGIL_ERR_LIMIT for a line over the cap (which is consumed
 * without being stored, so memory stays bounded). */
static vigil_status read_line(vigil_reader *r, size_t *len)
{
    size_t n = 0;
    bool over = false, any = false;
    int c;
    while ((c = getc_unlocked(r->f)) != EOF) {
        any = true;
        if (c == '\n')
            break;
        if (over)
            continue;
        if (n >= r->max_doc) {
            over = true;
            continue;
        }
        if (n + 2 > r->cap && ensure(r, n + 2) != VIGIL_OK)
            return VIGIL_ERR_NOMEM;
        r->buf[n++] = (char)c;
    }
    if (!any) {
        if (ferror(r->f)) {
            vigil_errf(r->errmsg, sizeof r->errmsg, "%s:%zu: read error: %s", r->path,
                       r->line + 1, strerror(errno));
            r->done = true;
            return VIGIL_ERR_IO;
        }
        return VIGIL_ERR_NOTFOUND;
    }
    r->line++;
    if (over) {
        vigil_errf(r->errmsg, sizeof r->errmsg, "%s:%zu: line is longer than the limit of %zu "
                   "bytes (--max-doc); skipped", r->path, r->line, r->max_doc);
        return VIGIL_ERR_LIMIT;
    }
    if (ensure(r, n + 1) != VIGIL_OK)
        return VIGIL_ERR_NOMEM;
    r->buf[n] = '\0';
    *len = n;
    return VIGIL_OK;
}

static vigil_status read_jsonl(vigil_reader *r, vigil_doc *doc)
{
    for (;;) {
        size_t n;
        vigil_status st = read_line(r, &n);
        if (st == VIGIL_ERR_NOTFOUND)
            r->done = true;
        if (st != VIGIL_OK)
            return st;
        size_t k = 0;
        while (k < n && (r->buf[k] == ' ' || r->buf[k] == '\t' || r->buf[k] == '\r'))
            k++;
        if (k == n)
            continue; /* blank line */
        json_decref(r->cur);
        r->cur = NULL;
        json_error_t jerr;
        json_t *o = json_loadb(r->buf, n, JSON_ALLOW_NUL, &jerr);
        if (!o) {
            vigil_errf(r->errmsg, sizeof r->errmsg, "%s:%zu: invalid JSON at column %d (byte "
                       "%d of the line)", r->path, r->line, jerr.column, jerr.position);
            return VIGIL_ERR_PARSE;
        }
        r->cur = o;
        json_t *text = json_object_get(o, "text");
        if (!json_is_object(o) || !json_is_string(text)) {
            vigil_errf(r->errmsg, sizeof r->errmsg, "%s:%zu: a document needs a string "
                       "member \"text\"", r->path, r->line);
            return VIGIL_ERR_PARSE;
        }
        free(r->id);
        r->id = NULL;
        json_t *id = json_object_get(o, "id");
        if (json_is_string(id))
            r->id = strdup(json_string_value(id));
        else if (json_is_integer(id) && asprintf(&r->id, "%lld",
                                                 (long long)json_integer_value(id)) < 0)
            r->id = NULL;
        if (!r->id && asprintf(&r->id, "%s:%zu", r->path, r->line) < 0)
            return VIGIL_ERR_NOMEM;
        memset(doc, 0, sizeof *doc);
        doc->id = r->id;
        doc->text = json_string_value(text);
        doc->len = json_string_length(text);
        doc->source = opt_string(o, "source");
        doc->url = opt_string(o, "url");
        doc->time = opt_string(o, "time");
        return VIGIL_OK;
    }
}

vigil_status vigil_reader_next(vigil_reader *r, vigil_doc *doc)
{
    if (r->done)
        return VIGIL_ERR_NOTFOUND;
    r->errmsg[0] = '\0';
    return r->fmt == VIGIL_INPUT_JSONL ? read_jsonl(r, doc) : read_plain(r, doc);
}
