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
 *      one canonical form (Street/St → st, Norte/North → n, Fifth → 5, arroba → at);
 *    - 'i' and 'l' are the same letter (as in the confusable skeleton), so "Sm1th" = "Smith".
 */
#include "../internal.h"
#include "fold_table.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

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

/* Word bytes of the ASCII fast path: VIGIL_TOK_ALPHA for letters, VIGIL_TOK_DIGITS for digits,
 * 0 for everything else (bytes >= 0x80 included). OR-ing 0x20 lower-cases an ASCII letter and
 * leaves a digit as it is. */
static unsigned char word_bits[256];
static pthread_once_t bits_once = PTHREAD_ONCE_INIT;

static void init_bits(void)
{
    for (int c = 0; c < 128; c++) {
        if (ascii_class[c] == C_LOWER || ascii_class[c] == C_UPPER)
            word_bits[c] = VIGIL_TOK_ALPHA;
        else if (ascii_class[c] == C_DIGIT)
            word_bits[c] = VIGIL_TOK_DIGITS;
    }
}

static inline int ascii_alpha(unsigned char c)
{
    return c < 128 && (ascii_class[c] == C_LOWER || ascii_class[c] == C_UPPER);
}
static inline int ascii_alnum(unsigned char c)
{
    return c < 128 && ascii_class[c] >= C_LOWER && ascii_class[c] <= C_DIGIT;
}
/* C_LOWER or C_UPPER for an ASCII letter, else another class */
static inline unsigned case_of(unsigned char c)
{
    return c < 128 ? ascii_class[c] : C_SEP;
}

size_t vigil_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
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
#ifdef __SSE2__
        /* ASCII 16 bytes at a time (most text is) */
        while (i + 16 <= n &&
               !_mm_movemask_epi8(_mm_loadu_si128((const __m128i *)(p + i))))
            i += 16;
        if (i >= n)
            break;
#endif
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        size_t k = vigil_utf8_decode(p + i, n - i, &cp);
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

static vigil_status grow_tokens_n(vigil_tokens *t, size_t need)
{
    /* the common case inline: this is asked once per token or block */
    if (t->n + need <= t->cap)
        return VIGIL_OK;
    return vigil_grow(&t->v, &t->cap, t->n + need, sizeof *t->v, 1024);
}

static vigil_status grow_tokens(vigil_tokens *t)
{
    return grow_tokens_n(t, 1);
}

/* True when an e-mail domain follows: letters/digits then '.' and a letter or digit. */
static int email_ahead(const unsigned char *s, size_t i, size_t len)
{
    while (i < len && (ascii_alnum(s[i]) || s[i] == '-' || s[i] == '_'))
        i++;
    return i + 1 < len && s[i] == '.' && ascii_alnum(s[i + 1]);
}

/* ------------------------------------------------------------------ canonical forms */

/* Canonical form of one folded token p[0..n) with token flags tflags into out (VIGIL_TOKEN_MAX +
 * 1 bytes); returns its length, 0 for a dropped word. */
static size_t canon_of(const char *p, size_t n, unsigned tflags, char *out, unsigned *flags)
{
    if (tflags == VIGIL_TOK_DIGITS) { /* a number: kept as it is */
        n = n > VIGIL_TOKEN_MAX ? VIGIL_TOKEN_MAX : n;
        memcpy(out, p, n);
        *flags = VIGIL_TOK_DIGITS;
        return n;
    }
    vigil_word_class cls;
    if (tflags == VIGIL_TOK_ALPHA && n <= VIGIL_TOKEN_MAX && !vigil_canon_word(p, n, &cls)) {
        /* the common case: a word without digits that the word table leaves alone only has
         * its i folded to l */
        for (size_t q = 0; q < n; q++)
            out[q] = p[q] == 'i' ? 'l' : p[q];
        *flags = VIGIL_TOK_ALPHA;
        return n;
    }
    return vigil_canon_token(p, n, out, flags);
}

typedef struct canon_entry {
    _Alignas(64) uint64_t a; /* one cache line per entry */
    uint64_t b;              /* a, b: folded word, zero-padded; its length in the top byte of b */
    uint64_t hash;   /* keyed hash of the canonical form */
    char canon[16];  /* canonical bytes */
    uint8_t len;     /* canonical length; 0 for a dropped word */
    uint8_t flags;
    vigil_tag tag;   /* the tagger's tags */
    uint64_t lens;   /* first-token filter bits */
} canon_entry;
_Static_assert(sizeof(canon_entry) == 64, "one cache line per entry");

/* A word whose filter bits are still to be read (canon_miss): its cache entry (or NULL) and
 * token, by index into the document's tokens. */
