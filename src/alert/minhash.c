/*
 * Near-duplicate signatures for spread tracking. A repost of a dox or a threat is rarely
 * byte-identical: a word changes, a line is added, the page around it differs. MinHash over
 * 3-token shingles estimates the Jaccard similarity of two documents' shingle sets from 128
 * minimums; LSH banding (32 bands of 4 rows) turns "similar" into "share a bucket", so a new
 * document is compared only with the few stored documents it collides with.
 *
 * Shingles are built from the tokenizer's canonical tokens (case, accents, leetspeak and
 * confusables already folded) and their keyed hashes, so a signature reveals nothing about the
 * text to someone without the vault key.
 */
#include "../internal.h"

#include <stdlib.h>
#include <string.h>

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

vigil_status vigil_minhash(const vigil_keys *k, const char *text, size_t len,
                           uint32_t sig[VIGIL_MINHASH_K], size_t *nshingles)
{
    vigil_tokens t = {0};
    vigil_status st = vigil_tokenize(&t, text, len);
    if (st) {
        vigil_tokens_free(&t);
        return st;
    }
    vigil_tokens_hash(&t, k);
    for (size_t j = 0; j < VIGIL_MINHASH_K; j++)
        sig[j] = UINT32_MAX;
    size_t w = 3, n = 0;
    if (t.n < w)
        w = t.n ? t.n : 1;
    for (size_t i = 0; i + w <= t.n; i++) {
        uint64_t sh = 0x9e3779b97f4a7c15ull;
        for (size_t r = 0; r < w; r++)
            sh = mix64(sh ^ vigil_rotl(t.v[i + r].hash, (int)(21 * r)));
        for (size_t j = 0; j < VIGIL_MINHASH_K; j++) {
            uint32_t v = (uint32_t)(mix64(sh + 0x632be59bd9b4e019ull * (j + 1)) >> 32);
            if (v < sig[j])
                sig[j] = v;
        }
        n++;
    }
    vigil_tokens_free(&t);
    *nshingles = n;
    return VIGIL_OK;
}

double vigil_minhash_similarity(const uint32_t *a, const uint32_t *b)
{
    size_t same = 0;
    for (size_t j = 0; j < VIGIL_MINHASH_K; j++)
        same += a[j] == b[j];
    return (double)same / VIGIL_MINHASH_K;
}

uint64_t vigil_minhash_band(const uint32_t *sig, unsigned band)
{
    uint64_t h = 0x243f6a8885a308d3ull ^ band;
    for (unsigned r = 0; r < VIGIL_MINHASH_ROWS; r++)
        h = mix64(h ^ sig[band * VIGIL_MINHASH_ROWS + r]);
    return h;
}
