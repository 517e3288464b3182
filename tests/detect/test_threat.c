/* Unit tests for threat rules: the loader's errors, matching through disguises, context
 * (negation, reported speech, quotes, idioms), money, and the combined severity. */
#include "../../src/internal.h"
#include "../harness.h"
#include "../testutil.h"

static char dir[64];
static vigil_vault *vault;
static vigil_rules *rules;
static vigil_scanner *sc;

static void setup(void)
{
    if (vault)
        return;
    vault = temp_vault(dir);
    rejects r = {0};
    if (enroll_str(vault, "id,name,phones\nJ1,Ana Torres,555-201-7788\n", &r) != VIGIL_OK)
        abort();
    char err[512];
    if (vigil_rules_load(vault, NULL, 0, &rules, err, sizeof err) != VIGIL_OK) {
        fprintf(stderr, "%s\n", err);
        abort();
    }
    if (vigil_scanner_create(vault, &sc) != VIGIL_OK)
        abort();
    vigil_scanner_set_rules(sc, rules);
}

static const vigil_result *scan(const char *text)
{
    setup();
    const vigil_result *r = NULL;
    CHECK(vigil_scan(sc, text, strlen(text), &r) == VIGIL_OK);
    return r;
}

static int is_threat(const char *text)
{
    return scan(text)->threat.score >= 0.5;
}

#define L(x) (1u << VIGIL_LABEL_##x)

static vigil_status parse(const char *text, char *err)
{
    setup();
    vigil_rules *r = NULL;
    vigil_status st = vigil_rules_parse(vault, text, &r, err, 512);
    vigil_rules_free(r);
    return st;
}

TEST(loader_reports_the_line)
{
    char err[512];
    CHECK(parse("# ok\nlist a: x y\nrule violence 0.5: @a ~2 z\n", err) == VIGIL_OK);
    CHECK(parse("rule violence 0.5: ~2 z\n", err) == VIGIL_ERR_PARSE);
    CHECK(strstr(err, "line 1: a gap is ~1 to ~8") != NULL);
    CHECK(parse("\n\nrule anger 0.5: x\n", err) == VIGIL_ERR_PARSE);
    CHECK(strstr(err, "line 3: unknown category 'anger'") != NULL);
    CHECK(parse("rule violence 1.5: x\n", err) == VIGIL_ERR_PARSE);
    CHECK(strstr(err, "line 1: weight '1.5'") != NULL);
    CHECK(parse("rule violence 0.5: @nope x\n", err) == VIGIL_ERR_PARSE);
    CHECK(strstr(err, "unknown list '@nope'") != NULL);
    CHECK(parse("rule violence 0.5: x ~3\n", err) == VIGIL_ERR_PARSE);
    CHECK(parse("frobnicate: x\n", err) == VIGIL_ERR_PARSE);
    CHECK(strstr(err, "unknown keyword") != NULL);
    CHECK(parse("rule violence 0.5 en: a|b| c\n", err) == VIGIL_ERR_PARSE);
    CHECK(parse("modifier negation 0.1 en 99: not\n", err) == VIGIL_ERR_PARSE);
    CHECK(strstr(err, "window '99'") != NULL);
    CHECK(parse("rule bounty 0.8 en offer: reward ~3 for\nrule bounty 0.8 offer: x\n", err) ==
          VIGIL_OK);
    CHECK(parse("\nrule violence 0.8 offer: x\n", err) == VIGIL_ERR_PARSE);
    CHECK(strstr(err, "line 2: 'offer' is for bounty rules") != NULL);
    CHECK(parse("rule bounty 0.8 offer en: x\n", err) == VIGIL_ERR_PARSE);
}

TEST(rules_files_add_or_replace)
{
    setup();
    char path[128], err[512];
    snprintf(path, sizeof path, "%s/extra.rules", dir);
    FILE *f = fopen(path, "w");
    fputs("rule stalking 0.9 en: flamingo ~2 protocol\n", f);
    fclose(f);
    const char *paths[] = {path};
    vigil_rules *r;
    CHECK(vigil_rules_load(vault, paths, 1, &r, err, sizeof err) == VIGIL_OK);
    CHECK(vigil_rules_count(r) == vigil_rules_count(rules) + 1);
    vigil_rules_free(r);
    f = fopen(path, "w");
    fputs("# mine only\nreplace\nrule stalking 0.9 en: flamingo ~2 protocol\n", f);
    fclose(f);
    CHECK(vigil_rules_load(vault, paths, 1, &r, err, sizeof err) == VIGIL_OK);
    CHECK_EQ_INT(vigil_rules_count(r), 1);
    vigil_scanner *s2;
    const vigil_result *res;
    CHECK(vigil_scanner_create(vault, &s2) == VIGIL_OK);
    vigil_scanner_set_rules(s2, r);
    CHECK(vigil_scan(s2, "the flamingo protocol", 21, &res) == VIGIL_OK);
    CHECK(res->threat.labels == L(STALKING));
    CHECK(vigil_scan(s2, "I will kill you", 15, &res) == VIGIL_OK);
    CHECK(res->threat.score < 0.5);
    vigil_scanner_destroy(s2);
    vigil_rules_free(r);
    f = fopen(path, "w");
    fputs("rule violence 0.5: ~1 x\n", f);
    fclose(f);
    CHECK(vigil_rules_load(vault, paths, 1, &r, err, sizeof err) == VIGIL_ERR_PARSE);
    CHECK(strstr(err, "extra.rules:line 1:") != NULL);
}

TEST(threats_in_english_and_spanish)
{
    CHECK(is_threat("I am going to shoot that agent tomorrow"));
    CHECK(is_threat("we'll run him over with the truck"));
    CHECK(is_threat("Someone should just kill that judge"));
    CHECK(is_threat("we know where you live"));
    CHECK(is_threat("Te voy a matar, perro"));
    CHECK(is_threat("hay que darle piso a ese agente"));
    CHECK(is_threat("vamos a levantar al juez"));
    CHECK(scan("I will kill you")->threat.labels & L(VIOLENCE));
    CHECK(scan("they should all be executed")->threat.labels & L(INCITEMENT));
}

TEST(disguised_threats_still_match)
{
    CHECK(is_threat("I w1ll k1ll y0u"));
    CHECK(is_threat("I will k i l l you"));
    CHECK(is_threat("I will \xd0\xbaill you")); /* Cyrillic к */
}

TEST(context_lowers_the_score)
{
    CHECK(!is_threat("I would never hurt any agent"));
    CHECK(!is_threat("Nadie deberia matar a un juez"));
    CHECK(!is_threat("Saying that you will kill them will get you banned"));
    CHECK(!is_threat("He wrote \"I will kill all of them\" and was arrested"));
    CHECK(!is_threat("You are killing it today"));
    CHECK(!is_threat("me muero de risa"));
    CHECK(!is_threat("the boss in this game says I will kill you"));
    /* a negation spelled out by the rule is part of the threat */
    CHECK(is_threat("Murdering a judge like you should not be illegal"));
}

