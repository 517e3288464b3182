/*
 * A small test harness: TEST(name) { ... } functions registered in a table, CHECK macros that
 * record a failure with file and line and go on, and a main that runs every test (or the ones
 * named on the command line) and prints "N passed, N failed".
 */
#ifndef VIGIL_HARNESS_H
#define VIGIL_HARNESS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A reproducible number below n for generated test data (xorshift64 on the caller's state). */
static inline uint32_t harness_rnd(uint64_t *state, uint32_t n)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return (uint32_t)(*state % n);
}

typedef struct harness_test {
    const char *name;
    void (*fn)(void);
} harness_test;

static int harness_failed_checks;

#define CHECK(cond)                                                                            \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "  %s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);         \
            harness_failed_checks++;                                                           \
        }                                                                                      \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                                     \
    do {                                                                                       \
        long long va_ = (long long)(a), vb_ = (long long)(b);                                  \
        if (va_ != vb_) {                                                                      \
            fprintf(stderr, "  %s:%d: %s == %s failed: %lld != %lld\n", __FILE__, __LINE__, #a, \
                    #b, va_, vb_);                                                             \
            harness_failed_checks++;                                                           \
        }                                                                                      \
    } while (0)

#define CHECK_EQ_STR(a, b)                                                                     \
    do {                                                                                       \
        const char *sa_ = (a), *sb_ = (b);                                                     \
        if (!sa_ || !sb_ || strcmp(sa_, sb_) != 0) {                                           \
            fprintf(stderr, "  %s:%d: %s == %s failed: \"%s\" != \"%s\"\n", __FILE__, __LINE__, \
                    #a, #b, sa_ ? sa_ : "(null)", sb_ ? sb_ : "(null)");                       \
            harness_failed_checks++;                                                           \
        }                                                                                      \
    } while (0)

#define TEST(name) static void name(void)

static int harness_run(const harness_test *tests, size_t n, int argc, char **argv)
{
    int passed = 0, failed = 0;
    for (size_t i = 0; i < n; i++) {
        if (argc > 1) {
            int want = 0;
            for (int a = 1; a < argc; a++)
                want |= strcmp(argv[a], tests[i].name) == 0;
            if (!want)
                continue;
        }
        int before = harness_failed_checks;
        tests[i].fn();
        if (harness_failed_checks == before) {
            printf("ok   %s\n", tests[i].name);
            passed++;
        } else {
            printf("FAIL %s\n", tests[i].name);
            failed++;
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

#define HARNESS_MAIN(...)                                                                      \
    int main(int argc, char **argv)                                                            \
    {                                                                                          \
        static const harness_test tests[] = {__VA_ARGS__};                                     \
        return harness_run(tests, sizeof tests / sizeof *tests, argc, argv);                   \
    }
#define T(name) {#name, name}

#endif
