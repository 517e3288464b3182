/* Fuzz target: the threat model loader; a loaded model then scores the input as text. */
#include "../src/internal.h"

#include <math.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512] = "";
    vigil_model *m = NULL;
    if (vigil_model_from_memory(data, size, &m, err, sizeof err) == VIGIL_OK) {
        vigil_tokens t = {0};
        if (vigil_tokenize(&t, (const char *)data, size > 4096 ? 4096 : size) == VIGIL_OK) {
            double p = vigil_model_predict(m, &t, false);
            if (!(p >= 0 && p <= 1))
                abort();
        }
        vigil_tokens_free(&t);
        vigil_model_free(m);
    } else if (!err[0]) {
        abort();
    }
    return 0;
}