TEST(money_and_bounties)
{
    const vigil_result *r = scan("$50,000 reward for his address, dead or alive");
    CHECK(r->threat.has_bounty);
    CHECK(r->threat.amount == 50000.0);
    CHECK_EQ_STR(r->threat.currency, "USD");
    CHECK_EQ_INT(r->severity, VIGIL_SEV_HIGH);
    r = scan("pagamos 200 mil pesos por la cabeza del agente");
    CHECK(r->threat.has_bounty && r->threat.amount == 200000.0);
    CHECK_EQ_STR(r->threat.currency, "MXN");
    r = scan("I will pay 50k to whoever kills the judge");
    CHECK(r->threat.has_bounty && r->threat.amount == 50000.0);
    r = scan("bounty on the reporter: 10 grand");
    CHECK(r->threat.has_bounty && r->threat.amount == 10000.0);
    r = scan("recompensa de USD 1.5 millones por el fiscal");
    CHECK(r->threat.has_bounty && r->threat.amount == 1500000.0);
    r = scan("pagamos cincuenta mil pesos por la cabeza del juez");
    CHECK(r->threat.has_bounty && r->threat.amount == 50000.0);
    CHECK_EQ_STR(r->threat.currency, "MXN");
    r = scan("recompensa de medio millon por el fiscal");
    CHECK(r->threat.has_bounty && r->threat.amount == 500000.0);
    r = scan("fifty grand to whoever kills the reporter");
    CHECK(r->threat.has_bounty && r->threat.amount == 50000.0);
    r = scan("I will pay two hundred thousand dollars for his head");
    CHECK(r->threat.has_bounty && r->threat.amount == 200000.0);
    r = scan("doscientos cincuenta mil pesos por su direccion");
    CHECK(r->threat.has_bounty && r->threat.amount == 250000.0);
    r = scan("Whoever brings me the head of that reporter gets 20k");
    CHECK(r->threat.has_bounty && r->threat.amount == 20000.0);
    r = scan("Paying 5000 dollars for info on where the judge parks");
    CHECK(r->threat.has_bounty && r->threat.amount == 5000.0);
    /* in cryptocurrency, and a fraction printed as it is */
    r = scan("Paying 5 BTC for the home address of the election clerk");
    CHECK(r->threat.has_bounty && r->threat.amount == 5.0);
    CHECK_EQ_STR(r->threat.currency, "BTC");
    r = scan("doy 3 ETH por la direccion del fiscal");
    CHECK(r->threat.has_bounty && r->threat.amount == 3.0);
    CHECK_EQ_STR(r->threat.currency, "ETH");
    r = scan("I will pay 2000 USDT to whoever finds where the reporter lives");
    CHECK(r->threat.has_bounty && r->threat.amount == 2000.0);
    CHECK_EQ_STR(r->threat.currency, "USD");
    r = scan("0.5 bitcoin to whoever takes out the judge");
    CHECK(r->threat.has_bounty && r->threat.amount == 0.5);
    CHECK_EQ_STR(r->threat.currency, "BTC");
    vigil_buf b = {0};
    vigil_doc d = {.id = "x"};
    CHECK(vigil_result_json(r, &d, 0, &b) == VIGIL_OK);
    CHECK(strstr(b.data, "\"bounty\":{\"amount\":0.5,\"currency\":\"BTC\"}") != NULL);
    vigil_buf_free(&b);
    r = scan("I bought 2 BTC last year");
    CHECK(!r->threat.has_bounty);
    /* the amount offered is the one beside the bounty, not the largest in the post */
    r = scan("Paying 5 BTC for the home address of the election clerk. I lost 100 dollars on "
             "it last week");
    CHECK(r->threat.has_bounty && r->threat.amount == 5.0);
    CHECK_EQ_STR(r->threat.currency, "BTC");
    r = scan("I only have $200 now but I will pay $50,000 to whoever kills the agent");
    CHECK(r->threat.has_bounty && r->threat.amount == 50000.0);
    r = scan("Rent was $900. Reward of $20,000 for the home address of the judge");
    CHECK(r->threat.has_bounty && r->threat.amount == 20000.0);
    /* the currency word as the text's last bytes ("dólares" needed one more byte after it) */
    r = scan("pago por la cabeza del juez 500 d\xc3\xb3lares");
    CHECK(r->threat.has_bounty && r->threat.amount == 500.0);
    CHECK_EQ_STR(r->threat.currency, "USD");
    /* money without harm is not a bounty */
    r = scan("The house sold for $450,000 last spring");
    CHECK(!r->threat.has_bounty);
    CHECK_EQ_INT(r->severity, VIGIL_SEV_INFO);
}

TEST(severity_combines_threat_and_exposure)
{
    CHECK_EQ_INT(scan("I am going to shoot Ana Torres")->severity, VIGIL_SEV_CRITICAL);
    CHECK_EQ_INT(scan("I am going to shoot her, 555 201 7788")->severity, VIGIL_SEV_CRITICAL);
    CHECK_EQ_INT(scan("I am going to shoot him")->severity, VIGIL_SEV_MEDIUM);
    CHECK_EQ_INT(scan("Ana Torres, 555 201 7788")->severity, VIGIL_SEV_HIGH);
    const vigil_result *r = scan("$5000 for Ana Torres's address");
    CHECK_EQ_INT(r->severity, VIGIL_SEV_CRITICAL);
    CHECK(r->score >= 0.9);
}

TEST(spans_and_explain)
{
    const char *text = "ok. I will kill you. bye";
    const vigil_result *r = scan(text);
    CHECK(r->threat.nspans >= 1);
    if (r->threat.nspans) {
        CHECK_EQ_INT(r->threat.spans[0].start, 4);
        CHECK_EQ_INT(r->threat.spans[0].end, 15); /* "I will kill": the last word of the pattern */
    }
    CHECK(r->threat.nexplain >= 1 && r->threat.explain[0].line > 0);
    vigil_buf b = {0};
    vigil_doc d = {.id = "x"};
    CHECK(vigil_result_json(r, &d, 1, &b) == VIGIL_OK);
    CHECK(strstr(b.data, "\"threat\":{\"score\":") != NULL);
    CHECK(strstr(b.data, "\"labels\":[\"violence\"]") != NULL);
    CHECK(strstr(b.data, "\"explain\":[{\"rule_line\":") != NULL);
    vigil_buf_free(&b);
}

/* The labels of text under rules `text` alone (no built-in rules, no model). One scanner for
 * every call: its tokens' word classes must follow the rules it is given (rule sets freed and
 * parsed again may even share an address). */
static unsigned labels_under(const char *rules_text, const char *text)
{
    setup();
    static vigil_scanner *s2;
    char err[512];
    vigil_rules *r = NULL;
    const vigil_result *res;
    unsigned labels = ~0u;
    if (!s2 && vigil_scanner_create(vault, &s2) != VIGIL_OK)
        return labels;
    if (vigil_rules_parse(vault, rules_text, &r, err, sizeof err) == VIGIL_OK) {
        vigil_scanner_set_rules(s2, r);
        if (vigil_scan(s2, text, strlen(text), &res) == VIGIL_OK)
            labels = res->threat.labels;
    }
    vigil_rules_free(r); /* still set in s2, which does not scan again until it gets others */
    if (!text[0]) { /* the last call */
        vigil_scanner_destroy(s2);
        s2 = NULL;
    }
    return labels;
}

