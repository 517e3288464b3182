/*
 * Labeled tables for `vigil train` and `vigil eval`: CSV with a header row (the delimiter, ',' or
 * ';', is whichever the header line has more of, as in the ETHOS files) or JSON Lines objects.
 * Quoted CSV fields may hold delimiters, doubled quotes and line breaks. A row with the wrong
 * number of fields or broken JSON is reported with its line and skipped.
 */
#include "../internal.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define MAX_COLS 64

struct vigil_table {
    char *data;
    size_t len, pos, line;
    char *path;
    bool jsonl;
    char delim;
    char *names[MAX_COLS];
    size_t ncols;
    /* current row */
    char *buf;
    size_t bcap;
    size_t off[MAX_COLS], flen[MAX_COLS];
    size_t nfields;
    json_t *obj;
    char errmsg[512];
};

static bool put(vigil_table *t, size_t *n, char c)
{
    if (*n + 1 >= t->bcap) {
        size_t cap = t->bcap ? t->bcap * 2 : 4096;
        char *p = realloc(t->buf, cap);
        if (!p)
            return false;
        t->buf = p;
        t->bcap = cap;
    }
    t->buf[(*n)++] = c;
    return true;
}

/* One CSV record into buf; 1 = record, 0 = end, -1 = unterminated quote, -2 = no memory. */
static int csv_row(vigil_table *t)
{
    if (t->pos >= t->len)
        return 0;
    size_t n = 0;
    t->nfields = 0;
    t->off[t->nfields] = 0;
    bool quoted = false, at_start = true;
    while (t->pos < t->len) {
        char c = t->data[t->pos++];
        if (quoted) {
            if (c == '"') {
                if (t->pos < t->len && t->data[t->pos] == '"') {
                    t->pos++;
                    if (!put(t, &n, '"'))
                        return -2;
                } else
                    quoted = false;
            } else {
                t->line += c == '\n';
                if (!put(t, &n, c))
                    return -2;
            }
            continue;
        }
        if (c == '"' && at_start) {
            quoted = true;
            at_start = false;
            continue;
        }
        if (c == t->delim) {
            t->flen[t->nfields] = n - t->off[t->nfields];
            if (!put(t, &n, '\0'))
                return -2;
            if (t->nfields + 1 < MAX_COLS)
                t->nfields++;
            t->off[t->nfields] = n;
            at_start = true;
            continue;
        }
        if (c == '\n') {
            t->line++;
            break;
        }
        if (c == '\r' && t->pos < t->len && t->data[t->pos] == '\n')
            continue;
        at_start = false;
        if (!put(t, &n, c))
            return -2;
    }
    if (quoted)
        return -1;
    t->flen[t->nfields] = n - t->off[t->nfields];
    if (!put(t, &n, '\0'))
        return -2;
    t->nfields++;
    return 1;
}

vigil_status vigil_table_open(const char *path, vigil_table **out, char *err, size_t errlen)
{
    vigil_table *t = calloc(1, sizeof *t);
    if (!t)
        return VIGIL_ERR_NOMEM;
    vigil_status st = vigil_read_file(path, (size_t)4 << 30, &t->data, &t->len, err, errlen);
    if (st != VIGIL_OK) {
        free(t);
        return st;
    }
    t->path = strdup(path);
    size_t i = 0;
    if (t->len >= 3 && memcmp(t->data, "\xEF\xBB\xBF", 3) == 0)
        i = t->pos = 3;
    while (i < t->len && (t->data[i] == ' ' || t->data[i] == '\n' || t->data[i] == '\r'))
        i++;
    t->jsonl = i < t->len && t->data[i] == '{';
    if (!t->jsonl) {
        size_t commas = 0, semis = 0;
        for (size_t k = t->pos; k < t->len && t->data[k] != '\n'; k++) {
            commas += t->data[k] == ',';
            semis += t->data[k] == ';';
        }
        t->delim = semis > commas ? ';' : ',';
        t->line = 1;
        if (csv_row(t) != 1) {
            vigil_errf(err, errlen, "%s: line 1: missing or unreadable header row", path);
            vigil_table_close(t);
            return VIGIL_ERR_PARSE;
        }
        for (size_t c = 0; c < t->nfields; c++)
            t->names[t->ncols++] = strdup(t->buf + t->off[c]);
    }
    *out = t;
    return VIGIL_OK;
}

