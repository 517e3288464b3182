/*
 * Enrollment readers: CSV (RFC 4180, header row) and JSON Lines, turned into
 * vigil_person_input records.
 *
 * CSV is parsed by hand rather than with libcsv because every error must name the record's
 * line and must never quote the offending cell (which would put a protected person's data in a
 * log); the grammar is a few lines. JSON uses jansson, whose error text can quote input, so only
 * its line and column are reported.
 *
 * Columns / keys: id, name, names, aliases, addresses, phones, emails, plates, handles,
 * relatives, country. In CSV several values share a cell separated by '|'.
 */
#include "vault_int.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define MAX_VALUES 64
#define MAX_ID 128

enum { COL_ID = VIGIL_KIND_COUNT, COL_COUNTRY, COL_NAMES_ALIAS };

static int column_of(const char *name, size_t n)
{
    static const struct {
        const char *name;
        int col;
    } cols[] = {
        {"id", COL_ID},           {"name", VIGIL_KIND_NAME},     {"names", VIGIL_KIND_NAME},
        {"aliases", VIGIL_KIND_NAME}, {"addresses", VIGIL_KIND_ADDRESS},
        {"phones", VIGIL_KIND_PHONE}, {"emails", VIGIL_KIND_EMAIL},
        {"plates", VIGIL_KIND_PLATE}, {"handles", VIGIL_KIND_HANDLE},
        {"relatives", VIGIL_KIND_RELATIVE}, {"country", COL_COUNTRY},
    };
    for (size_t i = 0; i < sizeof cols / sizeof *cols; i++)
        if (strlen(cols[i].name) == n && strncasecmp(cols[i].name, name, n) == 0)
            return cols[i].col;
    return -1;
}

typedef struct record {
    const char *v[VIGIL_KIND_COUNT][MAX_VALUES];
    size_t n[VIGIL_KIND_COUNT];
    vigil_person_input in;
    char err[256];
} record;

static void record_reset(record *r)
{
    memset(r->n, 0, sizeof r->n);
    memset(&r->in, 0, sizeof r->in);
    r->err[0] = '\0';
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

static bool add_value(record *r, int kind, char *value)
{
    value = trim(value);
    if (!*value)
        return true;
    if (!vigil_utf8_valid(value, strlen(value))) {
        snprintf(r->err, sizeof r->err, "a %s value is not valid UTF-8",
                 vigil_kind_name((vigil_kind)kind));
        return false;
    }
    if (r->n[kind] == MAX_VALUES) {
        snprintf(r->err, sizeof r->err, "more than %d %s values", MAX_VALUES,
                 vigil_kind_name((vigil_kind)kind));
        return false;
    }
    r->v[kind][r->n[kind]++] = value;
    return true;
}

static bool set_id(record *r, char *id)
{
    id = trim(id);
    size_t n = strlen(id);
    if (n == 0) {
        snprintf(r->err, sizeof r->err, "missing id");
        return false;
    }
    if (n > MAX_ID || !vigil_utf8_valid(id, n)) {
        snprintf(r->err, sizeof r->err, "id must be 1 to %d bytes of UTF-8", MAX_ID);
        return false;
    }
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)id[i] < 0x20 || id[i] == 0x7f) {
            snprintf(r->err, sizeof r->err, "id contains a control character");
            return false;
        }
    r->in.id = id;
    return true;
}

static bool set_country(record *r, char *c)
{
    c = trim(c);
    if (!*c)
        return true;
    if (!vigil_country_code(c)) {
        snprintf(r->err, sizeof r->err, "unknown country code (use an ISO code such as US, MX)");
        return false;
    }
    r->in.country = c;
    return true;
}

static void finish(record *r)
{
    for (int k = 0; k < VIGIL_KIND_COUNT; k++) {
        r->in.n[k] = r->n[k];
        r->in.v[k] = r->v[k];
    }
}

/* ------------------------------------------------------------------ CSV */

typedef struct csv {
    const char *p, *end;
    size_t line;
    char *scratch;
    size_t slen, scap;
    size_t field_off[64];
    size_t nfields;
    bool too_many;
} csv;

static bool scratch_put(csv *c, char ch)
{
    if (c->slen + 1 >= c->scap) {
        size_t cap = c->scap ? c->scap * 2 : 4096;
        char *p = realloc(c->scratch, cap);
        if (!p)
            return false;
        c->scratch = p;
        c->scap = cap;
    }
    c->scratch[c->slen++] = ch;
    return true;
}

/* Reads one record into scratch (NUL-separated fields). Returns 1 on a record, 0 at end of
 * input, -1 on an unterminated quote, -2 on out-of-memory, -3 on a NUL byte. */
