/*
 * Personal-data patterns: phone numbers, e-mail addresses (also written out), US and Mexican
 * street addresses, vehicle plates, geographic coordinates, US SSNs, Mexican CURPs and IPv4
 * addresses, whoever they belong to.
 *
 * All patterns are compiled into one vectorscan (Hyperscan) database and found in one pass over
 * the text; each pattern is a plain regular expression without back-references, so the scan is
 * linear in the text. Matches of one kind that overlap are merged into the widest; the number of
 * matches per document is capped. Phone numbers spelled out in words ("five five five ...") come
 * from the token stream instead, where digit words already are digits.
 *
 * The database is compiled once per process; each scanner clones its own scratch space.
 */
#include "../internal.h"
#include "pii_db.h"
#include "pii_patterns.h"

#include <ctype.h>
#include <dlfcn.h>
#include <hs.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

static const char *const kind_names[VIGIL_PII_COUNT] = {
    "phone", "email", "address", "plate", "coordinates", "ssn", "curp", "ip"};

const char *vigil_pii_kind_name(vigil_pii_kind k)
{
    return (unsigned)k < VIGIL_PII_COUNT ? kind_names[k] : NULL;
}

/* Two databases: `fast` reports only where matches end (start-of-match tracking made the scan
 * take half of all scanning time), `som` also reports where they start and runs only on a
 * window before each end the fast pass found. Personal data is rare in most text. */
/* No match is this long: the longest realistic ones (an e-mail address with a long local part and
 * subdomains, a street address spelled out in full) are under 120 bytes. The spans vectorscan
 * reads grow with it (320: a quarter more personal-data time, for matches no one writes). */
#define WINDOW 160
static hs_database_t *fast, *som;
static char db_error[256];
static pthread_once_t db_once = PTHREAD_ONCE_INIT;

/* The databases compiled at build time (pii_db.h, by tools/gen_hsdb.c); compiled here only
 * when they cannot be loaded or run, e.g. on a CPU other than the build machine's. */
static hs_database_t *load(const unsigned char *bytes, size_t len)
{
    hs_database_t *d = NULL;
    if (len && hs_deserialize_database((const char *)bytes, len, &d) == HS_SUCCESS)
        return d;
    return NULL;
}

static void make_type_keys(void);
static void pick_candidate_search(void);

/* vectorscan 5.4.9 (Debian 12) scanning with its AVX-512 code misses matches by where they lie
 * in memory: on this project's AVX-512 machine, coordinates 112 bytes into a 175-byte post were
 * missed at 32 of 64 buffer addresses, and a database of the single expression
 * @[a-z0-9-]+\.[a-z] missed e-mail addresses at 45 of 64 (upstream has since fixed AVX-512 scan
 * bugs of this kind, e.g. vectorscan pull request 378). Its AVX2 code finds them all, as fast
 * here. The library's CPU dispatch offers no switch, but exports each variant's entry point:
 * on a CPU with AVX-512, scans go to avx2_hs_scan, with databases compiled without AVX-512
 * (pii_patterns.h). Where that symbol is missing (a library built otherwise), hs_scan. The
 * unit tests scan the same texts at every offset in a cache line. */
typedef hs_error_t (*scan_fn)(const hs_database_t *db, const char *data, unsigned length,
                              unsigned flags, hs_scratch_t *scratch, match_event_handler on,
                              void *ctx);
static scan_fn scan_db = hs_scan;

static void pick_scanner(void)
{
    hs_platform_info_t plat;
    if (hs_populate_platform(&plat) != HS_SUCCESS ||
        !(plat.cpu_features & AVX512_FEATURES))
        return;
    void *f = dlsym(RTLD_DEFAULT, "avx2_hs_scan");
    if (f)
        memcpy(&scan_db, &f, sizeof f); /* a function from a void *, as POSIX does it */
}

static int on_nothing(unsigned id, unsigned long long from, unsigned long long to,
                      unsigned flags, void *ctx)
{
    (void)id;
    (void)from;
    (void)to;
    (void)flags;
    (void)ctx;
    return 0;
}

/* d, when the scanner in use runs it (a database built for another CPU does not), else NULL. */
static hs_database_t *runnable(hs_database_t *d)
{
    hs_scratch_t *s = NULL;
    if (d && (hs_alloc_scratch(d, &s) != HS_SUCCESS ||
              scan_db(d, "0", 1, 0, s, on_nothing, NULL) != HS_SUCCESS)) {
        hs_free_database(d);
        d = NULL;
    }
    hs_free_scratch(s);
    return d;
}

