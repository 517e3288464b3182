/* Fuzz target: the tokenizer. Checks its invariants on arbitrary bytes: spans inside the text,
 * in order, non-empty; canonical tokens within the size cap. */
#include "../src/internal.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static vigil_tokens t;
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
    return 0;
}
