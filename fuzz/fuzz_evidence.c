/* Fuzz target: the evidence verifier on arbitrary metadata, signature and files (the input is
 * split into metadata.json, metadata.json.sig, original.bin and text.txt at "\n--\n"). */
#include "../src/internal.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *part[4] = {(const char *)data, "", "", ""};
    size_t len[4] = {size, 0, 0, 0};
    for (int k = 1; k < 4; k++) {
        const char *p = part[k - 1];
        const char *sep = memmem(p, len[k - 1], "\n--\n", 4);
        if (!sep)
            break;
        part[k] = sep + 4;
        len[k] = len[k - 1] - (size_t)(part[k] - p);
        len[k - 1] = (size_t)(sep - p);
    }
    char key[65], err[512] = "";
    vigil_status st = vigil_evidence_check(part[0], len[0], (const unsigned char *)part[1],
                                           len[1], part[2], len[2], part[3], len[3], key, err,
                                           sizeof err);
    if (st != VIGIL_OK && !err[0])
        abort();
    return 0;
}