typedef struct pending {
    canon_entry *e;
    uint64_t hash;
    uint64_t atdot; /* VIGIL_LENS_ATDOT or 0, added to the filter bits */
    size_t tok;
} pending;
#define PENDING_MAX 128
/* The filter bits of a word whose filter line was asked for but not yet read. */
#define LENS_PENDING (1ull << 63)

struct vigil_canon_cache {
    const vigil_keys *keys;
    const vigil_index *ix;
    vigil_word_tagger tagfn;
    const void *tagctx;
    uint64_t taggen;
    canon_entry *e; /* VIGIL_CANON_CACHE of them, two a slot (canon_scan), on huge pages where
                     * the system allows (4 MiB of 4 KiB pages missed the TLB at almost every
                     * lookup) */
    vigil_huge mem;
    pending pend[PENDING_MAX];
    size_t npend;
    bool any_pending; /* in this document: tokens may carry LENS_PENDING */
};

/* What the scan needs to canonicalize and hash tokens as it folds them. */
typedef struct scan_ctx {
    const vigil_keys *k;
    const vigil_index *ix;
    vigil_canon_cache *cache;
    vigil_tokens *t;
    bool tagged; /* the cache has a tagger: tokens get their words' tags (else none is read) */
} scan_ctx;

/* Reads the filter bits of the pending words into their cache entries and tokens. */
static void resolve_pending(const scan_ctx *c)
{
    vigil_canon_cache *cc = c->cache;
    for (size_t k = 0; k < cc->npend; k++) {
        const pending *p = &cc->pend[k];
        uint64_t lens = vigil_index_first_lens(c->ix, p->hash) | p->atdot;
        if (p->e) { /* the word may have moved to the other way of its set since */
            canon_entry *set = cc->e + ((size_t)(p->e - cc->e) & ~(size_t)1);
            for (size_t w = 0; w < 2; w++)
                if (set[w].hash == p->hash && set[w].lens == LENS_PENDING)
                    set[w].lens = lens;
        }
        vigil_token *tok = p->tok < c->t->n ? &c->t->v[p->tok] : NULL;
        if (tok && tok->hash == p->hash && tok->lens == LENS_PENDING)
            tok->lens = lens;
    }
    cc->npend = 0;
}

/* The cold half of canon_scan: a word not in the cache (or too long for it). Fills the cache
 * entry e when there is one and the canonical form fits. The word's filter bits are a random
 * read in a large index (a tenth of a scan with 1M people): its line is asked for here and read
 * when the document's tokens are done (resolve_pending), so that the misses overlap. */
static __attribute__((noinline)) bool canon_miss(const scan_ctx *c, vigil_token *tok,
                                                 const char *f, char *dst, canon_entry *e,
                                                 uint64_t a, uint64_t b)
{
    char out[VIGIL_TOKEN_MAX + 1];
    unsigned flags;
    size_t n = canon_of(f, tok->len, tok->flags, out, &flags);
    uint64_t hash = n ? vigil_hash_token(c->k, out, n) : 0;
    uint64_t atdot = (n == 2 && memcmp(out, "at", 2) == 0) || (n == 3 && memcmp(out, "dot", 3) == 0)
                         ? VIGIL_LENS_ATDOT
                         : 0;
    uint64_t lens = atdot;
    vigil_canon_cache *cc = c->cache;
    if (n && c->ix) {
        if (cc->npend == PENDING_MAX)
            resolve_pending(c);
        vigil_index_prefetch_filter(c->ix, hash);
        cc->pend[cc->npend++] =
            (pending){e && n <= 15 ? e : NULL, hash, atdot, (size_t)(tok - c->t->v)};
        cc->any_pending = true;
        lens = LENS_PENDING;
    }
    vigil_tag tag = {0};
    if (n && cc->tagfn)
        cc->tagfn(cc->tagctx, out, n, flags, hash, &tag);
    if (e && n <= 15) {
        e->a = a;
        e->b = b;
        e->len = (uint8_t)n;
        e->flags = (uint8_t)flags;
        memset(e->canon, 0, sizeof e->canon);
        memcpy(e->canon, out, n);
        e->hash = hash;
        e->lens = lens;
        e->tag = tag;
    }
    if (n == 0)
        return false;
    memcpy(dst, out, n);
    tok->len = (uint16_t)n;
    tok->flags = (uint8_t)flags;
    tok->hash = hash;
    tok->lens = lens;
    tok->tag = tag;
    return true;
}

/* The cache key of a folded word f[0..len) (len <= 15, 16 readable bytes at f): its bytes,
 * zero-padded, with its length in the top byte; returns its slot. */
