/*
 * Ingestion internals: byte streams in layers (file, gzip, zstd, brotli, length limit, HTTP
 * chunked), the HTML and e-mail text extractors and the encoded-content decoder.
 */
#ifndef VIGIL_INGEST_INT_H
#define VIGIL_INGEST_INT_H

#include "../internal.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* A pull stream. Each layer embeds vigil_stream first and reads from `below`. read() returns
 * the number of bytes (> 0), 0 at the end, or -1 on error with err set. Buffered helpers
 * (peek, getline) work on every layer. */
typedef struct vigil_stream vigil_stream;
struct vigil_stream {
    ssize_t (*read)(vigil_stream *s, char *buf, size_t n);
    void (*close)(vigil_stream *s);
    vigil_stream *below;
    char err[256];
    uint64_t pos; /* bytes handed out by vigil_stream_read */
    char *buf;    /* look-ahead buffer for peek and getline */
    size_t bpos, bend, bcap;
    bool eof;
};

/* Opens a file (fd is owned and closed) with the decompression its first bytes call for:
 * gzip (one or many members), zstd, or none; at most limit bytes are read (0: no limit).
 * raw_pos, when set, tracks bytes read from the file itself (for progress). */
vigil_status vigil_stream_file(int fd, uint64_t limit, vigil_stream **out,
                               const uint64_t **raw_pos);
/* Decoders over another stream (not owned): "gzip", "x-gzip", "deflate", "zstd", "br";
 * VIGIL_ERR_ARG for an unknown encoding. */
vigil_status vigil_stream_decoder(vigil_stream *below, const char *encoding, vigil_stream **out);
/* A window of n bytes of below (not owned): reading stops there. */
vigil_status vigil_stream_limit(vigil_stream *below, uint64_t n, vigil_stream **out);
/* HTTP/1.1 chunked transfer coding over below (not owned). */
vigil_status vigil_stream_chunked(vigil_stream *below, vigil_stream **out);
/* An in-memory stream over data[0..n) (borrowed). */
vigil_status vigil_stream_memory(const char *data, size_t n, vigil_stream **out);
void vigil_stream_close(vigil_stream *s);

ssize_t vigil_stream_read(vigil_stream *s, char *buf, size_t n);
/* Reads until n bytes or the end; returns the count, or -1 on error. */
ssize_t vigil_stream_read_full(vigil_stream *s, char *buf, size_t n);
/* Makes at least n bytes visible (fewer at the end); returns how many are, or -1. */
ssize_t vigil_stream_peek(vigil_stream *s, size_t n, const char **data);
/* One line (newline included when present) of at most max bytes into *line (valid until the
 * next call). Returns its length, 0 at the end, -1 on error, -2 when the line is longer than
 * max (the first max bytes are consumed). */
ssize_t vigil_stream_getline(vigil_stream *s, size_t max, const char **line);
/* The same, but a line longer than max is left unread (-2). */
ssize_t vigil_stream_getline_keep(vigil_stream *s, size_t max, const char **line);
const char *vigil_stream_error(const vigil_stream *s);

/* The "text" string of one JSON Lines object too long for memory, decoded as a stream: the
 * object is read from below (not owned) up to and including its line's newline. Members before
 * "text" named id, source, url and time are kept (vigil_json_text_member). */
vigil_status vigil_stream_json_text(vigil_stream *below, vigil_stream **out);
const char *vigil_json_text_member(const vigil_stream *s, const char *name);
/* Reads the rest of the object after the text and its line's end; false (err set) when the
 * line was not one valid object with a string "text". */
bool vigil_json_text_finish(vigil_stream *s);

/* ------------------------------------------------------------------ extraction */

/* Appends the visible text of an HTML document (UTF-8) to out: script, style and the like
 * dropped, block elements and <br> as line breaks, the title first. */
vigil_status vigil_html_text(const char *html, size_t n, vigil_buf *out);
/* Converts text in a charset to UTF-8 (appended to out); VIGIL_ERR_ARG for an unknown one. */
vigil_status vigil_charset_to_utf8(const char *charset, const char *in, size_t n, vigil_buf *out);
/* Finds <meta charset> or http-equiv in the first KB of an HTML page. */
bool vigil_html_charset(const char *html, size_t n, char *out, size_t cap);
/* Subject and bodies of a MIME message (text parts decoded, HTML parts through
 * vigil_html_text), appended to out; a non-fatal problem (missing closing boundary, bad
 * encoding) is described in warn. */
vigil_status vigil_mail_text(const char *msg, size_t n, vigil_buf *out, char *warn,
                             size_t warnlen);
/* Header value of a message's (or MIME part's) header block, unfolded, into out; false when
 * absent. */
bool vigil_mail_header(const char *msg, size_t n, const char *name, char *out, size_t cap);

/* UTF-8 of a code point into o (1-4 bytes; surrogates and values past U+10FFFF become U+FFFD);
 * returns the length. */
size_t vigil_utf8_put(uint32_t cp, char *o);
/* The value of a hexadecimal digit, -1 for another byte. */
int vigil_hexval(unsigned char c);

/* Decoders shared by the readers. Each appends to out and returns false on malformed input
 * (what could be decoded is appended anyway). */
bool vigil_decode_base64(const char *in, size_t n, vigil_buf *out);
bool vigil_decode_qp(const char *in, size_t n, vigil_buf *out);
bool vigil_decode_percent(const char *in, size_t n, vigil_buf *out);
bool vigil_decode_entities(const char *in, size_t n, vigil_buf *out);

#endif