static void compile(void)
{
    make_type_keys();
    pick_candidate_search();
    pick_scanner();
    fast = runnable(load(vigil_pii_fast_db, sizeof vigil_pii_fast_db - 1));
    som = runnable(load(vigil_pii_som_db, sizeof vigil_pii_som_db - 1));
    if (!fast)
        fast = compile_db(HS_FLAG_SINGLEMATCH, true, db_error, sizeof db_error);
    if (fast && !som)
        som = compile_db(HS_FLAG_SOM_LEFTMOST, false, db_error, sizeof db_error);
}

struct vigil_pii_scanner {
    hs_scratch_t *scratch;
    vigil_pii_match *m;
    size_t n, cap;
    size_t base;              /* offset of the window being rescanned */
    const char *text;         /* the document being scanned */
    size_t ends[VIGIL_PII_MAX];
    size_t nends;
    /* addresses whose leftmost start made them implausible: the rest after the last function
     * word, to be scanned again (vectorscan reports one start per end, the leftmost: "0052 and
     * 55 Line Way" hides "55 Line Way") */
    struct span_ {
        size_t from, to;
    } retry[16];
    size_t nretry;
};

vigil_status vigil_pii_scanner_create(vigil_pii_scanner **out, char *err, size_t errlen)
{
    pthread_once(&db_once, compile);
    if (!fast || !som) {
        vigil_errf(err, errlen, "%s", db_error);
        return VIGIL_ERR_ARG;
    }
    vigil_pii_scanner *p = calloc(1, sizeof *p);
    if (!p)
        return VIGIL_ERR_NOMEM;
    if (hs_alloc_scratch(fast, &p->scratch) != HS_SUCCESS ||
        hs_alloc_scratch(som, &p->scratch) != HS_SUCCESS) {
        free(p);
        return VIGIL_ERR_NOMEM;
    }
    p->cap = VIGIL_PII_MAX;
    p->m = calloc(p->cap, sizeof *p->m);
    if (!p->m) {
        hs_free_scratch(p->scratch);
        free(p);
        return VIGIL_ERR_NOMEM;
    }
    *out = p;
    return VIGIL_OK;
}

void vigil_pii_scanner_free(vigil_pii_scanner *p)
{
    if (!p)
        return;
    hs_free_scratch(p->scratch);
    free(p->m);
    free(p);
}

/* Fast pass: remember where something ends (HS_FLAG_SINGLEMATCH reports each pattern once, so
 * the fast pass is run again after each window). */
static int on_end(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                  void *ctx)
{
    (void)id;
    (void)from;
    (void)flags;
    vigil_pii_scanner *p = ctx;
    if (p->nends < VIGIL_PII_MAX)
        p->ends[p->nends++] = (size_t)to;
    return 0;
}

/* An address's street words are names, not function words: "call 311 for road closures" is
 * not an address. (vectorscan has no lookahead, so this is checked after the match.) Returns 0
 * when s[0..n) has none, else where the text after the last one starts. */
static const char *const stop_words[] = {
    "for", "to", "the", "of", "and", "in", "on", "at", "a", "an", "is", "was", "by", "from",
    "with", "or", "de", "la", "el", "en", "y", "por", "para", "que", "un", "una"};
#define NSTOP (sizeof stop_words / sizeof *stop_words)

static size_t after_function_words(const char *s, size_t n)
{
    size_t after = 0;
    for (size_t i = 0; i < n;) {
        while (i < n && !isalpha((unsigned char)s[i]))
            i++;
        size_t j = i;
        while (j < n && isalpha((unsigned char)s[j]))
            j++;
        if (j > i && vigil_word_listed(stop_words, NSTOP, s + i, j - i))
            after = j;
        i = j;
    }
    return after;
}

/* A Mexican address (s[0..n), its street type first) whose name joins its words with particles:
 * "Calle de la Paz 4", "Av. de los Insurgentes 300", "Calle 16 de Septiembre 45". Each particle
 * must lead to a name word written with a capital, and no other function word may appear:
 * "calle de mi casa hay 3" stays out. */
