/*
 * Byte streams in layers. Every reader pulls its input through a chain such as
 *   file -> gzip (per-record members of a .warc.gz) -> WARC record window -> HTTP chunked ->
 *   Content-Encoding decoder
 * so a 20 GB archive or a decompression bomb never has to fit in memory: each layer holds one
 * fixed buffer, and the readers cut what comes out into documents of at most --max-doc bytes.
 * The decoders are the libraries' (zlib, libzstd, brotli); errors say which layer failed and at
 * which offset, and a truncated compressed stream is an error, never a silent end.
 */
#include "ingest_int.h"

#include <brotli/decode.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#define RAW_BUF 65536

static void set_err(vigil_stream *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_err(vigil_stream *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->err, sizeof s->err, fmt, ap);
    va_end(ap);
}

/* Reads from the layer below into buf; copies its error up. */
static ssize_t pull_below(vigil_stream *s, char *buf, size_t n)
{
    ssize_t got = vigil_stream_read(s->below, buf, n);
    if (got < 0)
        snprintf(s->err, sizeof s->err, "%s", s->below->err);
    return got;
}

void vigil_stream_close(vigil_stream *s)
{
    if (!s)
        return;
    free(s->buf);
    if (s->close)
        s->close(s);
    free(s);
}

const char *vigil_stream_error(const vigil_stream *s)
{
    return s->err;
}

ssize_t vigil_stream_read(vigil_stream *s, char *buf, size_t n)
{
    if (n == 0)
        return 0;
    if (s->bpos < s->bend) {
        size_t k = s->bend - s->bpos;
        if (k > n)
            k = n;
        memcpy(buf, s->buf + s->bpos, k);
        s->bpos += k;
        s->pos += k;
        return (ssize_t)k;
    }
    if (s->eof)
        return 0;
    ssize_t got = s->read(s, buf, n);
    if (got == 0)
        s->eof = true;
    if (got > 0)
        s->pos += (uint64_t)got;
    return got;
}

ssize_t vigil_stream_read_full(vigil_stream *s, char *buf, size_t n)
{
    size_t have = 0;
    while (have < n) {
        ssize_t got = vigil_stream_read(s, buf + have, n - have);
        if (got < 0)
            return -1;
        if (got == 0)
            break;
        have += (size_t)got;
    }
    return (ssize_t)have;
}

ssize_t vigil_stream_peek(vigil_stream *s, size_t n, const char **data)
{
    if (s->bpos > 0 && s->bend - s->bpos < n) {
        memmove(s->buf, s->buf + s->bpos, s->bend - s->bpos);
        s->bend -= s->bpos;
        s->bpos = 0;
    }
    if (n > s->bcap) {
        size_t cap = s->bcap ? s->bcap : 4096;
        while (cap < n)
            cap *= 2;
        char *p = realloc(s->buf, cap);
        if (!p) {
            set_err(s, "out of memory");
            return -1;
        }
        s->buf = p;
        s->bcap = cap;
    }
    while (s->bend - s->bpos < n && !s->eof) {
        ssize_t got = s->read(s, s->buf + s->bend, s->bcap - s->bend);
        if (got < 0)
            return -1;
        if (got == 0)
            s->eof = true;
        s->bend += (size_t)got;
    }
    *data = s->buf + s->bpos;
    size_t have = s->bend - s->bpos;
    return (ssize_t)(have < n ? have : n);
}

static ssize_t getline_impl(vigil_stream *s, size_t max, const char **line, bool consume_long)
{
    size_t scanned = 0, want = 256;
    for (;;) {
        if (want > max)
            want = max;
        const char *d;
        ssize_t have = vigil_stream_peek(s, want, &d);
        if (have < 0)
            return -1;
        const char *nl = memchr(d + scanned, '\n', (size_t)have - scanned);
        size_t len = nl ? (size_t)(nl - d) + 1 : (size_t)have;
        if (nl || (size_t)have < want || (size_t)have == max) {
            bool too_long = !nl && (size_t)have == max && (size_t)have == want;
            *line = d;
            if (too_long && !consume_long)
                return -2;
            s->bpos += len;
            s->pos += len;
            return too_long ? -2 : (ssize_t)len;
        }
        scanned = (size_t)have;
        want *= 2;
    }
}

ssize_t vigil_stream_getline(vigil_stream *s, size_t max, const char **line)
{
    return getline_impl(s, max, line, true);
}

