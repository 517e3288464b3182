/*
 * Variant generation: from one person's plaintext identifiers to the keyed fingerprints of every
 * form the person is really written in. Plaintext lives only in this function's stack and
 * scratch buffers (wiped before return); only fingerprints leave.
 *
 * Every identifier is first canonicalized by the tokenizer used at scan time; variants are
 * token sequences over canonical tokens, so the disguises the tokenizer undoes (case, accents,
 * leetspeak, look-alikes, spacing, abbreviations) need no variants of their own. What does need
 * variants is structure the tokenizer cannot know:
 *   names     first [middle | middle initial] last, "Last, First [Middle]", nicknames,
 *             compound first names, either of two Spanish surnames, first+last run together;
 *             initial + surname as a weak form (counts only with a corroborating identifier)
 *   relatives the strong name forms, as kind "relative"
 *   addresses house number + street name, number first or last, with and without street type
 *             and direction; city, state, zip and unit are not part of the identifier
 *   phones    the national significant number (see phone.c)
 *   e-mails   the token sequence of the address ('@' and '.', "at", "dot" are separators)
 *   plates    as written, run together, and split between letters and digits
 *   handles   the handle without '@' or profile URL; multi-token handles must appear joined
 *             by single non-space characters ("j_smith", not "j smith")
 */
#include "../internal.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define MAXT 32 /* tokens kept per identifier */

typedef struct seq {
    const char *s[VIGIL_NGRAM_MAX];
    uint8_t n[VIGIL_NGRAM_MAX];
    size_t len;
} seq;

typedef struct ctx {
    const vigil_keys *keys;
    uint32_t person;
    vigil_entries *local;
    vigil_tokens tok;
    vigil_status st;
} ctx;

static void push_entry(ctx *c, uint64_t fp, uint32_t value, uint32_t first, uint32_t second)
{
    vigil_entries *o = c->local;
    if (c->st != VIGIL_OK)
        return;
    if (o->n == o->cap && vigil_grow(&o->v, &o->cap, o->n + 1, sizeof *o->v, 64) != VIGIL_OK) {
        c->st = VIGIL_ERR_NOMEM;
        return;
    }
    o->v[o->n++] = (vigil_entry){fp, value, first, second};
}

static void add_seq(ctx *c, const seq *q, vigil_kind kind, uint32_t flags)
{
    if (q->len == 0)
        return;
    uint64_t h0 = vigil_hash_token(c->keys, q->s[0], q->n[0]);
    uint64_t acc = h0;
    uint32_t second = VIGIL_SECOND_NONE;
    for (size_t i = 1; i < q->len; i++) {
        uint64_t h = vigil_hash_token(c->keys, q->s[i], q->n[i]);
        if (i == 1)
            second = ((uint32_t)h & ~VIGIL_SECOND_KNOWN) | VIGIL_SECOND_KNOWN;
        acc = vigil_ngram_add(acc, h);
    }
    uint32_t value = c->person | ((uint32_t)kind << VIGIL_V_KIND_SHIFT) | flags |
                     ((uint32_t)(q->len - 1) << VIGIL_V_LEN_SHIFT);
    bool numnext = q->len >= 2 && q->len <= 7;
    for (size_t k = 0; numnext && k < q->n[1]; k++)
        numnext = q->s[1][k] >= '0' && q->s[1][k] <= '9';
    uint32_t first = ((uint32_t)h0 & ~VIGIL_FIRST_NUMNEXT) | (numnext ? VIGIL_FIRST_NUMNEXT : 0);
    push_entry(c, vigil_ngram_final(acc, (unsigned)q->len), value, first, second);
}

static void seq_push(seq *q, const char *s, size_t n)
{
    if (q->len < VIGIL_NGRAM_MAX && n) {
        q->s[q->len] = s;
        q->n[q->len] = (uint8_t)n;
        q->len++;
    }
}

/* Appends t's words to q (as far as q has room). */
static void seq_append(seq *q, const seq *t)
{
    for (size_t k = 0; k < t->len; k++)
        seq_push(q, t->s[k], t->n[k]);
}

/* A list of canonical words, copied out of the tokenizer's buffer. */
typedef struct words {
    char buf[MAXT][VIGIL_TOKEN_MAX + 1];
    uint8_t n[MAXT];
    uint8_t flags[MAXT];
    size_t count;
} words;

