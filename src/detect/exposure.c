/*
 * Exposure matching: finds enrolled identifiers in a document's token stream.
 *
 * Cost follows the number of tokens, not the number of people enrolled (DESIGN.md, Performance
 * notes): each token is hashed once with the keyed PRF; a token that no enrolled identifier
 * starts with fails the index's small filter and costs nothing more; for the few that pass, the
 * n-gram fingerprints of the next 1..8 tokens are combined cheaply and probed in the sorted slot
 * table. Phone numbers take a separate path over runs of digit tokens, because a number is
 * written in any grouping: every digit string of 7 to 15 digits made of consecutive groups is
 * tried with and without its international, country and trunk prefixes.
 *
 * The scanner owns all buffers and reuses them; the hot path does not allocate per token.
 */
#include "../internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define MAX_HITS 65536

typedef struct hit {
    uint64_t fp;
    uint32_t value;
    uint32_t start, end;
} hit;

struct vigil_scanner {
    const vigil_vault *vault;
    const vigil_index *ix;
    const vigil_keys *keys;
    vigil_tokens tok;
    vigil_canon_cache *cache;
    const vigil_rules *rules;
    const vigil_model *model;
    uint64_t taggen; /* the generation of the tagger for these rules and model; 0: none */
    vigil_threat_state threat;
    vigil_pii_scanner *pii;
    int pii_off;
    hit *hits;
    size_t nhits, hcap;
    hit *tmp; /* scratch for sorting the hits */
    size_t tcap;
    size_t *runs; /* scratch for sorting the hits: run starts */
    size_t rcap;
    /* current probe, for the hit callback */
    uint64_t cur_fp;
    size_t cur_i, cur_j;
    bool weak_phase; /* probing weak name forms (values with VIGIL_V_WEAK), else the others */
    uint64_t *found;  /* two bit sets of nfound words: a bit per enrolled person */
    size_t nfound;    /* (0 until a document first needs them; weak_and_relatives) */
    const char *text;
    uint64_t h_at, h_dot; /* the keyed hashes of the words "at" and "dot" (match_spelled_emails) */
    vigil_tokens split;   /* email_inside's scratch */
    uint32_t atdot[16];   /* the document's first of them (match_ngrams) */
    size_t natdot;        /* how many it has (more than 16: all tokens are looked at) */
    /* result */
    vigil_person_hit *people;
    size_t pcap;
    vigil_span *spans;
    size_t scap;
    uint64_t *fps;
    size_t fcap;
    vigil_result result;
};


vigil_status vigil_scanner_create(const vigil_vault *vault, vigil_scanner **out)
{
    if (!vault || !out)
        return VIGIL_ERR_ARG;
    vigil_scanner *s = calloc(1, sizeof *s);
    if (!s)
        return VIGIL_ERR_NOMEM;
    s->vault = vault;
    s->ix = vigil_vault_index(vault);
    s->keys = vigil_vault_keys(vault);
    s->h_at = vigil_hash_token(s->keys, "at", 2);
    s->h_dot = vigil_hash_token(s->keys, "dot", 3);
    s->cache = vigil_canon_cache_new();
    char err[256];
    vigil_status st =
        s->cache ? vigil_pii_scanner_create(&s->pii, err, sizeof err) : VIGIL_ERR_NOMEM;
    if (st != VIGIL_OK) {
        vigil_canon_cache_free(s->cache);
        free(s);
        return st;
    }
    *out = s;
    return VIGIL_OK;
}

/* The scanner's word tagger: what the rules and the model want to know of each word. */
static void word_tags(const void *ctx, const char *w, size_t n, unsigned flags, uint64_t hash,
                      vigil_tag *out)
{
    const vigil_scanner *s = ctx;
    if (s->rules)
        out->rules = vigil_rules_word_tag(s->rules, w, n, hash);
    if (s->model)
        vigil_model_word_tag(s->model, w, n, flags, out);
}

/* A new tagger generation for the scanner's rules and model: its cache of words starts over. */
static void retag(vigil_scanner *s)
{
    static _Atomic uint64_t serial;
    s->taggen = s->rules || s->model ? ++serial : 0;
    vigil_canon_cache_set_tagger(s->cache, word_tags, s, s->taggen);
}

void vigil_scanner_set_rules(vigil_scanner *s, const vigil_rules *rules)
{
    s->rules = rules;
    retag(s);
}

void vigil_scanner_set_pii(vigil_scanner *s, int enabled)
{
    s->pii_off = !enabled;
}

void vigil_scanner_set_model(vigil_scanner *s, const vigil_model *model)
{
    s->model = model;
    retag(s);
}

void vigil_scanner_set_explain(vigil_scanner *s, int enabled)
{
    s->threat.model_features = enabled != 0;
}

void vigil_scanner_destroy(vigil_scanner *s)
{
    if (!s)
        return;
    vigil_tokens_free(&s->tok);
    vigil_tokens_free(&s->split);
    vigil_pii_scanner_free(s->pii);
    vigil_canon_cache_free(s->cache);
    vigil_threat_state_free(&s->threat);
    free(s->hits);
    free(s->tmp);
    free(s->runs);
    free(s->found);
    free(s->people);
    free(s->spans);
    free(s->fps);
    free(s);
}