vigil_status vigil_table_next(vigil_table *t)
{
    t->errmsg[0] = '\0';
    json_decref(t->obj);
    t->obj = NULL;
    if (t->jsonl) {
        for (;;) {
            if (t->pos >= t->len)
                return VIGIL_ERR_NOTFOUND;
            const char *p = t->data + t->pos;
            const char *nl = memchr(p, '\n', t->len - t->pos);
            size_t n = nl ? (size_t)(nl - p) : t->len - t->pos;
            t->pos += n + (nl ? 1 : 0);
            t->line++;
            size_t k = 0;
            while (k < n && (p[k] == ' ' || p[k] == '\r' || p[k] == '\t'))
                k++;
            if (k == n)
                continue;
            json_error_t je;
            t->obj = json_loadb(p, n, JSON_ALLOW_NUL, &je);
            if (!t->obj || !json_is_object(t->obj)) {
                vigil_errf(t->errmsg, sizeof t->errmsg, "%s:%zu: not a JSON object (column %d)",
                           t->path, t->line, je.column);
                json_decref(t->obj);
                t->obj = NULL;
                return VIGIL_ERR_PARSE;
            }
            return VIGIL_OK;
        }
    }
    for (;;) {
        size_t line = t->line;
        int r = csv_row(t);
        if (r == 0)
            return VIGIL_ERR_NOTFOUND;
        if (r == -2)
            return VIGIL_ERR_NOMEM;
        if (r == -1) {
            vigil_errf(t->errmsg, sizeof t->errmsg, "%s:%zu: unterminated quoted field",
                       t->path, line);
            return VIGIL_ERR_PARSE;
        }
        if (t->nfields == 1 && t->flen[0] == 0)
            continue; /* blank line */
        if (t->nfields != t->ncols) {
            vigil_errf(t->errmsg, sizeof t->errmsg, "%s:%zu: %zu fields, the header has %zu",
                       t->path, line, t->nfields, t->ncols);
            return VIGIL_ERR_PARSE;
        }
        return VIGIL_OK;
    }
}

const char *vigil_table_field(const vigil_table *t, const char *column, size_t *len)
{
    if (t->jsonl) {
        json_t *v = t->obj ? json_object_get(t->obj, column) : NULL;
        static __thread char num[64];
        if (json_is_string(v)) {
            if (len)
                *len = json_string_length(v);
            return json_string_value(v);
        }
        if (json_is_number(v)) {
            snprintf(num, sizeof num, "%.17g", json_number_value(v));
            if (len)
                *len = strlen(num);
            return num;
        }
        if (json_is_boolean(v)) {
            snprintf(num, sizeof num, "%s", json_is_true(v) ? "true" : "false");
            if (len)
                *len = strlen(num);
            return num;
        }
        return NULL;
    }
    for (size_t c = 0; c < t->ncols; c++)
        if (t->names[c] && strcmp(t->names[c], column) == 0 && c < t->nfields) {
            if (len)
                *len = t->flen[c];
            return t->buf + t->off[c];
        }
    return NULL;
}

const char *vigil_table_errmsg(const vigil_table *t)
{
    return t->errmsg;
}

void vigil_table_close(vigil_table *t)
{
    if (!t)
        return;
    json_decref(t->obj);
    for (size_t c = 0; c < t->ncols; c++)
        free(t->names[c]);
    free(t->buf);
    free(t->data);
    free(t->path);
    free(t);
}
