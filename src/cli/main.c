/*
 * vigil — command-line front end. Uses only the public API (include/vigil/vigil.h).
 *
 *   vigil init    [--vault DIR]
 *   vigil enroll  [--vault DIR] FILE...
 *   vigil forget  [--vault DIR] ID...
 *   vigil list    [--vault DIR] [--json]
 *   vigil scan    [--vault DIR] [options] [PATH...]     (scan.c)
 *
 * Exit status follows grep: 0 something found / done, 1 nothing found, 2 error. enroll exits 1
 * when some rows were rejected and the rest enrolled.
 */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *cli_vault_dir(const char *opt)
{
    if (opt)
        return opt;
    const char *env = getenv("VIGIL_VAULT");
    return env && *env ? env : "./vigil-vault";
}

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("vigil: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static void usage(FILE *f)
{
    fputs("usage: vigil COMMAND [OPTIONS] [ARGS]\n"
          "\n"
          "commands:\n"
          "  init   [--vault DIR]              create a vault (random key, empty index)\n"
          "  init   [--vault DIR] --reset-index  keep the key, start an empty index (corrupt or\n"
          "                                    old-version index); enroll again after\n"
          "  enroll [--vault DIR] FILE...      add or replace protected people (CSV or JSON Lines)\n"
          "  forget [--vault DIR] ID...        remove people\n"
          "  list   [--vault DIR] [--json]     enrolled ids and hashed identifier counts\n"
          "  scan   [--vault DIR] [OPTIONS] [PATH...]\n"
          "                                    scan files, directories or standard input\n"
          "  watch  [--vault DIR] [OPTIONS] DIR...\n"
          "                                    keep scanning files as they appear or grow\n"
          "  alerts list|show|set              triage the alert store (scan --store)\n"
          "  person ID                         one person's timeline of alerts\n"
          "  campaigns list|show               near-duplicate groups: the same post spreading\n"
          "  baseline export|import            suppressions (false positives) as a file\n"
          "  audit verify                      check the audit log's hash chain\n"
          "  export --format jsonl|csv|stix    alerts for other tools (STIX 2.1, TLP 2.0)\n"
          "  report [--person ID] --html FILE  self-contained HTML report with a timeline\n"
          "  evidence export ID DIR | verify DIR\n"
          "                                    signed evidence of an alert\n"
          "  train  --out MODEL --data FILE ... train the threat model on labeled CSV/JSON Lines\n"
          "  eval   [--model MODEL] --data FILE ...\n"
          "                                    precision, recall, F1 and ROC-AUC of threat scores\n"
          "  version                           print the version\n"
          "\n"
          "The vault defaults to $VIGIL_VAULT, else ./vigil-vault. 'vigil scan --help' lists the\n"
          "scan options. Exit status: 0 found or done, 1 nothing found, 2 error.\n",
          f);
}

static int parse_vault_only(int argc, char **argv, const char **vault, int *json)
{
    static const struct option opts[] = {
        {"vault", required_argument, NULL, 'v'},
        {"json", no_argument, NULL, 'J'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'v': *vault = optarg; break;
        case 'J':
            if (!json) {
                cli_error("%s: unknown option --json", argv[0]);
                return -1;
            }
            *json = 1;
            break;
        case 'h': usage(stdout); exit(0);
        default: return -1;
        }
    }
    return optind;
}

static int cmd_init(int argc, char **argv)
{
    const char *vault = NULL;
    int reset = 0;
    if (argc > 1 && strcmp(argv[argc - 1], "--reset-index") == 0) {
        reset = 1;
        argc--;
    }
    int i = parse_vault_only(argc, argv, &vault, NULL);
    if (i < 0 || i != argc) {
        cli_error("usage: vigil init [--vault DIR] [--reset-index]");
        return 2;
    }
    char err[512];
    const char *dir = cli_vault_dir(vault);
    vigil_status st = reset ? vigil_vault_reset_index(dir, err, sizeof err)
                            : vigil_vault_init(dir, err, sizeof err);
    if (st != VIGIL_OK) {
        cli_error("%s", err);
        return 2;
    }
    if (reset)
        fprintf(stderr, "vigil: %s has an empty index now (the old one is index.bad); enroll "
                        "again\n", dir);
    else
        fprintf(stderr, "vigil: created vault %s\n", dir);
    return 0;
}

int cli_load_model(const char *path, vigil_model **out)
{
    char err[512];
    vigil_status st = path ? vigil_model_load(path, out, err, sizeof err)
                           : vigil_model_builtin(out);
    if (!path && st == VIGIL_ERR_NOTFOUND) {
        *out = NULL; /* built without a model: rules only */
        return 0;
    }
    if (st != VIGIL_OK) {
        cli_error("%s", path ? err : "the built-in threat model could not be loaded");
        return -1;
    }
    return 0;
}

int cli_open_vault(const char *opt, vigil_vault **out)
{
    char err[512];
    vigil_status st = vigil_vault_open(cli_vault_dir(opt), out, err, sizeof err);
    if (st != VIGIL_OK) {
        cli_error("%s", err);
        return -1;
    }
    return 0;
}

static void print_reject(void *user, const char *file, size_t line, const char *message)
{
    (void)user;
    if (line)
        fprintf(stderr, "vigil: %s:%zu: %s; row skipped\n", file, line, message);
    else
        fprintf(stderr, "vigil: %s\n", message);
}

/* An index from before the second-token filter still matches exactly the same, only slower
 * with many people: say so where the operator can act on it. */
static void note_outdated(const vigil_vault *v)
{
    if (vigil_vault_index_outdated(v) && vigil_vault_person_count(v) > 0)
        fprintf(stderr, "vigil: note: this index was written before the second-token filter; "
                        "scans find the same but are slower with many people until every "
                        "person has been enrolled again\n");
}

static int cmd_enroll(int argc, char **argv)
{
    const char *vault = NULL;
    int i = parse_vault_only(argc, argv, &vault, NULL);
    if (i < 0 || i == argc) {
        cli_error("usage: vigil enroll [--vault DIR] FILE...");
        return 2;
    }
    vigil_vault *v;
    if (cli_open_vault(vault, &v) != 0)
        return 2;
    size_t ok = 0, bad = 0;
    vigil_status st = vigil_vault_enroll_files(v, (const char *const *)argv + i,
                                               (size_t)(argc - i), print_reject, NULL, &ok, &bad);
    int rc = 0;
    if (st == VIGIL_ERR_PARTIAL)
        rc = 1;
    else if (st != VIGIL_OK) {
        cli_error("enroll failed: %s: %s", vigil_strerror(st), vigil_vault_errmsg(v));
        rc = 2;
    }
    if (rc != 2)
        fprintf(stderr, "vigil: enrolled %zu %s, rejected %zu %s; vault holds %zu\n", ok,
                ok == 1 ? "person" : "people", bad, bad == 1 ? "row" : "rows",
                vigil_vault_person_count(v));
    if (rc != 2)
        note_outdated(v);
    vigil_vault_close(v);
    return rc;
}

static int cmd_forget(int argc, char **argv)
{
    const char *vault = NULL;
    int i = parse_vault_only(argc, argv, &vault, NULL);
    if (i < 0 || i == argc) {
        cli_error("usage: vigil forget [--vault DIR] ID...");
        return 2;
    }
    vigil_vault *v;
    if (cli_open_vault(vault, &v) != 0)
        return 2;
    size_t removed = 0;
    vigil_status st = vigil_vault_forget(v, (const char *const *)argv + i, (size_t)(argc - i),
                                         &removed);
    int rc = 0;
    if (st != VIGIL_OK) {
        cli_error("forget failed: %s: %s", vigil_strerror(st), vigil_vault_errmsg(v));
        rc = 2;
    } else {
        fprintf(stderr, "vigil: removed %zu of %d\n", removed, argc - i);
        rc = removed == (size_t)(argc - i) ? 0 : 1;
    }
    vigil_vault_close(v);
    return rc;
}

static int cmd_list(int argc, char **argv)
{
    const char *vault = NULL;
    int json = 0;
    int i = parse_vault_only(argc, argv, &vault, &json);
    if (i < 0 || i != argc) {
        cli_error("usage: vigil list [--vault DIR] [--json]");
        return 2;
    }
    vigil_vault *v;
    if (cli_open_vault(vault, &v) != 0)
        return 2;
    size_t n = vigil_vault_person_count(v);
    vigil_buf out = {0};
    vigil_status st = VIGIL_OK;
    if (!json)
        printf("%-20s %6s %6s %6s %6s %6s %6s %6s\n", "ID", "name", "addr", "phone", "email",
               "plate", "handle", "rel");
    for (size_t k = 0; k < n && st == VIGIL_OK; k++) {
        vigil_person_info p;
        st = vigil_vault_person(v, k, &p);
        if (st != VIGIL_OK)
            break;
        if (json) {
            out.len = 0;
            printf("{\"id\":");
            st = vigil_buf_json_string(&out, p.id, strlen(p.id));
            fwrite(out.data, 1, out.len, stdout);
            printf(",\"counts\":{");
            for (int kind = 0; kind < VIGIL_KIND_COUNT; kind++)
                printf("%s\"%s\":%u", kind ? "," : "", vigil_kind_name((vigil_kind)kind),
                       p.counts[kind]);
            printf("}}\n");
        } else {
            printf("%-20s", p.id);
            for (int kind = 0; kind < VIGIL_KIND_COUNT; kind++)
                printf(" %6u", p.counts[kind]);
            printf("\n");
        }
    }
    vigil_buf_free(&out);
    if (st == VIGIL_OK)
        note_outdated(v);
    vigil_vault_close(v);
    return st == VIGIL_OK ? 0 : 2;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    argc--;
    argv++;
    if (strcmp(cmd, "init") == 0)
        return cmd_init(argc, argv);
    if (strcmp(cmd, "enroll") == 0)
        return cmd_enroll(argc, argv);
    if (strcmp(cmd, "forget") == 0)
        return cmd_forget(argc, argv);
    if (strcmp(cmd, "list") == 0)
        return cmd_list(argc, argv);
    if (strcmp(cmd, "scan") == 0)
        return cmd_scan(argc, argv);
    if (strcmp(cmd, "watch") == 0)
        return cmd_watch(argc, argv);
    if (strcmp(cmd, "alerts") == 0)
        return cmd_alerts(argc, argv);
    if (strcmp(cmd, "person") == 0)
        return cmd_person(argc, argv);
    if (strcmp(cmd, "baseline") == 0)
        return cmd_baseline(argc, argv);
    if (strcmp(cmd, "audit") == 0)
        return cmd_audit(argc, argv);
    if (strcmp(cmd, "evidence") == 0)
        return cmd_evidence(argc, argv);
    if (strcmp(cmd, "campaigns") == 0)
        return cmd_campaigns(argc, argv);
    if (strcmp(cmd, "export") == 0)
        return cmd_export(argc, argv);
    if (strcmp(cmd, "report") == 0)
        return cmd_report(argc, argv);
    if (strcmp(cmd, "train") == 0)
        return cmd_train(argc, argv);
    if (strcmp(cmd, "eval") == 0)
        return cmd_eval(argc, argv);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("vigil %s\n", VIGIL_VERSION);
        return 0;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    cli_error("unknown command '%s'", cmd);
    usage(stderr);
    return 2;
}
