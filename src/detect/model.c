/*
 * The linear threat model: logistic regression over hashed features of the canonical token
 * stream, trained here in C.
 *
 * Features: words, word pairs, and character 4-grams of words (with word boundaries), so
 * spelling variants and inflections share weight ("killed", "killing", "kill"). They are hashed
 * without a key into buckets: a model file does not depend on any vault and can ship with vigil.
 * Features are counted (a 4-gram that occurs twice counts twice) and scaled by 1/sqrt(n) for the
 * n features of a document, which keeps long documents from dominating; counted rather than
 * de-duplicated, a word's part of the score is the same wherever it occurs, so a word's own
 * weights (summed as a float) and its 32-bit hash are the word's tags in the tokenizer's cache,
 * and a word pair's feature is made from the two words' hashes. Scoring a document is a sum over
 * its tokens' tags and one weight per pair of tokens.
 *
 * Version 6: the 2^bits weights are two tables of 2^(bits - 1), words and 4-grams in the first,
 * word pairs in the second (2^17 each by default). The pairs' weights are the one random read
 * per token of a scan; version 4 hashed everything into one table of 2^18 (1 MiB). Version 5,
 * without pairs, was 9% faster with all detectors on and ranked the held-out sets as well, but
 * lost HateCheck's contrasts: "I'm going to hug a woman tomorrow" scored 0.56, as "... kill a
 * woman tomorrow" does, and positive statements about groups were flagged 13 -> 33 of 189.
 * Version 1 de-duplicated features per document, version 3 made pair features from word hashes.
 *
 * Training is plain Adagrad on the logistic loss with L2 regularization, positive examples
 * weighted by the class ratio (threats are a few percent of real posts), in a fixed shuffled
 * order: the same data gives the same model, byte for byte.
 *
 * Version 7: weights in 8-bit steps of one scale (quantize), trained as floats.
 *
 * File: "VIGILMD1", u32 version, u32 bits, f32 bias, f32 scale, i8 weights[2^bits], u32 crc32
 * of all that precedes it (zlib). A file of the wrong size or checksum is refused.
 */
#include "../internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define MAGIC "VIGILMD1"
#define VERSION 7
#define MAX_FEATURES 8192

struct vigil_model {
    uint32_t bits;
    float bias;
    float scale; /* a feature's weight is q[feature] * scale */
    int8_t *q;
};

/* Weights as 8-bit steps of max |w| / 127 (version 7): the tables are a quarter of the floats'
 * size (256 KiB for 2^18 features), so the one random read per token of a scan, the word pair's
 * weight, stays in the core's cache beside the tokenizer's cache and the index; and a document's
 * sum is of integers, exact in any order. Returns the scale. */
static float quantize(const float *w, size_t n, int8_t *q)
{
    float mx = 0;
    for (size_t i = 0; i < n; i++)
        if (fabsf(w[i]) > mx)
            mx = fabsf(w[i]);
    float scale = mx > 0 ? mx / 127 : 1;
    for (size_t i = 0; i < n; i++) {
        long v = lrintf(w[i] / scale);
        q[i] = (int8_t)(v > 127 ? 127 : v < -127 ? -127 : v);
    }
    return scale;
}