static void add_hit(vigil_scanner *s, uint64_t fp, uint32_t value, uint32_t start, uint32_t end)
{
    if (s->nhits == s->hcap &&
        (s->hcap >= MAX_HITS || /* pathological document: more hits add nothing to the verdict */
         vigil_grow(&s->hits, &s->hcap, s->nhits + 1, sizeof *s->hits, 64) != VIGIL_OK))
        return;
    s->hits[s->nhits++] = (hit){fp, value, start, end};
}

/* Tokens i..j are joined by single non-space characters ("j_smith", "j.smith"). */
static bool tight(const vigil_scanner *s, size_t i, size_t j)
{
    for (size_t k = i + 1; k <= j; k++) {
        uint32_t a = s->tok.v[k - 1].end, b = s->tok.v[k].start;
        if (b - a != 1)
            return false;
        char c = s->text[a];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
            return false;
    }
    return true;
}

/* True when token i is written in capitals ("SMITH John"). */
static bool token_upper(const vigil_scanner *s, size_t i)
{
    bool upper = false;
    for (uint32_t b = s->tok.v[i].start; b < s->tok.v[i].end; b++) {
        unsigned char c = (unsigned char)s->text[b];
        if (c >= 'a' && c <= 'z')
            return false;
        upper |= c >= 'A' && c <= 'Z';
    }
    return upper;
}

/* A surname-first form is a name only as "Last, First" or "LAST First": a comma between the
 * tokens, or the leading surname in capitals. "King Richard" in prose is not Richard King. */
static bool reversed_ok(const vigil_scanner *s, size_t i, size_t j)
{
    for (size_t k = i + 1; k <= j; k++)
        if (memchr(s->text + s->tok.v[k - 1].end, ',', s->tok.v[k].start - s->tok.v[k - 1].end))
            return true;
    return token_upper(s, i);
}

static inline void mark(uint64_t *bits, uint32_t p)
{
    bits[p >> 6] |= 1ull << (p & 63);
}

static inline bool marked(const uint64_t *bits, uint32_t p)
{
    return bits[p >> 6] & (1ull << (p & 63));
}

static inline unsigned hit_kind(const hit *h)
{
    return (h->value & VIGIL_V_KIND_MASK) >> VIGIL_V_KIND_SHIFT;
}

static void on_ngram(void *user, uint32_t value)
{
    vigil_scanner *s = user;
    if (!(value & VIGIL_V_WEAK) != !s->weak_phase)
        return; /* a fingerprint shared across classes: each value is taken in its own phase */
    if (s->weak_phase) {
        /* a weak name adds nothing to a person with no other hit (person_verdict: info, not
         * reported); with a large index an initial and a common surname name thousands */
        if (!marked(s->found, value & VIGIL_V_PERSON_MASK))
            return;
    }
    if ((value & VIGIL_V_TIGHT) && !tight(s, s->cur_i, s->cur_j))
        return;
    if ((value & VIGIL_V_REVERSED) && !reversed_ok(s, s->cur_i, s->cur_j))
        return;
    add_hit(s, s->cur_fp, value, s->tok.v[s->cur_i].start, s->tok.v[s->cur_j].end);
}

/* Candidate n-grams are collected for a batch of positions, their table slots prefetched, and
 * only then probed: the probes' cache misses overlap instead of following one another. */
#define BATCH 64

typedef struct cand {
    uint64_t fp;
    uint32_t i, j;
} cand;

static void probe_batch(vigil_scanner *s, const cand *c, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        s->cur_fp = c[k].fp;
        s->cur_i = c[k].i;
        s->cur_j = c[k].j;
        vigil_index_find(s->ix, c[k].fp, on_ngram, s);
    }
}

/* Probes the n-grams of one filter class (VIGIL_LENS_*; 0 for plain forms). A surname-first
 * form is probed only where reversed_ok could accept it: after a capitalized token or across a
 * comma; a tight form only along tokens joined by single non-space characters (match_ngrams
 * has checked the first join, and for a form with a number second, that a number follows). */
static size_t class_cands(vigil_scanner *s, size_t i, unsigned cls, unsigned lens, cand *c,
                          size_t nc)
{
    const vigil_token *t = s->tok.v;
    size_t n = s->tok.n;
    /* a form of two or more tokens needs the next token among the second tokens of its length
     * (most probes after a common first name end here) */
    lens &= (i + 1 < n ? (unsigned)(t[i + 1].lens >> VIGIL_LENS_SECOND) & 0x1FCu : 0) | 2u;
    if (!lens)
        return nc;
    bool ok = cls != VIGIL_LENS_REVERSED || token_upper(s, i);
    uint64_t acc = t[i].hash;
    unsigned maxlen = 32 - (unsigned)__builtin_clz(lens) - 1;
    for (size_t j = i; j < n && j - i < maxlen; j++) {
        if (j > i) {
            if (t[j].start - t[j - 1].end > VIGIL_GAP_MAX ||
                (cls == VIGIL_LENS_TIGHT && !tight(s, j - 1, j)))
                break;
            acc = vigil_ngram_add(acc, t[j].hash);
            if (!ok)
                ok = memchr(s->text + t[j - 1].end, ',', t[j].start - t[j - 1].end) != NULL;
        }
        unsigned len = (unsigned)(j - i + 1);
        if (!(lens & (1u << len)) || !ok)
            continue;
        uint64_t fp = vigil_ngram_final(acc, len);
        vigil_index_prefetch(s->ix, fp);
        c[nc++] = (cand){fp, (uint32_t)i, (uint32_t)j};
    }
    return nc;
}