/* Words reach rules through their word class: the word itself, its longest prefix and every
 * shorter prefix of that, in any number of sets. */
TEST(words_and_prefixes_in_many_sets)
{
    const char *rs = "list a: kill* slay\n"
                     "rule violence 0.9: killer* squad\n"
                     "rule stalking 0.9: @a|stalk house\n"
                     "rule weapon 0.9: gun* show\n"
                     "rule kidnapping 0.9: gunner boat\n"
                     "rule bounty 0.9: zo* ~1 quux\n";
    CHECK_EQ_INT(labels_under(rs, "the killers squad"), L(VIOLENCE));
    CHECK_EQ_INT(labels_under(rs, "the killer squad"), L(VIOLENCE));
    CHECK_EQ_INT(labels_under(rs, "the kill squad"), 0);
    CHECK_EQ_INT(labels_under(rs, "a killing house"), L(STALKING));
    CHECK_EQ_INT(labels_under(rs, "the killers house"), L(STALKING));
    CHECK_EQ_INT(labels_under(rs, "slay house"), L(STALKING));
    CHECK_EQ_INT(labels_under(rs, "slayer house"), 0);
    CHECK_EQ_INT(labels_under(rs, "gunner show"), L(WEAPON));
    CHECK_EQ_INT(labels_under(rs, "gunner boat"), L(KIDNAPPING));
    CHECK_EQ_INT(labels_under(rs, "gunner boat and gunner show"), L(KIDNAPPING) | L(WEAPON));
    CHECK_EQ_INT(labels_under(rs, "gunners boat"), 0);
    /* prefixes of one or two letters */
    CHECK_EQ_INT(labels_under(rs, "zorro the quux"), L(BOUNTY));
    CHECK_EQ_INT(labels_under(rs, "zo quux"), L(BOUNTY));
    CHECK_EQ_INT(labels_under(rs, "z quux"), 0);
    CHECK_EQ_INT(labels_under("rule bounty 0.9: q* ~1 quux\n", "qa quux"), L(BOUNTY));
    /* more sets than one 64-bit word of the class masks holds: 150 rules (300 sets), and 600
     * (1,200 sets; rule masks of ten words) */
    static char big[65536];
    for (int nr = 150; nr <= 600; nr += 450) {
        big[0] = '\0';
        for (int i = 0; i < nr; i++) {
            char line[96];
            snprintf(line, sizeof line, "rule %s 0.9: w%dx|v%dx ~1 partner%dx\n",
                     i % 2 ? "stalking" : "violence", i, i, i);
            strcat(big, line);
        }
        CHECK_EQ_INT(labels_under(big, "w77x partner77x"), L(STALKING));
        CHECK_EQ_INT(labels_under(big, "v140x and partner140x"), L(VIOLENCE));
        CHECK_EQ_INT(labels_under(big, "w77x partner78x"), 0);
        CHECK_EQ_INT(labels_under(big, "partner77x w77x"), 0);
        CHECK_EQ_INT(labels_under(big, "w149x partner149x and v148x x partner148x"),
                     L(STALKING) | L(VIOLENCE));
    }
    CHECK_EQ_INT(labels_under(big, "v598x partner598x w599x partner599x"),
                 L(STALKING) | L(VIOLENCE));
    /* the same words under other rules, on the same scanner */
    CHECK_EQ_INT(labels_under("rule weapon 0.9: w77x ~1 partner77x\n", "w77x partner77x"),
                 L(WEAPON));
    CHECK_EQ_INT(labels_under(rs, "gunner show"), L(WEAPON));
    CHECK_EQ_INT(labels_under("rule bounty 0.9: gunner show\n", "gunner show"), L(BOUNTY));
    /* more word classes than a document's class bits hold (8,192): 12,000 words (i and l
     * fold to one letter, so some are one word), each in its own combination of 14 lists
     * that rules use (lines are at most 4,095 bytes: list l is the lists l0 to l23, each of
     * the words of 500 k); every start is tried */
    size_t cap = 14 * 12000 * 8 + 16384, n = 0;
    char *huge = malloc(cap);
    CHECK(huge != NULL);
    if (huge) {
        char alt[14][256] = {{0}};
        for (int l = 0; l < 14; l++)
            for (int part = 0; part < 24; part++) {
                n += (size_t)snprintf(huge + n, cap - n, "list l%c%d: zzz", 'a' + l, part);
                for (int k = part * 500; k < part * 500 + 500; k++)
                    if ((k + 1) >> l & 1)
                        n += (size_t)snprintf(huge + n, cap - n, " zq%c%c%c", 'a' + k / 676,
                                              'a' + k / 26 % 26, 'a' + k % 26);
                n += (size_t)snprintf(huge + n, cap - n, "\n");
                snprintf(alt[l] + strlen(alt[l]), sizeof alt[l] - strlen(alt[l]), "%s@l%c%d",
                         part ? "|" : "", 'a' + l, part);
            }
        n += (size_t)snprintf(huge + n, cap - n,
                              "rule violence 0.9: %s ~1 zzbang\nrule stalking 0.9: %s %s\n",
                              alt[0], alt[1], alt[2]);
        for (int l = 3; l < 14; l++)
            n += (size_t)snprintf(huge + n, cap - n, "rule weapon 0.9: %s zzgun\n", alt[l]);
        /* word k is zq + k in base 26: k = 0 is in list a, k = 5 in lists b and c */
        CHECK_EQ_INT(labels_under(huge, "zqaaa zzbang"), L(VIOLENCE));
        CHECK_EQ_INT(labels_under(huge, "zqaaa cat zzbang"), L(VIOLENCE));
        CHECK_EQ_INT(labels_under(huge, "zqaab zzbang"), 0);
        CHECK_EQ_INT(labels_under(huge, "zqaaf zqaaf and zqaaa zzbang"),
                     L(STALKING) | L(VIOLENCE));
        CHECK_EQ_INT(labels_under(huge, "zqaaf cat zqaaf"), 0);
        CHECK_EQ_INT(labels_under(huge, "zqaah zzgun"), L(WEAPON)); /* k = 7: in list d */
        CHECK_EQ_INT(labels_under(huge, "zqaag zzgun"), 0);
        free(huge);
    }
    CHECK_EQ_INT(labels_under(rs, ""), 0);
}

/* The model's explain entry of a result (line 0), or NULL. */
static const vigil_explain *model_entry_of(const vigil_result *r)
{
    for (size_t i = 0; i < r->threat.nexplain; i++)
        if (r->threat.explain[i].line == 0)
            return &r->threat.explain[i];
    return NULL;
}

/* The rule's explain entry (the first with a line), or NULL. */
static const vigil_explain *rule_entry_of(const vigil_result *r)
{
    for (size_t i = 0; i < r->threat.nexplain; i++)
        if (r->threat.explain[i].line != 0)
            return &r->threat.explain[i];
    return NULL;
}