static vigil_status words_of(ctx *c, const char *s, size_t n, words *w)
{
    w->count = 0;
    vigil_status st = vigil_tokenize(&c->tok, s, n);
    if (st != VIGIL_OK)
        return st;
    for (size_t i = 0; i < c->tok.n && w->count < MAXT; i++) {
        size_t l = c->tok.v[i].len;
        memcpy(w->buf[w->count], vigil_token_str(&c->tok, i), l);
        w->buf[w->count][l] = '\0';
        w->n[w->count] = (uint8_t)l;
        w->flags[w->count] = c->tok.v[i].flags;
        w->count++;
    }
    return VIGIL_OK;
}

/* ------------------------------------------------------------------ names */

typedef struct name_parts {
    const char *first[2];
    uint8_t first_n[2];
    size_t nfirst;
    const char *middle[4];
    uint8_t middle_n[4];
    size_t nmiddle;
    const char *last[2];
    uint8_t last_n[2];
    size_t nlast;
    bool spanish; /* read as a Spanish name (second given names, "Ma.") */
} name_parts;

static bool spanish_country(const char *iso)
{
    const char *cc = vigil_country_code(iso);
    return cc && strcmp(cc, "1") != 0 && strcmp(cc, "44") != 0;
}

static void parts_set(const char **dst, uint8_t *dn, size_t *cnt, size_t max, const words *w,
                      size_t from, size_t to)
{
    *cnt = 0;
    for (size_t i = from; i < to && *cnt < max; i++) {
        dst[*cnt] = w->buf[i];
        dn[*cnt] = w->n[i];
        (*cnt)++;
    }
}

/* Splits a name into first name(s), middle names and surname(s). "Last, First Middle" is
 * explicit; otherwise Spanish-speaking countries read a third word as a second surname unless
 * the second word is itself a given name ("José Luis García"). */
static void parse_name(const words *w, size_t comma_at, bool spanish, name_parts *p)
{
    memset(p, 0, sizeof *p);
    p->spanish = spanish;
    size_t n = w->count;
    if (comma_at > 0 && comma_at < n) {
        parts_set(p->last, p->last_n, &p->nlast, 2, w, 0, comma_at);
        size_t given = n - comma_at;
        size_t nf = (given >= 2 && spanish && vigil_is_given_name(w->buf[comma_at + 1],
                                                                  w->n[comma_at + 1])) ? 2 : 1;
        parts_set(p->first, p->first_n, &p->nfirst, 2, w, comma_at, comma_at + nf);
        parts_set(p->middle, p->middle_n, &p->nmiddle, 4, w, comma_at + nf, n);
        return;
    }
    if (n == 1) {
        parts_set(p->last, p->last_n, &p->nlast, 1, w, 0, 1);
        return;
    }
    if (n == 2) {
        parts_set(p->first, p->first_n, &p->nfirst, 1, w, 0, 1);
        parts_set(p->last, p->last_n, &p->nlast, 1, w, 1, 2);
        return;
    }
    if (spanish) {
        size_t nf = vigil_is_given_name(w->buf[1], w->n[1]) ? 2 : 1;
        size_t nl = n - nf >= 2 ? 2 : 1;
        parts_set(p->first, p->first_n, &p->nfirst, 2, w, 0, nf);
        parts_set(p->middle, p->middle_n, &p->nmiddle, 4, w, nf, n - nl);
        parts_set(p->last, p->last_n, &p->nlast, 2, w, n - nl, n);
        return;
    }
    parts_set(p->first, p->first_n, &p->nfirst, 1, w, 0, 1);
    parts_set(p->middle, p->middle_n, &p->nmiddle, 4, w, 1, n - 1);
    parts_set(p->last, p->last_n, &p->nlast, 1, w, n - 1, n);
}

typedef struct first_opts {
    char s[24][VIGIL_TOKEN_MAX + 1];
    uint8_t n[24];
    size_t count;
} first_opts;

static void collect_first(void *user, const char *name, size_t n)
{
    first_opts *f = user;
    for (size_t i = 0; i < f->count; i++)
        if (f->n[i] == n && memcmp(f->s[i], name, n) == 0)
            return;
    if (f->count < 24) {
        memcpy(f->s[f->count], name, n);
        f->n[f->count++] = (uint8_t)n;
    }
}

/* The canonical form of a one-letter initial ("c" canonicalizes like any token). */
static size_t initial_of(ctx *c, const char *word, char *out)
{
    char ch = word[0];
    if (vigil_tokenize(&c->tok, &ch, 1) != VIGIL_OK || c->tok.n != 1)
        return 0;
    size_t l = c->tok.v[0].len;
    memcpy(out, vigil_token_str(&c->tok, 0), l);
    return l;
}

/* Whether the canonical word w is the canonical form of the plain word s. */
static bool canon_is(ctx *c, const char *w, size_t n, const char *s)
{
    if (vigil_tokenize(&c->tok, s, strlen(s)) != VIGIL_OK || c->tok.n != 1)
        return false;
    return c->tok.v[0].len == n && memcmp(vigil_token_str(&c->tok, 0), w, n) == 0;
}