static bool joined_name(const char *s, size_t n)
{
    bool first = true, pending = false;
    for (size_t i = 0; i < n;) {
        while (i < n && !isalpha((unsigned char)s[i]) && (unsigned char)s[i] < 0x80)
            i++;
        size_t j = i;
        while (j < n && (isalpha((unsigned char)s[j]) || (unsigned char)s[j] >= 0x80))
            j++;
        if (j == i)
            break;
        if (first) { /* the street type */
            first = false;
        } else if (vigil_word_listed(vigil_street_particles, VIGIL_STREET_PARTICLES, s + i,
                                     j - i)) {
            pending = true;
        } else if (vigil_word_listed(stop_words, NSTOP, s + i, j - i)) {
            return false;
        } else {
            if (pending && !isupper((unsigned char)s[i]))
                return false;
            pending = false;
        }
        i = j;
    }
    return !first && !pending;
}

static size_t inner_street_type(const unsigned char *s, size_t n);

static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                    void *ctx)
{
    (void)flags;
    vigil_pii_scanner *p = ctx;
    from += p->base;
    to += p->base;
    vigil_pii_kind k = patterns[id].kind;
    /* a Mexican address starts with its street type, a US one with its number */
    bool mx = k == VIGIL_PII_ADDRESS && isalpha((unsigned char)p->text[from]);
    if (k == VIGIL_PII_ADDRESS) {
        /* scanned again from a later start: an implausible address after its last function
         * word; a Mexican address holding another street type ("Privada 12 y Calle Matamoros
         * 8421", reported from its leftmost start) from that type */
        const char *a = p->text + from;
        size_t n = (size_t)(to - from), again = after_function_words(a, n);
        if (again && mx && joined_name(a, n))
            again = 0;
        if (!again && mx)
            again = inner_street_type((const unsigned char *)a, n);
        if (again) {
            if (p->nretry < sizeof p->retry / sizeof *p->retry)
                p->retry[p->nretry++] = (struct span_){(size_t)from + again, (size_t)to};
            return 0;
        }
    }
    /* "NBC 2016": three capitals, a space and a year is a name and a date, not a plate */
    if (k == VIGIL_PII_PLATE && to - from == 8 && p->text[from + 3] == ' ' &&
        (memcmp(p->text + from + 4, "19", 2) == 0 || memcmp(p->text + from + 4, "20", 2) == 0))
        return 0;
    /* the same start reported again with a later end: widen the last match; but a Mexican
     * address ends at its first number ("Calle Hidalgo 12" in "Calle Hidalgo 12 por 20 años":
     * its name's words may be numbers too) */
    for (size_t i = p->n; i-- > 0 && i + 8 >= p->n;)
        if (p->m[i].kind == k && p->m[i].start <= from && from < p->m[i].end + 1) {
            if (to > p->m[i].end && !(mx && p->m[i].start == from))
                p->m[i].end = (size_t)to;
            return 0;
        }
    if (p->n == p->cap)
        return 0; /* capped: keep scanning for nothing more */
    p->m[p->n++] = (vigil_pii_match){k, (size_t)from, (size_t)to};
    return 0;
}

static int cmp_match(const void *a, const void *b)
{
    const vigil_pii_match *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return (int)x->kind - (int)y->kind;
}

/* Where matches can be. Every match of a pattern in pii_patterns.h has in it an anchor: '@', the
 * letters "dot" or "punt(o)" (e-mail written out), or an ASCII digit, and no match is WINDOW
 * bytes long, so matches lie within WINDOW bytes of their anchors; vectorscan runs only on the
 * spans near anchors (merged, each widened to the white space around it, so that a word
 * boundary at its ends is what it is in the text).
 *
 * Most digits in posts are short numbers ("2 of them", "in 2019"), and most of a scan's
 * vectorscan time went to the text around them (28% of EDOS posts' bytes were near a digit),
 * while a short number can be in only some patterns. A run of digits is an anchor when one of
 * the patterns can hold it; else it is skipped, as the patterns require:
 * - 6 digits or more (a CURP's date, a phone number run together);
 * - followed by a '.' and a digit (an IPv4 address and coordinates have such a run first);
 * - an upper-case letter before it, or a separator and one (every plate has such a run);
 * - 4 or 5 digits with a separator and a digit before them: the last group of a phone number
 *   or an SSN (every phone and SSN pattern ends with 4 digits after such a group, or in a longer
 *   run);
 * - a street type among the words after it (a US address starts with its number) or a Mexican
 *   street type among the words before it (a Mexican address ends with its number).
 * Every match keeps an anchor of its own, so the spans still hold every match whole: 6% of the
 * bytes of EDOS posts instead of 28%. */
