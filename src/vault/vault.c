/*
 * The vault: a directory holding a secret key and the index of keyed fingerprints.
 *
 *   DIR/key    32 random bytes, mode 0600; refused when group or others can read it (as ssh
 *              does with private keys). Read into sodium_malloc'd memory, from which the
 *              sub-keys are derived with crypto_kdf and the master key is wiped.
 *   DIR/index  see index.c; replaced atomically by enroll and forget.
 *   DIR/lock   flock'd by enroll and forget so two writers never interleave.
 */
#include "vault_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define KDF_CONTEXT "vigil-v1"

static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static vigil_status sodium_ready(char *err, size_t errlen)
{
    if (sodium_init() < 0) {
        vigil_errf(err, errlen, "libsodium could not be initialised");
        return VIGIL_ERR_CRYPTO;
    }
    return VIGIL_OK;
}

static void derive(vigil_keys *k, const unsigned char master[32])
{
    crypto_kdf_derive_from_key(k->token, sizeof k->token, 1, KDF_CONTEXT, master);
    crypto_kdf_derive_from_key(k->finger, sizeof k->finger, 2, KDF_CONTEXT, master);
    crypto_kdf_derive_from_key(k->check, sizeof k->check, 3, KDF_CONTEXT, master);
    crypto_kdf_derive_from_key(k->evidence, sizeof k->evidence, 4, KDF_CONTEXT, master);
    crypto_kdf_derive_from_key(k->audit, sizeof k->audit, 5, KDF_CONTEXT, master);
    crypto_kdf_derive_from_key(k->sign_seed, sizeof k->sign_seed, 6, KDF_CONTEXT, master);
}

static vigil_keys *keys_new(void)
{
    vigil_keys *k = sodium_malloc(sizeof *k);
    return k;
}

vigil_status vigil_vault_init(const char *dir, char *err, size_t errlen)
{
    vigil_status st = sodium_ready(err, errlen);
    if (st != VIGIL_OK)
        return st;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        vigil_errf(err, errlen, "%s: cannot create vault directory: %s", dir, strerror(errno));
        return VIGIL_ERR_IO;
    }
    char *kp = join(dir, "key"), *ip = join(dir, "index");
    unsigned char *master = sodium_malloc(32);
    vigil_keys *keys = keys_new();
    if (!kp || !ip || !master || !keys) {
        st = VIGIL_ERR_NOMEM;
        goto out;
    }
    int fd = open(kp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST) {
            vigil_errf(err, errlen, "%s: a vault already exists here (key file present)", dir);
            st = VIGIL_ERR_EXISTS;
        } else {
            vigil_errf(err, errlen, "%s: cannot create key file: %s", kp, strerror(errno));
            st = VIGIL_ERR_IO;
        }
        goto out;
    }
    randombytes_buf(master, 32);
    ssize_t w = write(fd, master, 32);
    if (w != 32 || fsync(fd) != 0) {
        vigil_errf(err, errlen, "%s: cannot write key file: %s", kp, strerror(errno));
        close(fd);
        unlink(kp);
        st = VIGIL_ERR_IO;
        goto out;
    }
    close(fd);
    derive(keys, master);
    st = vigil_index_write(ip, keys, NULL, 0, NULL, 0, err, errlen);
    if (st != VIGIL_OK)
        unlink(kp);
out:
    sodium_free(master);
    sodium_free(keys);
    free(kp);
    free(ip);
    return st;
}

/* Reads and checks the key file; fills keys. */
static vigil_status read_key(const char *path, vigil_keys *keys, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ENOENT) {
            vigil_errf(err, errlen, "%s: no vault key here; create a vault with 'vigil init'",
                       path);
            return VIGIL_ERR_NOTFOUND;
        }
        vigil_errf(err, errlen, "%s: cannot open key file: %s", path, strerror(errno));
        return VIGIL_ERR_IO;
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        vigil_errf(err, errlen, "%s: key is not a regular file", path);
        close(fd);
        return VIGIL_ERR_IO;
    }
    if (sb.st_mode & 077) {
        vigil_errf(err, errlen, "%s: key file permissions %04o are too open; it must not be "
                                "readable by group or others (run: chmod 600 %s)",
                   path, (unsigned)(sb.st_mode & 07777), path);
        close(fd);
        return VIGIL_ERR_KEY_PERMS;
    }
    unsigned char *master = sodium_malloc(33);
    if (!master) {
        close(fd);
        return VIGIL_ERR_NOMEM;
    }
    ssize_t r = read(fd, master, 33);
    close(fd);
    if (r != 32) {
        vigil_errf(err, errlen, "%s: key file must hold exactly 32 bytes", path);
        sodium_free(master);
        return VIGIL_ERR_CORRUPT;
    }
    derive(keys, master);
    sodium_free(master); /* sodium_free wipes */
    return VIGIL_OK;
}

