/* Fuzz target: the tokenizer. Checks its invariants on arbitrary bytes: spans inside the text,
 * in order, non-empty; canonical tokens within the size cap; and the fast paths (64-byte
 * blocks, the scan's canonicalization cache) giving exactly what the general path gives. */
#include "../src/internal.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static vigil_tokens t, ref, scan;
    static vigil_canon_cache *cache;
    static vigil_keys keys;
    if (!cache)
        cache = vigil_canon_cache_new();
    if (vigil_tokenize(&t, (const char *)data, size) != VIGIL_OK)
        return 0;
    uint32_t prev_end = 0;
    for (size_t i = 0; i < t.n; i++) {
        const vigil_token *k = &t.v[i];
        if (k->start >= k->end || k->end > size || k->start < prev_end || k->len == 0 ||
            k->len > VIGIL_TOKEN_MAX || k->off + k->len > t.nchars)
            abort();
        prev_end = k->end;
    }
    if (vigil_tokenize_general(&ref, (const char *)data, size) != VIGIL_OK ||
        vigil_tokenize_scan(&scan, (const char *)data, size, &keys, NULL, cache) != VIGIL_OK ||
        ref.n != t.n || ref.n != scan.n)
        abort();
    for (size_t i = 0; i < ref.n; i++) {
        const vigil_token *r = &ref.v[i];
        for (int w = 0; w < 2; w++) {
            const vigil_tokens *o = w ? &scan : &t;
            const vigil_token *f = &o->v[i];
            if (f->start != r->start || f->end != r->end || f->len != r->len ||
                f->flags != r->flags || f->raw_len != r->raw_len ||
                memcmp(vigil_token_str(o, i), vigil_token_str(&ref, i), r->len) != 0)
                abort();
        }
        if (scan.v[i].hash != vigil_hash_token(&keys, vigil_token_str(&ref, i), r->len))
            abort();
    }
    return 0;
}