static void match_ngrams(vigil_scanner *s, uint64_t classes)
{
    const vigil_token *t = s->tok.v;
    size_t n = s->tok.n;
    cand c[BATCH + 5 * VIGIL_NGRAM_MAX];
    size_t nc = 0;
    const uint64_t numnext = 0x1FEull << VIGIL_LENS_NUMNEXT, tightc = 0x1FEull << VIGIL_LENS_TIGHT;
    uint32_t at[256];
    for (size_t base = 0; base < n;) {
        /* the next tokens that may start a form of these classes, without a branch per token:
         * most start none, and which do is a coin toss for the branch predictor */
        size_t end = n - base > 256 ? base + 256 : n, na = 0;
        for (; base < end; base++) {
            at[na] = (uint32_t)base;
            na += (t[base].lens & classes) != 0;
        }
        for (size_t a = 0; a < na; a++) {
            size_t i = at[a];
            uint64_t all = t[i].lens & classes;
            if (all & VIGIL_LENS_ATDOT) { /* no form starts with it: only noted */
                if (s->natdot < 16)
                    s->atdot[s->natdot] = (uint32_t)i;
                s->natdot++;
                all &= ~VIGIL_LENS_ATDOT;
            }
            /* the two classes every short word may carry ("the 123" could start a plate),
             * ruled out here for most tokens before any probe work */
            if ((all & numnext) &&
                (i + 1 >= n ||
                 (t[i + 1].flags & (VIGIL_TOK_ALPHA | VIGIL_TOK_DIGITS)) != VIGIL_TOK_DIGITS))
                all &= ~numnext;
            if ((all & tightc) && (i + 1 >= n || !tight(s, i, i + 1)))
                all &= ~tightc;
            while (all) {
                unsigned cls = ((unsigned)__builtin_ctzll(all) - 1) / 8 * 8;
                nc = class_cands(s, i, cls, (unsigned)(all >> cls) & 0x1FEu, c, nc);
                all &= ~(0x1FEull << cls);
            }
            if (nc >= BATCH) {
                probe_batch(s, c, nc);
                nc = 0;
            }
        }
    }
    probe_batch(s, c, nc);
}

/* A spelled run may carry neighbouring single characters ("B V D 3 6 5 7 A new ..." merges the
 * article "A"), so every sub-run of 4 or more characters is also tried as one word. Spelled runs
 * are rare, and this costs O(length^2) probes only for them. */
static void match_spelled(vigil_scanner *s)
{
    /* one-token forms of the phase's classes */
    uint64_t want = s->weak_phase ? 1ull << (VIGIL_LENS_WEAK + 1)
                                  : (1ull << 1) | (1ull << (VIGIL_LENS_REVERSED + 1)) |
                                        (1ull << (VIGIL_LENS_TIGHT + 1));
    for (size_t i = 0; i < s->tok.n; i++) {
        const vigil_token *t = &s->tok.v[i];
        if (!(t->flags & VIGIL_TOK_SPELLED) || t->raw_len < 5)
            continue;
        size_t L = t->raw_len > 32 ? 32 : t->raw_len;
        const char *raw = s->tok.chars + t->raw_off;
        /* byte offset of character k when every character is one byte with equal gaps */
        uint32_t width = t->end - t->start;
        uint32_t gap = t->raw_len > 1 ? (width - t->raw_len) / (t->raw_len - 1u) : 0;
        bool exact = width == t->raw_len + (t->raw_len - 1u) * gap;
        for (size_t a = 0; a + 4 <= L; a++) {
            for (size_t b = a + 4; b <= L; b++) {
                if (a == 0 && b == t->raw_len)
                    continue; /* the whole run is an ordinary token */
                char canon[VIGIL_TOKEN_MAX + 1];
                unsigned flags;
                size_t n = vigil_canon_token(raw + a, b - a, canon, &flags);
                if (!n)
                    continue;
                uint64_t h = vigil_hash_token(s->keys, canon, n);
                if (!(vigil_index_first_lens(s->ix, h) & want))
                    continue;
                s->cur_fp = vigil_ngram_final(h, 1);
                s->cur_i = s->cur_j = i;
                uint32_t start = exact ? t->start + (uint32_t)a * (1 + gap) : t->start;
                uint32_t end = exact ? t->start + (uint32_t)(b - 1) * (1 + gap) + 1 : t->end;
                size_t before = s->nhits;
                vigil_index_find(s->ix, s->cur_fp, on_ngram, s);
                for (size_t k = before; k < s->nhits; k++) {
                    s->hits[k].start = start;
                    s->hits[k].end = end;
                }
            }
        }
    }
}

