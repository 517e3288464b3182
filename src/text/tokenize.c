/*
 * Tokenizer: turns text into canonical tokens with exact byte spans.
 *
 * The same function canonicalizes enrolled identifiers and scanned documents, so whatever
 * disguise it undoes at scan time is undone identically at enrollment. It works in two passes:
 *
 * 1. Folding. ASCII bytes take a table-driven fast path (most text is ASCII). Other code points
 *    go through a two-stage table generated at build time from ICU (tools/gen_fold.c):
 *    NFKC_Casefold, accents removed, confusable look-alikes mapped to Latin, zero-width
 *    characters and soft hyphens ignored inside a word. '@' and '$' count as the letters a and s
 *    inside a word ("J@ne", "$mith") but not in an e-mail address or before an amount.
 *    Invalid UTF-8 bytes are separators; offsets stay exact because spans are byte positions.
 *
 * 2. Canonicalization of each folded word:
 *    - a run of three or more one-character tokens joined by the same short separator
 *      ("J.o.h.n", "J o h n", "5-5-5-1-2-1-2") becomes one token;
 *    - an ordinal ("5th", "21st", "3a") becomes its digits;
 *    - a word of letters and digits is read as leetspeak (0→o 1→l 3→e 4→a 5→s 7→t);
 *    - number words become digits (one/uno → 1), street types, directions and ordinal words take
 *      one canonical form (Street/St → st, Norte/North → n, Fifth → 5), and the filler words of
 *      written-out e-mail addresses (at, dot, arroba, punto) are dropped;
 *    - 'i' and 'l' are the same letter (as in the confusable skeleton), so "Sm1th" = "Smith".
 */
#include "../internal.h"
#include "fold_table.h"

#include <stdlib.h>
#include <string.h>

enum { C_SEP = 0, C_LOWER, C_UPPER, C_DIGIT, C_AT, C_DOLLAR };

static const unsigned char ascii_class[128] = {
    ['0'] = C_DIGIT, ['1'] = C_DIGIT, ['2'] = C_DIGIT, ['3'] = C_DIGIT, ['4'] = C_DIGIT,
    ['5'] = C_DIGIT, ['6'] = C_DIGIT, ['7'] = C_DIGIT, ['8'] = C_DIGIT, ['9'] = C_DIGIT,
    ['a'] = C_LOWER, ['b'] = C_LOWER, ['c'] = C_LOWER, ['d'] = C_LOWER, ['e'] = C_LOWER,
    ['f'] = C_LOWER, ['g'] = C_LOWER, ['h'] = C_LOWER, ['i'] = C_LOWER, ['j'] = C_LOWER,
    ['k'] = C_LOWER, ['l'] = C_LOWER, ['m'] = C_LOWER, ['n'] = C_LOWER, ['o'] = C_LOWER,
    ['p'] = C_LOWER, ['q'] = C_LOWER, ['r'] = C_LOWER, ['s'] = C_LOWER, ['t'] = C_LOWER,
    ['u'] = C_LOWER, ['v'] = C_LOWER, ['w'] = C_LOWER, ['x'] = C_LOWER, ['y'] = C_LOWER,
    ['z'] = C_LOWER, ['A'] = C_UPPER, ['B'] = C_UPPER, ['C'] = C_UPPER, ['D'] = C_UPPER,
    ['E'] = C_UPPER, ['F'] = C_UPPER, ['G'] = C_UPPER, ['H'] = C_UPPER, ['I'] = C_UPPER,
    ['J'] = C_UPPER, ['K'] = C_UPPER, ['L'] = C_UPPER, ['M'] = C_UPPER, ['N'] = C_UPPER,
    ['O'] = C_UPPER, ['P'] = C_UPPER, ['Q'] = C_UPPER, ['R'] = C_UPPER, ['S'] = C_UPPER,
    ['T'] = C_UPPER, ['U'] = C_UPPER, ['V'] = C_UPPER, ['W'] = C_UPPER, ['X'] = C_UPPER,
    ['Y'] = C_UPPER, ['Z'] = C_UPPER, ['@'] = C_AT, ['$'] = C_DOLLAR,
};