static int csv_record(csv *c)
{
    if (c->p >= c->end)
        return 0;
    c->slen = 0;
    c->nfields = 0;
    c->too_many = false;
    c->field_off[c->nfields++] = 0;
    bool quoted = false, was_quoted = false;
    while (c->p < c->end) {
        char ch = *c->p++;
        if (ch == '\0')
            return -3;
        if (quoted) {
            if (ch == '"') {
                if (c->p < c->end && *c->p == '"') {
                    c->p++;
                    if (!scratch_put(c, '"'))
                        return -2;
                } else {
                    quoted = false;
                }
            } else {
                if (ch == '\n')
                    c->line++;
                if (!scratch_put(c, ch))
                    return -2;
            }
            continue;
        }
        if (ch == '"' && !was_quoted) {
            quoted = was_quoted = true;
            continue;
        }
        if (ch == ',') {
            if (!scratch_put(c, '\0'))
                return -2;
            if (c->nfields == 64)
                c->too_many = true;
            else
                c->field_off[c->nfields++] = c->slen;
            was_quoted = false;
            continue;
        }
        if (ch == '\n') {
            c->line++;
            break;
        }
        if (ch == '\r' && c->p < c->end && *c->p == '\n')
            continue;
        if (!scratch_put(c, ch))
            return -2;
    }
    if (quoted)
        return -1;
    return scratch_put(c, '\0') ? 1 : -2;
}

static vigil_status parse_csv(const char *data, size_t len, vigil_row_fn row, void *user,
                              char *err, size_t errlen)
{
    csv c = {.p = data, .end = data + len, .line = 1};
    record *r = malloc(sizeof *r);
    if (!r)
        return VIGIL_ERR_NOMEM;
    vigil_status st = VIGIL_OK;
    int cols[64];
    size_t ncols = 0;
    /* header */
    int h = csv_record(&c);
    if (h <= 0 || c.too_many) {
        vigil_errf(err, errlen, "line 1: missing or unreadable CSV header row");
        st = VIGIL_ERR_PARSE;
        goto out;
    }
    bool has_id = false;
    for (size_t i = 0; i < c.nfields; i++) {
        char *name = trim(c.scratch + c.field_off[i]);
        if (i == 0 && (unsigned char)name[0] == 0xEF && (unsigned char)name[1] == 0xBB &&
            (unsigned char)name[2] == 0xBF)
            name += 3; /* UTF-8 byte order mark */
        int col = column_of(name, strlen(name));
        if (col < 0) {
            vigil_errf(err, errlen, "line 1: unknown column '%.40s' (known: id, name, aliases, "
                                    "addresses, phones, emails, plates, handles, relatives, "
                                    "country)", name);
            st = VIGIL_ERR_PARSE;
            goto out;
        }
        has_id |= col == COL_ID;
        cols[ncols++] = col;
    }
    if (!has_id) {
        vigil_errf(err, errlen, "line 1: the header has no 'id' column");
        st = VIGIL_ERR_PARSE;
        goto out;
    }
    for (;;) {
        size_t line = c.line;
        int k = csv_record(&c);
        if (k == 0)
            break;
        if (k == -2) {
            st = VIGIL_ERR_NOMEM;
            break;
        }
        if (k == -1) {
            st = row(user, line, NULL, "unterminated quoted field (the rest of the file is "
                                       "part of it)");
            break;
        }
        if (k == -3) {
            st = row(user, line, NULL, "NUL byte in record");
            /* skip to the next line */
            while (c.p < c.end && *c.p++ != '\n')
                ;
            c.line++;
            if (st != VIGIL_OK)
                break;
            continue;
        }
        if (c.nfields == 1 && trim(c.scratch)[0] == '\0')
            continue; /* blank line */
        record_reset(r);
        bool ok = true;
        if (c.nfields != ncols || c.too_many) {
            snprintf(r->err, sizeof r->err, "record has %zu fields, the header has %zu",
                     c.nfields, ncols);
            ok = false;
        }
        for (size_t i = 0; ok && i < ncols; i++) {
            char *cell = c.scratch + c.field_off[i];
            if (cols[i] == COL_ID)
                ok = set_id(r, cell);
            else if (cols[i] == COL_COUNTRY)
                ok = set_country(r, cell);
            else {
                char *save = NULL;
                for (char *v = strtok_r(cell, "|", &save); ok && v; v = strtok_r(NULL, "|", &save))
                    ok = add_value(r, cols[i], v);
            }
        }
        if (ok && !r->in.id) {
            snprintf(r->err, sizeof r->err, "missing id");
            ok = false;
        }
        finish(r);
        st = row(user, line, ok ? &r->in : NULL, ok ? NULL : r->err);
        if (st != VIGIL_OK)
            break;
    }
out:
    if (c.scratch) {
        memset(c.scratch, 0, c.scap);
        free(c.scratch);
    }
    free(r);
    return st;
}