/* An e-mail address written with "at" and "dot" is registered in its four usual forms
 * (do_email) when they are at most VIGIL_NGRAM_MAX tokens, which "first dot last at agency dot
 * state dot gov" (9) and a long address with "at" are not, nor are mixes ("first.last at agency
 * dot gov"). So each "at" (or '@') between two chains of words (linked by "dot" or by a single
 * '.', '-', '_' or '+'; the domain's by "dot", '.' or '-', at least two words) is looked up as
 * the address's bare words (the form written with '@' and '.'): the whole domain chain after
 * it, and each tail of the local chain before it (where the local part starts is not known). */
static void on_email(void *user, uint32_t value)
{
    vigil_scanner *s = user;
    if ((value & VIGIL_V_KIND_MASK) >> VIGIL_V_KIND_SHIFT != VIGIL_KIND_EMAIL ||
        (value & VIGIL_V_WEAK))
        return;
    uint32_t start = s->tok.v[s->cur_i].start, end = s->tok.v[s->cur_j].end;
    const uint32_t who = VIGIL_V_PERSON_MASK | VIGIL_V_KIND_MASK;
    for (size_t k = 0; k < s->nhits; k++) /* a form that was registered matched it already */
        if (((s->hits[k].value ^ value) & who) == 0 && s->hits[k].start == start &&
            s->hits[k].end == end)
            return;
    add_hit(s, s->cur_fp, value, start, end);
}

/* Whether tokens p < q are linked in an address chain: joined by one of `joins`, or with a
 * "dot" token between them. */
static bool email_link(const vigil_scanner *s, size_t p, size_t q, const char *joins)
{
    const vigil_token *t = s->tok.v;
    if (q == p + 1)
        return t[q].start - t[p].end == 1 && t[p].hash != s->h_dot && t[q].hash != s->h_dot &&
               strchr(joins, s->text[t[p].end]) != NULL;
    return q == p + 2 && t[p + 1].hash == s->h_dot && t[q].hash != s->h_dot &&
           t[p + 1].start - t[p].end <= VIGIL_GAP_MAX && t[q].start - t[p + 1].end <= VIGIL_GAP_MAX;
}

/* Looks up the addresses whose local part ends with token `last` (its hash hlast) and whose
 * domain starts with token `first` (hfirst; the same token when an '@' inside it was read as a
 * letter): the whole domain chain after it, each tail of the local chain before it. Returns the
 * domain's last token, or first when there is no domain of two words. */
static size_t email_words(vigil_scanner *s, size_t last, size_t first, uint64_t hlast,
                          uint64_t hfirst)
{
    const vigil_token *t = s->tok.v;
    size_t n = s->tok.n;
    if (hlast == s->h_dot || hfirst == s->h_dot || hlast == s->h_at)
        return first;
    size_t dom[VIGIL_NGRAM_MAX], nd = 0, loc[VIGIL_NGRAM_MAX], nl = 0;
    dom[nd++] = first;
    while (nd < VIGIL_NGRAM_MAX) {
        size_t p = dom[nd - 1];
        if (p + 1 < n && email_link(s, p, p + 1, ".-"))
            dom[nd++] = p + 1;
        else if (p + 2 < n && email_link(s, p, p + 2, ""))
            dom[nd++] = p + 2;
        else
            break;
    }
    if (nd < 2)
        return first;
    loc[nl++] = last;
    while (nl + nd < VIGIL_NGRAM_MAX) {
        size_t q = loc[nl - 1];
        if (q >= 1 && email_link(s, q - 1, q, ".-_+"))
            loc[nl++] = q - 1;
        else if (q >= 2 && email_link(s, q - 2, q, ""))
            loc[nl++] = q - 2;
        else
            break;
    }
    /* each tail of the local chain (loc is backwards), with the whole domain */
    for (size_t k = 1; k <= nl; k++) {
        uint64_t acc = k == 1 ? hlast : t[loc[k - 1]].hash;
        for (size_t x = k - 1; x-- > 0;)
            acc = vigil_ngram_add(acc, x == 0 ? hlast : t[loc[x]].hash);
        for (size_t x = 0; x < nd; x++)
            acc = vigil_ngram_add(acc, x == 0 ? hfirst : t[dom[x]].hash);
        s->cur_fp = vigil_ngram_final(acc, (unsigned)(k + nd));
        s->cur_i = loc[k - 1];
        s->cur_j = dom[nd - 1];
        vigil_index_find(s->ix, s->cur_fp, on_email, s);
    }
    return dom[nd - 1];
}

/* The address whose "at" is token a, or whose '@' separates tokens a - 1 and a: returns the
 * domain's last token, or a. */
