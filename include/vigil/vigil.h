/*
 * vigil — public API.
 *
 * vigil finds exposure of protected people's identifiers (doxxing) in text. The list of people
 * is kept in a vault: a secret key plus an index of keyed hashes of canonical identifier token
 * sequences, so the vault never holds a plaintext identifier.
 *
 * Conventions: fallible functions return a vigil_status and set out-parameters only on
 * success; handles are opaque, created by *_create/_open and released by *_destroy/_close, which
 * accept NULL; arguments are borrowed unless the comment says otherwise.
 */
#ifndef VIGIL_VIGIL_H
#define VIGIL_VIGIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define VIGIL_NODISCARD __attribute__((warn_unused_result))
#else
#define VIGIL_NODISCARD
#endif

#define VIGIL_VERSION "0.1.0"

/* Status codes. Only ever appended to. */
typedef enum vigil_status {
    VIGIL_OK = 0,
    VIGIL_ERR_NOMEM,      /* out of memory */
    VIGIL_ERR_IO,         /* a file could not be read or written */
    VIGIL_ERR_ARG,        /* an argument is invalid */
    VIGIL_ERR_KEY_PERMS,  /* the key file is readable by group or others */
    VIGIL_ERR_CORRUPT,    /* the index is truncated or fails its checksum */
    VIGIL_ERR_VERSION,    /* the index was written by an incompatible version */
    VIGIL_ERR_PARSE,      /* input could not be parsed */
    VIGIL_ERR_EXISTS,     /* the vault already exists */
    VIGIL_ERR_NOTFOUND,   /* no vault, person or file where one was named */
    VIGIL_ERR_CRYPTO,     /* libsodium failed to initialise or the key does not fit the index */
    VIGIL_ERR_PARTIAL,    /* some records were rejected, the rest was processed */
    VIGIL_ERR_LIMIT,      /* a size limit was reached */
    VIGIL_ERR_LOCKED,     /* another process is changing the vault */
    VIGIL_ERR_SKIPPED,    /* input is not text (binary) and was skipped */
} vigil_status;

/* A short static description of a status. */
const char *vigil_strerror(vigil_status status);

/* Identifier kinds; bit (1 << kind) is used in masks. */
typedef enum vigil_kind {
    VIGIL_KIND_NAME = 0,
    VIGIL_KIND_ADDRESS,
    VIGIL_KIND_PHONE,
    VIGIL_KIND_EMAIL,
    VIGIL_KIND_PLATE,
    VIGIL_KIND_HANDLE,
    VIGIL_KIND_RELATIVE,
    VIGIL_KIND_COUNT
} vigil_kind;

/* "name", "address", ... as used in the JSON output; NULL for an invalid kind. */
const char *vigil_kind_name(vigil_kind kind);

typedef enum vigil_severity {
    VIGIL_SEV_INFO = 0,
    VIGIL_SEV_LOW,
    VIGIL_SEV_MEDIUM,
    VIGIL_SEV_HIGH,
    VIGIL_SEV_CRITICAL,
} vigil_severity;

const char *vigil_severity_name(vigil_severity severity);
/* Parses "info".."critical"; returns VIGIL_ERR_ARG for anything else. */
VIGIL_NODISCARD vigil_status vigil_severity_parse(const char *name, vigil_severity *out);

/* ---------------------------------------------------------------------------------------------
 * Vault
 * ------------------------------------------------------------------------------------------- */

typedef struct vigil_vault vigil_vault;

/* Creates DIR (mode 0700) with a fresh random 256-bit key (mode 0600) and an empty index.
 * Fails with VIGIL_ERR_EXISTS when DIR already holds a key. On failure a message is written to
 * err (if non-NULL). */
VIGIL_NODISCARD vigil_status vigil_vault_init(const char *dir, char *err, size_t errlen);

/* Keeps DIR's key and replaces its index by an empty one; the old index is kept as
 * DIR/index.bad. For an index that is corrupt or of an older version: enroll again after. */
VIGIL_NODISCARD vigil_status vigil_vault_reset_index(const char *dir, char *err, size_t errlen);

/* Opens a vault: checks the key file's permissions, reads the key into secure memory and maps
 * the index read-only. On failure *out is untouched and a message is written to err. */
