/*
 * Given names and the nicknames people are really called by, in English and Spanish.
 *
 * Enrollment of "Robert Smith" also registers "Bob Smith", "Bobby Smith" ...; enrollment of
 * "Francisco Pérez" registers "Paco Pérez". A nickname may belong to several groups (Beto is
 * Roberto, Alberto and Humberto); enrolling it registers the union. Entries are written in plain
 * lower-case ASCII and canonicalized once with the tokenizer, so they compare with canonical
 * tokens ("william" becomes "wllllam" like every other token).
 */
#include "../internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Each line is one group of equivalent names, formal name first. */
static const char *const groups[] = {
    "robert bob bobby rob robbie bert", "william bill billy will willie liam",
    "richard rick ricky dick rich richie", "james jim jimmy jamie", "john johnny jack",
    "joseph joe joey", "thomas tom tommy", "michael mike mikey mick",
    "christopher chris topher", "daniel dan danny", "david dave davey", "matthew matt",
    "anthony tony", "andrew andy drew", "edward ed eddie ted ned", "charles charlie chuck",
    "benjamin ben benny", "samuel sam sammy", "nicholas nick nicky", "jonathan jon",
    "alexander alex al xander", "steven steve stevie", "stephen steve stevie",
    "timothy tim timmy", "patrick pat paddy", "kenneth ken kenny", "ronald ron ronnie",
    "donald don donnie", "gregory greg", "jeffrey jeff", "lawrence larry", "raymond ray",
    "gerald gerry jerry", "peter pete", "frederick fred freddie", "henry hank harry",
    "harold harry hal", "walter walt", "eugene gene", "leonard leo len lenny",
    "francis frank frankie", "elizabeth liz beth betty lizzie eliza libby",
    "margaret maggie meg peggy marge", "catherine cathy kate katie kathy kat",
    "katherine kate katie kathy kat", "jennifer jen jenny", "jessica jess jessie",
    "rebecca becky becca", "susan sue susie", "deborah deb debbie",
    "patricia pat patty trish tricia", "barbara barb barbie", "victoria vicky tori",
    "christina chris tina christy", "christine chris tina", "alexandra alex sandra sasha alexa",
    "samantha sam sammy", "kimberly kim", "abigail abby", "dorothy dotty dottie",
    "amanda mandy", "jacqueline jackie", "theresa terry tess", "pamela pam", "cynthia cindy",
    "judith judy",
    /* Spanish */
    "jose pepe chepe pepito", "francisco paco pancho curro quico", "guadalupe lupe lupita",
    "jesus chucho chuy", "ignacio nacho", "enrique quique kike", "manuel manolo manny",
    "alejandro alex ale jando", "roberto beto", "alberto beto", "humberto beto",
    "rafael rafa", "antonio tono toni", "eduardo lalo", "gonzalo chalo",
    "santiago santi chago", "maria mari", "concepcion concha conchita", "dolores lola lolita",
    "rosario charo chayo", "mercedes meche", "josefa pepa", "francisca paca pancha",
    "ignacia nacha", "luis lucho", "jorge coque", "guillermo memo guille",
    "fernando fer nando", "rodrigo rodri", "ricardo richi", "margarita mago",
    "pilar pili", "consuelo chelo", "soledad sole", "socorro coco", "gabriel gabo",
    "gabriela gaby", "isabel chabela isa", "graciela chela", "alfredo fredo",
    "rosa rosita", "carmen carmencita mela", "juan juanito", "pedro perico",
    "jacinto chinto", "carlos carlitos", "miguel miguelito",
};

/* Given names without a nickname group, used to recognize compound first names
 * ("José Luis", "María Fernanda", "Juan Pablo"). */
static const char *const given[] = {
    "luis", "carlos", "pablo", "manuel", "antonio", "maria", "jose", "juan", "miguel", "angel",
    "fernanda", "elena", "isabel", "teresa", "luisa", "eugenia", "cristina", "alberto",
    "andres", "diego", "ramon", "emilio", "jesus", "alejandra", "guadalupe", "sofia", "paula",
    "daniela", "valentina", "camila", "lucia", "ana", "laura", "jorge", "pedro", "javier",
    "francisco", "ignacio", "mariana", "victoria", "gabriela", "andrea", "patricia",
};

typedef struct canon_word {
    char s[VIGIL_TOKEN_MAX + 1];
    uint8_t n;
    uint16_t group; /* index into groups, or UINT16_MAX for given-only names */
} canon_word;

static canon_word *table;
static size_t ntable;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void add(vigil_tokens *t, const char *w, size_t n, uint16_t group)
{
    if (vigil_tokenize(t, w, n) != VIGIL_OK || t->n != 1)
        return;
    canon_word *c = &table[ntable++];
    c->n = (uint8_t)t->v[0].len;
    memcpy(c->s, vigil_token_str(t, 0), c->n);
    c->s[c->n] = '\0';
    c->group = group;
}

static void build(void)
{
    size_t cap = sizeof given / sizeof *given;
    for (size_t g = 0; g < sizeof groups / sizeof *groups; g++)
        for (const char *p = groups[g]; *p; p++)
            cap += *p == ' ';
    cap += sizeof groups / sizeof *groups;
    table = calloc(cap, sizeof *table);
    if (!table)
        return;
    vigil_tokens t = {0};
    for (size_t g = 0; g < sizeof groups / sizeof *groups; g++) {
        const char *p = groups[g];
        while (*p) {
            const char *e = strchr(p, ' ');
            size_t n = e ? (size_t)(e - p) : strlen(p);
            add(&t, p, n, (uint16_t)g);
            p += n;
            while (*p == ' ')
                p++;
        }
    }
    for (size_t i = 0; i < sizeof given / sizeof *given; i++)
        add(&t, given[i], strlen(given[i]), UINT16_MAX);
    vigil_tokens_free(&t);
}

static bool same(const canon_word *c, const char *s, size_t n)
{
    return c->n == n && memcmp(c->s, s, n) == 0;
}

void vigil_nicknames(const char *name, size_t n, vigil_name_fn fn, void *user)
{
    pthread_once(&once, build);
    fn(user, name, n);
    for (size_t i = 0; i < ntable; i++) {
        if (table[i].group == UINT16_MAX || !same(&table[i], name, n))
            continue;
        for (size_t j = 0; j < ntable; j++)
            if (table[j].group == table[i].group && !same(&table[j], name, n))
                fn(user, table[j].s, table[j].n);
    }
}

bool vigil_is_given_name(const char *name, size_t n)
{
    pthread_once(&once, build);
    for (size_t i = 0; i < ntable; i++)
        if (same(&table[i], name, n))
            return true;
    return false;
}