static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool is_upper(unsigned char c)
{
    return c >= 'A' && c <= 'Z';
}

static bool is_alnum(unsigned char c)
{
    return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* The US street types (STREET_TYPES) and the Mexican ones (the address pattern's first group,
 * "c." and "av." without their dot), NUL-separated, ending with an empty one. */
static const char us_types[] = "st\0street\0ave\0avenue\0av\0rd\0road\0dr\0drive\0ln\0lane\0ct\0"
                               "court\0blvd\0boulevard\0pl\0place\0way\0cir\0circle\0pkwy\0"
                               "parkway\0hwy\0highway\0ter\0terrace\0trl\0trail\0";
static const char mx_types[] = "calle\0c\0av\0avenida\0avda\0privada\0priv\0calzada\0calz\0"
                               "boulevard\0blvd\0carretera\0cerrada\0prolongaci\xc3\xb3n\0"
                               "prolongacion\0paseo\0";

/* A word of up to 15 bytes as two words of its bytes, ASCII letters in lower case, zero-padded,
 * its length in the last byte, and a table of such keys looked up by their hash: a street type
 * is looked for in the words around most short numbers (with strncasecmp the checks took more
 * time than the vectorscan they saved). */
typedef struct wkey {
    uint64_t a, b;
} wkey;

/* ASCII capitals to lower case, 8 bytes at a time */
static inline uint64_t lower8(uint64_t x)
{
    const uint64_t hi = 0x8080808080808080ull;
    uint64_t low7 = x & ~hi;
    uint64_t upper = (low7 + 0x3F3F3F3F3F3F3F3Full) ^ (low7 + 0x2525252525252525ull); /* A..Z */
    return x | ((upper & ~x & hi) >> 2);
}

static bool word_key(const unsigned char *w, size_t n, wkey *k)
{
    if (n == 0 || n > 15)
        return false;
    unsigned char buf[16] = {0};
    for (size_t i = 0; i < n; i++)
        buf[i] = w[i];
    buf[15] = (unsigned char)n;
    memcpy(&k->a, buf, 8);
    memcpy(&k->b, buf + 8, 8);
    k->a = lower8(k->a);
    k->b = (lower8(k->b) & ~(0xFFull << 56)) | (uint64_t)n << 56;
    return true;
}

#define WTAB 64 /* slots of a key table: a power of two, well above its keys */
typedef struct wtab {
    wkey k[WTAB];       /* a == 0 && b == 0: empty */
    uint32_t first[16]; /* by length: the first letters of its keys of that length (a bit per
                         * letter), so that most words are turned away before their key is made */
} wtab;

static inline size_t wslot(const wkey *k)
{
    return (size_t)(((k->a * 0x9E3779B97F4A7C15ull) ^ (k->b * 0xC2B2AE3D27D4EB4Full)) >> 58);
}

static wtab us_keys, mx_keys;

static void make_keys(const char *words, wtab *t)
{
    for (const char *w = words; *w; w += strlen(w) + 1) {
        wkey k;
        word_key((const unsigned char *)w, strlen(w), &k);
        t->first[strlen(w)] |= 1u << (w[0] - 'a'); /* every type starts with a small letter */
        size_t i = wslot(&k);
        while (t->k[i].a || t->k[i].b)
            i = (i + 1) & (WTAB - 1);
        t->k[i] = k;
    }
}

static void make_type_keys(void)
{
    make_keys(us_types, &us_keys);
    make_keys(mx_types, &mx_keys);
}

static bool word_in(const unsigned char *w, size_t n, const wtab *t)
{
    if (n == 0 || n > 15)
        return false;
    /* the key's first byte is w[0] in lower case: only ASCII letters reach 0..25 here */
    unsigned c = (unsigned)(w[0] | 0x20) - 'a';
    wkey k;
    if (c >= 26 || !((t->first[n] >> c) & 1) || !word_key(w, n, &k))
        return false;
    for (size_t i = wslot(&k);; i = (i + 1) & (WTAB - 1)) {
        if (t->k[i].a == k.a && t->k[i].b == k.b)
            return true;
        if (!t->k[i].a && !t->k[i].b)
            return false;
    }
}

/* A US address from the number ending at e: white space, then (a direction and) up to three
 * words of letters and digits, then the street type. So a street type is among the next five
 * words, with only white space and dots between them. */
static bool street_after(const unsigned char *s, size_t len, size_t e)
{
    size_t i = e;
    if (i >= len || !is_space(s[i]))
        return false;
    for (int words = 0; words < 5 && i < len && i - e < WINDOW; words++) {
        while (i < len && (is_space(s[i]) || s[i] == '.'))
            i++;
        size_t w = i;
        while (i < len && is_alnum(s[i]))
            i++;
        if (i == w)
            return false;
        if (word_in(s + w, i - w, &us_keys))
            return true;
    }
    return false;
}

/* A Mexican address ending with the number that starts at b: the street type, up to six words
 * (letters, digits, any bytes from 0x80), then '#', "no.", "núm.", "número", "nro." or nothing.
 * So a street type is among the eight words before it, with only white space, dots and '#'
 * between them, and ends its word: the type starts at a word boundary, which for vectorscan a
 * byte from 0x80 is ("id\xffPrivada" holds the type "Privada"), so every such tail of the word
 * is tried. */
static bool street_before(const unsigned char *s, size_t b)
{
    size_t i = b;
    for (int words = 0; words < 8 && i > 0 && b - i < WINDOW; words++) {
        while (i > 0 && (is_space(s[i - 1]) || s[i - 1] == '.' || s[i - 1] == '#'))
            i--;
        size_t w = i;
        unsigned char high = 0; /* the word's bytes from 0x80, or'ed */
        while (i > 0 && (is_alnum(s[i - 1]) || s[i - 1] >= 0x80))
            high |= s[--i] & 0x80;
        if (i == w)
            return false;
        if (!high) { /* a word of ASCII letters and digits: no boundary inside it */
            if (word_in(s + i, w - i, &mx_keys))
                return true;
            continue;
        }
        /* a tail of the word starts at a boundary when a byte from 0x80 is before it */
        for (size_t j = w - i > 15 ? w - 15 : i; j < w; j++)
            if ((j == i || s[j - 1] >= 0x80) && word_in(s + j, w - j, &mx_keys))
                return true;
    }
    return false;
}

/* Where the last Mexican street type of two letters or more after a name word of s[0..n) (which
 * starts with a street type) starts, or 0. Types in a row at the start are one type ("Calle
 * Prolongación Insurgentes", "Av. Paseo de la Reforma"); "c" alone is as often an initial. */
static size_t inner_street_type(const unsigned char *s, size_t n)
{
    size_t last = 0;
    bool name = false;
    for (size_t i = 0; i < n;) {
        while (i < n && !(is_alnum(s[i]) || s[i] >= 0x80))
            i++;
        size_t j = i;
        while (j < n && (is_alnum(s[j]) || s[j] >= 0x80))
            j++;
        if (j == i)
            break;
        if (i > 0 && j - i >= 2 && word_in(s + i, j - i, &mx_keys)) {
            if (name)
                last = i;
        } else if (i > 0) {
            name = true;
        }
        i = j;
    }
    return last;
}

/* Whether the digits s[b..e) (a whole run) may be in a match (see above). */
static bool digits_anchor(const unsigned char *s, size_t len, size_t b, size_t e)
{
    size_t n = e - b;
    unsigned char p1 = b > 0 ? s[b - 1] : 0, p2 = b > 1 ? s[b - 2] : 0;
    unsigned char n1 = e < len ? s[e] : 0, n2 = e + 1 < len ? s[e + 1] : 0;
    if (n >= 6)
        return true;
    if (n1 == '.' && is_digit(n2))
        return true;
    if (is_upper(p1) || ((is_space(p1) || p1 == '-') && is_upper(p2)))
        return true;
    if (n >= 4 && is_digit(p2) && (is_space(p1) || p1 == '.' || p1 == '-'))
        return true;
    return street_after(s, len, e) || street_before(s, b);
}

typedef struct spans {
    size_t from, to; /* the span being grown; to == 0: none yet */
} spans;

static vigil_status scan_span(vigil_pii_scanner *p, const char *text, size_t len, size_t from,
                              size_t to);

/* Adds the anchor bytes [a, b) to the span being grown, or scans it and starts another. */
static vigil_status near_anchor(vigil_pii_scanner *p, const char *text, size_t len, spans *sp,
                                size_t a, size_t b)
{
    size_t from = a > WINDOW ? a - WINDOW : 0;
    size_t to = b + WINDOW < len ? b + WINDOW : len;
    if (sp->to && from <= sp->to) {
        sp->to = to;
        return VIGIL_OK;
    }
    vigil_status st = sp->to ? scan_span(p, text, len, sp->from, sp->to) : VIGIL_OK;
    sp->from = from;
    sp->to = to;
    return st;
}

/* The first byte at or after i that may start an anchor (a digit, '@', a 'd' or 'p' followed by
 * "ot" or "unt"), or len. 16 bytes at a time: most text has few (a post without digits costs a
 * few instructions per 16 bytes where vectorscan cost a hundred per word); reads up to 19 bytes
 * past i in the vector loop, hence its bound. */
static size_t next_candidate_sse2(const unsigned char *s, size_t len, size_t i)
{
#ifdef __SSE2__
    const __m128i lc = _mm_set1_epi8(0x20);
    for (; i + 20 <= len; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(s + i));
        __m128i d = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
                                  _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
        d = _mm_or_si128(d, _mm_cmpeq_epi8(v, _mm_set1_epi8('@')));
        __m128i c0 = _mm_or_si128(v, lc);
        __m128i c1 = _mm_or_si128(_mm_loadu_si128((const __m128i *)(s + i + 1)), lc);
        __m128i c2 = _mm_or_si128(_mm_loadu_si128((const __m128i *)(s + i + 2)), lc);
        __m128i dot = _mm_and_si128(_mm_cmpeq_epi8(c0, _mm_set1_epi8('d')),
                                    _mm_and_si128(_mm_cmpeq_epi8(c1, _mm_set1_epi8('o')),
                                                  _mm_cmpeq_epi8(c2, _mm_set1_epi8('t'))));
        __m128i c3 = _mm_or_si128(_mm_loadu_si128((const __m128i *)(s + i + 3)), lc);
        __m128i unt = _mm_and_si128(
            _mm_and_si128(_mm_cmpeq_epi8(c0, _mm_set1_epi8('p')),
                          _mm_cmpeq_epi8(c1, _mm_set1_epi8('u'))),
            _mm_and_si128(_mm_cmpeq_epi8(c2, _mm_set1_epi8('n')),
                          _mm_cmpeq_epi8(c3, _mm_set1_epi8('t'))));
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(d, dot), unt));
        if (m)
            return i + (size_t)__builtin_ctz(m);
    }
