/*
 * E-mail (RFC 5322 + MIME) to text: the Subject (RFC 2047 encoded words decoded) and every text
 * part, decoded from quoted-printable or base64 and converted from its charset; text/html parts
 * go through the HTML extractor; message/rfc822 parts are opened; other attachments are left
 * out (the encoded-content pass still sees nothing of them, which is what we want for images).
 * Malformed structure never stops extraction: a multipart body without its closing boundary is
 * read to its end and reported as a warning.
 */
#include "ingest_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define MIME_DEPTH 8

/* End of the header block: the first empty line. Sets *body to where the body starts. */
static size_t header_end(const char *m, size_t n, size_t *body)
{
    for (size_t i = 0; i < n; i++) {
        if (m[i] != '\n')
            continue;
        if (i + 1 < n && m[i + 1] == '\n') {
            *body = i + 2;
            return i + 1;
        }
        if (i + 2 < n && m[i + 1] == '\r' && m[i + 2] == '\n') {
            *body = i + 3;
            return i + 1;
        }
    }
    *body = n;
    return n;
}

bool vigil_mail_header(const char *m, size_t n, const char *name, char *out, size_t cap)
{
    size_t body;
    size_t end = header_end(m, n, &body);
    size_t nl = strlen(name);
    for (size_t i = 0; i < end;) {
        size_t eol = i;
        while (eol < end && m[eol] != '\n')
            eol++;
        if (eol - i > nl && m[i + nl] == ':' && strncasecmp(m + i, name, nl) == 0) {
            size_t k = 0, j = i + nl + 1;
            for (;;) {
                for (; j < eol; j++) {
                    char c = m[j];
                    if (c == '\r')
                        continue;
                    if (c == '\t')
                        c = ' ';
                    if (k == 0 && c == ' ')
                        continue;
                    if (k + 1 < cap)
                        out[k++] = c;
                }
                /* folded continuation lines start with white space */
                if (eol + 1 < end && (m[eol + 1] == ' ' || m[eol + 1] == '\t')) {
                    j = eol + 1;
                    eol = j;
                    while (eol < end && m[eol] != '\n')
                        eol++;
                    continue;
                }
                break;
            }
            while (k && out[k - 1] == ' ')
                k--;
            out[k] = '\0';
            return true;
        }
        i = eol + 1;
    }
    return false;
}

/* A parameter of a structured header value (boundary=..., charset=...). */
static bool param(const char *v, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    for (const char *p = v; (p = strchr(p, ';')) != NULL;) {
        p++;
        while (*p == ' ')
            p++;
        if (strncasecmp(p, name, nl) != 0 || p[nl] != '=')
            continue;
        p += nl + 1;
        bool q = *p == '"';
        p += q;
        size_t k = 0;
        while (*p && (q ? *p != '"' : (*p != ';' && *p != ' ')) && k + 1 < cap)
            out[k++] = *p++;
        out[k] = '\0';
        return k > 0;
    }
    return false;
}

/* RFC 2047: =?charset?B|Q?text?= words, decoded and converted; white space between two encoded
 * words is dropped. */
static vigil_status decode_words(const char *s, vigil_buf *out)
{
    vigil_status st = VIGIL_OK;
    bool last_encoded = false;
    while (*s && !st) {
        const char *q = strstr(s, "=?");
        const char *end = NULL, *cs_end = NULL, *enc_end = NULL;
        if (q) {
            cs_end = strchr(q + 2, '?');
            if (cs_end && cs_end[1] && cs_end[2] == '?') {
                enc_end = cs_end + 2;
                end = strstr(enc_end + 1, "?=");
            }
        }
        if (!q || !end) {
            st = vigil_buf_append(out, s, strlen(s));
            break;
        }
        bool only_space = true;
        for (const char *p = s; p < q; p++)
            if (*p != ' ' && *p != '\t')
                only_space = false;
        if (!(last_encoded && only_space))
            st = vigil_buf_append(out, s, (size_t)(q - s));
        char cs[64];
        size_t csl = (size_t)(cs_end - q - 2);
        if (csl >= sizeof cs)
            csl = sizeof cs - 1;
        memcpy(cs, q + 2, csl);
        cs[csl] = '\0';
        char *star = strchr(cs, '*'); /* RFC 2231 language suffix */
        if (star)
            *star = '\0';
        vigil_buf raw = {0};
        const char *txt = enc_end + 1;
        size_t tl = (size_t)(end - txt);
        if (toupper((unsigned char)cs_end[1]) == 'B') {
            vigil_decode_base64(txt, tl, &raw);
        } else {
            char *tmp = malloc(tl + 1);
            if (!tmp)
                return VIGIL_ERR_NOMEM;
            for (size_t i = 0; i < tl; i++)
                tmp[i] = txt[i] == '_' ? ' ' : txt[i];
            vigil_decode_qp(tmp, tl, &raw);
            free(tmp);
        }
        if (!st && raw.len && vigil_charset_to_utf8(cs, raw.data, raw.len, out) != VIGIL_OK)
            st = vigil_buf_append(out, raw.data, raw.len);
        vigil_buf_free(&raw);
        last_encoded = true;
        s = end + 2;
    }
    return st;
}

