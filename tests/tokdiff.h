/*
 * The comparison of the tokenizer's fast paths with its general path, shared by the unit test
 * (tests/text/test_tokenize.c) and the fuzz target (fuzz/fuzz_tokenize.c).
 */
#ifndef VIGIL_TESTS_TOKDIFF_H
#define VIGIL_TESTS_TOKDIFF_H

#include "../src/internal.h"

#include <stdint.h>
#include <string.h>

/* A word tagger for the comparison: any function of the word, its flags, its hash and the
 * context. */
static inline void tokdiff_tag(const void *ctx, const char *w, size_t n, unsigned flags,
                               uint64_t hash, vigil_tag *out)
{
    uint32_t h = (uint32_t)(uintptr_t)ctx ^ (uint32_t)hash ^ (uint32_t)n;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)w[i]) * 16777619u;
    out->rules = h;
    out->mhash = h ^ (flags & VIGIL_TOK_DIGITS);
    out->mweight = (int32_t)(h % 1000);
}

/* The first token where o differs from ref, the general path's tokens: span, length, flags,
 * folded length, canonical bytes, a spelled run's folded characters; and, when keys is not
 * NULL, o's keyed hashes and (tagger context tctx, not 0) tags. o->n when none differs and the
 * counts agree, else the first index past the shorter. */
static inline size_t tokdiff_first(const vigil_tokens *ref, const vigil_tokens *o,
                                   const vigil_keys *keys, uintptr_t tctx)
{
    size_t n = ref->n < o->n ? ref->n : o->n;
    for (size_t i = 0; i < n; i++) {
        const vigil_token *r = &ref->v[i], *f = &o->v[i];
        const char *rs = vigil_token_str(ref, i);
        if (f->start != r->start || f->end != r->end || f->len != r->len ||
            f->flags != r->flags || f->raw_len != r->raw_len ||
            memcmp(vigil_token_str(o, i), rs, r->len) != 0)
            return i;
        if ((r->flags & VIGIL_TOK_SPELLED) &&
            memcmp(o->chars + f->raw_off, ref->chars + r->raw_off, r->raw_len) != 0)
            return i;
        if (keys && f->hash != vigil_hash_token(keys, rs, r->len))
            return i;
        if (keys && tctx) {
            vigil_tag want;
            tokdiff_tag((const void *)tctx, rs, r->len, r->flags, f->hash, &want);
            if (f->tag.rules != want.rules || f->tag.mhash != want.mhash ||
                f->tag.mweight != want.mweight)
                return i;
        }
    }
    return ref->n == o->n ? o->n : n;
}

#endif