static inline int ascii_alpha(unsigned char c)
{
    return c < 128 && (ascii_class[c] == C_LOWER || ascii_class[c] == C_UPPER);
}
static inline int ascii_alnum(unsigned char c)
{
    return c < 128 && ascii_class[c] >= C_LOWER && ascii_class[c] <= C_DIGIT;
}

/* Decodes one UTF-8 sequence at s[0..n); returns its length, or 0 when invalid. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char c = s[0];
    if (c < 0xC2)
        return 0;
    if (c < 0xE0) {
        if (n < 2 || (s[1] & 0xC0) != 0x80)
            return 0;
        *cp = ((uint32_t)(c & 0x1F) << 6) | (s[1] & 0x3F);
        return 2;
    }
    if (c < 0xF0) {
        if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
            return 0;
        uint32_t v = ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
        if (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF))
            return 0;
        *cp = v;
        return 3;
    }
    if (c < 0xF5) {
        if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
            return 0;
        uint32_t v = ((uint32_t)(c & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) |
                     ((uint32_t)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
        if (v < 0x10000 || v > 0x10FFFF)
            return 0;
        *cp = v;
        return 4;
    }
    return 0;
}

bool vigil_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        size_t k = utf8_decode(p + i, n - i, &cp);
        if (!k)
            return false;
        i += k;
    }
    return true;
}

static uint32_t fold_entry(uint32_t cp)
{
    if (cp >= VFOLD_LIMIT)
        return 2u << 30; /* letter, kept as is (CJK extensions and beyond) */
    return vfold_stage2[((uint32_t)vfold_stage1[cp >> VFOLD_SHIFT] << VFOLD_SHIFT) |
                        (cp & ((1u << VFOLD_SHIFT) - 1))];
}

static vigil_status grow_chars(vigil_tokens *t, size_t need)
{
    if (t->nchars + need <= t->ccap)
        return VIGIL_OK;
    size_t cap = t->ccap ? t->ccap * 2 : 4096;
    while (cap < t->nchars + need)
        cap *= 2;
    char *p = realloc(t->chars, cap);
    if (!p)
        return VIGIL_ERR_NOMEM;
    t->chars = p;
    t->ccap = cap;
    return VIGIL_OK;
}

static vigil_status grow_tokens(vigil_tokens *t)
{
    if (t->n < t->cap)
        return VIGIL_OK;
    size_t cap = t->cap ? t->cap * 2 : 1024;
    vigil_token *p = realloc(t->v, cap * sizeof *p);
    if (!p)
        return VIGIL_ERR_NOMEM;
    t->v = p;
    t->cap = cap;
    return VIGIL_OK;
}

/* True when an e-mail domain follows: letters/digits then '.' and a letter or digit. */
static int email_ahead(const unsigned char *s, size_t i, size_t len)
{
    while (i < len && (ascii_alnum(s[i]) || s[i] == '-' || s[i] == '_'))
        i++;
    return i + 1 < len && s[i] == '.' && ascii_alnum(s[i + 1]);
}

/* Pass 1: folded words. Each token's chars are appended to t->chars contiguously, so merging
 * adjacent tokens later is a matter of adding lengths. */