static size_t email_at(vigil_scanner *s, size_t a)
{
    const vigil_token *t = s->tok.v;
    size_t n = s->tok.n;
    if (a == 0 || a + 1 >= n)
        return a;
    if ((t[a].lens & VIGIL_LENS_ATDOT) && t[a].hash == s->h_at &&
        t[a].start - t[a - 1].end <= VIGIL_GAP_MAX && t[a + 1].start - t[a].end <= VIGIL_GAP_MAX) {
        size_t end = email_words(s, a - 1, a + 1, t[a - 1].hash, t[a + 1].hash);
        return end > a + 1 ? end : a;
    }
    if (s->tok.at_sign && t[a].start - t[a - 1].end <= 3 &&
        memchr(s->text + t[a - 1].end, '@', t[a].start - t[a - 1].end)) {
        size_t end = email_words(s, a - 1, a, t[a - 1].hash, t[a].hash);
        return end > a ? end : a;
    }
    return a;
}

/* The keyed hash of the one word text[from..to) canonicalizes to, or 0. */
static uint64_t word_hash(vigil_scanner *s, size_t from, size_t to)
{
    if (vigil_tokenize(&s->split, s->text + from, to - from) != VIGIL_OK || s->split.n != 1)
        return 0;
    return vigil_hash_token(s->keys, vigil_token_str(&s->split, 0), s->split.v[0].len);
}

/* A token with an '@' read as a letter ("smith@example dot com": the '@' is an e-mail's only
 * when a dotted domain follows it): its two sides as the local part's last word and the
 * domain's first. */
static void email_inside(vigil_scanner *s, size_t i)
{
    const vigil_token *t = &s->tok.v[i];
    const char *at = memchr(s->text + t->start, '@', t->end - t->start);
    if (!at || at == s->text + t->start || at + 1 == s->text + t->end)
        return;
    size_t mid = (size_t)(at - s->text);
    uint64_t hl = word_hash(s, t->start, mid), hf = word_hash(s, mid + 1, t->end);
    if (hl && hf)
        email_words(s, i, i, hl, hf);
}

/* Every "at" the document has (match_ngrams noted them) and every '@' that separates words. */
static void match_spelled_emails(vigil_scanner *s)
{
    size_t n = s->tok.n;
    for (size_t i = 0; s->tok.at_letter && i < n; i++)
        if (memchr(s->text + s->tok.v[i].start, '@', s->tok.v[i].end - s->tok.v[i].start))
            email_inside(s, i);
    if (s->natdot <= 16 && !s->tok.at_sign) {
        for (size_t k = 0, done = 0; k < s->natdot; k++)
            if (s->atdot[k] >= done)
                done = email_at(s, s->atdot[k]) + 1;
        return;
    }
    for (size_t a = 1; a + 1 < n; a++)
        a = email_at(s, a);
}

typedef struct phone_probe {
    vigil_scanner *s;
    uint32_t start, end;
} phone_probe;

static void on_phone(void *user, uint32_t value)
{
    phone_probe *p = user;
    add_hit(p->s, p->s->cur_fp, value, p->start, p->end);
}

static void try_phone(void *user, const char *d, size_t n)
{
    phone_probe *p = user;
    p->s->cur_fp = vigil_phone_fp(p->s->keys, d, n);
    vigil_index_find(p->s->ix, p->s->cur_fp, on_phone, p);
}

static void match_phones(vigil_scanner *s)
{
    const vigil_token *t = s->tok.v;
    size_t n = s->tok.n;
    char digits[16];
    for (size_t a = 0; a < n; a++) {
        if (!(t[a].flags & VIGIL_TOK_DIGITS))
            continue;
        size_t len = 0;
        for (size_t b = a; b < n && (t[b].flags & VIGIL_TOK_DIGITS); b++) {
            if (b > a && t[b].start - t[b - 1].end > 4)
                break;
            if (len + t[b].len > 15)
                break;
            memcpy(digits + len, s->tok.chars + t[b].off, t[b].len);
            len += t[b].len;
            if (len >= 7) {
                phone_probe p = {s, t[a].start, t[b].end};
                vigil_phone_candidates(digits, len, try_phone, &p);
            }
        }
    }
}

/* ------------------------------------------------------------------ verdict */

/* Hit order: by person, start, end. */
static inline bool hit_less(const hit *a, const hit *b)
{
    uint32_t pa = a->value & VIGIL_V_PERSON_MASK, pb = b->value & VIGIL_V_PERSON_MASK;
    if (pa != pb)
        return pa < pb;
    if (a->start != b->start)
        return a->start < b->start;
    return a->end < b->end;
}

/* Stable sort of the hits: the ascending runs already there are merged pairwise through tmp.
 * Written out because a document naming a common name yields thousands of hits with a large
 * index (qsort's indirect comparisons and allocation were a tenth of the scan there), and
 * because the hits come in few runs: one fingerprint's people come in person order from the
 * index, so a document is a handful of sorted runs, merged in a pass or two. runs has room for
 * n + 1 run starts. */
