/*
 * Small utilities: error formatting, a growable buffer with a hard cap (as curl's dynbuf), JSON
 * string escaping, whole-file reading, status and kind names, memory on huge pages.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

void vigil_errf(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

const char *vigil_strerror(vigil_status status)
{
    switch (status) {
    case VIGIL_OK: return "success";
    case VIGIL_ERR_NOMEM: return "out of memory";
    case VIGIL_ERR_IO: return "input/output error";
    case VIGIL_ERR_ARG: return "invalid argument";
    case VIGIL_ERR_KEY_PERMS: return "key file is readable by group or others";
    case VIGIL_ERR_CORRUPT: return "index is corrupt or truncated";
    case VIGIL_ERR_VERSION: return "index version is not supported";
    case VIGIL_ERR_PARSE: return "input could not be parsed";
    case VIGIL_ERR_EXISTS: return "already exists";
    case VIGIL_ERR_NOTFOUND: return "not found";
    case VIGIL_ERR_CRYPTO: return "cryptographic failure or wrong key";
    case VIGIL_ERR_PARTIAL: return "some records were rejected";
    case VIGIL_ERR_LIMIT: return "size limit reached";
    case VIGIL_ERR_LOCKED: return "vault is locked by another process";
    case VIGIL_ERR_SKIPPED: return "not text; skipped";
    }
    return "unknown status";
}

static const char *const kind_names[VIGIL_KIND_COUNT] = {
    "name", "address", "phone", "email", "plate", "handle", "relative"};

const char *vigil_kind_name(vigil_kind kind)
{
    return (unsigned)kind < VIGIL_KIND_COUNT ? kind_names[kind] : NULL;
}

static const char *const sev_names[] = {"info", "low", "medium", "high", "critical"};

const char *vigil_severity_name(vigil_severity s)
{
    return (unsigned)s <= VIGIL_SEV_CRITICAL ? sev_names[s] : "info";
}

vigil_status vigil_severity_parse(const char *name, vigil_severity *out)
{
    for (unsigned i = 0; i <= VIGIL_SEV_CRITICAL; i++)
        if (strcmp(name, sev_names[i]) == 0) {
            *out = (vigil_severity)i;
            return VIGIL_OK;
        }
    return VIGIL_ERR_ARG;
}

vigil_status vigil_buf_reserve(vigil_buf *b, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t max = b->max ? b->max : (size_t)1 << 30;
        if (b->len + n + 1 > max)
            return VIGIL_ERR_LIMIT;
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        if (cap > max)
            cap = max;
        char *p = realloc(b->data, cap);
        if (!p)
            return VIGIL_ERR_NOMEM;
        b->data = p;
        b->cap = cap;
    }
    return VIGIL_OK;
}

vigil_status vigil_buf_append(vigil_buf *b, const void *data, size_t n)
{
    vigil_status st = vigil_buf_reserve(b, n);
    if (st)
        return st;
    if (n)
        memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
    return VIGIL_OK;
}

vigil_status vigil_buf_printf(vigil_buf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return VIGIL_ERR_ARG;
    if ((size_t)n < sizeof tmp)
        return vigil_buf_append(b, tmp, (size_t)n);
    char *big = malloc((size_t)n + 1);
    if (!big)
        return VIGIL_ERR_NOMEM;
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    vigil_status st = vigil_buf_append(b, big, (size_t)n);
    free(big);
    return st;
}

/* JSON string with escapes; invalid UTF-8 bytes become U+FFFD so the output is always valid. */
vigil_status vigil_buf_json_string(vigil_buf *b, const char *s, size_t n)
{
    vigil_status st = vigil_buf_append(b, "\"", 1);
    size_t run = 0;
    for (size_t i = 0; i < n && st == VIGIL_OK; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char u[8];
        if (c == '"')
            esc = "\\\"";
        else if (c == '\\')
            esc = "\\\\";
        else if (c == '\n')
            esc = "\\n";
        else if (c == '\r')
            esc = "\\r";
        else if (c == '\t')
            esc = "\\t";
        else if (c < 0x20 || c == 0x7f) {
            snprintf(u, sizeof u, "\\u%04x", c);
            esc = u;
        } else if (c >= 0x80) {
            size_t k = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
            if (i + k <= n && vigil_utf8_valid(s + i, k)) {
                i += k - 1;
                run += k;
                continue;
            }
            esc = "\\ufffd";
        }
        if (esc) {
            st = vigil_buf_append(b, s + i - run, run);
            if (st == VIGIL_OK)
                st = vigil_buf_append(b, esc, strlen(esc));
            run = 0;
        } else {
            run++;
        }
    }
    if (st == VIGIL_OK)
        st = vigil_buf_append(b, s + n - run, run);
    if (st == VIGIL_OK)
        st = vigil_buf_append(b, "\"", 1);
    return st;
}