#endif
    for (; i < len; i++) {
        unsigned char c = s[i];
        if (is_digit(c) || c == '@' ||
            (i + 3 <= len && (c | 0x20) == 'd' && (s[i + 1] | 0x20) == 'o' &&
             (s[i + 2] | 0x20) == 't') ||
            (i + 4 <= len && (c | 0x20) == 'p' && (s[i + 1] | 0x20) == 'u' &&
             (s[i + 2] | 0x20) == 'n' && (s[i + 3] | 0x20) == 't'))
            return i;
    }
    return len;
}

#if defined(__x86_64__) && defined(__GNUC__)
/* next_candidate_sse2's test of the 32 bytes at p (36 readable), as a bit mask. */
__attribute__((target("avx2"))) static inline unsigned candidates32(const unsigned char *p)
{
    const __m256i lc = _mm256_set1_epi8(0x20);
    __m256i v = _mm256_loadu_si256((const __m256i *)p);
    __m256i d = _mm256_and_si256(_mm256_cmpgt_epi8(v, _mm256_set1_epi8('0' - 1)),
                                 _mm256_cmpgt_epi8(_mm256_set1_epi8('9' + 1), v));
    d = _mm256_or_si256(d, _mm256_cmpeq_epi8(v, _mm256_set1_epi8('@')));
    __m256i c0 = _mm256_or_si256(v, lc);
    __m256i c1 = _mm256_or_si256(_mm256_loadu_si256((const __m256i *)(p + 1)), lc);
    __m256i c2 = _mm256_or_si256(_mm256_loadu_si256((const __m256i *)(p + 2)), lc);
    __m256i dot = _mm256_and_si256(_mm256_cmpeq_epi8(c0, _mm256_set1_epi8('d')),
                                   _mm256_and_si256(_mm256_cmpeq_epi8(c1, _mm256_set1_epi8('o')),
                                                    _mm256_cmpeq_epi8(c2, _mm256_set1_epi8('t'))));
    __m256i c3 = _mm256_or_si256(_mm256_loadu_si256((const __m256i *)(p + 3)), lc);
    __m256i unt = _mm256_and_si256(
        _mm256_and_si256(_mm256_cmpeq_epi8(c0, _mm256_set1_epi8('p')),
                         _mm256_cmpeq_epi8(c1, _mm256_set1_epi8('u'))),
        _mm256_and_si256(_mm256_cmpeq_epi8(c2, _mm256_set1_epi8('n')),
                         _mm256_cmpeq_epi8(c3, _mm256_set1_epi8('t'))));
    return (unsigned)_mm256_movemask_epi8(_mm256_or_si256(_mm256_or_si256(d, dot), unt));
}

