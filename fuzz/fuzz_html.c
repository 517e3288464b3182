/* Fuzz target: HTML extraction and the encoded-content decoder. */
#include "fuzz_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_drain(data, size, VIGIL_INPUT_HTML);

    return 0;
}