/* The built-in model, set on the test scanner (NULL when it does not load). */
static vigil_model *use_builtin_model(void)
{
    setup();
    vigil_model *m = NULL;
    CHECK(vigil_model_builtin(&m) == VIGIL_OK);
    if (m)
        vigil_scanner_set_model(sc, m);
    return m;
}

/* The modifier an explain entry names: "none" without one, `missing` without the entry. */
static const char *modifier_name(const vigil_explain *x, const char *missing)
{
    return !x ? missing : x->modifier ? x->modifier : "none";
}

/* --explain: the model's entry names the words behind its score, strongest first. */
/* A bounty rule counts half without an amount in the document, unless its own words offer the
 * payment (`offer`). */
TEST(bounty_wording_that_offers_payment)
{
    /* a label needs a weight of 0.3: 0.5 halved is not one */
    CHECK_EQ_INT(labels_under("rule bounty 0.5: zork ~2 address\n", "zork the address"), 0);
    CHECK_EQ_INT(labels_under("rule bounty 0.5 offer: zork ~2 address\n", "zork the address"),
                 L(BOUNTY));
    CHECK_EQ_INT(labels_under("rule bounty 0.5: zork ~2 address\n", "zork the address $5,000"),
                 L(BOUNTY));
    /* the shipped rules: the payment named, and a protective role */
    const vigil_result *r = scan("se paga bien por la direcci\xc3\xb3n del juez");
    CHECK(r->threat.score >= 0.5 && (r->threat.labels & L(BOUNTY)) && !r->threat.has_bounty);
    CHECK(scan("will pay well for the home address of that judge")->threat.score >= 0.5);
    CHECK(scan("pagamos por la cabeza del agente")->threat.score >= 0.5);
    CHECK(scan("se paga la renta por mes")->threat.score < 0.5);
    CHECK(scan("recompensa por encontrar a mi perro")->threat.score < 0.5);
}

/* Threat and bounty rules are looked for from their anchor, the element whose words are in
 * the fewest posts (the last of equals), back to where they can start: found with every gap
 * size before and after the anchor, whichever element it is, and in a document with more
 * tries than that search keeps (it then tries every start). */
TEST(rules_found_from_their_rarest_word)
{
    /* anchored on "snarf": "the" is in most posts, "blorp" ties with it and comes first */
    const char *mid = "rule violence 0.9: blorp ~2 snarf ~3 the\n";
    CHECK_EQ_INT(labels_under(mid, "blorp snarf the"), L(VIOLENCE));
    CHECK_EQ_INT(labels_under(mid, "blorp cat snarf the"), L(VIOLENCE));
    CHECK_EQ_INT(labels_under(mid, "blorp cat dog snarf cat dog owl the"), L(VIOLENCE));
    CHECK_EQ_INT(labels_under(mid, "cat blorp dog snarf owl the"), L(VIOLENCE));
    CHECK_EQ_INT(labels_under(mid, "blorp cat dog owl snarf the"), 0);
    CHECK_EQ_INT(labels_under(mid, "blorp snarf cat dog owl emu the"), 0);
    CHECK_EQ_INT(labels_under(mid, "the snarf blorp"), 0);
    CHECK_EQ_INT(labels_under(mid, "blorp the snarf"), 0);
    /* anchored on its first word ("you" and "the" are common) */
    const char *first = "rule stalking 0.9: blorp ~1 you ~2 the\n";
    CHECK_EQ_INT(labels_under(first, "blorp you the"), L(STALKING));
    CHECK_EQ_INT(labels_under(first, "blorp cat you cat dog the"), L(STALKING));
    CHECK_EQ_INT(labels_under(first, "you blorp the"), 0);
    /* two rules sharing an anchor, one match each, and a start that begins both */
    const char *two = "rule violence 0.9: zork ~2 snarf\nrule bounty 0.9: zork snarf ~1 the\n";
    CHECK_EQ_INT(labels_under(two, "zork snarf the"), L(VIOLENCE) | L(BOUNTY));
    CHECK_EQ_INT(labels_under(two, "zork cat snarf the"), L(VIOLENCE));
    /* 700 anchors with a start each before the match at the end; and the match first */
    static char many[32768]; /* 700 times 28 bytes and more */
    many[0] = '\0';
    for (int i = 0; i < 700; i++)
        strcat(many, "blorp snarf cat dog owl emu ");
    strcat(many, "blorp snarf the");
    CHECK_EQ_INT(labels_under(mid, many), L(VIOLENCE));
    strcpy(many, "blorp snarf the ");
    for (int i = 0; i < 700; i++)
        strcat(many, "blorp snarf cat dog owl emu ");
    CHECK_EQ_INT(labels_under(mid, many), L(VIOLENCE));
    many[0] = '\0';
    for (int i = 0; i < 700; i++)
        strcat(many, "blorp snarf cat dog owl emu ");
    CHECK_EQ_INT(labels_under(mid, many), 0);
}

TEST(model_words_behind_the_score)
{
    vigil_model *m = use_builtin_model();
    if (!m)
        return;
    const char *text = "honestly i am going to kill you tonight";
    const vigil_result *r = scan(text);
    const vigil_explain *model_entry = model_entry_of(r);
    CHECK(model_entry != NULL && model_entry->nfeatures == 0); /* not asked for */
    vigil_scanner_set_explain(sc, 1);
    r = scan(text);
    model_entry = model_entry_of(r);
    CHECK(model_entry != NULL);
    if (model_entry) {
        CHECK(model_entry->nfeatures >= 1 && model_entry->nfeatures <= 5);
        const vigil_model_feature *f = model_entry->features;
        for (size_t k = 0; k < model_entry->nfeatures; k++) {
            CHECK(f[k].weight > 0 && f[k].start < f[k].end && f[k].end <= strlen(text));
            if (k)
                CHECK(f[k].weight <= f[k - 1].weight);
        }
        if (model_entry->nfeatures)
            CHECK(strncmp(text + f[0].start, "kill", 4) == 0);
        vigil_buf b = {0};
        vigil_doc d = {.id = "x"};
        CHECK(vigil_result_json(r, &d, 1, &b) == VIGIL_OK);
        CHECK(strstr(b.data, "\"rule_line\":0,\"label\":\"violence\"") != NULL);
        CHECK(strstr(b.data, ",\"words\":[{\"start\":") != NULL);
        vigil_buf_free(&b);
    }
    vigil_scanner_set_explain(sc, 0);
    vigil_scanner_set_model(sc, NULL);
    vigil_model_free(m);
}

/* The context the model's part answers to: a negation, reported speech or quotation marks that
 * reach one of its strongest words, not one anywhere in the post. */
static const char *model_context(const char *text)
{
    return modifier_name(model_entry_of(scan(text)), "no model entry");
}