static void sort_hits(hit *h, size_t n, hit *tmp, size_t *runs)
{
    size_t nr = 0;
    runs[nr++] = 0;
    for (size_t i = 1; i < n; i++)
        if (hit_less(&h[i], &h[i - 1]))
            runs[nr++] = i;
    runs[nr] = n;
    hit *src = h, *dst = tmp;
    while (nr > 1) {
        size_t out = 0;
        for (size_t r = 0; r < nr; r += 2) {
            size_t a = runs[r], m = runs[r + 1];
            runs[out++] = a;
            if (r + 1 == nr) { /* an odd run out: copied as it is */
                memcpy(dst + a, src + a, (m - a) * sizeof *h);
                continue;
            }
            size_t b = runs[r + 2];
            size_t i = a, j = m, k = a;
            while (i < m && j < b)
                dst[k++] = hit_less(&src[j], &src[i]) ? src[j++] : src[i++];
            while (i < m)
                dst[k++] = src[i++];
            while (j < b)
                dst[k++] = src[j++];
        }
        runs[out] = n;
        nr = out;
        hit *x = src;
        src = dst;
        dst = x;
    }
    if (src != h)
        memcpy(h, src, n * sizeof *h);
}

static const double kind_weight[VIGIL_KIND_COUNT] = {
    [VIGIL_KIND_NAME] = 0.35,  [VIGIL_KIND_ADDRESS] = 0.55, [VIGIL_KIND_PHONE] = 0.55,
    [VIGIL_KIND_EMAIL] = 0.5,  [VIGIL_KIND_PLATE] = 0.45,   [VIGIL_KIND_HANDLE] = 0.4,
    [VIGIL_KIND_RELATIVE] = 0.3,
};

#define STRONG_MASK                                                                            \
    ((1u << VIGIL_KIND_ADDRESS) | (1u << VIGIL_KIND_PHONE) | (1u << VIGIL_KIND_EMAIL) |        \
     (1u << VIGIL_KIND_PLATE) | (1u << VIGIL_KIND_HANDLE))

static vigil_severity person_verdict(unsigned strong_name, unsigned weak_name, unsigned mask,
                                     unsigned *counted)
{
    unsigned strong = mask & STRONG_MASK;
    bool rel = mask & (1u << VIGIL_KIND_RELATIVE);
    bool name = strong_name || (weak_name && (strong || rel));
    *counted = strong;
    if (name)
        *counted |= 1u << VIGIL_KIND_NAME;
    if (rel && (name || strong))
        *counted |= 1u << VIGIL_KIND_RELATIVE;
    if ((name && (strong || rel)) || (strong && rel))
        return VIGIL_SEV_HIGH;
    if (strong)
        return VIGIL_SEV_MEDIUM;
    if (name)
        return VIGIL_SEV_LOW;
    return VIGIL_SEV_INFO;
}

/* Score bands per severity: a higher severity always scores higher; within a band, more and
 * stronger evidence scores higher. */
static double band_score(vigil_severity sev, double evidence)
{
    static const double lo[] = {0.0, 0.2, 0.4, 0.7, 0.9}, hi[] = {0.1, 0.4, 0.7, 0.9, 1.0};
    return lo[sev] + (hi[sev] - lo[sev]) * evidence;
}

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

/* A person's fingerprints: most people have one to three, sorted in place (qsort's calls were
 * a tenth of the verdict with a large index, where a common name reports hundreds of people
 * per document); qsort for the rare person named over and over. */