VIGIL_NODISCARD vigil_status vigil_vault_open(const char *dir, vigil_vault **out, char *err,
                                              size_t errlen);
void vigil_vault_close(vigil_vault *vault);

/* Detailed message of the last failed call on this vault. */
const char *vigil_vault_errmsg(const vigil_vault *vault);

/* Number of enrolled people. */
size_t vigil_vault_person_count(const vigil_vault *vault);
/* 1 when the vault's index was written before a faster layout that this vigil writes (the
 * second-token filter): scans match exactly the same, only slower with many people, until
 * every person has been enrolled again. 0 when the index is current. */
int vigil_vault_index_outdated(const vigil_vault *vault);

/* Enrolled person i (0 <= i < count): its opaque id and how many hashed identifiers of each
 * kind it has. The id pointer stays valid while the vault is open. */
typedef struct vigil_person_info {
    const char *id;
    uint32_t counts[VIGIL_KIND_COUNT];
} vigil_person_info;
VIGIL_NODISCARD vigil_status vigil_vault_person(const vigil_vault *vault, size_t i,
                                                vigil_person_info *out);

/* Called once for every rejected record: file, 1-based line, and a message that never contains
 * an identifier. */
typedef void (*vigil_reject_fn)(void *user, const char *file, size_t line, const char *message);

/* Enrolls people from CSV or JSON Lines files (format chosen by content: a first non-blank byte
 * '{' means JSON Lines). People already enrolled under the same id are replaced. Bad rows are
 * reported through on_reject and skipped; the rest is enrolled and the index is replaced
 * atomically (written to a temporary file, fsync'd, renamed). Returns VIGIL_ERR_PARTIAL when
 * some rows were rejected but the index was written. The vault is reloaded on success. */
VIGIL_NODISCARD vigil_status vigil_vault_enroll_files(vigil_vault *vault,
                                                      const char *const *paths, size_t npaths,
                                                      vigil_reject_fn on_reject, void *user,
                                                      size_t *enrolled, size_t *rejected);

/* Same as above on an in-memory buffer named `name` in messages. */
VIGIL_NODISCARD vigil_status vigil_vault_enroll_buffer(vigil_vault *vault, const char *name,
                                                       const char *data, size_t len,
                                                       vigil_reject_fn on_reject, void *user,
                                                       size_t *enrolled, size_t *rejected);

/* Removes the people with the given ids; *removed counts those that existed. */
VIGIL_NODISCARD vigil_status vigil_vault_forget(vigil_vault *vault, const char *const *ids,
                                                size_t nids, size_t *removed);

/* ---------------------------------------------------------------------------------------------
 * Scanning
 * ------------------------------------------------------------------------------------------- */

typedef struct vigil_span {
    vigil_kind kind;
    size_t start; /* byte offset into the scanned text */
    size_t end;   /* one past the last byte */
} vigil_span;

typedef struct vigil_person_hit {
    const char *person;   /* enrolled opaque id */
    unsigned matched;     /* mask of (1u << vigil_kind) that counted */
    size_t nspans;
    const vigil_span *spans;
} vigil_person_hit;

typedef struct vigil_scanner vigil_scanner;

/* Threat categories; bit (1 << label) is used in masks. */
typedef enum vigil_label {
    VIGIL_LABEL_VIOLENCE = 0,
    VIGIL_LABEL_INCITEMENT,
    VIGIL_LABEL_KIDNAPPING,
    VIGIL_LABEL_STALKING,
    VIGIL_LABEL_BOUNTY,
    VIGIL_LABEL_WEAPON,
    VIGIL_LABEL_COUNT
} vigil_label;

/* "violence", "incitement", ...; NULL for an invalid label. */
const char *vigil_label_name(vigil_label label);

typedef struct vigil_threat_span {
    vigil_label label;
    size_t start, end; /* byte offsets into the scanned text */
} vigil_threat_span;

/* A word behind the model's score (--explain): its span in the scanned text and what it, with
 * the word pair it ends, added to the model's log-odds. */
typedef struct vigil_model_feature {
    size_t start, end;
    double weight;
} vigil_model_feature;