/* A Spanish name's second given names: people are called by them too ("María Guadalupe" is
 * "Guadalupe", "Lupita"; "José de Jesús" is "Jesús", "Chucho"), with both surnames or the
 * first, in both orders; and "Ma." is how María is written before a second name ("Ma. Guadalupe").
 * The options fo of the first name are not repeated. */
static void second_given_names(ctx *c, const name_parts *p, const seq *sur, size_t nsur,
                               const first_opts *fo, vigil_kind kind)
{
    if (!p->spanish || p->nfirst == 0)
        return;
    first_opts so;
    so.count = 0;
    if (p->nfirst == 2)
        vigil_nicknames(p->first[1], p->first_n[1], collect_first, &so);
    for (size_t m = 0; m < p->nmiddle; m++)
        if (vigil_is_given_name(p->middle[m], p->middle_n[m]))
            vigil_nicknames(p->middle[m], p->middle_n[m], collect_first, &so);
    seq opts[25];
    size_t nopts = 0;
    for (size_t i = 0; i < so.count; i++) {
        bool dup = false;
        for (size_t k = 0; k < fo->count; k++)
            dup |= fo->n[k] == so.n[i] && memcmp(fo->s[k], so.s[i], so.n[i]) == 0;
        if (dup)
            continue;
        memset(&opts[nopts], 0, sizeof opts[0]);
        seq_push(&opts[nopts++], so.s[i], so.n[i]);
    }
    if (p->nfirst == 2 && canon_is(c, p->first[0], p->first_n[0], "maria")) {
        memset(&opts[nopts], 0, sizeof opts[0]);
        seq_push(&opts[nopts], "ma", 2);
        seq_push(&opts[nopts++], p->first[1], p->first_n[1]);
    }
    /* with both surnames or the first (paternal) one: the second given name with the mother's
     * surname alone is how someone else is named more often than how this person is */
    for (size_t o = 0; o < nopts; o++)
        for (size_t s = 0; s < nsur && s < 2; s++) {
            seq q = opts[o];
            seq_append(&q, &sur[s]);
            add_seq(c, &q, kind, 0);
            seq r = sur[s];
            seq_append(&r, &opts[o]);
            add_seq(c, &r, kind, VIGIL_V_REVERSED);
        }
    sodium_memzero(&so, sizeof so);
}

