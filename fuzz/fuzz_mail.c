/* Fuzz target: the mbox and .eml readers and the MIME extractor. */
#include "fuzz_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_drain(data, size, VIGIL_INPUT_MBOX);
    fuzz_drain(data, size, VIGIL_INPUT_EML);
    return 0;
}