/* Why a threat scored as it did (--explain): the rule's line in its rules file (0: the model),
 * the weight it contributed after context, and the context modifier that scaled it (NULL if
 * none). The model's entry lists its strongest words, strongest first, when the scanner was
 * asked for them (vigil_scanner_set_explain). */
typedef struct vigil_explain {
    unsigned line;
    vigil_label label;
    double weight;
    const char *modifier;
    size_t nfeatures;
    const vigil_model_feature *features;
} vigil_explain;

typedef struct vigil_threat {
    double score;      /* 0..1; >= 0.5 counts as a threat */
    unsigned labels;   /* mask of (1u << vigil_label) */
    size_t nspans;
    const vigil_threat_span *spans;
    int has_bounty;    /* money offered near a threat or bounty wording */
    double amount;     /* the largest amount found */
    char currency[4];  /* "USD", "MXN", "EUR" */
    size_t nexplain;
    const vigil_explain *explain;
} vigil_threat;

/* Personal data found by patterns, whoever it belongs to. */
typedef enum vigil_pii_kind {
    VIGIL_PII_PHONE = 0,
    VIGIL_PII_EMAIL,
    VIGIL_PII_ADDRESS,
    VIGIL_PII_PLATE,
    VIGIL_PII_COORDINATES,
    VIGIL_PII_SSN,
    VIGIL_PII_CURP,
    VIGIL_PII_IP,
    VIGIL_PII_COUNT
} vigil_pii_kind;

/* "phone", "email", "address", "plate", "coordinates", "ssn", "curp", "ip". */
const char *vigil_pii_kind_name(vigil_pii_kind kind);

typedef struct vigil_pii_match {
    vigil_pii_kind kind;
    size_t start, end; /* byte offsets into the scanned text */
} vigil_pii_match;

typedef struct vigil_result {
    vigil_severity severity;
    double score;            /* 0..1 */
    size_t npeople;
    const vigil_person_hit *people;
    char fingerprint[33];    /* hex; empty when nothing was found */
    vigil_threat threat;     /* all zero when no rules are set */
    size_t npii;
    const vigil_pii_match *pii;
    int pii_near_role;       /* personal data next to a protective role word (agent, judge...) */
} vigil_result;

/* Threat rules: the built-in rules (data/rules/threats.rules) plus the files named, or only the
 * files when one of them starts with `replace`. Errors name the file and line. Rules borrow the
 * vault (its token key) and must not outlive it. */
typedef struct vigil_rules vigil_rules;
VIGIL_NODISCARD vigil_status vigil_rules_load(const vigil_vault *vault, const char *const *paths,
                                              size_t npaths, vigil_rules **out, char *err,
                                              size_t errlen);
void vigil_rules_free(vigil_rules *rules);
/* Threat detection for this scanner's next scans (NULL turns it off). Borrowed. */
void vigil_scanner_set_rules(vigil_scanner *scanner, const vigil_rules *rules);
/* Personal-data patterns on (the default) or off for this scanner's next scans. */
void vigil_scanner_set_pii(vigil_scanner *scanner, int enabled);

/* A scanner holds per-thread buffers; create one per thread. It borrows the vault, which must
 * outlive it and must not be changed (enroll, forget) while scanners exist. */
VIGIL_NODISCARD vigil_status vigil_scanner_create(const vigil_vault *vault, vigil_scanner **out);
void vigil_scanner_destroy(vigil_scanner *scanner);

/* Scans one document. *out points into the scanner and stays valid until the next call. */
VIGIL_NODISCARD vigil_status vigil_scan(vigil_scanner *scanner, const char *text, size_t len,
                                        const vigil_result **out);

/* ---------------------------------------------------------------------------------------------
 * Threat model: logistic regression on hashed word and character n-grams
 * ------------------------------------------------------------------------------------------- */

typedef struct vigil_model vigil_model;
VIGIL_NODISCARD vigil_status vigil_model_load(const char *path, vigil_model **out, char *err,
                                              size_t errlen);
VIGIL_NODISCARD vigil_status vigil_model_save(const vigil_model *model, const char *path,
                                              char *err, size_t errlen);
void vigil_model_free(vigil_model *model);
/* The model built into vigil (data/models/threat.model, see docs/evaluation.md);
 * VIGIL_ERR_NOTFOUND when vigil was built without one. */
