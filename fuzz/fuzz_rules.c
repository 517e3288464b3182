/* Fuzz target: the threat rules loader. A compiled rule set is then run over the input itself,
 * so patterns built from hostile input also meet hostile text. */
#include "../src/internal.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static vigil_keys keys;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0'; /* the loader reads a C string, as from a file without NUL bytes */
    char err[512] = "";
    vigil_rules *r = NULL;
    vigil_status st = vigil_rules_parse_keys(&keys, text, &r, err, sizeof err);
    if (st == VIGIL_OK) {
        vigil_tokens t = {0};
        if (vigil_tokenize(&t, (const char *)data, size) == VIGIL_OK) {
            vigil_tokens_hash(&t, &keys);
            static vigil_threat_state ts;
            vigil_threat_detect(r, NULL, &t, (const char *)data, size, &ts);
            if (ts.threat.score < 0 || ts.threat.score > 1)
                abort();
        }
        vigil_tokens_free(&t);
        vigil_rules_free(r);
    } else if (st == VIGIL_ERR_PARSE && !strstr(err, "line ")) {
        abort(); /* a parse error always names its line */
    }
    free(text);
    return 0;
}