void vigil_buf_free(vigil_buf *b)
{
    if (!b)
        return;
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

vigil_status vigil_read_file(const char *path, size_t max, char **data, size_t *len, char *err,
                             size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        vigil_errf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return errno == ENOENT ? VIGIL_ERR_NOTFOUND : VIGIL_ERR_IO;
    }
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap + 1);
    if (!buf) {
        close(fd);
        return VIGIL_ERR_NOMEM;
    }
    for (;;) {
        if (n == cap) {
            if (cap >= max) {
                vigil_errf(err, errlen, "%s: larger than the limit of %zu bytes", path, max);
                free(buf);
                close(fd);
                return VIGIL_ERR_LIMIT;
            }
            cap = cap * 2 > max ? max : cap * 2;
            char *p = realloc(buf, cap + 1);
            if (!p) {
                free(buf);
                close(fd);
                return VIGIL_ERR_NOMEM;
            }
            buf = p;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            vigil_errf(err, errlen, "%s: read error at byte %zu: %s", path, n, strerror(errno));
            free(buf);
            close(fd);
            return VIGIL_ERR_IO;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return VIGIL_OK;
}

/* Zeroed memory for tables read at random (caches, model weights): on 2 MiB pages where the
 * system allows, so that their reads do not miss the TLB (a 4 MiB table of 4 KiB pages missed it
 * at almost every read). Mapped 2 MiB more than asked, to start on a 2 MiB boundary; pages never
 * touched cost nothing. */
void *vigil_huge_alloc(size_t size, vigil_huge *h)
{
    size_t huge = (size_t)2 << 20;
    h->mapped = size + huge;
    h->map = mmap(NULL, h->mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (h->map == MAP_FAILED) {
        h->map = NULL;
        return NULL;
    }
    void *p = (void *)(((uintptr_t)h->map + huge - 1) & ~(uintptr_t)(huge - 1));
#ifdef MADV_HUGEPAGE
    madvise(p, size, MADV_HUGEPAGE);
#endif
    return p;
}

void vigil_huge_free(vigil_huge *h)
{
    if (h->map)
        munmap(h->map, h->mapped);
    h->map = NULL;
}

/* Grows the array at *pp (a pointer to a T *, *cap elements of `size` bytes) to hold at least
 * `need` elements, doubling from `first`. The array is left as it was on failure. */
vigil_status vigil_grow(void *pp, size_t *cap, size_t need, size_t size, size_t first)
{
    if (need <= *cap)
        return VIGIL_OK;
    size_t c = *cap ? *cap * 2 : first;
    while (c < need)
        c *= 2;
    void *old;
    memcpy(&old, pp, sizeof old);
    void *q = realloc(old, c * size);
    if (!q)
        return VIGIL_ERR_NOMEM;
    memcpy(pp, &q, sizeof q);
    *cap = c;
    return VIGIL_OK;
}

bool vigil_cpu_has(const char *feature)
{
    const char *env = getenv("VIGIL_SIMD");
    if (env && strcmp(env, "sse2") == 0)
        return false;
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    if (strcmp(feature, "avx2") == 0)
        return __builtin_cpu_supports("avx2");
#endif
    return false;
}
