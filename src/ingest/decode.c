/*
 * From a document to the text that is scanned.
 *
 * 1. Extraction by content type: HTML through gumbo, e-mail through the MIME reader, text as it
 *    is; a declared charset is converted to UTF-8.
 * 2. Repair: invalid UTF-8 bytes become '?' and NUL bytes spaces, one byte for one byte, so
 *    every offset reported still points at the same place in the document.
 * 3. Encoded content: people hide a dox in base64 blobs, percent-encoding or HTML character
 *    references. Runs that look encoded are decoded, and when the result is text it is appended
 *    after the document as a "layer" (recursively, to a bounded depth and size). A match inside
 *    a layer is reported at the encoded run it came from, with the encodings named.
 */
#include "ingest_int.h"

#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define LAYER_DEPTH 3
#define LAYER_MIN_BUDGET ((size_t)64 << 10)

typedef struct layer {
    size_t start, end;         /* in the prepared text */
    size_t src_start, src_end; /* in the document text (outermost) */
    char enc[40];              /* e.g. "base64" or "base64+percent" */
} layer;

struct vigil_text {
    vigil_buf buf;
    vigil_buf tmp;
    size_t orig_len;
    layer *layers;
    size_t nlayers, cap;
};

vigil_status vigil_text_create(vigil_text **out)
{
    vigil_text *t = calloc(1, sizeof *t);
    if (!t)
        return VIGIL_ERR_NOMEM;
    t->buf.max = (size_t)1 << 32;
    *out = t;
    return VIGIL_OK;
}

void vigil_text_destroy(vigil_text *t)
{
    if (!t)
        return;
    vigil_buf_free(&t->buf);
    vigil_buf_free(&t->tmp);
    free(t->layers);
    free(t);
}

/* ------------------------------------------------------------------ decoders */

/* The value of a base64 character (standard or URL alphabet), -1 for any other byte. */
static const int8_t b64tab[256] = {
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 62, -1, 62, -1, 63,
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, -1, -1, -1, -1, -1, -1,
    -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, -1, -1, -1, 63,
    -1, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
};

static inline int b64val(unsigned char c)
{
    return b64tab[c];
}

bool vigil_decode_base64(const char *in, size_t n, vigil_buf *out)
{
    uint32_t acc = 0;
    int bits = 0;
    bool ok = true;
    if (vigil_buf_reserve(out, n / 4 * 3 + 3) != VIGIL_OK)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == '=' )
            break;
        if (c == '\n' || c == '\r' || c == ' ' || c == '\t')
            continue;
        int v = b64val(c);
        if (v < 0) {
            ok = false;
            continue;
        }
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            char ch = (char)(acc >> bits & 0xff);
            if (vigil_buf_append(out, &ch, 1) != VIGIL_OK)
                return false;
        }
    }
    return ok;
}

int vigil_hexval(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool vigil_decode_qp(const char *in, size_t n, vigil_buf *out)
{
    bool ok = true;
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && in[j] != '=')
            j++;
        if (vigil_buf_append(out, in + i, j - i) != VIGIL_OK)
            return false;
        if (j >= n)
            break;
        /* '=' then a soft line break, or two hex digits */
        if (j + 1 < n && in[j + 1] == '\n') {
            i = j + 2;
        } else if (j + 2 < n && in[j + 1] == '\r' && in[j + 2] == '\n') {
            i = j + 3;
        } else if (j + 2 < n && vigil_hexval((unsigned char)in[j + 1]) >= 0 &&
                   vigil_hexval((unsigned char)in[j + 2]) >= 0) {
            char ch = (char)(vigil_hexval((unsigned char)in[j + 1]) << 4 |
                             vigil_hexval((unsigned char)in[j + 2]));
            if (vigil_buf_append(out, &ch, 1) != VIGIL_OK)
                return false;
            i = j + 3;
        } else {
            ok = false;
            if (vigil_buf_append(out, "=", 1) != VIGIL_OK)
                return false;
            i = j + 1;
        }
    }
    return ok;
}