static inline size_t canon_key(const char *f, size_t len, uint64_t *ka, uint64_t *kb)
{
    static const uint64_t keep[16][2] = {
        {0, 0}, {0xFF, 0}, {0xFFFF, 0}, {0xFFFFFF, 0}, {0xFFFFFFFF, 0},
        {0xFFFFFFFFFF, 0}, {0xFFFFFFFFFFFF, 0}, {0xFFFFFFFFFFFFFF, 0}, {~0ull, 0},
        {~0ull, 0xFF}, {~0ull, 0xFFFF}, {~0ull, 0xFFFFFF}, {~0ull, 0xFFFFFFFF},
        {~0ull, 0xFFFFFFFFFF}, {~0ull, 0xFFFFFFFFFFFF}, {~0ull, 0xFFFFFFFFFFFFFF}};
    uint64_t a, b;
    memcpy(&a, f, 8);
    memcpy(&b, f + 8, 8);
    a &= keep[len][0];
    b = (b & keep[len][1]) | (uint64_t)len << 56;
    *ka = a;
    *kb = b;
    return (size_t)(((a * 0x9E3779B97F4A7C15ull) ^ (b * 0xC2B2AE3D27D4EB4Full)) >>
                    (64 - VIGIL_CANON_BITS));
}

/* Where a block token's folded flags come from (clean_block): the block's letters and digits as
 * bits, and the token's first and last bit. */
typedef struct block_bits {
    uint64_t al, dg;
    unsigned b, e;
} block_bits;

#define NO_BITS ((block_bits){0, 0, 0, 0}) /* for tokens whose flags are set */

static inline uint8_t block_flags(block_bits k)
{
    uint64_t m = (2ull << k.e) - (1ull << k.b); /* bits b .. e: at most 63 bytes here */
    return (uint8_t)(((k.al & m) ? VIGIL_TOK_ALPHA : 0) | ((k.dg & m) ? VIGIL_TOK_DIGITS : 0));
}

/* Canonicalizes the folded token tok, whose folded characters are f[0..tok->len) with 16
 * readable bytes past f, into dst (which may be f; room for VIGIL_TOKEN_MAX + 16 bytes), and
 * sets its length, flags, hash and filter bits. Returns false for a dropped word. Not for
 * spelled runs. The cache hit is inlined: it is the common case of every token. With `lazy`,
 * tok's folded flags are not set yet but come from `bits`: only a word the cache misses needs
 * them (a hit has its canonical flags; making them for every token was a tenth of the
 * tokenizer's instructions). */
static inline bool canon_scan(const scan_ctx *c, vigil_token *tok, const char *f, char *dst,
                              bool lazy, block_bits bits, canon_entry *ents, bool tagged)
{
    /* ents and tagged are c->cache->e and c->tagged, read once by a caller with many tokens:
     * read here, the stores to tok (which the compiler cannot tell from them) made it read them
     * again for every token */
    if (tok->len > 15) {
        if (lazy)
            tok->flags = block_flags(bits);
        return canon_miss(c, tok, f, dst, NULL, 0, 0);
    }
    uint64_t a, b;
    size_t slot = canon_key(f, tok->len, &a, &b) & ~(size_t)1;
    canon_entry *e = &ents[slot];
    if (e->a != a || e->b != b) {
        /* two ways, the last used first: half the misses of one entry a word (words that
         * share a slot took turns evicting each other), and the first way's hit costs the
         * same as before */
        if (e[1].a != a || e[1].b != b) {
            e[1] = e[0];
            if (lazy)
                tok->flags = block_flags(bits);
            return canon_miss(c, tok, f, dst, e, a, b);
        }
        canon_entry hit = e[1];
        e[1] = e[0];
        e[0] = hit;
    }
    if (e->len == 0)
        return false;
    memcpy(dst, e->canon, 16);
    tok->len = e->len;
    tok->flags = e->flags;
    tok->hash = e->hash;
    tok->lens = e->lens;
    if (tagged)
        tok->tag = e->tag;
    return true;
}

#ifdef __SSE2__
/* The fast path of pass 1 (measured: most of a scan's time is spent per token, and most text is
 * plain ASCII): 64 bytes are classified at once into bit masks. Up to the first byte that needs
 * the general path (non-ASCII, '@', '$'), the tokens are exactly the runs of letters and digits,
 * read off the masks with bit operations. blk holds 64 readable bytes standing at text offset i
 * (the text itself, or its tail padded with spaces). Returns the bytes consumed: up to the start
 * of a token that touches the block's end or a byte needing the general path; SIZE_MAX on
 * out-of-memory. *special gets the offset of the first byte needing the general path (64 when
 * none). Called only between tokens. */
