/* Fuzz target: the index loader. Inputs are resealed (checksums and key check recomputed) so
 * that mutations reach the structural checks; a loaded index is then probed. */
#include "../src/internal.h"

#include <stdlib.h>
#include <string.h>

static void noop(void *user, uint32_t value)
{
    (void)user;
    (void)value;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static vigil_keys keys;
    char err[512];
    vigil_index *ix = NULL;
    /* as given: must be refused or accepted without reading out of bounds */
    if (vigil_index_from_memory(data, size, &keys, &ix, err, sizeof err) == VIGIL_OK)
        vigil_index_free(ix);
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    vigil_index_seal(copy, size, &keys);
    if (vigil_index_from_memory(copy, size, &keys, &ix, err, sizeof err) == VIGIL_OK) {
        for (uint64_t fp = 1; fp < 64; fp++) {
            vigil_index_find(ix, fp * 0x9E3779B97F4A7C15ull, noop, NULL);
            /* only the classes' length bits exist (n = 1..8; 1..7 for VIGIL_LENS_NUMNEXT;
             * 2..8 for VIGIL_LENS_SECOND) */
            const uint64_t valid = (0x1FEull << 0) | (0x1FEull << VIGIL_LENS_REVERSED) |
                                   (0x1FEull << VIGIL_LENS_WEAK) |
                                   (0xFEull << VIGIL_LENS_NUMNEXT) |
                                   (0x1FEull << VIGIL_LENS_TIGHT) | VIGIL_LENS_SECONDS;
            if (vigil_index_first_lens(ix, fp * 0xC2B2AE3D27D4EB4Full) & ~valid)
                abort();
        }
        vigil_index_find(ix, UINT64_MAX, noop, NULL);
        for (size_t i = 0; i < vigil_index_people(ix); i++)
            if (strlen(vigil_index_person_id(ix, (uint32_t)i)) > size)
                abort();
        vigil_index_free(ix);
    } else if (!err[0]) {
        abort();
    }
    free(copy);
    return 0;
}