bool vigil_decode_percent(const char *in, size_t n, vigil_buf *out)
{
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        char ch = in[i];
        if (ch == '%' && i + 2 < n + 0 && vigil_hexval((unsigned char)in[i + 1]) >= 0 &&
            vigil_hexval((unsigned char)in[i + 2]) >= 0) {
            ch = (char)(vigil_hexval((unsigned char)in[i + 1]) << 4 | vigil_hexval((unsigned char)in[i + 2]));
            i += 2;
        } else if (ch == '+') {
            ch = ' ';
        } else if (ch == '%') {
            ok = false;
        }
        if (vigil_buf_append(out, &ch, 1) != VIGIL_OK)
            return false;
    }
    return ok;
}

static const struct {
    const char *name;
    uint32_t cp;
} entities[] = {
    {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}, {"nbsp", 0xa0},
    {"commat", '@'}, {"period", '.'}, {"num", '#'}, {"lpar", '('}, {"rpar", ')'},
    {"hyphen", '-'}, {"dash", 0x2010}, {"ndash", 0x2013}, {"mdash", 0x2014}, {"comma", ','},
    {"colon", ':'}, {"sol", '/'}, {"plus", '+'}, {"aacute", 0xe1}, {"eacute", 0xe9},
    {"iacute", 0xed}, {"oacute", 0xf3}, {"uacute", 0xfa}, {"ntilde", 0xf1}, {"uuml", 0xfc},
    {"Aacute", 0xc1}, {"Eacute", 0xc9}, {"Iacute", 0xcd}, {"Oacute", 0xd3}, {"Uacute", 0xda},
    {"Ntilde", 0xd1}, {"Uuml", 0xdc}, {"ccedil", 0xe7}, {"Ccedil", 0xc7}, {"egrave", 0xe8},
    {"agrave", 0xe0}, {"ouml", 0xf6}, {"auml", 0xe4}, {"szlig", 0xdf}, {"iexcl", 0xa1},
    {"iquest", 0xbf}, {"ordm", 0xba}, {"ordf", 0xaa}, {"deg", 0xb0}, {"shy", 0xad},
};

size_t vigil_utf8_put(uint32_t cp, char *o)
{
    if (cp < 0x80) { o[0] = (char)cp; return 1; }
    if (cp < 0x800) { o[0] = (char)(0xc0 | cp >> 6); o[1] = (char)(0x80 | (cp & 0x3f)); return 2; }
    if (cp >= 0xd800 && cp < 0xe000) cp = 0xfffd;
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | cp >> 12); o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f)); return 3;
    }
    if (cp > 0x10ffff) return vigil_utf8_put(0xfffd, o);
    o[0] = (char)(0xf0 | cp >> 18); o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
    o[2] = (char)(0x80 | (cp >> 6 & 0x3f)); o[3] = (char)(0x80 | (cp & 0x3f)); return 4;
}

/* Length of a character reference at s[0] == '&' (0 if none); its code point in *cp. */
static size_t entity_at(const char *s, size_t n, uint32_t *cp)
{
    if (n < 3 || s[0] != '&')
        return 0;
    size_t i = 1;
    if (s[1] == '#') {
        bool hex = n > 2 && (s[2] == 'x' || s[2] == 'X');
        i = hex ? 3 : 2;
        uint32_t v = 0;
        size_t d = 0;
        for (; i < n && d < 8; i++, d++) {
            int h = hex ? vigil_hexval((unsigned char)s[i])
                        : (s[i] >= '0' && s[i] <= '9' ? s[i] - '0' : -1);
            if (h < 0)
                break;
            v = v * (hex ? 16 : 10) + (uint32_t)h;
        }
        if (d == 0)
            return 0;
        *cp = v ? v : 0xfffd;
        return i < n && s[i] == ';' ? i + 1 : i;
    }
    while (i < n && i < 10 && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')))
        i++;
    if (i >= n || s[i] != ';')
        return 0;
    for (size_t k = 0; k < sizeof entities / sizeof *entities; k++)
        if (strlen(entities[k].name) == i - 1 && memcmp(entities[k].name, s + 1, i - 1) == 0) {
            *cp = entities[k].cp;
            return i + 1;
        }
    return 0;
}

bool vigil_decode_entities(const char *in, size_t n, vigil_buf *out)
{
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = in[i] == '&' ? entity_at(in + i, n - i, &cp) : 0;
        if (k) {
            char u[4];
            if (vigil_buf_append(out, u, vigil_utf8_put(cp, u)) != VIGIL_OK)
                return false;
            i += k;
        } else {
            if (vigil_buf_append(out, in + i, 1) != VIGIL_OK)
                return false;
            i++;
        }
    }
    return true;
}

