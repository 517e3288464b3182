/*
 * Keyed token hashing. Every canonical token is hashed once with a secret-keyed PRF (SipHash
 * via libsodium's crypto_shorthash); identifier fingerprints are cheap combinations of those
 * token hashes (vigil_ngram_add / vigil_ngram_final in internal.h). Without the key the
 * fingerprints in the index cannot be recomputed from a guessed name or address.
 */
#include "../internal.h"

#include <sodium.h>
#include <string.h>

uint64_t vigil_hash_token(const vigil_keys *k, const char *s, size_t n)
{
    unsigned char out[crypto_shorthash_BYTES];
    crypto_shorthash(out, (const unsigned char *)s, n, k->token);
    uint64_t h;
    memcpy(&h, out, sizeof h);
    return h;
}

void vigil_tokens_hash(vigil_tokens *t, const vigil_keys *k, vigil_hash_cache *cache)
{
    for (size_t i = 0; i < t->n; i++) {
        const char *p = t->chars + t->v[i].off;
        size_t n = t->v[i].len;
        if (!cache || n > 15) {
            t->v[i].hash = vigil_hash_token(k, p, n);
            continue;
        }
        uint64_t w[2] = {0, 0};
        memcpy(w, p, n);
        w[1] |= (uint64_t)n << 56;
        size_t slot = (size_t)(((w[0] * 0x9E3779B97F4A7C15ull) ^ (w[1] * 0xC2B2AE3D27D4EB4Full)) >>
                               51) & (VIGIL_HASH_CACHE - 1);
        if (cache->e[slot].a == w[0] && cache->e[slot].b == w[1]) {
            t->v[i].hash = cache->e[slot].h;
            continue;
        }
        uint64_t h = vigil_hash_token(k, p, n);
        cache->e[slot].a = w[0];
        cache->e[slot].b = w[1];
        cache->e[slot].h = h;
        t->v[i].hash = h;
    }
}

uint64_t vigil_phone_fp(const vigil_keys *k, const char *digits, size_t n)
{
    char buf[32];
    if (n > sizeof buf - 1)
        n = sizeof buf - 1;
    buf[0] = '\x01'; /* domain separation from token hashes */
    memcpy(buf + 1, digits, n);
    return vigil_ngram_final(vigil_hash_token(k, buf, n + 1), VIGIL_PHONE_N);
}
