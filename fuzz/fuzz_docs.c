/* Fuzz target: the document reader (JSON Lines, then plain) on arbitrary bytes. */
#include "../src/internal.h"

#include <stdlib.h>
#include <string.h>

static void drain(const uint8_t *data, size_t size, vigil_input_format fmt)
{
    FILE *f = fmemopen((void *)data, size, "rb");
    if (!f)
        return;
    vigil_reader *r;
    if (vigil_reader_open_stream(f, "fuzz", fmt, 4096, &r) == VIGIL_OK) {
        for (int i = 0; i < 100000; i++) {
            vigil_doc d;
            vigil_status st = vigil_reader_next(r, &d);
            if (st == VIGIL_ERR_NOTFOUND || st == VIGIL_ERR_NOMEM || st == VIGIL_ERR_IO)
                break;
            if (st == VIGIL_OK && (!d.id || (!d.text && d.len)))
                abort();
            if (st != VIGIL_OK && !*vigil_reader_errmsg(r))
                abort(); /* every failure explains itself */
        }
        vigil_reader_close(r);
    }
    fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    drain(data, size, VIGIL_INPUT_JSONL);
    drain(data, size, VIGIL_INPUT_PLAIN);
    return 0;
}