/* ------------------------------------------------------------------ JSON Lines */

static bool json_values(record *r, int kind, json_t *v, char **store, size_t *nstore)
{
    json_t *items[MAX_VALUES];
    size_t n = 0;
    if (json_is_string(v)) {
        items[n++] = v;
    } else if (json_is_array(v)) {
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) {
            if (n == MAX_VALUES) {
                snprintf(r->err, sizeof r->err, "more than %d %s values", MAX_VALUES,
                         vigil_kind_name((vigil_kind)kind));
                return false;
            }
            items[n++] = e;
        }
    } else if (!json_is_null(v)) {
        snprintf(r->err, sizeof r->err, "'%s' must be a string or an array of strings",
                 vigil_kind_name((vigil_kind)kind));
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!json_is_string(items[i])) {
            snprintf(r->err, sizeof r->err, "%s values must be strings",
                     vigil_kind_name((vigil_kind)kind));
            return false;
        }
        if (*nstore == VIGIL_KIND_COUNT * MAX_VALUES)
            return false;
        char *copy = strdup(json_string_value(items[i]));
        if (!copy)
            return false;
        store[(*nstore)++] = copy;
        if (!add_value(r, kind, copy))
            return false;
    }
    return true;
}

static vigil_status parse_jsonl(const char *data, size_t len, vigil_row_fn row, void *user)
{
    record *r = malloc(sizeof *r);
    char **store = malloc(sizeof(char *) * (VIGIL_KIND_COUNT * MAX_VALUES + 2));
    if (!r || !store) {
        free(r);
        free(store);
        return VIGIL_ERR_NOMEM;
    }
    vigil_status st = VIGIL_OK;
    size_t line = 0;
    for (const char *p = data, *end = data + len; p < end && st == VIGIL_OK;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        const char *ln = p;
        p += n + (nl ? 1 : 0);
        line++;
        size_t k = 0;
        while (k < n && (ln[k] == ' ' || ln[k] == '\t' || ln[k] == '\r'))
            k++;
        if (k == n)
            continue;
        record_reset(r);
        size_t nstore = 0;
        json_error_t jerr;
        json_t *obj = json_loadb(ln, n, 0, &jerr);
        bool ok = true;
        if (!obj) {
            /* jansson's text may quote the input: report only the position */
            snprintf(r->err, sizeof r->err, "invalid JSON at column %d", jerr.column);
            ok = false;
        } else if (!json_is_object(obj)) {
            snprintf(r->err, sizeof r->err, "a record must be a JSON object");
            ok = false;
        }
        const char *key;
        json_t *val;
        if (ok) {
            json_object_foreach(obj, key, val) {
                int col = column_of(key, strlen(key));
                if (col < 0) {
                    snprintf(r->err, sizeof r->err, "unknown key '%.40s'", key);
                    ok = false;
                } else if (col == COL_ID) {
                    char num[32];
                    char *id = NULL;
                    if (json_is_string(val))
                        id = store[nstore++] = strdup(json_string_value(val));
                    else if (json_is_integer(val)) {
                        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(val));
                        id = store[nstore++] = strdup(num);
                    }
                    if (!id) {
                        snprintf(r->err, sizeof r->err, "'id' must be a string");
                        ok = false;
                    } else
                        ok = set_id(r, id);
                } else if (col == COL_COUNTRY) {
                    if (!json_is_string(val)) {
                        snprintf(r->err, sizeof r->err, "'country' must be a string");
                        ok = false;
                    } else {
                        char *cc = store[nstore++] = strdup(json_string_value(val));
                        ok = cc && set_country(r, cc);
                    }
                } else {
                    ok = json_values(r, col, val, store, &nstore);
                }
                if (!ok)
                    break;
            }
        }
        if (ok && !r->in.id) {
            snprintf(r->err, sizeof r->err, "missing id");
            ok = false;
        }
        if (!ok && !r->err[0])
            snprintf(r->err, sizeof r->err, "record could not be read");
        finish(r);
        st = row(user, line, ok ? &r->in : NULL, ok ? NULL : r->err);
        json_decref(obj);
        for (size_t i = 0; i < nstore; i++) {
            if (store[i]) {
                memset(store[i], 0, strlen(store[i]));
                free(store[i]);
            }
        }
    }
    free(store);
    free(r);
    return st;
}

vigil_status vigil_enroll_parse(const char *data, size_t len, vigil_row_fn row, void *user,
                                char *err, size_t errlen)
{
    size_t i = 0;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
        i++;
    if (i < len && data[i] == '{')
        return parse_jsonl(data, len, row, user);
    return parse_csv(data, len, row, user, err, errlen);
}
