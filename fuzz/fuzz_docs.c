/* Fuzz target: the JSON Lines and plain-text readers, and format detection on arbitrary bytes
 * (gzip and zstd streams included). */
#include "fuzz_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_drain(data, size, VIGIL_INPUT_JSONL);
    fuzz_drain(data, size, VIGIL_INPUT_PLAIN);
    fuzz_drain(data, size, VIGIL_INPUT_AUTO);
    return 0;
}