TEST(model_context_must_reach_its_words)
{
    vigil_model *m = use_builtin_model();
    if (!m)
        return;
    const char *threat = "they are going to kill you tonight";
    char far[512];
    CHECK_EQ_STR(model_context(threat), "none");
    snprintf(far, sizeof far, "No. The match was long and the weather held up all afternoon "
                              "for the fans in the stands. %s", threat);
    CHECK_EQ_STR(model_context(far), "none");
    CHECK_EQ_STR(model_context("nobody is going to kill you tonight"), "negation");
    snprintf(far, sizeof far, "\"Great game\" she said after the long match in the rain. %s",
             threat);
    CHECK_EQ_STR(model_context(far), "none");
    CHECK_EQ_STR(model_context("he wrote \"they are going to kill you tonight\" and left"),
                 "quote");
    vigil_scanner_set_model(sc, NULL);
    vigil_model_free(m);
}

/* The rules on the scanner's tagged tokens (word classes from the tokenizer's cache) and on
 * plain hashed tokens (classes looked up here) find the same: generated texts of rule words,
 * modifiers, quotes, money and filler. */
TEST(tagged_and_untagged_rules_agree)
{
    setup();
    static const char *const words[] = {
        "I", "we", "will", "kill", "shoot", "you", "him", "the", "judge", "agent", "not", "never",
        "nobody", "should", "someone", "die", "gonna", "going", "to", "said", "game", "$50,000",
        "reward", "for", "his", "address", "vamos", "a", "matar", "al", "juez", "no", "nadie",
        "pagamos", "200", "mil", "pesos", "por", "cabeza", "\"", ".", "we're", "k1ll", "know",
        "where", "live", "watching", "house", "car", "gun", "snipe", "tonight", "level",
        "levantar", "plomo", "lol", "and", "then", "some", "more", "words"};
    static char text[4096];
    uint32_t rnd = 11;
    vigil_threat_state ts = {0};
    for (int doc = 0; doc < 600; doc++) {
        size_t n = 0, want = 20 + (size_t)(rnd % 400);
        while (n + 32 < sizeof text && n < want) {
            rnd = rnd * 1103515245u + 12345u;
            n += (size_t)snprintf(text + n, sizeof text - n, "%s ",
                                  words[(rnd >> 8) % (sizeof words / sizeof *words)]);
        }
        const vigil_result *r = scan(text);
        vigil_tokens t = {0};
        CHECK(vigil_tokenize(&t, text, n) == VIGIL_OK);
        vigil_tokens_hash(&t, vigil_vault_keys(vault));
        ts.tagged = false;
        CHECK(vigil_threat_detect(rules, NULL, &t, text, n, &ts) == VIGIL_OK);
        vigil_tokens_free(&t);
        bool same = memcmp(&ts.threat.score, &r->threat.score, sizeof(double)) == 0 &&
                    ts.threat.labels == r->threat.labels &&
                    ts.threat.nspans == r->threat.nspans;
        for (size_t k = 0; same && k < ts.threat.nspans; k++)
            same = ts.threat.spans[k].label == r->threat.spans[k].label &&
                   ts.threat.spans[k].start == r->threat.spans[k].start &&
                   ts.threat.spans[k].end == r->threat.spans[k].end;
        if (!same) {
            fprintf(stderr, "  doc %d: %g/%u/%zu tagged, %g/%u/%zu untagged\n", doc,
                    r->threat.score, r->threat.labels, r->threat.nspans, ts.threat.score,
                    ts.threat.labels, ts.threat.nspans);
            CHECK(0);
        }
    }
    vigil_threat_state_free(&ts);
}

/* A rule's language: an `en` rule applies to a post whose function words are English, an `es`
 * rule to one whose are Spanish, both where neither language has at least two of them and more
 * than twice the other's (short posts, mixed text); `any` everywhere. */
TEST(rules_apply_in_their_language)
{
    const char *rs = "rule violence 0.9 es: zzfoo ~1 zzbar\n"
                     "rule stalking 0.9 en: zzfoo ~1 zzbar\n"
                     "rule weapon 0.9 any: zzfoo ~1 zzbar\n";
    CHECK_EQ_INT(labels_under(rs, "el perro y la casa de los amigos zzfoo zzbar"),
                 L(VIOLENCE) | L(WEAPON));
    CHECK_EQ_INT(labels_under(rs, "the dog and the house of the friends zzfoo zzbar"),
                 L(STALKING) | L(WEAPON));
    CHECK_EQ_INT(labels_under(rs, "zzfoo zzbar"), L(VIOLENCE) | L(STALKING) | L(WEAPON));
    CHECK_EQ_INT(labels_under(rs, "the dog and el perro zzfoo zzbar"),
                 L(VIOLENCE) | L(STALKING) | L(WEAPON));
    /* function words with an i (canonically an l, as 1 and l are): they counted for no
     * language, so these posts were of both */
    CHECK_EQ_INT(labels_under(rs, "this is it, i will like his zzfoo zzbar"),
                 L(STALKING) | L(WEAPON));
    CHECK_EQ_INT(labels_under(rs, "ni mis primos tiene zzfoo zzbar"), L(VIOLENCE) | L(WEAPON));
    /* the shipped rules: a Spanish threat in a Spanish post, an English one in an English post */
    CHECK(is_threat("ya lo saben todos, el juez que firmo eso: te voy a matar"));
    CHECK(is_threat("you all know it, the judge who signed that: I will kill you"));
}

/* The shipped rules apply to every language (their language tag documents them), so a Spanish
 * stem must not start common English words: "viol*" took "violence", "dispar*" "disparage",
 * "parti*" "particular"; "get rid of" took any object. */
TEST(spanish_stems_leave_english_words_alone)
{
    CHECK(!is_threat("violence against a woman is never ok"));
    CHECK(!is_threat("they disparage a whole group of people"));
    CHECK(!is_threat("in particular a lot of them were there"));
    CHECK(!is_threat("we should get rid of the ads on this page"));
    CHECK(is_threat("te voy a disparar"));
    CHECK(is_threat("la vamos a violar"));
    CHECK(is_threat("te voy a partir la madre"));
    CHECK(is_threat("we will get rid of him tonight"));
}

/* The shipped modifiers match as written: a report word alone, and each idiom phrase (a
 * modifier's alternatives are words; a phrase with spaces written among them was a sequence of
 * elements no post had, so "said" alone and every idiom never matched). */
static const char *rule_modifier(const char *text)
{
    return modifier_name(rule_entry_of(scan(text)), "no rule");
}

TEST(shipped_modifiers_match_as_written)
{
    setup();
    CHECK_EQ_STR(rule_modifier("I will kill you"), "none");
    CHECK_EQ_STR(rule_modifier("they said I will kill you"), "report");
    CHECK_EQ_STR(rule_modifier("the police said I will kill you"), "report");
    CHECK_EQ_STR(rule_modifier("she wrote that I will kill you"), "report");
    CHECK_EQ_STR(rule_modifier("see you tonight"), "none");
    CHECK_EQ_STR(rule_modifier("I am dying to see you tonight"), "idiom");
    CHECK_EQ_STR(rule_modifier("dressed to kill and we will kill them all"), "idiom");
    CHECK_EQ_STR(rule_modifier("te voy a matar"), "none");
    CHECK_EQ_STR(rule_modifier("me muero de risa, te voy a matar"), "idiom");
    CHECK_EQ_STR(rule_modifier("muerto de risa te voy a matar"), "idiom");
    /* an idiom that holds the threat's own last word */
    CHECK(!is_threat("I'll give it a shot when I'm back home"));
    CHECK(!is_threat("we will kill time at the airport"));
    CHECK(!is_threat("I got burned by that deal"));
    CHECK(is_threat("we will kill them at the airport"));
    CHECK(is_threat("I will shoot you when you are back home"));
}