ssize_t vigil_stream_getline_keep(vigil_stream *s, size_t max, const char **line)
{
    return getline_impl(s, max, line, false);
}

/* ------------------------------------------------------------------ file */

typedef struct file_stream {
    vigil_stream s;
    int fd;
    uint64_t raw;   /* bytes read from the file */
    uint64_t limit; /* read at most this many bytes of the file (0: to its end) */
} file_stream;

static ssize_t file_read(vigil_stream *s, char *buf, size_t n)
{
    file_stream *f = (file_stream *)s;
    if (f->limit && f->limit - f->raw < n)
        n = (size_t)(f->limit - f->raw);
    if (n == 0)
        return 0;
    ssize_t got;
    do
        got = read(f->fd, buf, n);
    while (got < 0 && errno == EINTR);
    if (got < 0) {
        set_err(s, "read error at byte %llu: %s", (unsigned long long)f->raw, strerror(errno));
        return -1;
    }
    f->raw += (uint64_t)got;
    return got;
}

static void file_close(vigil_stream *s)
{
    file_stream *f = (file_stream *)s;
    if (f->fd > 2)
        close(f->fd);
}

static vigil_status decoder_new(vigil_stream *below, const char *enc, bool whole_file,
                                vigil_stream **out);

vigil_status vigil_stream_file(int fd, uint64_t limit, vigil_stream **out,
                               const uint64_t **raw_pos)
{
    file_stream *f = calloc(1, sizeof *f);
    if (!f)
        return VIGIL_ERR_NOMEM;
    f->fd = fd;
    f->limit = limit;
    f->s.read = file_read;
    f->s.close = file_close;
    if (raw_pos)
        *raw_pos = &f->raw;
    /* the magic bytes decide the decompression, whatever the file's name */
    const char *m;
    ssize_t n = vigil_stream_peek(&f->s, 4, &m);
    if (n < 0) {
        *out = &f->s; /* the caller reads the error */
        return VIGIL_ERR_IO;
    }
    const char *enc = NULL;
    if (n >= 2 && (unsigned char)m[0] == 0x1f && (unsigned char)m[1] == 0x8b)
        enc = "gzip";
    else if (n >= 4 && (unsigned char)m[0] == 0x28 && (unsigned char)m[1] == 0xb5 &&
             (unsigned char)m[2] == 0x2f && (unsigned char)m[3] == 0xfd)
        enc = "zstd";
    if (!enc) {
        *out = &f->s;
        return VIGIL_OK;
    }
    vigil_status st = decoder_new(&f->s, enc, true, out);
    if (st)
        vigil_stream_close(&f->s);
    return st;
}

/* ------------------------------------------------------------------ memory */

typedef struct mem_stream {
    vigil_stream s;
    const char *data;
    size_t n, at;
} mem_stream;

static ssize_t mem_read(vigil_stream *s, char *buf, size_t n)
{
    mem_stream *m = (mem_stream *)s;
    size_t k = m->n - m->at < n ? m->n - m->at : n;
    memcpy(buf, m->data + m->at, k);
    m->at += k;
    return (ssize_t)k;
}

vigil_status vigil_stream_memory(const char *data, size_t n, vigil_stream **out)
{
    mem_stream *m = calloc(1, sizeof *m);
    if (!m)
        return VIGIL_ERR_NOMEM;
    m->s.read = mem_read;
    m->data = data;
    m->n = n;
    *out = &m->s;
    return VIGIL_OK;
}

/* ------------------------------------------------------------------ limit */

typedef struct limit_stream {
    vigil_stream s;
    uint64_t left;
} limit_stream;

static ssize_t limit_read(vigil_stream *s, char *buf, size_t n)
{
    limit_stream *l = (limit_stream *)s;
    if (l->left == 0)
        return 0;
    if (n > l->left)
        n = (size_t)l->left;
    ssize_t got = pull_below(s, buf, n);
    if (got == 0) {
        set_err(s, "input ends %llu bytes before the declared length",
                (unsigned long long)l->left);
        return -1;
    }
    if (got > 0)
        l->left -= (uint64_t)got;
    return got;
}

vigil_status vigil_stream_limit(vigil_stream *below, uint64_t n, vigil_stream **out)
{
    limit_stream *l = calloc(1, sizeof *l);
    if (!l)
        return VIGIL_ERR_NOMEM;
    l->s.read = limit_read;
    l->s.below = below;
    l->left = n;
    *out = &l->s;
    return VIGIL_OK;
}

/* ------------------------------------------------------------------ chunked */

