/* Writes small valid index images (all-zero keys, as fuzz_index.c uses) for the seed corpus:
 *   make_index_seed DIR */
#include "../src/internal.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    static vigil_keys keys;
    char path[512], err[512];
    vigil_person_rec people[3] = {{.id = "A"}, {.id = "B-2"}, {.id = "person-three"}};
    people[0].counts[VIGIL_KIND_NAME] = 2;
    vigil_entry e[6];
    for (int i = 0; i < 6; i++) {
        e[i].fp = (uint64_t)(i + 1) * 0x9E3779B97F4A7C15ull;
        e[i].value = (uint32_t)(i % 3) | ((uint32_t)(i % 7) << VIGIL_V_KIND_SHIFT) |
                     (i == 2 ? VIGIL_V_PHONE : 0) | (i == 4 ? VIGIL_V_TIGHT : 0) |
                     (i == 1 ? VIGIL_V_WEAK : 0) | (i == 3 ? VIGIL_V_REVERSED : 0) |
                     ((uint32_t)(i % 4) << VIGIL_V_LEN_SHIFT);
        if (i == 5)
            e[i].fp = e[4].fp; /* two people share a fingerprint */
        e[i].first = (uint32_t)i * 2654435761u | (i == 0 ? VIGIL_FIRST_NUMNEXT : 0);
        e[i].second = i % 2 ? ((uint32_t)i * 40503u) | VIGIL_SECOND_KNOWN : VIGIL_SECOND_NONE;
    }
    snprintf(path, sizeof path, "%s/empty.idx", argv[1]);
    if (vigil_index_write(path, &keys, NULL, 0, NULL, 0, err, sizeof err) != VIGIL_OK)
        return 1;
    /* a small model for the model loader's corpus (written to DIR/../model) */
    vigil_trainset *ts = vigil_trainset_create(10);
    if (!ts || vigil_trainset_add(ts, "i will kill you", 15, 1) != VIGIL_OK ||
        vigil_trainset_add(ts, "i will call you", 15, 0) != VIGIL_OK)
        return 1;
    vigil_model *m;
    if (vigil_model_train(ts, 3, 0, &m) != VIGIL_OK)
        return 1;
    snprintf(path, sizeof path, "%s/../model/small.model", argv[1]);
    if (vigil_model_save(m, path, err, sizeof err) != VIGIL_OK)
        return 1;
    vigil_model_free(m);
    vigil_trainset_free(ts);
    snprintf(path, sizeof path, "%s/three.idx", argv[1]);
    if (vigil_index_write(path, &keys, people, 3, e, 6, err, sizeof err) != VIGIL_OK)
        return 1;
    return 0;
}