static vigil_status fold_words(vigil_tokens *t, const unsigned char *s, size_t len)
{
    size_t i = 0;
    int in = 0;           /* inside a token */
    int last_alpha = 0;   /* last folded char was a letter */
    vigil_token *cur = NULL;
    unsigned raw = 0;

#define BEGIN(pos)                                                                             \
    do {                                                                                       \
        if (!in) {                                                                             \
            if (grow_tokens(t) != VIGIL_OK)                                                    \
                return VIGIL_ERR_NOMEM;                                                        \
            cur = &t->v[t->n++];                                                               \
            cur->start = (uint32_t)(pos);                                                      \
            cur->off = (uint32_t)t->nchars;                                                    \
            cur->flags = 0;                                                                    \
            raw = 0;                                                                           \
            in = 1;                                                                            \
        }                                                                                      \
    } while (0)
#define END()                                                                                  \
    do {                                                                                       \
        if (in) {                                                                              \
            cur->len = (uint16_t)(t->nchars - cur->off);                                      \
            cur->raw_len = (uint8_t)(raw > 255 ? 255 : raw);                                   \
            in = 0;                                                                            \
        }                                                                                      \
    } while (0)

    while (i < len) {
        unsigned char c = s[i];
        if (c < 0x80) {
            unsigned cls = ascii_class[c];
            if (cls == C_SEP) {
                END();
                i++;
                continue;
            }
            char out;
            if (cls == C_AT) {
                if (!(in && last_alpha && i + 1 < len && ascii_alpha(s[i + 1]) &&
                      !email_ahead(s, i + 1, len))) {
                    END();
                    i++;
                    continue;
                }
                out = 'a';
            } else if (cls == C_DOLLAR) {
                if (!((in && last_alpha) || (i + 1 < len && ascii_alpha(s[i + 1])))) {
                    END();
                    i++;
                    continue;
                }
                out = 's';
            } else {
                out = (char)(cls == C_UPPER ? c + 32 : c);
            }
            BEGIN(i);
            /* Tokens longer than the cap keep their span but stop growing. */
            if (t->nchars - cur->off < 255) {
                if (grow_chars(t, 1) != VIGIL_OK)
                    return VIGIL_ERR_NOMEM;
                t->chars[t->nchars++] = out;
            }
            if (cls == C_DIGIT)
                cur->flags |= VIGIL_TOK_DIGITS;
            else
                cur->flags |= VIGIL_TOK_ALPHA;
            last_alpha = cls != C_DIGIT;
            raw++;
            i++;
            cur->end = (uint32_t)i;
            continue;
        }
        uint32_t cp;
        size_t k = utf8_decode(s + i, len - i, &cp);
        if (!k) { /* invalid byte: a separator */
            END();
            i++;
            continue;
        }
        uint32_t e = fold_entry(cp);
        unsigned type = e >> 30;
        if (type == 1) { /* ignorable: neither ends nor extends the word */
            if (in)
                cur->end = (uint32_t)(i + k);
            i += k;
            continue;
        }
        if (type != 2) {
            END();
            i += k;
            continue;
        }
        BEGIN(i);
        if (t->nchars - cur->off < 255) {
            if (cp >= VFOLD_LIMIT) {
                if (grow_chars(t, k) != VIGIL_OK)
                    return VIGIL_ERR_NOMEM;
                memcpy(t->chars + t->nchars, s + i, k);
                t->nchars += k;
                cur->flags |= VIGIL_TOK_ALPHA;
                last_alpha = 1;
            } else {
                size_t fl = (e >> 24) & 63;
                const unsigned char *f = vfold_pool + (e & 0xFFFFFF);
                if (grow_chars(t, fl) != VIGIL_OK)
                    return VIGIL_ERR_NOMEM;
                memcpy(t->chars + t->nchars, f, fl);
                t->nchars += fl;
                last_alpha = !(f[0] >= '0' && f[0] <= '9');
                cur->flags |= last_alpha ? VIGIL_TOK_ALPHA : VIGIL_TOK_DIGITS;
            }
        }
        raw++;
        i += k;
        cur->end = (uint32_t)i;
    }
    END();
#undef BEGIN
#undef END
    return VIGIL_OK;
}

/* Merges runs of >= 3 one-character tokens separated by equal short gaps. */
static void merge_spelled(vigil_tokens *t, const unsigned char *s)
{
    size_t w = 0;
    for (size_t r = 0; r < t->n;) {
        size_t j = r;
        if (t->v[r].raw_len == 1 && t->v[r].len == 1) {
            uint32_t gap = 0;
            while (j + 1 < t->n && t->v[j + 1].raw_len == 1 && t->v[j + 1].len == 1) {
                uint32_t g = t->v[j + 1].start - t->v[j].end;
                if (g == 0 || g > 3 || (gap && g != gap))
                    break;
                /* the separators must be the same characters */
                if (gap && memcmp(s + t->v[j].end, s + t->v[r].end, g) != 0)
                    break;
                gap = g;
                j++;
            }
        }
        vigil_token tok = t->v[r];
        if (j - r + 1 >= 3) {
            /* chars of consecutive tokens are contiguous, so only the length grows */
            size_t total = 0;
            unsigned flags = 0;
            for (size_t k = r; k <= j; k++) {
                total += t->v[k].len;
                flags |= t->v[k].flags;
            }
            tok.len = (uint16_t)total;
            tok.raw_len = (uint8_t)(total > 255 ? 255 : total);
            tok.end = t->v[j].end;
            tok.flags = (uint8_t)flags;
            r = j + 1;
        } else {
            r++;
        }
        t->v[w++] = tok;
    }
    t->n = w;
}