static void name_variants(ctx *c, const name_parts *p, vigil_kind kind, bool weak_forms)
{
    if (p->nlast == 0)
        return;
    /* surname options: both, or either alone */
    seq sur[3];
    size_t nsur = 0;
    memset(sur, 0, sizeof sur);
    for (size_t i = 0; i < p->nlast; i++)
        seq_push(&sur[0], p->last[i], p->last_n[i]);
    nsur = 1;
    if (p->nlast == 2) {
        seq_push(&sur[1], p->last[0], p->last_n[0]);
        seq_push(&sur[2], p->last[1], p->last_n[1]);
        nsur = 3;
    }
    char minit[4][VIGIL_TOKEN_MAX + 1];
    size_t minit_n[4];
    for (size_t i = 0; i < p->nmiddle; i++)
        minit_n[i] = initial_of(c, p->middle[i], minit[i]);

    if (p->nfirst == 0) { /* a single word: weak at most */
        if (weak_forms)
            add_seq(c, &sur[0], kind, VIGIL_V_WEAK);
        return;
    }
    /* first-name options: the (compound) first name, its first word, and nicknames */
    first_opts fo;
    fo.count = 0;
    vigil_nicknames(p->first[0], p->first_n[0], collect_first, &fo);
    seq firsts[26];
    size_t nfirsts = 0;
    if (p->nfirst == 2) {
        memset(&firsts[nfirsts], 0, sizeof firsts[0]);
        seq_push(&firsts[nfirsts], p->first[0], p->first_n[0]);
        seq_push(&firsts[nfirsts], p->first[1], p->first_n[1]);
        nfirsts++;
    }
    for (size_t i = 0; i < fo.count; i++) {
        memset(&firsts[nfirsts], 0, sizeof firsts[0]);
        seq_push(&firsts[nfirsts], fo.s[i], fo.n[i]);
        nfirsts++;
    }

    for (size_t f = 0; f < nfirsts; f++) {
        for (size_t s = 0; s < nsur; s++) {
            seq q;
            /* First Last / First Middle Last / First M. Last */
            for (int form = 0; form < 3; form++) {
                if (form > 0 && p->nmiddle == 0)
                    break;
                q = firsts[f];
                for (size_t m = 0; form > 0 && m < p->nmiddle; m++) {
                    if (form == 1)
                        seq_push(&q, p->middle[m], p->middle_n[m]);
                    else
                        seq_push(&q, minit[m], minit_n[m]);
                }
                seq_append(&q, &sur[s]);
                add_seq(c, &q, kind, 0);
                /* Last, First [Middle | M.] */
                seq r = sur[s];
                seq_append(&r, &firsts[f]);
                for (size_t m = 0; form > 0 && m < p->nmiddle; m++) {
                    if (form == 1)
                        seq_push(&r, p->middle[m], p->middle_n[m]);
                    else
                        seq_push(&r, minit[m], minit_n[m]);
                }
                add_seq(c, &r, kind, VIGIL_V_REVERSED);
            }
            /* run together: "johnsmith" (single-word parts only) */
            if (firsts[f].len == 1 && sur[s].len == 1) {
                char joined[2 * VIGIL_TOKEN_MAX + 2];
                size_t a = firsts[f].n[0], b = sur[s].n[0];
                memcpy(joined, firsts[f].s[0], a);
                memcpy(joined + a, sur[s].s[0], b);
                size_t jl = a + b > VIGIL_TOKEN_MAX ? VIGIL_TOKEN_MAX : a + b;
                memset(&q, 0, sizeof q);
                seq_push(&q, joined, jl);
                add_seq(c, &q, kind, 0);
                sodium_memzero(joined, sizeof joined);
            }
        }
    }
    second_given_names(c, p, sur, nsur, &fo, kind);
    if (!weak_forms)
        return;
    /* initial(s) + surname: weak */
    char fi[2][VIGIL_TOKEN_MAX + 1];
    size_t fin[2] = {0, 0};
    for (size_t i = 0; i < p->nfirst; i++)
        fin[i] = initial_of(c, p->first[i], fi[i]);
    for (size_t s = 0; s < nsur; s++) {
        for (int form = 0; form < 2; form++) {
            seq q;
            memset(&q, 0, sizeof q);
            seq_push(&q, fi[0], fin[0]);
            if (form == 1) { /* all initials: J. L. García, J. M. Smith */
                if (p->nfirst == 2)
                    seq_push(&q, fi[1], fin[1]);
                for (size_t m = 0; m < p->nmiddle; m++)
                    seq_push(&q, minit[m], minit_n[m]);
                if (q.len == 1)
                    break;
            }
            seq_append(&q, &sur[s]);
            add_seq(c, &q, kind, VIGIL_V_WEAK);
            if (form == 0) {
                seq r = sur[s];
                seq_push(&r, fi[0], fin[0]);
                add_seq(c, &r, kind, VIGIL_V_WEAK | VIGIL_V_REVERSED);
            }
        }
    }
    sodium_memzero(fi, sizeof fi);
}

static vigil_status do_name(ctx *c, const char *value, const char *country, vigil_kind kind,
                            char *err, size_t errlen, size_t idx)
{
    words *w = malloc(sizeof *w);
    if (!w)
        return VIGIL_ERR_NOMEM;
    size_t comma_at = 0;
    const char *comma = strchr(value, ',');
    vigil_status st;
    if (comma) {
        words *before = malloc(sizeof *before);
        if (!before) {
            free(w);
            return VIGIL_ERR_NOMEM;
        }
        st = words_of(c, value, (size_t)(comma - value), before);
        comma_at = before->count;
        sodium_memzero(before, sizeof *before);
        free(before);
        if (st != VIGIL_OK) {
            free(w);
            return st;
        }
    }
    st = words_of(c, value, strlen(value), w);
    if (st == VIGIL_OK && w->count == 0) {
        vigil_errf(err, errlen, "%s %zu has no letters", vigil_kind_name(kind), idx + 1);
        st = VIGIL_ERR_PARSE;
    }
    if (st == VIGIL_OK) {
        name_parts p;
        parse_name(w, comma_at, spanish_country(country), &p);
        name_variants(c, &p, kind, kind == VIGIL_KIND_NAME);
    }
    sodium_memzero(w, sizeof *w);
    free(w);
    return st;
}

/* ------------------------------------------------------------------ addresses */

/* The words written before a Mexican house number ("No.", "Núm.", "Número"), canonical. */
static const char *const number_words[] = {"no", "num", "numero", "nro"};
#define NUMBER_WORDS (sizeof number_words / sizeof *number_words)

/* Whether a canonical word is a particle of a Spanish street name ("de la", "del", "de los"). */
static bool is_particle(const char *s, size_t n)
{
    return vigil_word_listed(vigil_street_particles, VIGIL_STREET_PARTICLES, s, n);
}