/* ------------------------------------------------------------------ repair */

/* Replaces invalid UTF-8 bytes with '?' and NUL bytes with ' ' in place. Returns how many
 * bytes were replaced; *first is the offset of the first. */
static size_t repair(char *s, size_t n, size_t *first)
{
    size_t bad = 0;
    unsigned char *p = (unsigned char *)s;
    for (size_t i = 0; i < n;) {
        /* ASCII fast path, 8 bytes at a time */
        if (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if (!(w & 0x8080808080808080ull) &&
                !((w - 0x0101010101010101ull) & ~w & 0x8080808080808080ull)) {
                i += 8;
                continue;
            }
        }
        unsigned c = p[i];
        if (c == 0) {
            p[i] = ' ';
            if (!bad++)
                *first = i;
            i++;
            continue;
        }
        if (c < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        size_t len = vigil_utf8_decode(p + i, n - i, &cp);
        if (!len) {
            p[i] = '?';
            if (!bad++)
                *first = i;
            i++;
            continue;
        }
        i += len;
    }
    return bad;
}

/* ------------------------------------------------------------------ encoded content */

static bool is_b64(unsigned char c)
{
    return b64val(c) >= 0;
}

/* Decoded bytes are worth scanning when they are valid UTF-8 text. */
static bool textlike(const char *s, size_t n)
{
    if (n < 4)
        return false;
    size_t ctl = 0, alnum = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 && c != '\n' && c != '\r' && c != '\t')
            ctl++;
        if ((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c >= 0x80)
            alnum++;
    }
    if (ctl || alnum * 2 < n)
        return false;
    return vigil_utf8_valid(s, n);
}

static vigil_status add_layer(vigil_text *t, const layer *parent, size_t s, size_t e,
                              const char *enc, const char *data, size_t n)
{
    if (vigil_grow(&t->layers, &t->cap, t->nlayers + 1, sizeof *t->layers, 8) != VIGIL_OK)
        return VIGIL_ERR_NOMEM;
    vigil_status st = vigil_buf_append(&t->buf, "\n", 1);
    layer *l = &t->layers[t->nlayers];
    l->start = t->buf.len;
    if (!st)
        st = vigil_buf_append(&t->buf, data, n);
    if (st)
        return st;
    l->end = t->buf.len;
    if (parent) {
        l->src_start = parent->src_start;
        l->src_end = parent->src_end;
        snprintf(l->enc, sizeof l->enc, "%.24s+%.12s", parent->enc, enc);
    } else {
        l->src_start = s;
        l->src_end = e;
        snprintf(l->enc, sizeof l->enc, "%s", enc);
    }
    t->nlayers++;
    return VIGIL_OK;
}

/* Finds encoded runs in buf[from..to) and appends their decodings as layers. */
#ifdef __SSE2__
/* Bit k set when byte k of the 16 at p is a base64 character ([A-Za-z0-9+/_-]); *pa gets the
 * bytes that are '%' or '&'. */