typedef struct chunked_stream {
    vigil_stream s;
    uint64_t left; /* bytes left in the current chunk */
    bool done;
} chunked_stream;

static ssize_t chunked_read(vigil_stream *s, char *buf, size_t n)
{
    chunked_stream *c = (chunked_stream *)s;
    while (c->left == 0) {
        if (c->done)
            return 0;
        const char *line;
        ssize_t len = vigil_stream_getline(s->below, 1024, &line);
        if (len <= 0) {
            set_err(s, "chunked body ends without its last chunk");
            return -1;
        }
        if (len <= 2 && (line[0] == '\r' || line[0] == '\n'))
            continue; /* CRLF after a chunk's data */
        char *end;
        unsigned long long size = strtoull(line, &end, 16);
        if (end == line) {
            set_err(s, "malformed chunk size line in a chunked body");
            return -1;
        }
        if (size == 0) {
            c->done = true; /* trailers, if any, are ignored */
            return 0;
        }
        c->left = size;
    }
    if (n > c->left)
        n = (size_t)c->left;
    ssize_t got = pull_below(s, buf, n);
    if (got == 0) {
        set_err(s, "chunked body is truncated");
        return -1;
    }
    if (got > 0)
        c->left -= (uint64_t)got;
    return got;
}

vigil_status vigil_stream_chunked(vigil_stream *below, vigil_stream **out)
{
    chunked_stream *c = calloc(1, sizeof *c);
    if (!c)
        return VIGIL_ERR_NOMEM;
    c->s.read = chunked_read;
    c->s.below = below;
    *out = &c->s;
    return VIGIL_OK;
}

/* ------------------------------------------------------------------ decoders */

/* One decoder for compressed files (chosen by magic bytes; gzip members may follow each other,
 * and the decoder owns the file below it) and for HTTP Content-Encoding (one stream over a
 * borrowed body). An input that ends before its compressed stream does is an error. */
typedef struct decode_stream {
    vigil_stream s;
    enum { D_ZLIB, D_ZSTD, D_BROTLI } kind;
    const char *name;
    bool whole_file; /* owns below; gzip members may follow each other */
    z_stream z;
    bool z_init, z_end, raw_tried;
    ZSTD_DStream *zs;
    BrotliDecoderState *br;
    char in[RAW_BUF];
    size_t in_pos, in_len;
    bool in_eof;
} decode_stream;

static ssize_t decode_fill(decode_stream *d)
{
    if (d->in_pos < d->in_len || d->in_eof)
        return (ssize_t)(d->in_len - d->in_pos);
    ssize_t got = pull_below(&d->s, d->in, sizeof d->in);
    if (got < 0)
        return -1;
    d->in_pos = 0;
    d->in_len = (size_t)got;
    d->in_eof = got == 0;
    return got;
}

/* Compressed bytes consumed so far, for messages. */
static unsigned long long consumed(const decode_stream *d)
{
    return (unsigned long long)(d->s.below->pos - (d->in_len - d->in_pos));
}

static ssize_t truncated(decode_stream *d)
{
    set_err(&d->s, "truncated %s stream (ends at compressed byte %llu)", d->name, consumed(d));
    return -1;
}