static int is_ordinal(const char *p, size_t n, size_t *digits)
{
    size_t d = 0;
    while (d < n && p[d] >= '0' && p[d] <= '9')
        d++;
    if (d == 0 || d == n)
        return 0;
    const char *suf = p + d;
    size_t sl = n - d;
    static const char *const sufs[] = {"st", "nd", "rd", "th", "a", "o", "er", "ra", "do",
                                       "da", "to", "ta", "vo", "va", "no", "na", "mo", "ma"};
    for (size_t k = 0; k < sizeof sufs / sizeof *sufs; k++)
        if (strlen(sufs[k]) == sl && memcmp(suf, sufs[k], sl) == 0) {
            *digits = d;
            return 1;
        }
    return 0;
}

static char leet(char c)
{
    switch (c) {
    case '0': return 'o';
    case '1': return 'l';
    case '3': return 'e';
    case '4': return 'a';
    case '5': return 's';
    case '7': return 't';
    default: return c;
    }
}

/* Pass 2: canonical form of each token, in place (canonical forms are never longer than the
 * folded word, except a replacement word, which is written at the end of the buffer). */
static vigil_status canonicalize(vigil_tokens *t)
{
    size_t w = 0;
    for (size_t r = 0; r < t->n; r++) {
        vigil_token tok = t->v[r];
        char *p = t->chars + tok.off;
        size_t n = tok.len;
        if (n > VIGIL_TOKEN_MAX)
            n = VIGIL_TOKEN_MAX;
        int alpha = (tok.flags & VIGIL_TOK_ALPHA) != 0;
        int digit = (tok.flags & VIGIL_TOK_DIGITS) != 0;
        if (alpha && digit) {
            size_t d;
            if (is_ordinal(p, n, &d)) {
                n = d;
                alpha = 0;
            } else {
                for (size_t k = 0; k < n; k++)
                    p[k] = leet(p[k]);
                digit = 0;
                for (size_t k = 0; k < n; k++)
                    if (p[k] >= '0' && p[k] <= '9')
                        digit = 1;
            }
        }
        if (alpha) {
            vigil_word_class cls;
            const char *rep = vigil_canon_word(p, n, &cls);
            if (rep && !*rep)
                continue; /* dropped filler word */
            if (rep) {
                size_t rl = strlen(rep);
                if (rl <= n) {
                    memcpy(p, rep, rl);
                } else {
                    if (grow_chars(t, rl) != VIGIL_OK)
                        return VIGIL_ERR_NOMEM;
                    p = t->chars + t->nchars;
                    memcpy(p, rep, rl);
                    tok.off = (uint32_t)t->nchars;
                    t->nchars += rl;
                }
                n = rl;
                if (rep[0] >= '0' && rep[0] <= '9') {
                    alpha = 0;
                    digit = 1;
                }
            }
            for (size_t k = 0; k < n; k++)
                if (p[k] == 'i')
                    p[k] = 'l';
        }
        tok.len = (uint16_t)n;
        tok.flags = (uint8_t)((alpha ? VIGIL_TOK_ALPHA : 0) | (digit && !alpha ? VIGIL_TOK_DIGITS : 0));
        if (digit && alpha)
            tok.flags = VIGIL_TOK_ALPHA;
        t->v[w++] = tok;
    }
    t->n = w;
    return VIGIL_OK;
}

vigil_status vigil_tokenize(vigil_tokens *t, const char *text, size_t len)
{
    t->n = 0;
    t->nchars = 0;
    if (len > UINT32_MAX)
        return VIGIL_ERR_LIMIT;
    const unsigned char *s = (const unsigned char *)text;
    vigil_status st = fold_words(t, s, len);
    if (st != VIGIL_OK)
        return st;
    merge_spelled(t, s);
    return canonicalize(t);
}

void vigil_tokens_free(vigil_tokens *t)
{
    if (!t)
        return;
    free(t->v);
    free(t->chars);
    memset(t, 0, sizeof *t);
}