static inline unsigned b64_mask16(const char *p, unsigned *pa)
{
    __m128i v = _mm_loadu_si128((const __m128i *)p);
    __m128i lo = _mm_or_si128(v, _mm_set1_epi8(0x20));
    __m128i m = _mm_and_si128(_mm_cmpgt_epi8(lo, _mm_set1_epi8('a' - 1)),
                              _mm_cmplt_epi8(lo, _mm_set1_epi8('z' + 1)));
    m = _mm_or_si128(m, _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
                                      _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1))));
    m = _mm_or_si128(m, _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('+')),
                                                  _mm_cmpeq_epi8(v, _mm_set1_epi8('-'))),
                                     _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('/')),
                                                  _mm_cmpeq_epi8(v, _mm_set1_epi8('_')))));
    *pa = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('%')),
                                                   _mm_cmpeq_epi8(v, _mm_set1_epi8('&'))));
    return (unsigned)_mm_movemask_epi8(m);
}

/* The bytes among the 64 from i where find_encoded's byte loop may act (bit k: byte i + k): a
 * '%' or '&', or the start of a run of 16 or more base64 characters (every base64 layer starts
 * with one: a shorter run is never decoded, and a run wrapped over lines starts with a whole
 * line). Most text is words shorter than 16 letters: most blocks have none and are skipped, and
 * in the others the loop visits only these bytes (a test per byte was a tenth of `vigil scan`'s
 * time, then a twentieth). Needs 80 readable bytes. */
static uint64_t block_candidates(const char *s, size_t i, size_t from)
{
    uint64_t m = 0, pa = 0;
    for (unsigned k = 0; k < 4; k++) {
        unsigned p;
        m |= (uint64_t)b64_mask16(s + i + 16 * k, &p) << (16 * k);
        pa |= (uint64_t)p << (16 * k);
    }
    unsigned pn;
    uint64_t next = b64_mask16(s + i + 64, &pn);
    /* a run starts where a base64 byte follows a byte that is not one */
    uint64_t prev_b64 = i > from && b64val((unsigned char)s[i - 1]) >= 0;
    uint64_t starts = m & ~((m << 1) | prev_b64);
    /* run bit p: the 16 bytes from p are all base64 (doubling: 1, 2, 4, 8, 16 in a row) */
    unsigned __int128 x = (unsigned __int128)next << 64 | m;
    x &= x >> 1;
    x &= x >> 2;
    x &= x >> 4;
    x &= x >> 8;
    return (starts & (uint64_t)x) | pa;
}
#endif

