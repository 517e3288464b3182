/* The vault's internals, shared by vault.c and enroll.c. */
#ifndef VIGIL_VAULT_INT_H
#define VIGIL_VAULT_INT_H

#include "../internal.h"

struct vigil_vault {
    char *dir;
    char *key_path;
    char *index_path;
    char *lock_path;
    vigil_keys *keys; /* sodium_malloc'd */
    vigil_index *ix;
    char errmsg[512];
};

vigil_status vigil_vault_reload(vigil_vault *v);
vigil_status vigil_vault_lock(vigil_vault *v, int *fd_out);
void vigil_vault_unlock(int fd);

/* Enrollment record readers (enroll_read.c): call `row` for every record. */
typedef vigil_status (*vigil_row_fn)(void *user, size_t line, const vigil_person_input *in,
                                     const char *error);
/* Parses CSV or JSON Lines (by content); for a record that cannot be read calls row with
 * in == NULL and a message. Returns VIGIL_ERR_PARSE when the whole input is unreadable
 * (bad header), with a message in err. */
vigil_status vigil_enroll_parse(const char *data, size_t len, vigil_row_fn row, void *user,
                                char *err, size_t errlen);

#endif
