/* Fuzz target: the WARC reader (records, HTTP headers, chunked and compressed bodies). */
#include "fuzz_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_drain(data, size, VIGIL_INPUT_WARC);

    return 0;
}