/* Quotation marks of each kind, the threat at every offset from the sentence's start (the
 * sentence is read 16 bytes at a time): quoted only when a quotation opened in its sentence is
 * still open at the threat. */
TEST(quotations_at_every_offset)
{
    static const char *const open[] = {"\"", "\xE2\x80\x9C", "\xC2\xAB"};
    static const char *const close[] = {"\"", "\xE2\x80\x9D", "\xC2\xBB"};
    char text[512], pad[128];
    for (size_t q = 0; q < 3; q++)
        for (size_t p = 0; p < 40; p++) {
            memset(pad, 'a', p);
            pad[p] = '\0';
            for (int kind = 0; kind < 4; kind++) {
                const char *want = "quote";
                if (kind == 0) /* open before, in the same sentence */
                    snprintf(text, sizeof text, "Then %s wrote %sso I will kill you", pad,
                             open[q]);
                else if (kind == 1) { /* opened and closed before it */
                    snprintf(text, sizeof text, "Then %s wrote %shi%s I will kill you", pad,
                             open[q], close[q]);
                    want = NULL;
                } else if (kind == 2) { /* opened in an earlier sentence */
                    snprintf(text, sizeof text, "Then %s%s wrote. So I will kill you", open[q],
                             pad);
                    want = NULL;
                } else /* opened after a closed one */
                    snprintf(text, sizeof text, "%sok%s %s, %sI will kill you", open[q],
                             close[q], pad, open[q]);
                const vigil_explain *x = rule_entry_of(scan(text));
                CHECK(x != NULL);
                if (!x)
                    continue;
                if (want ? !x->modifier || strcmp(x->modifier, want) != 0
                         : x->modifier && strcmp(x->modifier, "quote") == 0) {
                    fprintf(stderr, "  quote %zu pad %zu kind %d: %s\n", q, p, kind,
                            x->modifier ? x->modifier : "none");
                    CHECK(0);
                }
            }
        }
}

/* Threats against the people vigil protects, as they are written (calls to harm a role,
 * snipers, stalking of their homes, cars and children, Mexican and Rioplatense slang), and the
 * news and everyday phrases the same words make. */
