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

void vigil_tokens_hash(vigil_tokens *t, const vigil_keys *k)
{
    for (size_t i = 0; i < t->n; i++)
        t->v[i].hash = vigil_hash_token(k, t->chars + t->v[i].off, t->v[i].len);
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