static void sort_u64(uint64_t *v, size_t n)
{
    if (n > 16) {
        qsort(v, n, sizeof *v, cmp_u64);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        uint64_t x = v[i];
        size_t j = i;
        for (; j > 0 && v[j - 1] > x; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

static vigil_status verdict(vigil_scanner *s)
{
    vigil_result *r = &s->result;
    memset(r, 0, sizeof *r);
    if (s->nhits == 0)
        return VIGIL_OK;
    /* one hit is at most one person: every buffer sized once for the document */
    if (vigil_grow(&s->tmp, &s->tcap, s->nhits, sizeof *s->tmp, 16) != VIGIL_OK ||
        vigil_grow(&s->runs, &s->rcap, s->nhits + 1, sizeof *s->runs, 16) != VIGIL_OK ||
        vigil_grow(&s->spans, &s->scap, s->nhits, sizeof *s->spans, 16) != VIGIL_OK ||
        vigil_grow(&s->fps, &s->fcap, s->nhits, sizeof *s->fps, 16) != VIGIL_OK ||
        vigil_grow(&s->people, &s->pcap, s->nhits, sizeof *s->people, 16) != VIGIL_OK)
        return VIGIL_ERR_NOMEM;
    sort_hits(s->hits, s->nhits, s->tmp, s->runs);
    /* the people's records are scattered over a large index: ask for all of them first, so
     * that their cache misses overlap */
    for (size_t a = 0; a < s->nhits; a++)
        if (a == 0 || (s->hits[a].value & VIGIL_V_PERSON_MASK) !=
                          (s->hits[a - 1].value & VIGIL_V_PERSON_MASK))
            vigil_index_prefetch_person(s->ix, s->hits[a].value & VIGIL_V_PERSON_MASK);
    size_t nspans = 0, nfps = 0, np = 0;
    double best = 0;
    /* per-person scratch for the fingerprint */
    const char *ids[64];
    unsigned masks[64];
    const uint64_t *pf[64];
    size_t pn[64];
    for (size_t a = 0; a < s->nhits;) {
        uint32_t person = s->hits[a].value & VIGIL_V_PERSON_MASK;
        size_t b = a;
        unsigned mask = 0, strong_name = 0, weak_name = 0;
        while (b < s->nhits && (s->hits[b].value & VIGIL_V_PERSON_MASK) == person) {
            uint32_t v = s->hits[b].value;
            unsigned kind = hit_kind(&s->hits[b]);
            if (kind == VIGIL_KIND_NAME) {
                if (v & VIGIL_V_WEAK)
                    weak_name = 1;
                else
                    strong_name = 1;
            } else {
                mask |= 1u << kind;
            }
            b++;
        }
        unsigned counted;
        vigil_severity sev = person_verdict(strong_name, weak_name, mask, &counted);
        if (sev > VIGIL_SEV_INFO) {
            size_t span0 = nspans, fp0 = nfps;
            for (size_t k = a; k < b; k++) {
                unsigned kind = hit_kind(&s->hits[k]);
                if (!(counted & (1u << kind)))
                    continue;
                s->fps[nfps++] = s->hits[k].fp;
                /* merge overlapping spans of the same kind (hits are sorted by start) */
                bool merged = false;
                for (size_t q = span0; q < nspans; q++)
                    if (s->spans[q].kind == (vigil_kind)kind &&
                        s->hits[k].start < s->spans[q].end && s->spans[q].start < s->hits[k].end) {
                        if (s->hits[k].end > s->spans[q].end)
                            s->spans[q].end = s->hits[k].end;
                        merged = true;
                        break;
                    }
                if (!merged)
                    s->spans[nspans++] =
                        (vigil_span){(vigil_kind)kind, s->hits[k].start, s->hits[k].end};
            }
            double miss = 1.0;
            for (unsigned k = 0; k < VIGIL_KIND_COUNT; k++)
                if (counted & (1u << k))
                    miss *= 1.0 - kind_weight[k];
            double score = band_score(sev, 1.0 - miss);
            if (sev > r->severity || (sev == r->severity && score > best)) {
                r->severity = sev > r->severity ? sev : r->severity;
                best = score;
            }
            vigil_person_hit *ph = &s->people[np];
            ph->person = vigil_index_person_id(s->ix, person);
            ph->matched = counted;
            ph->nspans = nspans - span0;
            ph->spans = s->spans + span0;
            sort_u64(s->fps + fp0, nfps - fp0);
            if (np < 64) {
                ids[np] = ph->person;
                masks[np] = counted;
                pf[np] = s->fps + fp0;
                pn[np] = nfps - fp0;
            }
            np++;
        }
        a = b;
    }
    r->npeople = np;
    r->people = s->people;
    r->score = best;
    if (np)
        return vigil_fingerprint(s->keys, ids, masks, pf, pn, np < 64 ? np : 64, r->fingerprint);
    return VIGIL_OK;
}

/* Protective roles: personal data next to one of these words is a dox in the making even when
 * the person is not enrolled. */
static const char *const role_words[] = {
    "agent", "agents", "officer", "officers", "ice", "cbp", "marshal", "marshals", "judge",
    "judges", "deputy", "deputies", "sheriff", "prosecutor", "trooper", "cop", "cops",
    "journalist", "reporter", "agente", "agentes", "oficial", "oficiales", "juez", "jueces",
    "jueza", "policia", "policias", "fiscal", "periodista", "periodistas", "alguacil", "migra"};
#define NROLE (sizeof role_words / sizeof *role_words)
static char role_canon[NROLE][16];
static uint8_t role_len[NROLE];
static pthread_once_t role_once = PTHREAD_ONCE_INIT;

static void role_init(void)
{
    for (size_t i = 0; i < NROLE; i++)
        role_len[i] = (uint8_t)vigil_canon_one(role_words[i], role_canon[i], sizeof role_canon[i]);
}

/* True when a role word lies within 80 bytes of a personal-data match. */
static bool pii_near_role(const vigil_scanner *s, const vigil_pii_match *m, size_t n)
{
    pthread_once(&role_once, role_init);
    for (size_t i = 0; i < s->tok.n; i++) {
        const vigil_token *t = &s->tok.v[i];
        bool role = false;
        for (size_t k = 0; k < NROLE && !role; k++)
            role = role_len[k] == t->len &&
                   memcmp(role_canon[k], vigil_token_str(&s->tok, i), t->len) == 0;
        if (!role)
            continue;
        for (size_t k = 0; k < n; k++)
            if (t->end + 80 >= m[k].start && m[k].end + 80 >= t->start)
                return true;
    }
    return false;
}

/* The DESIGN.md rubric over exposure, threat and personal data: a threat or bounty naming a
 * protected person is critical; a bounty alone is high; a threat alone medium; personal data
 * next to a protective role, with nobody identified, low. */
static void combine(vigil_scanner *s)
{
    vigil_result *r = &s->result;
    r->threat = s->threat.threat;
    r->threat.explain = s->threat.explain;
    r->threat.nexplain = s->threat.nexplain;
    bool threat = r->threat.score >= 0.5;
    bool bounty = r->threat.has_bounty != 0;
    vigil_severity sev = r->severity;
    if ((threat || bounty) && r->npeople > 0)
        sev = VIGIL_SEV_CRITICAL;
    else if (bounty && sev < VIGIL_SEV_HIGH)
        sev = VIGIL_SEV_HIGH;
    else if (threat && sev < VIGIL_SEV_MEDIUM)
        sev = VIGIL_SEV_MEDIUM;
    if (r->pii_near_role && sev < VIGIL_SEV_LOW)
        sev = VIGIL_SEV_LOW;
    if (sev != r->severity) {
        r->severity = sev;
        r->score = band_score(sev, sev == VIGIL_SEV_LOW ? 0.5 : r->threat.score);
    }
}

/* Weak names and relatives count only beside another identifier of the same person
 * (person_verdict), and with a large index a common surname or a relative's common name names
 * hundreds of people, most with nothing else in the document. So weak name forms (initial and
 * surname) are looked for only in a document where something was found and kept only for the
 * people found (bits in s->found), and relatives' hits are kept only for people with another
 * hit (bits in s->found + nfound): the people they would leave out are info, never reported,
 * and verdict's sort and records skip them. The bits are cleared again after. */
static vigil_status weak_and_relatives(vigil_scanner *s, uint64_t weak)
{
    size_t words = vigil_index_people(s->ix) / 64 + 1, n1 = s->nhits;
    if (s->nfound < words) {
        uint64_t *f = calloc(2 * words, sizeof *f);
        if (!f)
            return VIGIL_ERR_NOMEM;
        free(s->found);
        s->found = f;
        s->nfound = words;
    }
    uint64_t *any = s->found, *other = s->found + s->nfound;
    bool rel = false;
    for (size_t k = 0; k < n1; k++)
        mark(any, s->hits[k].value & VIGIL_V_PERSON_MASK);
    s->weak_phase = true;
    match_ngrams(s, weak);
    if (s->tok.nspelled)
        match_spelled(s);
    for (size_t k = 0; k < n1; k++)
        any[(s->hits[k].value & VIGIL_V_PERSON_MASK) >> 6] = 0;
    for (size_t k = 0; k < s->nhits; k++) {
        if (hit_kind(&s->hits[k]) == VIGIL_KIND_RELATIVE)
            rel = true;
        else
            mark(other, s->hits[k].value & VIGIL_V_PERSON_MASK);
    }
    if (rel) {
        size_t m = 0;
        for (size_t k = 0; k < s->nhits; k++)
            if (hit_kind(&s->hits[k]) != VIGIL_KIND_RELATIVE ||
                marked(other, s->hits[k].value & VIGIL_V_PERSON_MASK))
                s->hits[m++] = s->hits[k];
        s->nhits = m;
    }
    /* every person with a bit in other kept its hits */
    for (size_t k = 0; k < s->nhits; k++)
        other[(s->hits[k].value & VIGIL_V_PERSON_MASK) >> 6] = 0;
    return VIGIL_OK;
}

vigil_status vigil_scan(vigil_scanner *s, const char *text, size_t len, const vigil_result **out)
{
    if (!s || (!text && len) || !out)
        return VIGIL_ERR_ARG;
    vigil_status st =
        vigil_tokenize_scan(&s->tok, text ? text : "", len, s->keys, s->ix, s->cache);
    if (st != VIGIL_OK)
        return st;
    s->text = text;
    s->nhits = 0;
    s->weak_phase = false;
    const uint64_t weak = 0x1FEull << VIGIL_LENS_WEAK; /* bits WEAK + 1 .. WEAK + 8 */
    s->natdot = 0;
    match_ngrams(s, (~weak & VIGIL_LENS_CLASSES) | VIGIL_LENS_ATDOT);
    if (s->tok.nspelled)
        match_spelled(s);
    match_phones(s);
    if (s->natdot || s->tok.at_sign || s->tok.at_letter)
        match_spelled_emails(s);
    if (s->nhits && (st = weak_and_relatives(s, weak)) != VIGIL_OK)
        return st;
    st = verdict(s);
    s->threat.tagged = s->taggen && s->tok.taggen == s->taggen;
    if (st == VIGIL_OK)
        st = vigil_threat_detect(s->rules, s->model, &s->tok, s->text, len, &s->threat);
    const vigil_pii_match *pii = NULL;
    size_t npii = 0;
    if (st == VIGIL_OK && !s->pii_off)
        st = vigil_pii_scan(s->pii, s->text, len, &s->tok, &pii, &npii);
    if (st != VIGIL_OK)
        return st;
    s->result.pii = pii;
    s->result.npii = npii;
    s->result.pii_near_role = npii && pii_near_role(s, pii, npii);
    combine(s);
    *out = &s->result;
    return VIGIL_OK;
}