static uint64_t fnv(uint64_t h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

/* bucket = the top bits of one multiply: features only need spreading, not secrecy */
static inline uint32_t bucket(uint64_t x, uint32_t mask)
{
    return (uint32_t)((x * 0x9E3779B97F4A7C15ull) >> 40) & mask;
}

#define SEED 1469598103934665603ull

/* The mask of one of a model's two tables of weights (words and 4-grams; word pairs). */
static inline uint32_t table_mask(uint32_t bits)
{
    return (1u << (bits - 1)) - 1;
}

/* A word's own features: its word feature, then its character 4-grams of "<word>" (3-grams cost
 * time and added no accuracy); returns how many were written to ids (at most 22), which is
 * own_count(). *hw gets the word's 32-bit hash, from which the pair features are made. */
static size_t word_features(const char *w, size_t l, unsigned flags, uint32_t mask, uint32_t *ids,
                            uint32_t *hw)
{
    size_t n = 0;
    uint64_t h = fnv(SEED ^ 'w', w, l);
    *hw = (uint32_t)(h >> 32);
    ids[n++] = bucket(h, mask);
    if (l > 20 || (flags & VIGIL_TOK_DIGITS))
        return n;
    char b[VIGIL_TOKEN_MAX + 3];
    b[0] = '<';
    memcpy(b + 1, w, l);
    b[l + 1] = '>';
    size_t bl = l + 2;
    for (size_t k = 0; k + 4 <= bl; k++)
        ids[n++] = bucket(fnv(SEED ^ 4u, b + k, 4), mask);
    return n;
}

/* How many features word_features gives a word of l bytes. */
static inline size_t own_count(size_t l, unsigned flags)
{
    /* without branches: word lengths are what a branch predictor cannot guess */
    size_t grams = (size_t)((l - 2 <= 18) & !(flags & VIGIL_TOK_DIGITS));
    return 1 + ((l - 1) & (0 - grams));
}

/* The feature of a word pair, from the two words' hashes (ordered): in the second table (mask
 * is a table's, 2^(bits - 1) - 1). */
static inline uint32_t pair_feature(uint32_t prev, uint32_t hw, uint32_t mask)
{
    uint64_t x = (uint64_t)prev * 0xC2B2AE3D27D4EB4Full ^ (uint64_t)hw * 0x9E3779B97F4A7C15ull;
    return (mask + 1) | bucket(x ^ (x >> 29), mask);
}

/* A word's own features' summed weights (in steps of the scale: what the word tags hold) and its
 * hash. */
static int32_t own_weight(const vigil_model *m, const char *w, size_t l, unsigned flags,
                          uint32_t *hw)
{
    uint32_t ids[22];
    size_t n = word_features(w, l, flags, table_mask(m->bits), ids, hw);
    int32_t s = 0;
    for (size_t k = 0; k < n; k++)
        s += m->q[ids[k]];
    return s;
}

void vigil_model_word_tag(const vigil_model *m, const char *w, size_t n, unsigned flags,
                          vigil_tag *out)
{
    out->mweight = (int16_t)own_weight(m, w, n, flags, &out->mhash);
    out->mcount = (uint8_t)(1 + own_count(n, flags));
}

/* The features of a token stream into f (capacity MAX_FEATURES), in order, a feature as many
 * times as it occurs; returns the count. Per token: the pair it ends, its word, its 4-grams.
 * Training reads this list; prediction sums the same features per word (predict below). */
static size_t features(const vigil_tokens *t, uint32_t bits, uint32_t *f)
{
    size_t n = 0;
    uint32_t mask = table_mask(bits);
    uint32_t prev = 0;
    for (size_t i = 0; i < t->n && n + 16 < MAX_FEATURES; i++) {
        uint32_t ids[22];
        uint32_t hw;
        size_t nids = word_features(vigil_token_str(t, i), t->v[i].len, t->v[i].flags, mask, ids,
                                    &hw);
        if (i > 0)
            f[n++] = pair_feature(prev, hw, mask);
        for (size_t k = 0; k < nids && n < MAX_FEATURES; k++)
            f[n++] = ids[k];
        prev = hw;
    }
    return n;
}

static double sigmoid(double z);

typedef struct topk {
    vigil_model_feature *out;
    uint32_t *tokens; /* the index of each one's token, or NULL */
    const vigil_token *base;
    size_t n, cap;
} topk;

/* Keeps the cap largest positive additions, largest first (the earlier word first on a tie);
 * returns what a later addition must exceed to be kept. Additions are in steps of the scale
 * (walk), turned into weights by vigil_model_predict_top. */
static int32_t keep_top(topk *k, const vigil_token *tok, int32_t add)
{
    size_t at = k->n < k->cap ? k->n++ : k->cap - 1;
    while (at > 0 && k->out[at - 1].weight < add) {
        k->out[at] = k->out[at - 1];
        if (k->tokens)
            k->tokens[at] = k->tokens[at - 1];
        at--;
    }
    k->out[at] = (vigil_model_feature){tok->start, tok->end, add};
    if (k->tokens)
        k->tokens[at] = (uint32_t)(tok - k->base);
    return k->n == k->cap ? (int32_t)k->out[k->n - 1].weight : 0;
}

/* Walks the model's features as the score adds them: bias + (sum of the weights of the
 * features) / sqrt(their count), summed per word so that a word's own features are one number:
 * the word's tag, which the tokenizer's cache of words carries (tagged), or computed here. The
 * same features and cap as features(). Per token, the one random read left is the pair
 * feature's weight. Returns the sum in steps of the scale and the count in *n; with `top`, also
 * keeps the tokens that added most (their pair and their own features). Inlined in its two
 * callers, so that the plain score pays nothing for `top`.
 *
 * Written out for speed (the model was a tenth of all-detector time): a token adds at most
 * 1 + 20 features (its pair, its word and up to 19 4-grams), so the tokens that cannot reach the
 * cap are summed in a loop without its checks (all of them in a document under 389 tokens), and
 * the first token, which ends no pair, before it. */
#define WORD_FEATURES_MAX 21
static inline __attribute__((always_inline)) int64_t walk(const vigil_model *m,
                                                          const vigil_tokens *t, bool tagged,
                                                          size_t *count, topk *top)
{
    uint32_t mask = table_mask(m->bits);
    const int8_t *q = m->q;
    int64_t sum = 0;
    int32_t keep = 0; /* what an addition must exceed to enter top */
    size_t n = 0, i = 0;
    uint32_t prev = 0;
    if (tagged && t->n) {
        const vigil_token *k = &t->v[0];
        prev = k->tag.mhash;
        sum += k->tag.mweight;
        n += k->tag.mcount - 1u; /* no pair */
        if (top && k->tag.mweight > keep)
            keep = keep_top(top, k, k->tag.mweight);
        size_t safe = 1 + (MAX_FEATURES - 17 - n) / WORD_FEATURES_MAX;
        if (safe > t->n)
            safe = t->n;
        for (i = 1; i < safe; i++) {
            k = &t->v[i];
            uint32_t hw = k->tag.mhash;
            int32_t add = q[pair_feature(prev, hw, mask)] + k->tag.mweight;
            prev = hw;
            sum += add;
            n += k->tag.mcount;
            if (top && add > keep)
                keep = keep_top(top, k, add);
        }
    }
    for (; i < t->n && n + 16 < MAX_FEATURES; i++) {
        const vigil_token *k = &t->v[i];
        uint32_t hw;
        int32_t own;
        if (tagged) {
            hw = k->tag.mhash;
            own = k->tag.mweight;
        } else {
            own = own_weight(m, vigil_token_str(t, i), k->len, k->flags, &hw);
        }
        int32_t pair = 0;
        if (i > 0) {
            pair = q[pair_feature(prev, hw, mask)];
            sum += pair;
            n++;
        }
        prev = hw;
        size_t nown = own_count(k->len, k->flags);
        if (n + nown <= MAX_FEATURES) {
            sum += own;
            n += nown;
            if (top && pair + own > keep)
                keep = keep_top(top, k, pair + own);
            continue;
        }
        /* the cap falls inside this word: feature by feature, as features() */
        uint32_t ids[22];
        size_t nids = word_features(vigil_token_str(t, i), k->len, k->flags, mask, ids, &hw);
        int32_t part = 0;
        for (size_t j = 0; j < nids && n < MAX_FEATURES; j++, n++) {
            sum += q[ids[j]];
            part += q[ids[j]];
        }
        if (top && pair + part > keep)
            keep = keep_top(top, k, pair + part);
    }
    *count = n;
    return sum;
}

static double predict(const vigil_model *m, const vigil_tokens *t, bool tagged)
{
    size_t n;
    double sum = (double)walk(m, t, tagged, &n, NULL) * m->scale;
    return n ? m->bias + sum / sqrt((double)n) : m->bias;
}

static double sigmoid(double z)
{
    return z >= 0 ? 1.0 / (1.0 + exp(-z)) : exp(z) / (1.0 + exp(z));
}

double vigil_model_predict(const vigil_model *m, const vigil_tokens *t, bool tagged)
{
    if (!m)
        return 0;
    return sigmoid(predict(m, t, tagged));
}

double vigil_model_predict_top(const vigil_model *m, const vigil_tokens *t, bool tagged,
                               vigil_model_feature *top, uint32_t *tokens, size_t cap,
                               size_t *ntop)
{
    *ntop = 0;
    if (!m)
        return 0;
    topk k = {top, tokens, t->v, 0, cap};
    size_t n;
    double sum = (double)walk(m, t, tagged, &n, cap ? &k : NULL) * m->scale;
    for (size_t i = 0; i < k.n; i++)
        top[i].weight = top[i].weight * m->scale / sqrt((double)n);
    *ntop = k.n;
    return sigmoid(n ? m->bias + sum / sqrt((double)n) : m->bias);
}

void vigil_model_free(vigil_model *m)
{
    if (!m)
        return;
    free(m->q);
    free(m);
}

vigil_status vigil_model_from_memory(const void *data, size_t size, vigil_model **out, char *err,
                                     size_t errlen)
{
    const unsigned char *p = data;
    if (size < 24 || memcmp(p, MAGIC, 8) != 0) {
        vigil_errf(err, errlen, "not a vigil model (bad magic at byte 0)");
        return VIGIL_ERR_CORRUPT;
    }
    uint32_t version, bits;
    memcpy(&version, p + 8, 4);
    memcpy(&bits, p + 12, 4);
    if (version != VERSION) {
        vigil_errf(err, errlen, "model version %u is not supported (this vigil reads %d)",
                   version, VERSION);
        return VIGIL_ERR_VERSION;
    }
    if (bits < 8 || bits > 24 || size != 24 + ((size_t)1 << bits) + 4) {
        vigil_errf(err, errlen, "model is truncated or malformed (%zu bytes for 2^%u weights)",
                   size, bits);
        return VIGIL_ERR_CORRUPT;
    }
    uint32_t crc;
    memcpy(&crc, p + size - 4, 4);
    if ((uint32_t)crc32(0, p, (uInt)(size - 4)) != crc) {
        vigil_errf(err, errlen, "model checksum mismatch: the file is corrupt");
        return VIGIL_ERR_CORRUPT;
    }
    vigil_model *m = calloc(1, sizeof *m);
    if (!m || !(m->q = malloc((size_t)1 << bits))) {
        free(m);
        return VIGIL_ERR_NOMEM;
    }
    m->bits = bits;
    memcpy(&m->bias, p + 16, 4);
    memcpy(&m->scale, p + 20, 4);
    memcpy(m->q, p + 24, (size_t)1 << bits);
    for (size_t i = 0; i < ((size_t)1 << bits); i++)
        if (m->q[i] == INT8_MIN) /* never written: -127 .. 127 */
            m->q[i] = -127;
    if (!isfinite(m->bias))
        m->bias = 0;
    if (!isfinite(m->scale) || m->scale < 0)
        m->scale = 0;
    *out = m;
    return VIGIL_OK;
}

vigil_status vigil_model_load(const char *path, vigil_model **out, char *err, size_t errlen)
{
    char *data;
    size_t len;
    char sub[512];
    vigil_status st = vigil_read_file(path, (size_t)80 << 20, &data, &len, err, errlen);
    if (st != VIGIL_OK)
        return st;
    st = vigil_model_from_memory(data, len, out, sub, sizeof sub);
    if (st != VIGIL_OK)
        vigil_errf(err, errlen, "%s: %s", path, sub);
    free(data);
    return st;
}

vigil_status vigil_model_save(const vigil_model *m, const char *path, char *err, size_t errlen)
{
    size_t size = 24 + ((size_t)1 << m->bits) + 4;
    unsigned char *p = malloc(size);
    if (!p)
        return VIGIL_ERR_NOMEM;
    uint32_t version = VERSION;
    memcpy(p, MAGIC, 8);
    memcpy(p + 8, &version, 4);
    memcpy(p + 12, &m->bits, 4);
    memcpy(p + 16, &m->bias, 4);
    memcpy(p + 20, &m->scale, 4);
    memcpy(p + 24, m->q, (size_t)1 << m->bits);
    uint32_t crc = (uint32_t)crc32(0, p, (uInt)(size - 4));
    memcpy(p + size - 4, &crc, 4);
    FILE *f = fopen(path, "wb");
    vigil_status st = VIGIL_OK;
    if (!f || fwrite(p, 1, size, f) != size)
        st = VIGIL_ERR_IO;
    if (f && fclose(f) != 0)
        st = VIGIL_ERR_IO;
    if (st != VIGIL_OK)
        vigil_errf(err, errlen, "%s: cannot write model", path);
    free(p);
    return st;
}

/* ------------------------------------------------------------------ training */

struct vigil_trainset {
    uint32_t bits;
    uint32_t *feat; /* all documents' features, back to back */
    size_t nfeat, cap;
    size_t *start;  /* document i: feat[start[i] .. start[i+1]) */
    unsigned char *label;
    size_t n, ncap;
    vigil_tokens tok;
};

vigil_trainset *vigil_trainset_create(uint32_t bits)
{
    vigil_trainset *s = calloc(1, sizeof *s);
    if (s)
        s->bits = bits;
    return s;
}

void vigil_trainset_free(vigil_trainset *s)
{
    if (!s)
        return;
    free(s->feat);
    free(s->start);
    free(s->label);
    vigil_tokens_free(&s->tok);
    free(s);
}

size_t vigil_trainset_size(const vigil_trainset *s, size_t *positives)
{
    size_t p = 0;
    for (size_t i = 0; i < s->n; i++)
        p += s->label[i];
    if (positives)
        *positives = p;
    return s->n;
}

vigil_status vigil_trainset_add(vigil_trainset *s, const char *text, size_t len, int positive)
{
    vigil_status st = vigil_tokenize(&s->tok, text, len);
    if (st != VIGIL_OK)
        return st;
    uint32_t f[MAX_FEATURES];
    size_t n = features(&s->tok, s->bits, f);
    if (s->nfeat + n > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1 << 20;
        while (cap < s->nfeat + n)
            cap *= 2;
        uint32_t *p = realloc(s->feat, cap * sizeof *p);
        if (!p)
            return VIGIL_ERR_NOMEM;
        s->feat = p;
        s->cap = cap;
    }
    if (s->n + 2 > s->ncap) {
        size_t cap = s->ncap ? s->ncap * 2 : 4096;
        size_t *a = realloc(s->start, cap * sizeof *a);
        if (a)
            s->start = a;
        unsigned char *b = realloc(s->label, cap);
        if (b)
            s->label = b;
        if (!a || !b)
            return VIGIL_ERR_NOMEM;
        s->ncap = cap;
    }
    if (s->n == 0)
        s->start[0] = 0;
    memcpy(s->feat + s->nfeat, f, n * sizeof *f);
    s->nfeat += n;
    s->label[s->n] = positive != 0;
    s->start[++s->n] = s->nfeat;
    return VIGIL_OK;
}

vigil_status vigil_model_train(const vigil_trainset *s, unsigned epochs, double l2,
                               vigil_model **out)
{
    size_t npos = 0;
    for (size_t i = 0; i < s->n; i++)
        npos += s->label[i];
    if (s->n == 0 || npos == 0 || npos == s->n)
        return VIGIL_ERR_ARG;
    size_t nw = (size_t)1 << s->bits;
    vigil_model *m = calloc(1, sizeof *m);
    float *g2 = calloc(nw, sizeof *g2), *w = calloc(nw, sizeof *w);
    size_t *order = malloc(s->n * sizeof *order);
    if (!m || !g2 || !w || !order || !(m->q = malloc(nw))) {
        vigil_model_free(m);
        free(g2);
        free(w);
        free(order);
        return VIGIL_ERR_NOMEM;
    }
    m->bits = s->bits;
    double pos_weight = (double)(s->n - npos) / (double)npos;
    if (pos_weight > 20)
        pos_weight = 20;
    const double lr = 0.5;
    double bias_g2 = 1e-8, bias = 0;
    uint64_t rng = 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < s->n; i++)
        order[i] = i;
    for (unsigned e = 0; e < epochs; e++) {
        for (size_t i = s->n; i > 1; i--) { /* Fisher-Yates with a fixed xorshift */
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            size_t j = (size_t)(rng % i);
            size_t tmp = order[i - 1];
            order[i - 1] = order[j];
            order[j] = tmp;
        }
        for (size_t k = 0; k < s->n; k++) {
            size_t d = order[k];
            const uint32_t *f = s->feat + s->start[d];
            size_t n = s->start[d + 1] - s->start[d];
            double v = n ? 1.0 / sqrt((double)n) : 0, z = bias;
            for (size_t i = 0; i < n; i++)
                z += w[f[i]] * v;
            double y = s->label[d], p = sigmoid(z);
            double g = (p - y) * (y ? pos_weight : 1.0);
            for (size_t i = 0; i < n; i++) {
                double gi = g * v + l2 * w[f[i]];
                g2[f[i]] += (float)(gi * gi);
                w[f[i]] -= (float)(lr * gi / sqrt(g2[f[i]] + 1e-8));
            }
            bias_g2 += g * g;
            bias -= lr * g / sqrt(bias_g2);
        }
    }
    m->bias = (float)bias;
    m->scale = quantize(w, nw, m->q);
    free(g2);
    free(w);
    free(order);
    *out = m;
    return VIGIL_OK;
}

typedef struct scored {
    double s;
    size_t i;
} scored;

static int cmp_scored(const void *a, const void *b)
{
    double x = ((const scored *)a)->s, y = ((const scored *)b)->s;
    return x < y ? -1 : x > y;
}

/* Rank-based ROC-AUC (Mann-Whitney U; tied scores share their average rank). */
double vigil_roc_auc(const double *score, const unsigned char *label, size_t n)
{
    scored *p = n ? malloc(n * sizeof *p) : NULL;
    if (!p)
        return 0;
    for (size_t i = 0; i < n; i++)
        p[i] = (scored){score[i], i};
    qsort(p, n, sizeof *p, cmp_scored);
    double rank_sum = 0;
    size_t npos = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && p[j].s == p[i].s)
            j++;
        double avg = (double)(i + j + 1) / 2.0; /* ranks are 1-based */
        for (size_t k = i; k < j; k++)
            if (label[p[k].i]) {
                rank_sum += avg;
                npos++;
            }
        i = j;
    }
    free(p);
    size_t nneg = n - npos;
    if (!npos || !nneg)
        return 0;
    return (rank_sum - (double)npos * (npos + 1) / 2.0) / ((double)npos * nneg);
}