static size_t clean_block(vigil_tokens *t, const unsigned char *blk, size_t i, unsigned *singles,
                          bool *spelled, unsigned *special, const scan_ctx *c)
{
    unsigned char low[64 + 16];
    uint64_t al = 0, dg = 0, sp = 0;
    for (unsigned k = 0; k < 4; k++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(blk + 16 * k));
        __m128i lo = _mm_or_si128(v, _mm_set1_epi8(0x20));
        __m128i a = _mm_and_si128(_mm_cmpgt_epi8(lo, _mm_set1_epi8('a' - 1)),
                                  _mm_cmplt_epi8(lo, _mm_set1_epi8('z' + 1)));
        __m128i d = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
                                  _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
        __m128i x = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('@')),
                                 _mm_cmpeq_epi8(v, _mm_set1_epi8('$')));
        _mm_storeu_si128((__m128i *)(low + 16 * k), lo); /* digits are unchanged by | 0x20 */
        al |= (uint64_t)(unsigned)_mm_movemask_epi8(a) << (16 * k);
        dg |= (uint64_t)(unsigned)_mm_movemask_epi8(d) << (16 * k);
        sp |= (uint64_t)(unsigned)(_mm_movemask_epi8(x) | _mm_movemask_epi8(v)) << (16 * k);
    }
    unsigned limit = sp ? (unsigned)__builtin_ctzll(sp) : 64;
    *special = limit;
    uint64_t valid = limit == 64 ? ~0ull : (1ull << limit) - 1;
    uint64_t word = (al | dg) & valid;
    uint64_t starts = word & ~(word << 1), ends = word & ~(word >> 1);
    size_t used = limit;
    if (limit && ((word >> (limit - 1)) & 1)) {
        /* the last token runs on into what this block cannot decide: leave it */
        unsigned last = 63u - (unsigned)__builtin_clzll(starts);
        used = last;
        starts &= (1ull << last) - 1;
        ends &= (1ull << last) - 1;
    }
    if (!starts)
        return used;
    /* at most 32 tokens in 64 bytes; canonical forms may be longer than folded ones */
    if (grow_tokens_n(t, 32) != VIGIL_OK ||
        grow_chars(t, (c ? 32 * (VIGIL_TOKEN_MAX + 1) : 64) + 16) != VIGIL_OK)
        return SIZE_MAX;
    char *o = t->chars + t->nchars;
    size_t q = 0;
    canon_entry *ents = c ? c->cache->e : NULL;
    bool tagged = c && c->tagged;
    while (starts) {
        unsigned b = (unsigned)__builtin_ctzll(starts), e = (unsigned)__builtin_ctzll(ends);
        starts &= starts - 1;
        ends &= ends - 1;
        unsigned n = e - b + 1;
        *singles = n == 1 ? *singles + 1 : 0;
        if (*singles >= 3)
            *spelled = true;
        vigil_token *tok = &t->v[t->n];
        tok->start = (uint32_t)(i + b);
        tok->end = (uint32_t)(i + e + 1);
        tok->off = tok->raw_off = (uint32_t)(t->nchars + q);
        tok->len = (uint16_t)n;
        tok->raw_len = (uint8_t)n;
        block_bits bits = {al, dg, b, e};
        if (c) { /* the scan: canonical form straight from the block */
            if (!canon_scan(c, tok, (const char *)low + b, o + q, true, bits, ents, tagged))
                continue;
            t->n++;
            q += tok->len;
            continue;
        }
        tok->flags = block_flags(bits);
        for (unsigned k = 0; k < n; k += 16)
            _mm_storeu_si128((__m128i *)(o + q + k), _mm_loadu_si128((const __m128i *)(low + b + k)));
        t->n++;
        q += n;
    }
    t->nchars += q;
    return used;
}
#endif

/* The scan's canonical form of the token just folded by the general path, in place at the end
 * of the buffer (a dropped word is taken off). False on out-of-memory. */
static bool finish(vigil_tokens *t, vigil_token *cur, const scan_ctx *c)
{
    if (grow_chars(t, VIGIL_TOKEN_MAX + 16) != VIGIL_OK)
        return false;
    cur->raw_off = cur->off;
    char *f = t->chars + cur->off;
    if (canon_scan(c, cur, f, f, false, NO_BITS, c->cache->e, c->tagged)) {
        t->nchars = cur->off + cur->len;
    } else {
        t->nchars = cur->off;
        t->n--;
    }
    return true;
}