/* Appends the words w[at[k]] for k in [lo, hi) to q. */
static void push_words(seq *q, const words *w, const size_t *at, size_t lo, size_t hi)
{
    for (size_t k = lo; k < hi; k++)
        seq_push(q, w->buf[at[k]], w->n[at[k]]);
}

static vigil_status do_address(ctx *c, const char *value, char *err, size_t errlen, size_t idx)
{
    const char *comma = strchr(value, ',');
    size_t len = comma ? (size_t)(comma - value) : strlen(value);
    words *w = malloc(sizeof *w);
    if (!w)
        return VIGIL_ERR_NOMEM;
    vigil_status st = words_of(c, value, len, w);
    if (st != VIGIL_OK) {
        free(w);
        return st;
    }
    /* find the house number: the first token (US order), or after the street (Mexican order) */
    size_t num = SIZE_MAX, from = 0, to = 0;
    bool date_name =
        w->count > 2 && (w->flags[0] & VIGIL_TOK_DIGITS) && w->n[1] == 2 &&
        memcmp(w->buf[1], "de", 2) == 0; /* "5 de Mayo 123": a street named by a date */
    if (w->count > 1 && (w->flags[0] & VIGIL_TOK_DIGITS) && !date_name) {
        num = 0;
        from = 1;
        to = 1;
        size_t core = 0;
        for (size_t i = 1; i < w->count; i++) {
            vigil_word_class cls = vigil_canon_class(w->buf[i], w->n[i]);
            if (cls == VIGIL_WORD_UNIT)
                break;
            to = i + 1;
            if (cls == VIGIL_WORD_STREET_TYPE && core > 0) {
                /* a trailing direction ("Oak St NW") still belongs to the street */
                if (i + 1 < w->count &&
                    vigil_canon_class(w->buf[i + 1], w->n[i + 1]) == VIGIL_WORD_DIRECTION)
                    to = i + 2;
                break;
            }
            if (cls == VIGIL_WORD_OTHER)
                core++;
            if (core >= 5)
                break;
        }
    } else {
        /* The last number before a unit ("Int. 4", "Depto 3", "Col. Centro"): a street's name
         * may hold numbers ("Calle 5 de Mayo 123", "Av. 16 de Septiembre No. 45", "Calle 10
         * Num. 312"), and a number word before the house number is not part of the street. */
        for (size_t i = 1; i < w->count; i++) {
            if (vigil_canon_class(w->buf[i], w->n[i]) == VIGIL_WORD_UNIT)
                break;
            if (w->flags[i] & VIGIL_TOK_DIGITS)
                num = i;
        }
        from = 0;
        to = num == SIZE_MAX ? 0 : num;
        if (to > 1 &&
            vigil_word_listed(number_words, NUMBER_WORDS, w->buf[to - 1], w->n[to - 1]))
            to--;
    }
    size_t core = 0;
    for (size_t i = from; i < to; i++)
        core += vigil_canon_class(w->buf[i], w->n[i]) == VIGIL_WORD_OTHER;
    if (num == SIZE_MAX || core == 0) {
        vigil_errf(err, errlen, "address %zu has no house number and street name", idx + 1);
        sodium_memzero(w, sizeof *w);
        free(w);
        return VIGIL_ERR_PARSE;
    }
    /* Each form of the street: with and without its direction, its street type and the
     * particles that lead a Spanish name ("Calle de la Reforma" is also "Calle Reforma", "Av.
     * de los Insurgentes" "Av. Insurgentes"), with the number before or after it; for an address
     * enrolled with its number last, also behind a number word ("Calle Hidalgo No. 123",
     * "Núm.", "Número"; '#' is a separator already). A form longer than a token sequence can be
     * keeps the words next to the number: cut anywhere else, it could lose the number and match the
     * street alone. */
    bool lead_particle = false;
    for (size_t i = from; i < to; i++) {
        vigil_word_class cls = vigil_canon_class(w->buf[i], w->n[i]);
        if (cls != VIGIL_WORD_OTHER)
            continue;
        lead_particle = is_particle(w->buf[i], w->n[i]);
        break;
    }
    bool num_last = num > 0; /* written as in Mexico, where "No." is common */
    for (int keep_dir = 1; keep_dir >= 0; keep_dir--)
        for (int keep_type = 1; keep_type >= 0; keep_type--)
            for (int keep_part = 1; keep_part >= (lead_particle ? 0 : 1); keep_part--) {
                size_t at[MAXT], ns = 0, names = 0;
                bool dropped = false, lead = true;
                for (size_t i = from; i < to; i++) {
                    vigil_word_class cls = vigil_canon_class(w->buf[i], w->n[i]);
                    bool part = cls == VIGIL_WORD_OTHER && is_particle(w->buf[i], w->n[i]);
                    if ((cls == VIGIL_WORD_DIRECTION && !keep_dir) ||
                        (cls == VIGIL_WORD_STREET_TYPE && !keep_type) ||
                        (part && lead && !keep_part)) {
                        dropped = true;
                        continue;
                    }
                    if (cls == VIGIL_WORD_OTHER && !part)
                        lead = false;
                    names += cls == VIGIL_WORD_OTHER;
                    at[ns++] = i;
                }
                if ((!dropped && !(keep_dir && keep_type && keep_part)) || names == 0)
                    continue; /* the same as an earlier form, or no name left */
                size_t room = VIGIL_NGRAM_MAX - 1;
                seq q;
                memset(&q, 0, sizeof q);
                seq_push(&q, w->buf[num], w->n[num]);
                push_words(&q, w, at, 0, ns < room ? ns : room);
                add_seq(c, &q, VIGIL_KIND_ADDRESS, 0);
                memset(&q, 0, sizeof q);
                push_words(&q, w, at, ns > room ? ns - room : 0, ns);
                seq_push(&q, w->buf[num], w->n[num]);
                add_seq(c, &q, VIGIL_KIND_ADDRESS, 0);
                for (size_t d = 0; keep_type && num_last && d < NUMBER_WORDS; d++) {
                    memset(&q, 0, sizeof q);
                    push_words(&q, w, at, ns > room - 1 ? ns - (room - 1) : 0, ns);
                    seq_push(&q, number_words[d], strlen(number_words[d]));
                    seq_push(&q, w->buf[num], w->n[num]);
                    add_seq(c, &q, VIGIL_KIND_ADDRESS, 0);
                }
            }
    sodium_memzero(w, sizeof *w);
    free(w);
    return VIGIL_OK;
}