/* The same, 32 bytes at a time where the CPU has AVX2 (half the instructions per byte: this
 * search reads every byte of every document, 4% of all-detector time in SSE2). The text's last
 * bytes are tested in a copy padded with zeros, which are no candidate and end no "dot". */
__attribute__((target("avx2"))) static size_t next_candidate_avx2(const unsigned char *s,
                                                                  size_t len, size_t i)
{
    for (; i + 36 <= len; i += 32) {
        unsigned m = candidates32(s + i);
        if (m)
            return i + (size_t)__builtin_ctz(m);
    }
    if (i >= len)
        return len;
    unsigned char tail[32 + 36] = {0}; /* len - i < 36 bytes, then zeros */
    memcpy(tail, s + i, len - i);
    for (size_t k = 0; k < len - i; k += 32) {
        unsigned m = candidates32(tail + k);
        if (m)
            return i + k + (size_t)__builtin_ctz(m);
    }
    return len;
}
#endif

typedef size_t (*candidate_fn)(const unsigned char *s, size_t len, size_t i);
static candidate_fn next_candidate = next_candidate_sse2;

/* Chosen once, in compile() (under db_once). */
static void pick_candidate_search(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    if (vigil_cpu_has("avx2"))
        next_candidate = next_candidate_avx2;
#endif
}