VIGIL_NODISCARD vigil_status vigil_model_builtin(vigil_model **out);
/* Threat model for this scanner's next scans (NULL turns it off). Borrowed. */
void vigil_scanner_set_model(vigil_scanner *scanner, const vigil_model *model);
/* Whether the model's explain entry lists the words behind its score (off by default: it costs
 * a second pass over the words of each document the model scores). */
void vigil_scanner_set_explain(vigil_scanner *scanner, int enabled);

/* Labeled examples for training, held as hashed features (2^bits buckets, 16..24). */
typedef struct vigil_trainset vigil_trainset;
vigil_trainset *vigil_trainset_create(uint32_t bits);
void vigil_trainset_free(vigil_trainset *set);
VIGIL_NODISCARD vigil_status vigil_trainset_add(vigil_trainset *set, const char *text, size_t len,
                                                int positive);
/* Examples held; *positives (if non-NULL) gets how many are positive. */
size_t vigil_trainset_size(const vigil_trainset *set, size_t *positives);
/* Trains a model (l2: regularization per update); deterministic for the same examples in the
 * same order. VIGIL_ERR_ARG when the set does not have both classes. */
VIGIL_NODISCARD vigil_status vigil_model_train(const vigil_trainset *set, unsigned epochs,
                                               double l2, vigil_model **out);
/* ROC-AUC of scores against 0/1 labels (0 when a class is missing). */
double vigil_roc_auc(const double *score, const unsigned char *label, size_t n);

/* A labeled table: CSV with a header row (',' or ';', found from the header) or JSON Lines.
 * Rows are read one at a time; vigil_table_field returns a field of the current row by column
 * name (NULL when absent), valid until the next row. */
typedef struct vigil_table vigil_table;
VIGIL_NODISCARD vigil_status vigil_table_open(const char *path, vigil_table **out, char *err,
                                              size_t errlen);
/* VIGIL_OK, VIGIL_ERR_NOTFOUND at the end, or VIGIL_ERR_PARSE for a row that could not be read
 * (vigil_table_errmsg says where; reading may go on). */
VIGIL_NODISCARD vigil_status vigil_table_next(vigil_table *table);
const char *vigil_table_field(const vigil_table *table, const char *column, size_t *len);
const char *vigil_table_errmsg(const vigil_table *table);
void vigil_table_close(vigil_table *table);

/* ---------------------------------------------------------------------------------------------
 * Documents and output
 * ------------------------------------------------------------------------------------------- */

/* What a document's text is; the scanner sees the text extracted from it (vigil_text). */
typedef enum vigil_content {
    VIGIL_CONTENT_TEXT = 0,
    VIGIL_CONTENT_HTML,  /* visible text extracted with an HTML5 parser */
    VIGIL_CONTENT_EMAIL, /* an RFC 5322 message: subject and text parts */
} vigil_content;

typedef struct vigil_text vigil_text;

typedef struct vigil_doc {
    const char *id;
    const char *text;
    size_t len;
    const char *source; /* may be NULL */
    const char *url;    /* may be NULL */
    const char *time;   /* may be NULL */
    vigil_content content;
    const char *charset; /* declared charset of text; NULL = UTF-8 (or a <meta> in HTML) */
    unsigned chunk;      /* 0: the whole document; k >= 1: its k-th overlapping chunk */
    uint64_t offset;     /* where this chunk starts in the document (bytes) */
    size_t overlap;      /* bytes at the start of this chunk that ended the previous one */
    uint64_t at;         /* where the document starts in its file (decompressed bytes) */
    /* Set by the caller after vigil_text_prepare: spans found in decoded content are then
     * reported at the encoded run they came from. */
    const vigil_text *prepared;
} vigil_doc;

typedef enum vigil_input_format {
    VIGIL_INPUT_AUTO = 0, /* by content and extension */
    VIGIL_INPUT_PLAIN,
    VIGIL_INPUT_JSONL,
    VIGIL_INPUT_HTML,
    VIGIL_INPUT_WARC,
    VIGIL_INPUT_MBOX,
    VIGIL_INPUT_EML,
} vigil_input_format;