/* ------------------------------------------------------------------ phones */

static vigil_status do_phone(ctx *c, const char *value, const char *country, char *err,
                             size_t errlen, size_t idx)
{
    char d[32];
    size_t n = 0, total = 0;
    const char *p = value;
    while (*p == ' ' || *p == '\t')
        p++;
    bool intl = *p == '+';
    for (const char *q = value; *q; q++)
        if (*q >= '0' && *q <= '9') {
            if (n < sizeof d - 1)
                d[n++] = *q;
            total++;
        }
    d[n] = '\0';
    const char *nsn = d;
    size_t nn = n;
    if (!intl && n > 2 && memcmp(d, "00", 2) == 0) {
        intl = true;
        nsn += 2;
        nn -= 2;
    } else if (!intl && n > 3 && memcmp(d, "011", 3) == 0) {
        intl = true;
        nsn += 3;
        nn -= 3;
    }
    const char *cc = vigil_country_code(country);
    if (intl) {
        /* strip the longest known country code */
        static const char *const codes[] = {"351", "502", "503", "504", "505", "506", "507",
                                            "591", "593", "595", "598", "1",   "52",  "34",
                                            "44",  "57",  "54",  "51",  "56",  "58",  "53",
                                            "33",  "49",  "39",  "55",  "63",  "91"};
        for (size_t i = 0; i < sizeof codes / sizeof *codes; i++) {
            size_t l = strlen(codes[i]);
            if (nn > l && memcmp(nsn, codes[i], l) == 0) {
                cc = codes[i];
                nsn += l;
                nn -= l;
                break;
            }
        }
        if (cc && strcmp(cc, "52") == 0 && nn == 11 && nsn[0] == '1') {
            nsn++;
            nn--;
        }
    } else if (cc) {
        size_t l = strlen(cc);
        if (nn > 10 && memcmp(nsn, cc, l) == 0) {
            nsn += l;
            nn -= l;
            if (strcmp(cc, "52") == 0 && nn == 11 && nsn[0] == '1') {
                nsn++;
                nn--;
            }
        } else if (strcmp(cc, "52") == 0 && nn == 13 &&
                   (memcmp(nsn, "044", 3) == 0 || memcmp(nsn, "045", 3) == 0)) {
            nsn += 3;
            nn -= 3;
        } else if (nn > 10 && nsn[0] == '0') {
            while (nn > 10 && nsn[0] == '0') {
                nsn++;
                nn--;
            }
        }
    }
    if (total > sizeof d - 1 || nn < 7 || nn > 12) {
        vigil_errf(err, errlen, "phone %zu has %zu digits after its prefixes; a phone number "
                                "needs 7 to 12", idx + 1, nn);
        sodium_memzero(d, sizeof d);
        return VIGIL_ERR_PARSE;
    }
    uint32_t value_bits = c->person | ((uint32_t)VIGIL_KIND_PHONE << VIGIL_V_KIND_SHIFT) |
                          VIGIL_V_PHONE;
    push_entry(c, vigil_phone_fp(c->keys, nsn, nn), value_bits, 0, VIGIL_SECOND_NONE);
    sodium_memzero(d, sizeof d);
    return VIGIL_OK;
}

