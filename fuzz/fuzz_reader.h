/* Shared by the reader fuzz targets: reads arbitrary bytes as a file of one format and runs
 * every document through vigil_text_prepare, checking the readers' contracts. */
#include "../src/internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static void fuzz_drain(const uint8_t *data, size_t size, vigil_input_format fmt)
{
    int fd = memfd_create("fuzz", MFD_CLOEXEC);
    if (fd < 0)
        return;
    if (write(fd, data, size) != (ssize_t)size || lseek(fd, 0, SEEK_SET) != 0) {
        close(fd);
        return;
    }
    vigil_reader *r;
    char err[512] = "";
    vigil_status st = vigil_reader_open_fd(fd, "fuzz", 0, fmt, 4096, &r, err, sizeof err);
    if (st != VIGIL_OK) {
        if (!err[0] && st != VIGIL_ERR_NOMEM)
            abort(); /* a failure to open explains itself */
        return;
    }
    vigil_text *t = NULL;
    if (vigil_text_create(&t) != VIGIL_OK) {
        vigil_reader_close(r);
        return;
    }
    for (int i = 0; i < 100000; i++) {
        vigil_doc d;
        st = vigil_reader_next(r, &d);
        if (st == VIGIL_ERR_NOTFOUND || st == VIGIL_ERR_NOMEM || st == VIGIL_ERR_IO)
            break;
        if (st != VIGIL_OK) {
            if (!*vigil_reader_errmsg(r))
                abort(); /* every failure explains itself */
            continue;
        }
        if (!d.id || (!d.text && d.len) || d.len > 4096)
            abort();
        const char *text;
        size_t len;
        char warn[256];
        if (vigil_text_prepare(t, &d, &text, &len, warn, sizeof warn) == VIGIL_OK) {
            for (size_t k = 0; k < len; k++)
                if (text[k] == '\0')
                    abort(); /* NUL bytes are replaced */
        }
    }
    vigil_text_destroy(t);
    vigil_reader_close(r);
}