vigil_status vigil_vault_reset_index(const char *dir, char *err, size_t errlen)
{
    vigil_status st = sodium_ready(err, errlen);
    if (st != VIGIL_OK)
        return st;
    char *kp = join(dir, "key"), *ip = join(dir, "index"), *bp = join(dir, "index.bad");
    vigil_keys *keys = keys_new();
    if (!kp || !ip || !bp || !keys) {
        st = VIGIL_ERR_NOMEM;
        goto out;
    }
    st = read_key(kp, keys, err, errlen);
    if (st != VIGIL_OK)
        goto out;
    if (rename(ip, bp) != 0 && errno != ENOENT) {
        vigil_errf(err, errlen, "%s: cannot set the old index aside: %s", ip, strerror(errno));
        st = VIGIL_ERR_IO;
        goto out;
    }
    st = vigil_index_write(ip, keys, NULL, 0, NULL, 0, err, errlen);
out:
    if (keys)
        sodium_free(keys);
    free(kp);
    free(ip);
    free(bp);
    return st;
}

vigil_status vigil_vault_reload(vigil_vault *v)
{
    vigil_index *ix;
    vigil_status st = vigil_index_load(v->index_path, v->keys, &ix, v->errmsg, sizeof v->errmsg);
    if (st != VIGIL_OK)
        return st;
    vigil_index_free(v->ix);
    v->ix = ix;
    return VIGIL_OK;
}

vigil_status vigil_vault_open(const char *dir, vigil_vault **out, char *err, size_t errlen)
{
    vigil_status st = sodium_ready(err, errlen);
    if (st != VIGIL_OK)
        return st;
    vigil_vault *v = calloc(1, sizeof *v);
    if (!v)
        return VIGIL_ERR_NOMEM;
    v->dir = strdup(dir);
    v->key_path = join(dir, "key");
    v->index_path = join(dir, "index");
    v->lock_path = join(dir, "lock");
    v->keys = keys_new();
    if (!v->dir || !v->key_path || !v->index_path || !v->lock_path || !v->keys) {
        vigil_vault_close(v);
        return VIGIL_ERR_NOMEM;
    }
    st = read_key(v->key_path, v->keys, err, errlen);
    if (st == VIGIL_OK) {
        st = vigil_vault_reload(v);
        if (st != VIGIL_OK)
            vigil_errf(err, errlen, "%s", v->errmsg);
    }
    if (st != VIGIL_OK) {
        vigil_vault_close(v);
        return st;
    }
    *out = v;
    return VIGIL_OK;
}

void vigil_vault_close(vigil_vault *v)
{
    if (!v)
        return;
    vigil_index_free(v->ix);
    if (v->keys)
        sodium_free(v->keys);
    free(v->dir);
    free(v->key_path);
    free(v->index_path);
    free(v->lock_path);
    free(v);
}

const char *vigil_vault_errmsg(const vigil_vault *v)
{
    return v ? v->errmsg : "no vault";
}

size_t vigil_vault_person_count(const vigil_vault *v)
{
    return vigil_index_people(v->ix);
}

int vigil_vault_index_outdated(const vigil_vault *v)
{
    return !vigil_index_second_filter(v->ix);
}

vigil_status vigil_vault_person(const vigil_vault *v, size_t i, vigil_person_info *out)
{
    if (i >= vigil_index_people(v->ix))
        return VIGIL_ERR_ARG;
    out->id = vigil_index_person_id(v->ix, (uint32_t)i);
    vigil_index_person_counts(v->ix, (uint32_t)i, out->counts);
    return VIGIL_OK;
}

vigil_status vigil_vault_lock(vigil_vault *v, int *fd_out)
{
    int fd = open(v->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        vigil_errf(v->errmsg, sizeof v->errmsg, "%s: cannot open lock file: %s", v->lock_path,
                   strerror(errno));
        return VIGIL_ERR_IO;
    }
    if (flock(fd, LOCK_EX) != 0) {
        vigil_errf(v->errmsg, sizeof v->errmsg, "%s: cannot lock: %s", v->lock_path,
                   strerror(errno));
        close(fd);
        return VIGIL_ERR_LOCKED;
    }
    /* A writer killed mid-write leaves index.tmpXXXXXX behind; holding the lock, nobody else
     * is writing one, so any left over is stale. */
    DIR *d = opendir(v->dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL)
            if (strncmp(e->d_name, "index.tmp", 9) == 0)
                unlinkat(dirfd(d), e->d_name, 0);
        closedir(d);
    }
    *fd_out = fd;
    return VIGIL_OK;
}

void vigil_vault_unlock(int fd)
{
    if (fd >= 0) {
        flock(fd, LOCK_UN);
        close(fd);
    }
}

const vigil_index *vigil_vault_index(const vigil_vault *v)
{
    return v->ix;
}

const vigil_keys *vigil_vault_keys(const vigil_vault *v)
{
    return v->keys;
}

const char *vigil_vault_dir(const vigil_vault *v)
{
    return v->dir;
}