/* "plain", "jsonl", "html", "warc", "mbox", "eml"; VIGIL_ERR_ARG for another name. */
VIGIL_NODISCARD vigil_status vigil_input_format_parse(const char *name, vigil_input_format *out);
const char *vigil_input_format_name(vigil_input_format format);

/* Reads documents from one file (or standard input when path is NULL or "-"), gzip or zstd
 * compressed or not. Documents larger than max_doc bytes are cut into overlapping chunks. */
typedef struct vigil_reader vigil_reader;
VIGIL_NODISCARD vigil_status vigil_reader_open(const char *path, vigil_input_format format,
                                               size_t max_doc, vigil_reader **out, char *err,
                                               size_t errlen);
/* The same over an open file descriptor (owned: closed by vigil_reader_close), read from its
 * current position for at most length bytes (0: to the end); name is used in messages and as
 * the default document id. */
VIGIL_NODISCARD vigil_status vigil_reader_open_fd(int fd, const char *name, uint64_t length,
                                                  vigil_input_format format, size_t max_doc,
                                                  vigil_reader **out, char *err, size_t errlen);
/* Next document: VIGIL_OK with *doc filled (valid until the next call), VIGIL_ERR_NOTFOUND at
 * the end, VIGIL_ERR_SKIPPED for a record that is not text (a binary file or an image in an
 * archive), or another status for a record that could not be read, with the reason (file,
 * record or line, byte offset) in vigil_reader_errmsg(); reading may continue after a record
 * error unless the status is VIGIL_ERR_IO. */
VIGIL_NODISCARD vigil_status vigil_reader_next(vigil_reader *reader, vigil_doc *doc);
const char *vigil_reader_errmsg(const vigil_reader *reader);
/* The bytes of the record that last failed, as far as they were read (for --rejects); NULL
 * when none are kept. Valid until the next call. */
const char *vigil_reader_rejected(const vigil_reader *reader, size_t *len);
/* Bytes of the file read so far (compressed bytes for a compressed file). */
uint64_t vigil_reader_position(const vigil_reader *reader);
/* The format found (or forced). */
vigil_input_format vigil_reader_format(const vigil_reader *reader);
void vigil_reader_close(vigil_reader *reader);

/* Turns documents into the text that is scanned: extraction by content type, charset
 * conversion, invalid UTF-8 and NUL bytes replaced byte for byte (offsets unchanged), and
 * base64, percent-encoded and character-reference runs decoded and appended (bounded depth and
 * size). One vigil_text per thread; *text stays valid until the next prepare. A repaired
 * problem is described in warn (empty otherwise). */
VIGIL_NODISCARD vigil_status vigil_text_create(vigil_text **out);
void vigil_text_destroy(vigil_text *text);
VIGIL_NODISCARD vigil_status vigil_text_prepare(vigil_text *prepared, const vigil_doc *doc,
                                                const char **text, size_t *len, char *warn,
                                                size_t warnlen);
/* For a span [*start, *end) of prepared text inside decoded content: the encoded run in the
 * document it came from and the encodings (e.g. "base64"). False for a span of the document. */
int vigil_text_source(const vigil_text *prepared, size_t *start, size_t *end,
                      const char **encoding);