static vigil_status find_encoded(vigil_text *t, size_t from, size_t to, const layer *parent,
                                 size_t budget_end)
{
    vigil_status st = VIGIL_OK;
    /* the byte loop below visits only the bytes of cand (from cand_at) before bytewise_until */
    size_t i = from, bytewise_until = from, cand_at = from;
    uint64_t cand = 0;
    while (i < to && !st && t->buf.len < budget_end) {
        const char *s = t->buf.data; /* may move when layers are appended */
#ifdef __SSE2__
        if (i >= bytewise_until && to - i >= 80) {
            cand = block_candidates(s, i, from);
            if (!cand) {
                i += 64;
                continue;
            }
            cand_at = i;
            bytewise_until = i + 64;
        }
        if (i < bytewise_until) {
            uint64_t rest = cand & (~0ull << (i - cand_at));
            if (!rest) {
                i = bytewise_until;
                continue;
            }
            i = cand_at + (size_t)__builtin_ctzll(rest);
        }
#endif
        unsigned char c = (unsigned char)s[i];
        if (is_b64(c) && (i == from || !is_b64((unsigned char)s[i - 1]))) {
            /* a base64 run, possibly wrapped over lines */
            size_t j = i, chars = 0, line_start = i;
            bool digit = false, upper = false, lower = false;
            bool whole_line = i == from || s[i - 1] == '\n';
            while (j < to) {
                unsigned char d = (unsigned char)s[j];
                size_t ll = j - line_start;
                if (is_b64(d)) {
                    digit |= d >= '0' && d <= '9';
                    upper |= d >= 'A' && d <= 'Z';
                    lower |= d >= 'a' && d <= 'z';
                    chars++;
                    j++;
                } else if ((d == '\n' || d == '\r') && whole_line &&
                           (ll == 76 || ll == 64 || ll == 72)) {
                    /* MIME and PEM wrap base64 in lines of 76 or 64 characters */
                    size_t nl = d == '\r' && j + 1 < to && s[j + 1] == '\n' ? 2 : 1;
                    if (j + nl >= to || !is_b64((unsigned char)s[j + nl]))
                        break;
                    j += nl;
                    line_start = j;
                } else {
                    break;
                }
            }
            size_t end = j;
            while (end < to && s[end] == '=' && end - j < 2)
                end++;
            if (chars >= 16 && upper && lower && (digit || chars >= 24)) {
                t->tmp.len = 0;
                vigil_decode_base64(s + i, end - i, &t->tmp);
                if (textlike(t->tmp.data, t->tmp.len))
                    st = add_layer(t, parent, i, end, "base64", t->tmp.data, t->tmp.len);
            }
            i = end > i ? end : i + 1;
            continue;
        }
        if (c == '%' && i + 2 < to && vigil_hexval((unsigned char)s[i + 1]) >= 0 &&
            vigil_hexval((unsigned char)s[i + 2]) >= 0) {
            /* the run of non-space bytes around percent escapes */
            size_t a = i, e = i, esc = 0;
            while (a > from && s[a - 1] != ' ' && s[a - 1] != '\n' && s[a - 1] != '\t' &&
                   s[a - 1] != '"' && s[a - 1] != '<' && s[a - 1] != '>')
                a--;
            while (e < to && s[e] != ' ' && s[e] != '\n' && s[e] != '\t' && s[e] != '"' &&
                   s[e] != '<' && s[e] != '>') {
                if (s[e] == '%' && e + 2 < to && vigil_hexval((unsigned char)s[e + 1]) >= 0 &&
                    vigil_hexval((unsigned char)s[e + 2]) >= 0)
                    esc++;
                e++;
            }
            if (esc >= 2) {
                t->tmp.len = 0;
                vigil_decode_percent(s + a, e - a, &t->tmp);
                if (textlike(t->tmp.data, t->tmp.len))
                    st = add_layer(t, parent, a, e, "percent", t->tmp.data, t->tmp.len);
            }
            i = e > i ? e : i + 1;
            continue;
        }
        uint32_t cp;
        if (c == '&' && entity_at(s + i, to - i, &cp)) {
            /* a run of text with character references no more than 8 bytes apart */
            size_t a = i, e = i;
            while (a > from && s[a - 1] != ' ' && s[a - 1] != '\n')
                a--;
            size_t last = i;
            while (e < to) {
                size_t k = s[e] == '&' ? entity_at(s + e, to - e, &cp) : 0;
                if (k) {
                    e += k;
                    last = e;
                } else if (e - last <= 8 || (s[e] != ' ' && s[e] != '\n')) {
                    e++;
                } else {
                    break;
                }
            }
            while (e > last && (s[e - 1] == ' ' || s[e - 1] == '\n'))
                e--;
            t->tmp.len = 0;
            vigil_decode_entities(s + a, e - a, &t->tmp);
            if (t->tmp.len)
                st = add_layer(t, parent, a, e, "entities", t->tmp.data, t->tmp.len);
            i = e > i ? e : i + 1;
            continue;
        }
        i++;
    }
    return st;
}