TEST(threats_against_protective_roles)
{
    static const struct {
        const char *text;
        unsigned label;
    } threats[] = {
        {"shoot the cops, all of them", L(INCITEMENT)},
        {"Ambush the ICE agents when they leave the building", L(INCITEMENT)},
        {"Someone should run him over with a truck", L(INCITEMENT)},
        {"sniper on the roof when the ICE agent walks out, one shot", L(VIOLENCE)},
        {"We know where your kids go to school, judge.", L(STALKING)},
        {"I know what car you drive and where you park", L(STALKING)},
        {"te tenemos ubicado, sabemos donde trabajas", L(STALKING)},
        {"sabemos en que camioneta anda el oficial", L(STALKING)},
        {"te andamos siguiendo, periodista", L(STALKING)},
        {"Te vamos a quebrar, sabemos donde vives", L(VIOLENCE) | L(STALKING)},
        {"lo vamos a boletear a ese fiscal", L(VIOLENCE)},
        {"al juez hay que cagarlo a tiros", L(VIOLENCE)},
        {"le vamos a meter un plomazo al agente", L(VIOLENCE)},
        {"vamos a emboscar a la migra en la carretera", L(VIOLENCE)},
        {"maten a los periodistas vendidos", L(INCITEMENT)},
        {"vamos a levantar al juez", L(KIDNAPPING)},
        {"lo vamos a levantar saliendo del juzgado", L(KIDNAPPING)},
        {"Somebody should put a bullet in that judge", L(VIOLENCE)},
        {"You're a dead man, agent Ramirez", L(VIOLENCE)},
        {"We're coming for you, you corrupt reporter", L(VIOLENCE)},
        {"This ICE agent lives on Elm St. Do what you want with this info.", L(INCITEMENT)},
        {"Post his address everywhere, dox him", L(INCITEMENT)},
        {"Anyone know where this agent lives?", L(STALKING)},
        {"te vas a morir, juez corrupto", L(VIOLENCE)},
        {"alguien sabe donde vive ese juez?", L(STALKING)},
        {"pasen la direccion del agente de migracion", L(INCITEMENT)},
        {"$5,000 to anyone who can tell me where this officer lives", L(BOUNTY)},
        {"Ofrezco 100 mil al que se eche a ese periodista", L(BOUNTY)},
        {"Hay lana para el que le de piso al comandante", L(VIOLENCE) | L(BOUNTY)},
        {"ICE agents should be hunted down like dogs", L(INCITEMENT)},
        {"we will hunt them down one by one", L(VIOLENCE)},
        {"Every ICE agent deserves a bullet", L(INCITEMENT)},
        {"molotov the ICE office tonight", L(VIOLENCE)},
        {"somebody needs to take out that judge", L(INCITEMENT)},
        {"take the ICE agent out before he deports anyone else", L(INCITEMENT)},
        {"we'll put him in the ground", L(VIOLENCE)},
        /* "reporter" is a role, not reported speech (the report modifier was report*) */
        {"gonna put that reporter six feet under", L(VIOLENCE)},
        {"That reporter? I will kill him myself", L(VIOLENCE)},
        {"hay que darle un balazo al comisario", L(VIOLENCE)},
        {"te vamos a hacer boleta, boton", L(VIOLENCE)},
        {"a ese fiscal hay que mandarlo al otro mundo", L(VIOLENCE)},
        /* context words that are not context here: "call" (a dox gives the number to call),
         * "video", "público" (ministerio público: the prosecutor's office) */
        {"Call this ICE agent at 555-123-4567. We know where you live.", L(STALKING)},
        {"Watch this video: we will kill the judge", L(VIOLENCE)},
        {"al del ministerio publico lo vamos a matar", L(VIOLENCE)},
        /* a negation that intensifies: part of the rule, so not discounted */
        {"No mercy for ICE agents, kill them all", L(VIOLENCE)},
        {"no tengan piedad, maten a los agentes", L(VIOLENCE)},
        {"Don't let the judge live, kill him", L(INCITEMENT)},
        {"do not let that agent survive", L(INCITEMENT)},
        {"you'll die tonight, judge", L(VIOLENCE)}, /* "you'll" is the tokens you, ll */
        {"gonna shoot up the courthouse", L(VIOLENCE)},
        {"someone's gonna get shot", L(VIOLENCE)},
        {"It'd be a shame if something happened to your kids", L(VIOLENCE)},
        {"seria una pena que le pasara algo a tu familia", L(VIOLENCE)},
        {"hay que matar a todos los agentes", L(VIOLENCE) | L(INCITEMENT)},
        {"ojala que lo maten", L(INCITEMENT)},
        {"we're gonna kill you", L(VIOLENCE)},
        {"Election workers who cheat should hang", L(INCITEMENT)},
        {"the judge should die", L(INCITEMENT)},
        {"I hope that reporter gets what's coming to him", L(VIOLENCE)},
        {"ese periodista ya esta muerto, nomas no lo sabe", L(VIOLENCE)},
        {"your days are numbered, agent", L(VIOLENCE)},
        {"tus dias estan contados", L(VIOLENCE)},
        /* vehicle ramming */
        {"just plow through the cops with your car", L(VIOLENCE)},
        {"mow them down at the checkpoint", L(VIOLENCE)},
        {"drive into the crowd of agents", L(VIOLENCE)},
        {"le echamos la camioneta encima al agente", L(VIOLENCE)},
        {"Drive your car into the agents at the checkpoint", L(VIOLENCE)},
        {"floor it into the line of agents", L(VIOLENCE)},
        {"Mow down every agent at the border", L(VIOLENCE)},
        {"I'd love to see that reporter's car get rammed on her way home", L(VIOLENCE)},
        {"ojala alguien embista al periodista con su camioneta", L(VIOLENCE)},
        {"Let's grab the judge's daughter after school", L(KIDNAPPING)},
        {"Somebody needs to take care of this judge permanently", L(INCITEMENT)},
        {"el que le meta un tiro al agente se lleva 20 mil", L(VIOLENCE) | L(BOUNTY)},
        {"hay que emboscar a la migra en la carretera", L(VIOLENCE)},
        {"francotirador listo para el comandante", L(VIOLENCE)},
        {"le pusimos precio a la cabeza del reportero: 50 mil pesos", L(BOUNTY)},
        {"se busca la direccion de la funcionaria electoral, hay recompensa de 20 mil", L(BOUNTY)},
        {"te voy a hacer pedazos, juez", L(VIOLENCE)},
        {"le voy a romper la cara a ese policia", L(VIOLENCE)},
        {"le vamos a volar la cabeza al fiscal", L(VIOLENCE)},
        {"I'll blow his brains out", L(VIOLENCE)},
        {"we'll snatch your kids from school", L(KIDNAPPING)},
        {"throw him in a van and drive off", L(KIDNAPPING)},
        {"te vamos a subir a la troca, periodista", L(KIDNAPPING)},
        /* "AR-15" is the words ar, 15 */
        {"I've got my AR-15 ready for the ICE agents", L(WEAPON)},
        {"loaded my AK-47, coming for the judge", L(WEAPON)},
        {"I've been watching you, agent", L(STALKING)},
        {"I see you leave your house at 7 every morning", L(STALKING)},
        {"we followed the judge home", L(STALKING)},
        {"I know your schedule, officer", L(STALKING)},
        {"te seguimos hasta tu casa", L(STALKING)},
        {"sabemos a que hora sales de tu casa", L(STALKING)},
        {"I know which school the judge's kids go to. Would be a shame if something happened",
         L(STALKING) | L(VIOLENCE)},
        {"let's show up at the election office with our rifles and see who counts the votes",
         L(INCITEMENT)},
        {"give me the plates of the cbp officer and I'll handle the rest", L(STALKING)},
        {"we should firebomb the courthouse while the judge is inside", L(INCITEMENT)},
        {"who wants to help me ambush the border patrol at the checkpoint", L(INCITEMENT)},
        {"I'm going to wait outside the clerk's office with my gun", L(VIOLENCE)},
        {"ese agente de la migra va a amanecer con la boca llena de moscas", L(VIOLENCE)},
        {"al fiscal le va a cargar el payaso", L(VIOLENCE)},
        {"I hope someone tracks down that journalist and teaches her a lesson",
         L(STALKING) | L(VIOLENCE)},
        {"whoever doxxes the ICE agent gets a beer on me", L(BOUNTY)},
        {"somebody needs to visit the judge at home tonight", L(STALKING)},
        {"these judges need a bullet, not a robe", L(INCITEMENT)},
        {"that border agent won't make it home alive", L(VIOLENCE)},
        {"a ese periodista hay que callarlo para siempre", L(VIOLENCE)},
        {"el agente ya tiene los d\xc3\xad" "as contados", L(VIOLENCE)},
        {"que alguien le d\xc3\xa9 un susto al fiscal", L(VIOLENCE)},
        {"Aim for the head, boys", L(VIOLENCE)},
        {"$5000 reward for finding where that judge lives", L(BOUNTY)},
        {"$1,000 reward for identifying the agents at the raid", L(BOUNTY)},
    };
    for (size_t i = 0; i < sizeof threats / sizeof *threats; i++) {
        const vigil_result *r = scan(threats[i].text);
        if (r->threat.score < 0.5 || (r->threat.labels & threats[i].label) != threats[i].label)
            fprintf(stderr, "  missed: %s (score %.3f, labels %x)\n", threats[i].text,
                    r->threat.score, r->threat.labels);
        CHECK(r->threat.score >= 0.5);
        CHECK((r->threat.labels & threats[i].label) == threats[i].label);
    }
    static const char *const benign[] = {
        "The gunman tried to kill the officer, police said.",
        "Man charged with attempting to murder a deputy",
        "A police sniper ended the standoff, officials said.",
        "We will find you the best deal in town",
        "te estamos siguiendo en twitter, gracias por seguirnos",
        "la empresa va a quebrar si no pagan",
        "metio un tiro de tres puntos al final del partido",
        "hay que darle la boleta electoral a cada votante",
        "emboscaron a los policias en la carretera, informo la fiscalia",
        "sabemos que la escuela cerrara manana",
        "levanten la voz por la libertad de prensa",
        "hay que levantar a los ninos temprano",
        "te vas a morir de risa con este video",
        "He's dead to me after what he did",
        "We're coming for you, Dallas! Tour dates announced",
        "Anyone know where the new bakery is?",
        "Find his address in the staff directory to send the card",
        "use whatever you want with that info, it's public data",
        "I'll pay $20 for a good pizza delivered to my address",
        "Reward offered for information leading to the arrest of the suspect, police said",
        "hay dinero para el que trabaja duro",
        "I'm hunting down the best deals this weekend",
        "She deserves a rope course adventure for her birthday",
        "Holy shit, youre alive. I thought Tariq finally hunted you down.",
        "take out the trash before the judge arrives",
        "I took the reporter out for lunch",
        "put the seeds in the ground in spring",
        "la tienda te va a hacer la boleta de compra",
        "le dieron un balazo al comisario ayer, informo la policia",
        /* negations written with an apostrophe ("don't" is the tokens don, t) */
        "I don't want to kill you",
        "We don\xe2\x80\x99t want anyone to kill the judge",
        "no mercy rule in little league",
        "don't let the cake burn",
        "you'll die laughing at this",
        /* "hay que" in a list was the words hay and que; past tenses are news */
        "creo que mataron al periodista",
        "ayer mataron a dos policias en Culiacan, informo la fiscalia",
        "que lastima que llueva hoy",
        "be a shame if it rained tomorrow",
        "seria una pena que pasara algo con el clima",
        "someone is going to get hurt on this road",
        /* "were" was a first-person word (for "we're" typed without the apostrophe) */
        "they were going to kill us, I was terrified",
        "this bill should die in committee",
        "workers should strike for better pay",
        "el agente esta muerto, confirmo la fiscalia",
        "you better watch out, you better not cry",
        "She's 40, her kids days are numbered",
        "I mow the lawn and drive into town",
        "the snow plow drove through the street",
        "drive into the city center for the parade",
        "I drive my car into the city every day",
        "the storm will mow down the crops",
        "I'd love to see the team get rammed by their defense",
        "el toro embistio la barrera",
        "Grab your daughter from school at 3",
        "le pega un tiro libre al arco",
        "el precio de la cabeza de ajo subio",
        "cambie mi direccion para recibir la recompensa",
        "sniper ready for the final level of the game",
        "Nurses take care of them for good reasons",
        "Bring me the head of the marketing team's report",
        "I'll pay for info on the best pizza in town",
        "hacer pedazos la masa para el pan",
        "me voy a romper la cabeza pensando",
        "el viento va a volar la tapa del bote",
        "grab your kids and come to the party",
        "throw it in the trunk",
        "lo subieron a una camioneta, informo la fiscalia",
        "bought an AR-15 for hunting deer",
        "police seized an AK-47 and ammo",
        "I followed you on instagram",
        "I've been watching your videos for years",
        "I know your schedule is busy, no worries",
        "It would be a shame if nothing happened at the meeting",
        "I know which school has the best math program",
        "we'll show up at the polling station with our ballots and our kids",
        "Can you help me kill some time before the show?",
        "help us beat the other team on saturday",
        "I'll wait outside with my umbrella",
        "send me the address of the new office",
        "amanecer en la playa es lo mejor",
        "al equipo le va a cargar el payaso si pierde otra vez",
        "the judge needs a break after that trial",
        "we won't make it home in time for dinner",
        "I'll wait in the truck with my rifle while you hunt",
        "I tracked down the reporter who wrote the story to ask for a source",
        "the teacher will teach the class a lesson on fractions",
        "whoever finds the officer's lost dog gets a reward",
        "whoever wins the game gets a beer on me",
        "no puedo callarlo, habla para siempre de futbol",
        "el gobierno tiene los d\xc3\xad" "as contados",
        "le dio un susto al fiscal con la noticia",
        /* "for" before "home", "kids" or "head" was bounty wording (counted half without money) */
        "Reward for finding my lost dog",
        "save it for when you get home",
        "I feel bad for the kids",
        "lo hago todo por mis hijos",
        "se me paso por la cabeza",
    };
    for (size_t i = 0; i < sizeof benign / sizeof *benign; i++) {
        /* no rule: the model's part alone stays under the threshold here */
        const vigil_result *r = scan(benign[i]);
        if (r->threat.labels)
            fprintf(stderr, "  flagged: %s (labels %x)\n", benign[i], r->threat.labels);
        CHECK_EQ_INT(r->threat.labels, 0);
    }
}