static ssize_t decode_read(vigil_stream *s, char *buf, size_t n)
{
    decode_stream *d = (decode_stream *)s;
    for (;;) {
        ssize_t avail = decode_fill(d);
        if (avail < 0)
            return -1;
        if (d->kind == D_ZLIB) {
            if (d->z_end && (!d->whole_file || avail == 0))
                return 0;
            if (avail == 0)
                return truncated(d);
            if (d->z_end) { /* another gzip member follows */
                if (inflateReset(&d->z) != Z_OK)
                    return -1;
                d->z_end = false;
            }
            d->z.next_in = (Bytef *)d->in + d->in_pos;
            d->z.avail_in = (uInt)avail;
            d->z.next_out = (Bytef *)buf;
            d->z.avail_out = (uInt)(n > UINT32_MAX ? UINT32_MAX : n);
            int rc = inflate(&d->z, Z_NO_FLUSH);
            if (rc == Z_DATA_ERROR && !d->whole_file && !d->raw_tried && d->z.total_out == 0) {
                /* "deflate" is sometimes sent raw, without the zlib wrapper */
                d->raw_tried = true;
                inflateEnd(&d->z);
                if (inflateInit2(&d->z, -15) != Z_OK)
                    return -1;
                continue;
            }
            d->in_pos = (size_t)((char *)d->z.next_in - d->in);
            size_t out = (size_t)((char *)d->z.next_out - buf);
            if (rc == Z_STREAM_END)
                d->z_end = true;
            else if (rc != Z_OK && rc != Z_BUF_ERROR) {
                set_err(s, "corrupt %s data near compressed byte %llu: %s", d->name, consumed(d),
                        d->z.msg ? d->z.msg : "inflate failed");
                return -1;
            }
            if (out)
                return (ssize_t)out;
            continue;
        }
        if (d->kind == D_ZSTD) {
            if (avail == 0)
                return d->z_end ? 0 : truncated(d);
            ZSTD_inBuffer in = {d->in + d->in_pos, (size_t)avail, 0};
            ZSTD_outBuffer out = {buf, n, 0};
            size_t rc = ZSTD_decompressStream(d->zs, &out, &in);
            d->in_pos += in.pos;
            if (ZSTD_isError(rc)) {
                set_err(s, "corrupt zstd data near compressed byte %llu: %s", consumed(d),
                        ZSTD_getErrorName(rc));
                return -1;
            }
            d->z_end = rc == 0;
            if (out.pos)
                return (ssize_t)out.pos;
            continue;
        }
        size_t in_left = (size_t)avail, out_left = n;
        const uint8_t *next_in = (const uint8_t *)d->in + d->in_pos;
        uint8_t *next_out = (uint8_t *)buf;
        BrotliDecoderResult rc = BrotliDecoderDecompressStream(d->br, &in_left, &next_in,
                                                               &out_left, &next_out, NULL);
        d->in_pos = (size_t)((const char *)next_in - d->in);
        size_t out = n - out_left;
        if (rc == BROTLI_DECODER_RESULT_ERROR) {
            set_err(s, "corrupt brotli data near compressed byte %llu: %s", consumed(d),
                    BrotliDecoderErrorString(BrotliDecoderGetErrorCode(d->br)));
            return -1;
        }
        if (out)
            return (ssize_t)out;
        if (rc == BROTLI_DECODER_RESULT_SUCCESS)
            return 0;
        if (avail == 0 && rc == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT)
            return truncated(d);
    }
}

static void decode_close(vigil_stream *s)
{
    decode_stream *d = (decode_stream *)s;
    if (d->z_init)
        inflateEnd(&d->z);
    ZSTD_freeDStream(d->zs);
    if (d->br)
        BrotliDecoderDestroyInstance(d->br);
    if (d->whole_file)
        vigil_stream_close(s->below);
}

static vigil_status decoder_new(vigil_stream *below, const char *enc, bool whole_file,
                                vigil_stream **out)
{
    decode_stream *d = calloc(1, sizeof *d);
    if (!d)
        return VIGIL_ERR_NOMEM;
    d->s.read = decode_read;
    d->s.close = decode_close;
    d->s.below = below;
    d->whole_file = whole_file;
    if (strcasecmp(enc, "gzip") == 0 || strcasecmp(enc, "x-gzip") == 0 ||
        strcasecmp(enc, "deflate") == 0) {
        d->kind = D_ZLIB;
        d->name = strcasecmp(enc, "deflate") == 0 ? "deflate" : "gzip";
        /* a file is gzip; a body gzip or zlib, found from its header */
        if (inflateInit2(&d->z, whole_file ? 15 + 16 : 15 + 32) != Z_OK) {
            free(d);
            return VIGIL_ERR_NOMEM;
        }
        d->z_init = true;
    } else if (strcasecmp(enc, "zstd") == 0) {
        d->kind = D_ZSTD;
        d->name = "zstd";
        d->zs = ZSTD_createDStream();
        if (!d->zs || ZSTD_isError(ZSTD_initDStream(d->zs))) {
            ZSTD_freeDStream(d->zs);
            free(d);
            return VIGIL_ERR_NOMEM;
        }
    } else if (strcasecmp(enc, "br") == 0) {
        d->kind = D_BROTLI;
        d->name = "brotli";
        d->br = BrotliDecoderCreateInstance(NULL, NULL, NULL);
        if (!d->br) {
            free(d);
            return VIGIL_ERR_NOMEM;
        }
    } else {
        free(d);
        return VIGIL_ERR_ARG;
    }
    *out = &d->s;
    return VIGIL_OK;
}

vigil_status vigil_stream_decoder(vigil_stream *below, const char *enc, vigil_stream **out)
{
    return decoder_new(below, enc, false, out);
}