static vigil_status extract(vigil_text *t, const vigil_doc *doc, char *warn, size_t warnlen)
{
    const char *text = doc->text ? doc->text : "";
    vigil_status st = VIGIL_OK;
    if (doc->content == VIGIL_CONTENT_EMAIL)
        return vigil_mail_text(text, doc->len, &t->buf, warn, warnlen);
    const char *cs = doc->charset;
    char meta[64];
    if (!cs && doc->content == VIGIL_CONTENT_HTML && vigil_html_charset(text, doc->len, meta,
                                                                         sizeof meta))
        cs = meta;
    if (cs && doc->content == VIGIL_CONTENT_TEXT && strncasecmp(cs, "utf", 3) != 0) {
        st = vigil_charset_to_utf8(cs, text, doc->len, &t->buf);
        if (st == VIGIL_ERR_ARG) {
            snprintf(warn, warnlen, "unknown charset '%.40s'; read as UTF-8", cs);
            return vigil_buf_append(&t->buf, text, doc->len);
        }
        return st;
    }
    if (doc->content == VIGIL_CONTENT_HTML) {
        if (cs && strncasecmp(cs, "utf", 3) != 0) {
            st = vigil_charset_to_utf8(cs, text, doc->len, &t->tmp);
            if (st == VIGIL_OK)
                return vigil_html_text(t->tmp.data ? t->tmp.data : "", t->tmp.len, &t->buf);
            if (st != VIGIL_ERR_ARG)
                return st;
            snprintf(warn, warnlen, "unknown charset '%.40s'; read as UTF-8", cs);
        }
        return vigil_html_text(text, doc->len, &t->buf);
    }
    return vigil_buf_append(&t->buf, text, doc->len);
}

vigil_status vigil_text_prepare(vigil_text *t, const vigil_doc *doc, const char **text,
                                size_t *len, char *warn, size_t warnlen)
{
    t->buf.len = 0;
    t->tmp.len = 0;
    t->nlayers = 0;
    if (warn && warnlen)
        warn[0] = '\0';
    char w[256] = "";
    vigil_status st = extract(t, doc, w, sizeof w);
    if (st)
        return st;
    if (vigil_buf_reserve(&t->buf, 0) != VIGIL_OK)
        return VIGIL_ERR_NOMEM;
    size_t first = 0;
    size_t bad = repair(t->buf.data, t->buf.len, &first);
    if (bad && !w[0])
        snprintf(w, sizeof w, "%zu invalid UTF-8 or NUL byte%s replaced (first at byte %zu of "
                 "the %s); offsets unchanged", bad, bad == 1 ? "" : "s", first,
                 doc->content == VIGIL_CONTENT_TEXT ? "document" : "extracted text");
    t->orig_len = t->buf.len;
    size_t budget = t->orig_len > LAYER_MIN_BUDGET ? t->orig_len : LAYER_MIN_BUDGET;
    size_t from = 0, to = t->buf.len;
    for (int depth = 0; depth < LAYER_DEPTH && from < to && !st; depth++) {
        size_t before = t->nlayers;
        if (depth == 0) {
            st = find_encoded(t, from, to, NULL, t->orig_len + budget);
        } else {
            /* the layers added at the previous depth */
            for (size_t k = 0; k < before && !st; k++) {
                if (t->layers[k].start < from)
                    continue;
                layer parent = t->layers[k];
                st = find_encoded(t, parent.start, parent.end, &parent, t->orig_len + budget);
            }
        }
        if (st)
            break;
        from = to;
        to = t->buf.len;
        /* repair what the decoders produced (percent-encoding can make any byte) */
        repair(t->buf.data + from, to - from, &first);
    }
    if (st == VIGIL_ERR_LIMIT)
        st = VIGIL_OK; /* layers are best effort */
    if (warn && warnlen && w[0])
        snprintf(warn, warnlen, "%s", w);
    *text = t->buf.data ? t->buf.data : "";
    *len = t->buf.len;
    return st;
}

int vigil_text_source(const vigil_text *t, size_t *start, size_t *end, const char **encoding)
{
    if (!t || *start < t->orig_len)
        return false;
    for (size_t k = 0; k < t->nlayers; k++) {
        const layer *l = &t->layers[k];
        if (*start >= l->start && *start < l->end) {
            *start = l->src_start;
            *end = l->src_end;
            *encoding = l->enc;
            return true;
        }
    }
    return false;
}