/* ------------------------------------------------------------------ e-mail, plates, handles */

static vigil_status add_words(ctx *c, const char *s, size_t n, vigil_kind kind, uint32_t flags,
                              size_t *count)
{
    words *w = malloc(sizeof *w);
    if (!w)
        return VIGIL_ERR_NOMEM;
    vigil_status st = words_of(c, s, n, w);
    *count = w->count;
    if (st == VIGIL_OK && w->count) {
        seq q;
        memset(&q, 0, sizeof q);
        for (size_t i = 0; i < w->count; i++)
            seq_push(&q, w->buf[i], w->n[i]);
        add_seq(c, &q, kind, w->count > 1 ? flags : 0);
    }
    sodium_memzero(w, sizeof *w);
    free(w);
    return st;
}

/* Pushes words with `sep` ("dot") between them when sep is not NULL. */
static void push_joined(seq *q, const words *w, const char *sep)
{
    for (size_t i = 0; i < w->count; i++) {
        if (i && sep)
            seq_push(q, sep, strlen(sep));
        seq_push(q, w->buf[i], w->n[i]);
    }
}

/* An e-mail address as written (john.smith@example.com), with "at" for '@'
 * (john.smith at example.com), with "at" and "dot" (john.smith [at] example [dot] com), and
 * with "dot" in the local part too (john dot smith at example dot com). Forms longer than the
 * longest identifier are not registered: the scan finds them, and mixes of these, through the
 * first form (exposure.c, match_spelled_emails). */
static vigil_status do_email(ctx *c, const char *value, char *err, size_t errlen, size_t idx)
{
    const char *at = strchr(value, '@');
    if (!at || at == value || !strchr(at, '.')) {
        vigil_errf(err, errlen, "email %zu is not an e-mail address (name@domain)", idx + 1);
        return VIGIL_ERR_PARSE;
    }
    words *local = malloc(sizeof *local), *domain = malloc(sizeof *domain);
    vigil_status st = VIGIL_ERR_NOMEM;
    if (local && domain)
        st = words_of(c, value, (size_t)(at - value), local);
    if (st == VIGIL_OK)
        st = words_of(c, at + 1, strlen(at + 1), domain);
    if (st == VIGIL_OK && (!local->count || !domain->count)) {
        vigil_errf(err, errlen, "email %zu is not an e-mail address (name@domain)", idx + 1);
        st = VIGIL_ERR_PARSE;
    }
    for (int form = 0; st == VIGIL_OK && form < 4; form++) {
        if (form == 3 && local->count < 2)
            break;
        seq q;
        memset(&q, 0, sizeof q);
        push_joined(&q, local, form == 3 ? "dot" : NULL);
        if (form > 0)
            seq_push(&q, "at", 2);
        push_joined(&q, domain, form >= 2 ? "dot" : NULL);
        size_t want = local->count + domain->count + (form > 0) +
                      (form >= 2 ? domain->count - 1 : 0) + (form == 3 ? local->count - 1 : 0);
        if (q.len == want)
            add_seq(c, &q, VIGIL_KIND_EMAIL, 0);
    }
    if (local) {
        sodium_memzero(local, sizeof *local);
        free(local);
    }
    if (domain) {
        sodium_memzero(domain, sizeof *domain);
        free(domain);
    }
    return st;
}

static vigil_status do_plate(ctx *c, const char *value, char *err, size_t errlen, size_t idx)
{
    char joined[64], split[128];
    size_t jn = 0, sn = 0, count;
    for (const char *p = value; *p && jn < sizeof joined - 1; p++) {
        unsigned char ch = (unsigned char)*p;
        bool digit = ch >= '0' && ch <= '9';
        bool alpha = (ch | 32) >= 'a' && (ch | 32) <= 'z';
        if (!digit && !alpha)
            continue;
        if (jn > 0) {
            unsigned char prev = (unsigned char)joined[jn - 1];
            bool pdigit = prev >= '0' && prev <= '9';
            if (pdigit != digit)
                split[sn++] = ' ';
        }
        joined[jn++] = (char)ch;
        split[sn++] = (char)ch;
    }
    if (jn < 2) {
        vigil_errf(err, errlen, "plate %zu has fewer than 2 letters or digits", idx + 1);
        return VIGIL_ERR_PARSE;
    }
    vigil_status st = add_words(c, value, strlen(value), VIGIL_KIND_PLATE, 0, &count);
    if (st == VIGIL_OK)
        st = add_words(c, joined, jn, VIGIL_KIND_PLATE, 0, &count);
    if (st == VIGIL_OK)
        st = add_words(c, split, sn, VIGIL_KIND_PLATE, 0, &count);
    sodium_memzero(joined, sizeof joined);
    sodium_memzero(split, sizeof split);
    return st;
}

