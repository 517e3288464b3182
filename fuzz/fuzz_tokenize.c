/* Fuzz target: the tokenizer. Checks its invariants on arbitrary bytes: spans inside the text,
 * in order, non-empty; canonical tokens within the size cap; and the fast paths (64-byte
 * blocks, the scan's canonicalization cache and its word tags) giving exactly what the general
 * path gives (tests/tokdiff.h, shared with the unit test). */
#include "../src/internal.h"
#include "../tests/tokdiff.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static vigil_tokens t, ref, scan;
    static vigil_canon_cache *cache;
    static vigil_keys keys;
    if (!cache) {
        cache = vigil_canon_cache_new();
        vigil_canon_cache_set_tagger(cache, tokdiff_tag, (const void *)1, 1);
    }
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
        tokdiff_first(&ref, &t, NULL, 0) != t.n || tokdiff_first(&ref, &scan, &keys, 1) != scan.n)
        abort();
    return 0;
}