static vigil_status scan_anchored(vigil_pii_scanner *p, const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    spans sp = {0, 0};
    vigil_status st = VIGIL_OK;
    for (size_t i = next_candidate(s, len, 0); i < len && st == VIGIL_OK;) {
        if (is_digit(s[i])) {
            size_t e = i + 1;
            while (e < len && is_digit(s[e]))
                e++;
            if (digits_anchor(s, len, i, e))
                st = near_anchor(p, text, len, &sp, i, e + 3);
            i = next_candidate(s, len, e);
            continue;
        }
        st = near_anchor(p, text, len, &sp, i, i + 4); /* '@', "dot", "punt" */
        i = next_candidate(s, len, i + 1);
    }
    if (st == VIGIL_OK && sp.to)
        st = scan_span(p, text, len, sp.from, sp.to);
    return st;
}

/* text[*from..*to) widened to the white space around it, so that the ends of a pass are word
 * boundaries where the text has them (a pass that starts inside "StreeC. Juarez #3" reads a
 * street type at its start). A little way only: a boundary inside a very long word is the
 * rare price. */
static void widen(const char *text, size_t len, size_t *from, size_t *to)
{
    for (size_t k = 0; k < 64 && *from > 0 && !is_space((unsigned char)text[*from - 1]); k++)
        (*from)--;
    for (size_t k = 0; k < 64 && *to < len && !is_space((unsigned char)text[*to]); k++)
        (*to)++;
}

/* The fast pass over text[from..to) (the first end of each pattern), an exact pass around the
 * first of them, and again after it. A span without personal data costs one fast pass. */