/* Growable output buffer with a hard cap. */
typedef struct vigil_buf {
    char *data;
    size_t len, cap, max;
} vigil_buf;
void vigil_buf_free(vigil_buf *buf);
VIGIL_NODISCARD vigil_status vigil_buf_append(vigil_buf *buf, const void *data, size_t n);
/* Appends printf-style formatted text. */
VIGIL_NODISCARD vigil_status vigil_buf_printf(vigil_buf *buf, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends s[0..n) as a JSON string literal (invalid UTF-8 becomes U+FFFD). */
VIGIL_NODISCARD vigil_status vigil_buf_json_string(vigil_buf *buf, const char *s, size_t n);

/* Appends the result as one JSON object and a newline; with explain, the rules behind the
 * threat score too. */
VIGIL_NODISCARD vigil_status vigil_result_json(const vigil_result *result, const vigil_doc *doc,
                                               int explain, vigil_buf *out);
/* Appends a human-readable rendering (the --format text output). */
VIGIL_NODISCARD vigil_status vigil_result_text(const vigil_result *result, const vigil_doc *doc,
                                               vigil_buf *out);


/* ---------------------------------------------------------------------------------------------
 * Alert store (SQLite in the vault: DIR/store.db)
 *
 * Keeps every document that raised an alert (content SHA-256, id, source, url, time, first and
 * last seen, sightings; its text encrypted with a key derived from the vault key) and every
 * alert (findings, severity, score, fingerprint, status). The same content or the same alert
 * fingerprint seen again is a new sighting of the existing alert. Analysts' changes and
 * evidence access go to a hash-chained audit log.
 * ------------------------------------------------------------------------------------------- */

typedef struct vigil_store vigil_store;

typedef enum vigil_alert_status {
    VIGIL_ALERT_NEW = 0,
    VIGIL_ALERT_ACKNOWLEDGED,
    VIGIL_ALERT_ESCALATED,
    VIGIL_ALERT_RESOLVED,
    VIGIL_ALERT_FALSE_POSITIVE,
} vigil_alert_status;
const char *vigil_alert_status_name(vigil_alert_status status);
VIGIL_NODISCARD vigil_status vigil_alert_status_parse(const char *name, vigil_alert_status *out);

/* Opens (creating when create is set) the vault's store, migrating an older schema. Without
 * create, VIGIL_ERR_NOTFOUND when there is no store yet. */
VIGIL_NODISCARD vigil_status vigil_store_open(vigil_vault *vault, int create, vigil_store **out,
                                              char *err, size_t errlen);
void vigil_store_close(vigil_store *store);
const char *vigil_store_errmsg(const vigil_store *store);

/* Recording, in batches: begin, add..., commit (a batch is one transaction). */
VIGIL_NODISCARD vigil_status vigil_store_begin(vigil_store *store);
VIGIL_NODISCARD vigil_status vigil_store_commit(vigil_store *store);
typedef struct vigil_store_added {
    int64_t alert;    /* the alert's number */
    int new_alert;    /* 1 when the alert was created, 0 for a new sighting of one */
    int suppressed;   /* 1 when the alert's fingerprint is suppressed (false positive) */
    int escalated;    /* 1 when a bounty higher than before escalated the alert */
} vigil_store_added;
/* Records one alerting document: doc (its id, metadata, and its original bytes in text/len),
 * the text that was scanned, and the alert as vigil_result_json rendered it. now is a Unix
 * time in seconds. */
VIGIL_NODISCARD vigil_status vigil_store_add(vigil_store *store, const vigil_doc *doc,
                                             const char *scanned, size_t scanned_len,
                                             const char *alert_json, int64_t now,
                                             vigil_store_added *out);
/* Campaign escalation: K distinct sources within T hours (0 keeps the default: 3 and 24). */
void vigil_store_set_campaign_rule(vigil_store *store, unsigned sources, unsigned hours);
/* Campaigns (groups of near-duplicate documents) as JSON lines; all includes single ones. */
VIGIL_NODISCARD vigil_status vigil_store_campaigns(vigil_store *store, int all, vigil_buf *out);
VIGIL_NODISCARD vigil_status vigil_store_campaign_show(vigil_store *store, int64_t id,
                                                       vigil_buf *out);
/* Whether an alert (as rendered JSON) is suppressed; counts the hit. */
int vigil_store_suppressed(vigil_store *store, const char *alert_json);

/* Queries, as JSON (one object per line for lists), appended to out. */
typedef struct vigil_alert_filter {
    int status;          /* -1 any, else a vigil_alert_status */
    int min_severity;    /* a vigil_severity */
    const char *person;  /* NULL any */
    int64_t since;       /* last seen at or after (Unix seconds), 0 any */
} vigil_alert_filter;
VIGIL_NODISCARD vigil_status vigil_store_alerts(vigil_store *store, const vigil_alert_filter *f,
                                                vigil_buf *out);
/* One alert with its sightings, notes and evidence (the decrypted text of its first document;
 * reading it is recorded in the audit log as actor). */
VIGIL_NODISCARD vigil_status vigil_store_alert(vigil_store *store, int64_t id, const char *actor,
                                               vigil_buf *out);
/* Sets an alert's status with a note (audited). False-positive suppresses its fingerprint. */
VIGIL_NODISCARD vigil_status vigil_store_set_status(vigil_store *store, int64_t id,
                                                    vigil_alert_status status, const char *note,
                                                    const char *actor);
/* A person's timeline: their alerts in time order, per-day counts and bounty amounts. */
VIGIL_NODISCARD vigil_status vigil_store_person(vigil_store *store, const char *person,
                                                vigil_buf *out);

/* Exports every alert last seen at or after since (Unix seconds; 0 all): JSON Lines, CSV, or a
 * STIX 2.1 bundle marked with a TLP 2.0 level ("CLEAR", "GREEN", "AMBER", "AMBER+STRICT",
 * "RED"; NULL = AMBER+STRICT). People appear by opaque id only. */
typedef enum vigil_export_format {
    VIGIL_EXPORT_JSONL = 0,
    VIGIL_EXPORT_CSV,
    VIGIL_EXPORT_STIX,
} vigil_export_format;
VIGIL_NODISCARD vigil_status vigil_store_export(vigil_store *store, vigil_export_format format,
                                                int64_t since, const char *tlp, vigil_buf *out);

/* A self-contained HTML report (inline CSS and SVG timeline) for one person (or all when
 * person is NULL), marked with a TLP level as for exports. now: Unix seconds. */
VIGIL_NODISCARD vigil_status vigil_store_report_html(vigil_store *store, const char *person,
                                                     const char *tlp, int64_t now,
                                                     vigil_buf *out);

/* Suppressions as a baseline file (JSON: {"vigil_baseline":1,"suppressions":[...]}), and
 * back; import merges and reports a malformed file with the position. */
VIGIL_NODISCARD vigil_status vigil_store_baseline_export(vigil_store *store, vigil_buf *out);
VIGIL_NODISCARD vigil_status vigil_store_baseline_import(vigil_store *store, const char *data,
                                                         size_t len, const char *actor,
                                                         size_t *imported, char *err,
                                                         size_t errlen);

/* Checks the audit log's hash chain: VIGIL_OK, or VIGIL_ERR_CORRUPT with the first bad entry
 * described in err. *entries receives the number of entries checked. */
VIGIL_NODISCARD vigil_status vigil_store_audit_verify(vigil_store *store, size_t *entries,
                                                      char *err, size_t errlen);
/* The audit log's head as "SEQ:HASH" (kept outside the store, e.g. in a ticket or with exported
 * evidence, it anchors the log: vigil_store_audit_expect then detects a log cut back or
 * rewritten to before it, which the chain alone cannot). */
VIGIL_NODISCARD vigil_status vigil_store_audit_head(vigil_store *store, char *out, size_t cap);
VIGIL_NODISCARD vigil_status vigil_store_audit_expect(vigil_store *store, const char *head,
                                                      char *err, size_t errlen);
/* Appends an entry (for actions taken outside the store, e.g. an export). */
VIGIL_NODISCARD vigil_status vigil_store_audit(vigil_store *store, const char *actor,
                                               const char *action, const char *target,
                                               const char *detail);

/* Evidence: writes DIR/original.bin, DIR/text.txt, DIR/metadata.json (capture metadata and
 * SHA-256 of both files) and DIR/metadata.json.sig (detached Ed25519 signature with the vault's
 * signing key, whose public half is in metadata.json). Audited. */
VIGIL_NODISCARD vigil_status vigil_evidence_export(vigil_store *store, int64_t alert,
                                                   const char *dir, const char *actor,
                                                   char *err, size_t errlen);
/* Checks an exported evidence folder: the signature, then every hash. With vault, also that
 * it was signed by this vault's key. The signing key's hex is written to key_hex[65]. */
VIGIL_NODISCARD vigil_status vigil_evidence_verify(const char *dir, const vigil_vault *vault,
                                                   char key_hex[65], char *err, size_t errlen);
/* The same on files already read (for fuzzing and for callers with their own I/O). */
VIGIL_NODISCARD vigil_status vigil_evidence_check(const char *metadata, size_t metadata_len,
                                                  const unsigned char *sig, size_t sig_len,
                                                  const char *original, size_t original_len,
                                                  const char *text, size_t text_len,
                                                  char key_hex[65], char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
