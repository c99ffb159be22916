/* One ALS iteration's time (engine/mf/als.h) on ratings given as a text
 * file, for tests/bench/bench_als.py, which runs a numpy reference of the
 * same algorithm on the same split and prints the ratio. Not a test.
 *
 *     bench_als train.txt test.txt k lambda iterations threads
 *
 * Files: one rating per line, "user item rating". Prints one JSON line:
 * {"iter_s": [seconds of each iteration's solves, evaluation excluded],
 *  "rmse": test RMSE after the last iteration, "threads": ...}. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "error.h"
#include "mf/als.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct {
    int64_t *u, *i;
    float *r;
    size_t n, cap;
} ratings;

static int read_ratings(const char *path, ratings *d)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) return -1;
    long long u, i;
    float r;
    while (fscanf(f, "%lld %lld %f", &u, &i, &r) == 3) {
        if (d->n == d->cap) {
            d->cap = d->cap ? 2 * d->cap : 1024;
            d->u = realloc(d->u, d->cap * sizeof *d->u);
            d->i = realloc(d->i, d->cap * sizeof *d->i);
            d->r = realloc(d->r, d->cap * sizeof *d->r);
            if (!d->u || !d->i || !d->r) return -1;
        }
        d->u[d->n] = u;
        d->i[d->n] = i;
        d->r[d->n++] = r;
    }
    fclose(f);
    return 0;
}

static double solved_at;

/* The time the iteration's last block was solved (evaluation comes after). */
static int on_step(void *ud, const rn_fit_progress *p)
{
    (void)ud;
    if (p->seen == p->total) solved_at = now();
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: %s train.txt test.txt k lambda iterations threads\n", argv[0]);
        return 2;
    }
    ratings tr = {0}, te = {0};
    if (read_ratings(argv[1], &tr) != 0 || read_ratings(argv[2], &te) != 0) {
        fprintf(stderr, "bench_als: cannot read %s or %s\n", argv[1], argv[2]);
        return 1;
    }
    rn_als_config c = rn_als_defaults();
    c.k = atoi(argv[3]);
    c.lambda = atof(argv[4]);
    c.threads = atoi(argv[6]);
    int iterations = atoi(argv[5]);
    rn_als *m = rn_als_new(&c, tr.u, tr.i, tr.r, tr.n);
    if (m == NULL) {
        fprintf(stderr, "bench_als: %s\n", rn_error());
        return 1;
    }
    rn_als_fit_config fc = rn_als_fit_defaults();
    fc.iterations = 1;
    fc.on_step = on_step;
    printf("{\"threads\": %d, \"iter_s\": [", c.threads);
    for (int t = 0; t < iterations; t++) {
        double t0 = now();
        if (rn_als_fit(m, &fc, NULL) != RN_OK) {
            fprintf(stderr, "bench_als: %s\n", rn_error());
            return 1;
        }
        printf("%s%.6f", t ? ", " : "", solved_at - t0);
    }
    double rmse;
    if (rn_als_rmse(m, te.u, te.i, te.r, te.n, &rmse) != RN_OK) return 1;
    printf("], \"rmse\": %.6f}\n", rmse);
    rn_als_free(m);
    free(tr.u), free(tr.i), free(tr.r), free(te.u), free(te.i), free(te.r);
    return 0;
}