TEST(teardown)
{
    vigil_scanner_destroy(sc);
    vigil_rules_free(rules);
    vigil_vault_close(vault);
    remove_tree(dir);
    vault = NULL;
}

/* Every detector finds the same in the same text wherever it lies in memory: generated
 * documents of threats, a protected person's identifiers, personal data and filler, each
 * scanned at eight addresses. The tokenizer and the personal-data prefilter read 16 and 64 bytes
 * at a time; vectorscan's AVX-512 code missed matches by address (pii.c), in documents too rare
 * to be drawn here: test_pii.c scans the one found at every offset. */
TEST(results_do_not_depend_on_the_buffer_address)
{
    setup();
    static const char *const pieces[] = {
        "I will kill", "we are going to shoot", "$50,000 for", "whoever finds", "his address",
        "no one should hurt", "cincuenta mil pesos", "vamos a levantar", "al juez", "Ana Torres",
        "Torres, Ana", "A. Torres", "555-201-7788", "(555) 201 7788", "j.doe@example.com",
        "1234 N Oak Street", "Calle Hidalgo #123", "ABC-1234", "19.43260, -99.13320", "the",
        "county", "clerk", "said", "office", "\"quoted", "words\"", "not", "never", "game",
        "movie", "killing it", "me muero de risa", "agent", "officer", "and", "to", "of", "in"};
    size_t npieces = sizeof pieces / sizeof *pieces;
    vigil_model *model = NULL;
    vigil_scanner *all = NULL;
    CHECK(vigil_model_builtin(&model) == VIGIL_OK);
    CHECK(vigil_scanner_create(vault, &all) == VIGIL_OK);
    if (!model || !all)
        return;
    vigil_scanner_set_rules(all, rules);
    vigil_scanner_set_model(all, model);
    static _Alignas(64) char buf[8192 + 64];
    static const size_t at[] = {0, 1, 7, 15, 31, 33, 48, 63};
    char text[8192];
    uint64_t x = 0x9E3779B97F4A7C15ull;
    size_t differ = 0, threats = 0, people = 0, pii = 0;
    for (size_t doc = 0; doc < 1500; doc++) {
        size_t n = 0, len = 1 + doc % 120;
        for (size_t k = 0; k < len && n + 64 < sizeof text; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            n += (size_t)snprintf(text + n, sizeof text - n, "%s%s", pieces[x % npieces],
                                  (x >> 40) % 7 ? " " : ". ");
        }
        uint64_t ref = 0;
        for (size_t a = 0; a < sizeof at / sizeof *at; a++) {
            memcpy(buf + at[a], text, n);
            const vigil_result *r = NULL;
            CHECK(vigil_scan(all, buf + at[a], n, &r) == VIGIL_OK);
            if (!r)
                break;
            uint64_t d = result_digest(r);
            if (a == 0) {
                ref = d;
                threats += r->threat.score >= 0.5;
                people += r->npeople > 0;
                pii += r->npii > 0;
            } else if (d != ref && differ++ < 3) {
                fprintf(stderr, "  document %zu at offset %zu: another result\n", doc, at[a]);
            }
        }
    }
    CHECK_EQ_INT(differ, 0);
    /* the documents do hold what is compared */
    CHECK(threats > 100 && people > 100 && pii > 100);
    vigil_scanner_destroy(all);
    vigil_model_free(model);
}

HARNESS_MAIN(T(loader_reports_the_line), T(words_and_prefixes_in_many_sets),
             T(rules_found_from_their_rarest_word), T(bounty_wording_that_offers_payment),
             T(rules_files_add_or_replace), T(threats_in_english_and_spanish),
             T(disguised_threats_still_match), T(context_lowers_the_score), T(money_and_bounties),
             T(model_words_behind_the_score), T(model_context_must_reach_its_words),
             T(quotations_at_every_offset), T(shipped_modifiers_match_as_written), T(spanish_stems_leave_english_words_alone), T(rules_apply_in_their_language), T(tagged_and_untagged_rules_agree), T(severity_combines_threat_and_exposure), T(spans_and_explain), T(threats_against_protective_roles),
             T(results_do_not_depend_on_the_buffer_address), T(teardown))