static vigil_status scan_span(vigil_pii_scanner *p, const char *text, size_t len, size_t from,
                              size_t to)
{
    widen(text, len, &from, &to);
    for (size_t at = from; at < to && p->n < p->cap;) {
        p->nends = 0;
        if (scan_db(fast, text + at, (unsigned)(to - at), 0, p->scratch, on_end, p) !=
            HS_SUCCESS)
            return VIGIL_ERR_ARG;
        if (!p->nends)
            break;
        size_t first = SIZE_MAX;
        for (size_t i = 0; i < p->nends; i++)
            if (p->ends[i] < first)
                first = p->ends[i];
        /* exact pass over a window around the first end found; an earlier start is within
         * WINDOW bytes (no pattern is that long), and the next fast pass starts a window
         * before this one stops, so a match across `stop` is seen whole by it (starting half a
         * window before, as it did, missed matches of 80 to 160 bytes across `stop`: found by
         * fuzz_pii) */
        size_t end = at + first;
        size_t sfrom = end > WINDOW ? end - WINDOW : 0;
        size_t stop = end + WINDOW < len ? end + WINDOW : len;
        widen(text, len, &sfrom, &stop);
        p->base = sfrom;
        p->nretry = 0;
        if (scan_db(som, text + sfrom, (unsigned)(stop - sfrom), 0, p->scratch, on_match, p) !=
            HS_SUCCESS)
            return VIGIL_ERR_ARG;
        /* implausible addresses: what follows their last function word (each shorter than the
         * one it came from, a bounded number of times) */
        for (size_t tries = 0; p->nretry && tries < 64; tries++) {
            size_t rfrom = p->retry[p->nretry - 1].from, rto = p->retry[p->nretry - 1].to;
            p->nretry--;
            p->base = rfrom;
            if (scan_db(som, text + rfrom, (unsigned)(rto - rfrom), 0, p->scratch, on_match,
                        p) != HS_SUCCESS)
                return VIGIL_ERR_ARG;
        }
        if (stop >= to)
            break;
        at = stop - WINDOW; /* >= end > the last at: progress */
    }
    return VIGIL_OK;
}

/* A digit written as a word ("five", "cinco"): one digit, not written with digits. */
static inline bool spelled_digit(const vigil_tokens *t, const char *text, size_t i)
{
    const vigil_token *k = &t->v[i];
    return (k->flags & VIGIL_TOK_DIGITS) && k->len == 1 && !isdigit((unsigned char)text[k->start]);
}

static vigil_status pii_scan(vigil_pii_scanner *p, const char *text, size_t len,
                             const vigil_tokens *t, const vigil_pii_match **out, size_t *n,
                             bool whole)
{
    p->n = 0;
    p->text = text;
    if (len > UINT32_MAX)
        return VIGIL_ERR_LIMIT;
    vigil_status st = whole ? (len ? scan_span(p, text, len, 0, len) : VIGIL_OK)
                            : scan_anchored(p, text, len);
    if (st != VIGIL_OK)
        return st;
    /* phone numbers spelled out: 7 or more digit words in a row ("five five five ..."). A run
     * from i on that long has token i + 6 in it: when that one is no digit word, no such run
     * starts before i + 7 (most tokens are looked at once in seven) */
    for (size_t i = 0; t && i + 6 < t->n && p->n < p->cap;) {
        if (!spelled_digit(t, text, i + 6)) {
            i += 7;
            continue;
        }
        if (!spelled_digit(t, text, i)) {
            i++;
            continue;
        }
        size_t j = i + 1;
        while (j < t->n && spelled_digit(t, text, j) && t->v[j].start - t->v[j - 1].end <= 3)
            j++;
        if (j - i >= 7)
            p->m[p->n++] = (vigil_pii_match){VIGIL_PII_PHONE, t->v[i].start, t->v[j - 1].end};
        i = j;
    }
    /* merge overlapping matches of one kind; SSNs and phones in a coordinate pair are parts */
    qsort(p->m, p->n, sizeof *p->m, cmp_match);
    size_t w = 0;
    for (size_t i = 0; i < p->n; i++) {
        bool merged = false;
        for (size_t k = w; k-- > 0 && k + 8 >= w;)
            if (p->m[k].kind == p->m[i].kind && p->m[i].start < p->m[k].end) {
                if (p->m[i].end > p->m[k].end)
                    p->m[k].end = p->m[i].end;
                merged = true;
                break;
            }
        if (!merged)
            p->m[w++] = p->m[i];
    }
    p->n = w;
    *out = p->m;
    *n = p->n;
    return VIGIL_OK;
}

vigil_status vigil_pii_scan(vigil_pii_scanner *p, const char *text, size_t len,
                            const vigil_tokens *t, const vigil_pii_match **out, size_t *n)
{
    return pii_scan(p, text, len, t, out, n, false);
}

vigil_status vigil_pii_scan_whole(vigil_pii_scanner *p, const char *text, size_t len,
                                  const vigil_tokens *t, const vigil_pii_match **out, size_t *n)
{
    return pii_scan(p, text, len, t, out, n, true);
}
