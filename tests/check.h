/* A tiny assertion header for C tests.
 *
 *     #include "check.h"
 *     static void test_add(void) { CHECK(1 + 1 == 2); CHECK_NEAR(x, 0.5, 1e-6); }
 *     int main(void) { RUN(test_add); return check_report(); }
 *
 * Each failed check prints file:line and the expression; check_report()
 * prints "N passed, N failed" and returns the exit status (0 when all pass).
 */
#ifndef TESTS_CHECK_H
#define TESTS_CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;
static const char *check_current = "";

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (cond) {                                                                                \
            check_passed++;                                                                        \
        } else {                                                                                   \
            check_failed++;                                                                        \
            fprintf(stderr, "%s:%d: %s: check failed: %s\n", __FILE__, __LINE__, check_current,    \
                    #cond);                                                                        \
        }                                                                                          \
    } while (0)

/* |a - b| <= tol, printing both values when it fails. */
#define CHECK_NEAR(a, b, tol)                                                                      \
    do {                                                                                           \
        double check_a_ = (double)(a), check_b_ = (double)(b);                                     \
        if (fabs(check_a_ - check_b_) <= (double)(tol)) {                                          \
            check_passed++;                                                                        \
        } else {                                                                                   \
            check_failed++;                                                                        \
            fprintf(stderr, "%s:%d: %s: %s = %.9g, expected %s = %.9g (tol %g)\n", __FILE__,       \
                    __LINE__, check_current, #a, check_a_, #b, check_b_, (double)(tol));           \
        }                                                                                          \
    } while (0)

/* Two strings equal, printing both when they differ. */
#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *check_sa_ = (a), *check_sb_ = (b);                                             \
        if (check_sa_ != NULL && check_sb_ != NULL && strcmp(check_sa_, check_sb_) == 0) {         \
            check_passed++;                                                                        \
        } else {                                                                                   \
            check_failed++;                                                                        \
            fprintf(stderr, "%s:%d: %s: %s = \"%s\", expected \"%s\"\n", __FILE__, __LINE__,       \
                    check_current, #a, check_sa_ ? check_sa_ : "(null)",                           \
                    check_sb_ ? check_sb_ : "(null)");                                             \
        }                                                                                          \
    } while (0)

#define RUN(test)                                                                                  \
    do {                                                                                           \
        check_current = #test;                                                                     \
        test();                                                                                    \
    } while (0)

static inline int check_report(void)
{
    printf("%d passed, %d failed\n", check_passed, check_failed);
    return check_failed == 0 ? 0 : 1;
}

#endif