/* Pass 1: folded words. Each token's chars are appended to t->chars contiguously, so merging
 * adjacent tokens later is a matter of adding lengths. */
static vigil_status fold_words(vigil_tokens *t, const unsigned char *s, size_t len, bool *spelled,
                               bool general, const scan_ctx *sc)
{
    size_t i = 0;
    unsigned singles = 0; /* one-character tokens in a row: three may be a spelled run */
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
            singles = raw == 1 && cur->len == 1 ? singles + 1 : 0;                             \
            if (singles >= 3)                                                                  \
                *spelled = true;                                                               \
            in = 0;                                                                            \
            if (sc && !finish(t, cur, sc))                                                     \
                return VIGIL_ERR_NOMEM;                                                        \
        }                                                                                      \
    } while (0)

    size_t general_until = general ? SIZE_MAX : 0; /* bytes before this take the general path */
    while (i < len) {
#ifdef __SSE2__
        if (!in && i >= general_until) {
            const unsigned char *blk = s + i;
            unsigned char pad[64];
            if (len - i < 64) { /* the tail: padded with spaces, which end a token as the end does */
                memset(pad, ' ', sizeof pad);
                memcpy(pad, s + i, len - i);
                blk = pad;
            }
            unsigned special;
            size_t used = clean_block(t, blk, i, &singles, spelled, &special, sc);
            if (used == SIZE_MAX)
                return VIGIL_ERR_NOMEM;
            if (used > len - i)
                used = len - i;
            if (used) {
                i += used;
                continue;
            }
            /* the general path up to and including the byte it is needed for */
            general_until = i + special + 1;
        }
#endif
        unsigned char c = s[i];
        if (c < 0x80 && ascii_class[c] >= C_LOWER && ascii_class[c] <= C_DIGIT) {
            /* ASCII fast path: a whole run of letters and digits at once (most bytes of most
             * text), lower-cased through a table */
            BEGIN(i);
            size_t have = t->nchars - cur->off;
            size_t room = have >= 255 ? 0 : 255 - have;
            if (grow_chars(t, room) != VIGIL_OK)
                return VIGIL_ERR_NOMEM;
            char *o = t->chars + t->nchars;
            size_t j = i, q = 0;
            unsigned fl = 0, k;
            /* one table lookup per byte classifies, lower-cases and ends the run */
            while (j < len && (k = word_bits[s[j]]) != 0) {
                fl |= k;
                if (q < room)
                    o[q++] = (char)(s[j] | 0x20); /* digits already have 0x20 */
                j++;
            }
            t->nchars += q;
            cur->flags |= (uint8_t)fl;
            last_alpha = ascii_class[s[j - 1]] != C_DIGIT;
            raw += (unsigned)(j - i);
            cur->end = (uint32_t)j;
            i = j;
            continue;
        }
        if (c < 0x80) {
            unsigned cls = ascii_class[c];
            if (cls == C_SEP) {
                END();
                i++;
                continue;
            }
            char out;
            if (cls == C_AT) {
                /* '@' is the letter a inside or at the end of a word ("J@ne", "Victori@"),
                 * a separator in an e-mail address or before digits */
                int next_alpha = i + 1 < len && ascii_alpha(s[i + 1]);
                int next_word = i + 1 < len && (ascii_alnum(s[i + 1]) || s[i + 1] >= 0x80 ||
                                                s[i + 1] == '@' || s[i + 1] == '.');
                if (!(in && last_alpha &&
                      ((next_alpha && !email_ahead(s, i + 1, len)) || !next_word))) {
                    t->at_sign = true;
                    END();
                    i++;
                    continue;
                }
                t->at_letter = true;
                out = 'a';
            } else if (cls == C_DOLLAR) {
                /* '$' is the letter s next to a letter ("$mith", "Jone$", "$@muel") */
                int next_alpha = i + 1 < len && (ascii_alpha(s[i + 1]) ||
                                                 (s[i + 1] == '@' && i + 2 < len &&
                                                  ascii_alpha(s[i + 2])));
                if (!((in && last_alpha) || next_alpha)) {
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
        size_t k = vigil_utf8_decode(s + i, len - i, &cp);
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

static int single(const vigil_token *t)
{
    return t->raw_len == 1 && t->len == 1;
}

/* Gap between tokens k and k+1 when both are single characters and the gap is a short
 * separator; 0 otherwise. */
static uint32_t single_gap(const vigil_tokens *t, size_t k)
{
    if (k + 1 >= t->n || !single(&t->v[k]) || !single(&t->v[k + 1]))
        return 0;
    uint32_t g = t->v[k + 1].start - t->v[k].end;
    return g <= 3 ? g : 0;
}

static int same_gap(const vigil_tokens *t, const unsigned char *s, size_t a, size_t b)
{
    uint32_t ga = t->v[a + 1].start - t->v[a].end, gb = t->v[b + 1].start - t->v[b].end;
    return ga == gb && memcmp(s + t->v[a].end, s + t->v[b].end, ga) == 0;
}

static bool gap_has_space(const vigil_tokens *t, const unsigned char *s, size_t k)
{
    for (uint32_t b = t->v[k].end; b < t->v[k + 1].start; b++)
        if (s[b] == ' ' || s[b] == '\t' || s[b] == '\n' || s[b] == '\r')
            return true;
    return false;
}

/* Merges runs of >= 3 one-character tokens separated by the same short separator ("J.o.h.n",
 * "5 5 5 1 2 1 2"). A character that starts a run with another separator belongs to that run:
 * "J e s s i c a B-a-i-l-e-y" is two words. */
static void merge_spelled(vigil_tokens *t, const unsigned char *s)
{
    size_t w = 0;
    for (size_t r = 0; r < t->n;) {
        size_t j = r;
        if (single_gap(t, r)) {
            bool space_run = gap_has_space(t, s, r);
            while (single_gap(t, j) && same_gap(t, s, r, j)) {
                /* Whitespace is the word boundary: in a run spaced with blanks, a character
                 * that is joined to the next by another separator starts the next word
                 * ("J e s s i c a B-a-i-l-e-y"). */
                if (space_run && j + 2 < t->n && !gap_has_space(t, s, j + 1) &&
                    t->v[j + 2].start - t->v[j + 1].end <= 3 &&
                    t->v[j + 2].start > t->v[j + 1].end)
                    break;
                /* A capital after two small letters starts the next word too ("E d w a r d s
                 * B G C 3 4 2 0" is a surname and a plate); alternating case ("j O h N")
                 * never has two small letters before a capital. */
                if (j > r && case_of(s[t->v[j - 1].start]) == C_LOWER &&
                    case_of(s[t->v[j].start]) == C_LOWER &&
                    case_of(s[t->v[j + 1].start]) == C_UPPER)
                    break;
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
            tok.flags = (uint8_t)(flags | VIGIL_TOK_SPELLED);
            t->nspelled++;
            r = j + 1;
        } else {
            r++;
        }
        t->v[w++] = tok;
    }
    t->n = w;
}

/* "5th", "21st", "2nd", "3a", "1ro", "9na": digits and a suffix that fits the last digit. */
static int is_ordinal(const char *p, size_t n, size_t *digits)
{
    size_t d = 0;
    while (d < n && p[d] >= '0' && p[d] <= '9')
        d++;
    if (d == 0 || d == n || n - d > 2)
        return 0;
    char last = p[d - 1];
    char a = p[d], b = n - d == 2 ? p[d + 1] : 0;
    int ok = 0;
    if (!b)
        ok = a == 'a' || a == 'o';
    else if (b == 'h')
        ok = a == 't';
    else if (a == 's' && b == 't')
        ok = last == '1';
    else if (a == 'n' && b == 'd')
        ok = last == '2';
    else if (a == 'r' && b == 'd')
        ok = last == '3';
    else if (b == 'o' || b == 'a') {
        switch (a) {
        case 'r': ok = last == '1' || last == '3'; break;
        case 'd': ok = last == '2'; break;
        case 't': ok = last == '4' || last == '5' || last == '6'; break;
        case 'm': ok = last == '7' || last == '0'; break;
        case 'v': ok = last == '8'; break;
        case 'n': ok = last == '9'; break;
        default: break;
        }
    } else if (a == 'e' && b == 'r')
        ok = last == '1' || last == '3';
    if (ok)
        *digits = d;
    return ok;
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

size_t vigil_canon_token(const char *in, size_t n, char *out, unsigned *flags)
{
    char p[VIGIL_TOKEN_MAX + 1];
    if (n > VIGIL_TOKEN_MAX)
        n = VIGIL_TOKEN_MAX;
    int alpha = 0, digit = 0;
    for (size_t k = 0; k < n; k++) {
        p[k] = in[k];
        if (in[k] >= '0' && in[k] <= '9')
            digit = 1;
        else
            alpha = 1;
    }
    if (alpha && digit) {
        size_t d;
        if (is_ordinal(p, n, &d)) {
            n = d;
            alpha = 0;
        } else {
            digit = 0;
            for (size_t k = 0; k < n; k++) {
                p[k] = leet(p[k]);
                digit |= p[k] >= '0' && p[k] <= '9';
            }
        }
    }
    if (alpha) {
        vigil_word_class cls;
        const char *rep = vigil_canon_word(p, n, &cls);
        if (rep && !*rep)
            return 0; /* dropped filler word */
        if (rep) {
            n = strlen(rep);
            memcpy(p, rep, n);
            if (rep[0] >= '0' && rep[0] <= '9') {
                alpha = 0;
                digit = 1;
            }
        }
        for (size_t k = 0; k < n; k++)
            if (p[k] == 'i')
                p[k] = 'l';
    }
    memcpy(out, p, n);
    *flags = alpha ? VIGIL_TOK_ALPHA : (digit ? VIGIL_TOK_DIGITS : 0);
    return n;
}

/* Stores canonical bytes out[0..n) as token tok (in place when they fit). Spelled runs keep a
 * copy of their folded characters for sub-run matching. */
static vigil_status place(vigil_tokens *t, vigil_token *tok, const char *out, size_t n,
                          unsigned flags)
{
    if (tok->flags & VIGIL_TOK_SPELLED) {
        /* keep the folded characters: copy them past the end of the buffer */
        size_t rl = tok->len > VIGIL_TOKEN_MAX ? VIGIL_TOKEN_MAX : tok->len;
        if (grow_chars(t, rl) != VIGIL_OK)
            return VIGIL_ERR_NOMEM;
        memcpy(t->chars + t->nchars, t->chars + tok->off, rl);
        tok->raw_off = (uint32_t)t->nchars;
        tok->raw_len = (uint8_t)rl;
        t->nchars += rl;
        flags |= VIGIL_TOK_SPELLED;
    }
    if (n > tok->len) {
        if (grow_chars(t, n) != VIGIL_OK)
            return VIGIL_ERR_NOMEM;
        tok->off = (uint32_t)t->nchars;
        t->nchars += n;
    }
    memcpy(t->chars + tok->off, out, n);
    tok->len = (uint16_t)n;
    tok->flags = (uint8_t)flags;
    return VIGIL_OK;
}

/* Pass 2: canonical form of each token. */
static vigil_status canonicalize(vigil_tokens *t)
{
    size_t w = 0;
    for (size_t r = 0; r < t->n; r++) {
        vigil_token tok = t->v[r];
        tok.raw_off = tok.off;
        unsigned flags;
        char out[VIGIL_TOKEN_MAX + 1];
        size_t n = canon_of(t->chars + tok.off, tok.len, tok.flags, out, &flags);
        if (n == 0)
            continue;
        if (place(t, &tok, out, n, flags) != VIGIL_OK)
            return VIGIL_ERR_NOMEM;
        t->v[w++] = tok;
    }
    t->n = w;
    return VIGIL_OK;
}

static vigil_status tokenize(vigil_tokens *t, const char *text, size_t len, bool general,
                             const scan_ctx *c, bool *spelled_out)
{
    t->n = 0;
    t->nchars = 0;
    t->taggen = 0;
    if (len > UINT32_MAX)
        return VIGIL_ERR_LIMIT;
    const unsigned char *s = (const unsigned char *)text;
    pthread_once(&bits_once, init_bits);
    bool spelled = false;
    t->at_sign = t->at_letter = false;
    vigil_status st = fold_words(t, s, len, &spelled, general, c);
    if (st != VIGIL_OK)
        return st;
    t->nspelled = 0;
    if (c) { /* canonical already; a spelled run means doing it again the long way */
        *spelled_out = spelled;
        return VIGIL_OK;
    }
    if (spelled || general)
        merge_spelled(t, s);
    return VIGIL_OK;
}

vigil_status vigil_tokenize(vigil_tokens *t, const char *text, size_t len)
{
    vigil_status st = tokenize(t, text, len, false, NULL, NULL);
    return st == VIGIL_OK ? canonicalize(t) : st;
}

vigil_status vigil_tokenize_general(vigil_tokens *t, const char *text, size_t len)
{
    vigil_status st = tokenize(t, text, len, true, NULL, NULL);
    return st == VIGIL_OK ? canonicalize(t) : st;
}

/* ------------------------------------------------------------------ scanning */

vigil_canon_cache *vigil_canon_cache_new(void)
{
    vigil_canon_cache *c = calloc(1, sizeof *c);
    if (c && !(c->e = vigil_huge_alloc(VIGIL_CANON_CACHE * sizeof *c->e, &c->mem))) {
        free(c);
        return NULL;
    }
    return c;
}

void vigil_canon_cache_free(vigil_canon_cache *c)
{
    if (!c)
        return;
    vigil_huge_free(&c->mem);
    free(c);
}

void vigil_canon_cache_set_tagger(vigil_canon_cache *c, vigil_word_tagger fn, const void *ctx,
                                  uint64_t gen)
{
    if (!fn)
        gen = 0;
    if (gen == c->taggen)
        return;
    memset(c->e, 0, VIGIL_CANON_CACHE * sizeof *c->e);
    c->tagfn = gen ? fn : NULL;
    c->tagctx = ctx;
    c->taggen = gen;
}

/* The scan's tokenizer when a spelled run was merged: canonicalizes the tokens after folding
 * and merging, from the folded characters moved to the spare buffer. */
static vigil_status scan_unfused(vigil_tokens *t, const scan_ctx *c)
{
    /* 16 readable bytes past every token's folded chars, for the cache key's two loads */
    if (grow_chars(t, 16) != VIGIL_OK)
        return VIGIL_ERR_NOMEM;
    char *fold = t->chars;
    size_t fcap = t->ccap;
    t->chars = t->spare;
    t->ccap = t->scap;
    t->spare = fold;
    t->scap = fcap;
    t->nchars = 0;
    size_t w = 0;
    for (size_t r = 0; r < t->n; r++) {
        vigil_token *tok = &t->v[w];
        if (w != r)
            *tok = t->v[r];
        if (t->ccap - t->nchars < 2 * (VIGIL_TOKEN_MAX + 1) + 16 &&
            grow_chars(t, 2 * (VIGIL_TOKEN_MAX + 1) + 16) != VIGIL_OK)
            return VIGIL_ERR_NOMEM;
        char *o = t->chars + t->nchars;
        if (!(tok->flags & VIGIL_TOK_SPELLED)) {
            if (!canon_scan(c, tok, fold + tok->off, o, false, NO_BITS, c->cache->e, c->tagged))
                continue;
            tok->off = tok->raw_off = (uint32_t)t->nchars;
            t->nchars += tok->len;
            w++;
            continue;
        }
        /* a spelled run keeps its folded characters, for sub-run matching, before its
         * canonical form (never cached: the cache is for single words) */
        size_t rl = tok->len > VIGIL_TOKEN_MAX ? VIGIL_TOKEN_MAX : tok->len;
        memcpy(o, fold + tok->off, rl);
        if (!canon_miss(c, tok, fold + tok->off, o + rl, NULL, 0, 0))
            continue;
        tok->raw_off = (uint32_t)t->nchars;
        tok->raw_len = (uint8_t)rl;
        tok->off = (uint32_t)(t->nchars + rl);
        t->nchars += rl + tok->len;
        tok->flags |= VIGIL_TOK_SPELLED;
        w++;
    }
    t->n = w;
    return VIGIL_OK;
}

vigil_status vigil_tokenize_scan(vigil_tokens *t, const char *text, size_t len,
                                 const vigil_keys *k, const vigil_index *ix,
                                 vigil_canon_cache *cache)
{
    if (cache->keys != k || cache->ix != ix) {
        memset(cache->e, 0, VIGIL_CANON_CACHE * sizeof *cache->e);
        cache->keys = k;
        cache->ix = ix;
    }
    scan_ctx c = {k, ix, cache, t, cache->taggen != 0};
    bool spelled = false;
    cache->any_pending = false;
    vigil_status st = tokenize(t, text, len, false, &c, &spelled);
    if (st == VIGIL_OK && spelled) {
        /* rare: three one-character tokens in a row may merge into one word */
        resolve_pending(&c);
        st = tokenize(t, text, len, false, NULL, NULL);
        if (st == VIGIL_OK)
            st = scan_unfused(t, &c);
    }
    resolve_pending(&c);
    /* the tokens that met a pending word in the cache */
    for (size_t i = 0; cache->any_pending && i < t->n; i++)
        if (t->v[i].lens == LENS_PENDING)
            t->v[i].lens = vigil_index_first_lens(ix, t->v[i].hash);
    if (st == VIGIL_OK)
        t->taggen = cache->taggen;
    return st;
}

size_t vigil_canon_one(const char *word, char *out, size_t cap)
{
    vigil_tokens t = {0};
    size_t n = 0;
    if (vigil_tokenize(&t, word, strlen(word)) == VIGIL_OK && t.n == 1 && t.v[0].len < cap) {
        n = t.v[0].len;
        memcpy(out, vigil_token_str(&t, 0), n);
        out[n] = '\0';
    }
    vigil_tokens_free(&t);
    return n;
}

void vigil_tokens_free(vigil_tokens *t)
{
    if (!t)
        return;
    free(t->v);
    free(t->chars);
    free(t->spare);
    memset(t, 0, sizeof *t);
}