static vigil_status do_handle(ctx *c, const char *value, char *err, size_t errlen, size_t idx)
{
    const char *s = value;
    size_t n = strlen(s);
    while (n && s[n - 1] == '/')
        n--;
    const char *slash = memrchr(s, '/', n);
    if (slash) {
        n -= (size_t)(slash + 1 - s);
        s = slash + 1;
    }
    while (n && (*s == '@' || *s == ' ')) {
        s++;
        n--;
    }
    size_t count = 0;
    vigil_status st = add_words(c, s, n, VIGIL_KIND_HANDLE, VIGIL_V_TIGHT, &count);
    if (st == VIGIL_OK && count == 0) {
        vigil_errf(err, errlen, "handle %zu has no letters or digits", idx + 1);
        return VIGIL_ERR_PARSE;
    }
    return st;
}

/* ------------------------------------------------------------------ entry point */

static int cmp_entry(const void *a, const void *b)
{
    const vigil_entry *x = a, *y = b;
    if (x->fp != y->fp)
        return x->fp < y->fp ? -1 : 1;
    return x->value < y->value ? -1 : x->value > y->value;
}

vigil_status vigil_variants(const vigil_keys *keys, const vigil_person_input *in, uint32_t person,
                            vigil_entries *out, uint32_t counts[VIGIL_KIND_COUNT], char *err,
                            size_t errlen)
{
    vigil_entries local = {0};
    ctx c = {.keys = keys, .person = person, .local = &local, .st = VIGIL_OK};
    vigil_status st = VIGIL_OK;
    for (int k = 0; k < VIGIL_KIND_COUNT && st == VIGIL_OK; k++) {
        for (size_t i = 0; i < in->n[k] && st == VIGIL_OK; i++) {
            const char *v = in->v[k][i];
            switch ((vigil_kind)k) {
            case VIGIL_KIND_NAME:
            case VIGIL_KIND_RELATIVE:
                st = do_name(&c, v, in->country, (vigil_kind)k, err, errlen, i);
                break;
            case VIGIL_KIND_ADDRESS: st = do_address(&c, v, err, errlen, i); break;
            case VIGIL_KIND_PHONE: st = do_phone(&c, v, in->country, err, errlen, i); break;
            case VIGIL_KIND_EMAIL: st = do_email(&c, v, err, errlen, i); break;
            case VIGIL_KIND_PLATE: st = do_plate(&c, v, err, errlen, i); break;
            case VIGIL_KIND_HANDLE: st = do_handle(&c, v, err, errlen, i); break;
            default: break;
            }
            if (st == VIGIL_OK)
                st = c.st;
        }
    }
    /* wipe the tokenizer's copy of the plaintext */
    if (c.tok.chars)
        sodium_memzero(c.tok.chars, c.tok.ccap);
    vigil_tokens_free(&c.tok);
    if (st == VIGIL_OK && local.n == 0) {
        vigil_errf(err, errlen, "no identifier: a person needs at least a name or one other "
                                "identifier");
        st = VIGIL_ERR_PARSE;
    }
    if (st == VIGIL_OK && local.n) {
        qsort(local.v, local.n, sizeof *local.v, cmp_entry);
        memset(counts, 0, sizeof(uint32_t) * VIGIL_KIND_COUNT);
        size_t w = 0;
        for (size_t i = 0; i < local.n; i++)
            if (w == 0 || cmp_entry(&local.v[w - 1], &local.v[i]) != 0)
                local.v[w++] = local.v[i];
        if (out->n + w > out->cap) {
            size_t cap = out->cap ? out->cap : 1024;
            while (cap < out->n + w)
                cap *= 2;
            vigil_entry *p = realloc(out->v, cap * sizeof *p);
            if (!p)
                st = VIGIL_ERR_NOMEM;
            else {
                out->v = p;
                out->cap = cap;
            }
        }
        if (st == VIGIL_OK) {
            for (size_t i = 0; i < w; i++) {
                out->v[out->n++] = local.v[i];
                counts[(local.v[i].value & VIGIL_V_KIND_MASK) >> VIGIL_V_KIND_SHIFT]++;
            }
        }
    }
    free(local.v);
    return st;
}