typedef struct mail_ctx {
    vigil_buf *out;
    char *warn;
    size_t warnlen;
} mail_ctx;

static void warn(mail_ctx *c, const char *msg)
{
    if (c->warn && c->warnlen && !c->warn[0])
        snprintf(c->warn, c->warnlen, "%s", msg);
}

static vigil_status part(mail_ctx *c, const char *m, size_t n, int depth, bool is_message);

static vigil_status multipart(mail_ctx *c, const char *b, size_t n, const char *boundary,
                              int depth)
{
    size_t bl = strlen(boundary);
    const char *start = NULL;
    vigil_status st = VIGIL_OK;
    size_t i = 0;
    while (i < n && !st) {
        size_t eol = i;
        while (eol < n && b[eol] != '\n')
            eol++;
        if (eol - i >= bl + 2 && b[i] == '-' && b[i + 1] == '-' &&
            memcmp(b + i + 2, boundary, bl) == 0) {
            bool closing = eol - i >= bl + 4 && b[i + bl + 2] == '-' && b[i + bl + 3] == '-';
            if (start) {
                size_t len = (size_t)(b + i - start);
                st = part(c, start, len, depth + 1, false);
            }
            if (closing)
                return st;
            start = b + (eol < n ? eol + 1 : n);
        }
        i = eol + 1;
    }
    if (!st && start)
        st = part(c, start, (size_t)(b + n - start), depth + 1, false);
    warn(c, "multipart body has no closing boundary; read to its end");
    return st;
}

static vigil_status part(mail_ctx *c, const char *m, size_t n, int depth, bool is_message)
{
    if (depth > MIME_DEPTH) {
        warn(c, "MIME parts nested too deep; inner parts skipped");
        return VIGIL_OK;
    }
    char ct[512] = "text/plain", cte[64] = "", cs[64] = "", tmp[1024];
    vigil_mail_header(m, n, "Content-Type", ct, sizeof ct);
    vigil_mail_header(m, n, "Content-Transfer-Encoding", cte, sizeof cte);
    param(ct, "charset", cs, sizeof cs);
    vigil_status st = VIGIL_OK;
    if (is_message && vigil_mail_header(m, n, "Subject", tmp, sizeof tmp)) {
        st = decode_words(tmp, c->out);
        if (!st)
            st = vigil_buf_append(c->out, "\n", 1);
    }
    size_t body;
    header_end(m, n, &body);
    const char *b = m + body;
    size_t bn = n - body;
    if (strncasecmp(ct, "multipart/", 10) == 0) {
        char boundary[256];
        if (!param(ct, "boundary", boundary, sizeof boundary)) {
            warn(c, "multipart part without a boundary; read as text");
            return st ? st : vigil_buf_append(c->out, b, bn);
        }
        return st ? st : multipart(c, b, bn, boundary, depth);
    }
    if (strncasecmp(ct, "message/rfc822", 14) == 0)
        return st ? st : part(c, b, bn, depth + 1, true);
    bool html = strncasecmp(ct, "text/html", 9) == 0;
    if (!html && strncasecmp(ct, "text/", 5) != 0)
        return st; /* attachments that are not text */
    vigil_buf dec = {0};
    const char *txt = b;
    size_t tl = bn;
    if (strcasecmp(cte, "base64") == 0 || strcasecmp(cte, "quoted-printable") == 0) {
        bool ok = strcasecmp(cte, "base64") == 0 ? vigil_decode_base64(b, bn, &dec)
                                                 : vigil_decode_qp(b, bn, &dec);
        if (!ok)
            warn(c, "malformed base64 or quoted-printable body; decoded what could be");
        txt = dec.data ? dec.data : "";
        tl = dec.len;
    }
    vigil_buf utf = {0};
    if (!st && cs[0] && vigil_charset_to_utf8(cs, txt, tl, &utf) == VIGIL_OK) {
        txt = utf.data ? utf.data : "";
        tl = utf.len;
    }
    if (!st)
        st = html ? vigil_html_text(txt, tl, c->out) : vigil_buf_append(c->out, txt, tl);
    if (!st)
        st = vigil_buf_append(c->out, "\n", 1);
    vigil_buf_free(&dec);
    vigil_buf_free(&utf);
    return st;
}

vigil_status vigil_mail_text(const char *msg, size_t n, vigil_buf *out, char *warnbuf,
                             size_t warnlen)
{
    mail_ctx c = {out, warnbuf, warnlen};
    if (warnbuf && warnlen)
        warnbuf[0] = '\0';
    /* an mbox "From " separator line is not a header */
    if (n >= 5 && memcmp(msg, "From ", 5) == 0) {
        const char *nl = memchr(msg, '\n', n);
        size_t skip = nl ? (size_t)(nl - msg) + 1 : n;
        msg += skip;
        n -= skip;
    }
    return part(&c, msg, n, 0, true);
}
