/* Internal to engine/mf/: the ALS model's layout and its per-row solvers,
 * shared by als.c (building, using), als_solve.c (the half-steps) and
 * als_fit.c (the loop's job), and reached by tests/mf for the solvers. */
#ifndef RN_MF_ALS_INTERNAL_H
#define RN_MF_ALS_INTERNAL_H

#include "als.h"

/* One side's ratings by row (CSR): row r rated other[off[r] .. off[r+1])
 * with values val[...], other being rows of the other side. */
typedef struct {
    size_t n;        /* rows */
    int64_t *ids;    /* n ids, increasing */
    size_t *off;     /* n + 1 */
    uint32_t *other; /* ratings: the other side's rows */
    float *val;      /* ratings: values */
    float *f;        /* n x k factors */
    float *b;        /* n biases (explicit with biases), else NULL */
} rn__als_side;

/* Per-thread scratch: a K x K system, its right side and a gather of a row's
 * partners (max_n x K). Allocated once by rn_als_new. */
typedef struct {
    float *G;     /* K x K (float, from ssyrk) */
    double *A;    /* K x K Cholesky factor */
    double *rhs;  /* K */
    float *F;     /* max_n x K gathered partner rows */
    float *t;     /* max_n targets / weights */
    float *cg;    /* 4 x K: CG's r, p, Ap, x */
    int failed;   /* RN_OK or the error of the first row that failed */
    size_t bad_row;
    int bad_side;
} rn__als_scratch;

struct rn_als {
    rn_als_config c;
    int K; /* unknowns per row: k, or k + 1 with biases */
    rn__als_side side[2]; /* 0 users, 1 items */
    size_t n_ratings;
    double mu;           /* training mean (biases), else 0 */
    float r_min, r_max;  /* the training ratings' range, for clipping */
    float *gram[2];      /* implicit: k x k Gram of side s's factors (YᵀY) */
    rn__als_scratch *scr; /* c.threads of them */
    size_t max_n;        /* the most ratings of one row */
};

/* Solves rows rows[0..n) - base of side s (0 users, 1 items) against the
 * other side's factors, on the model's threads. Writes the sum of the rows' losses
 * to *loss and their rating count to *count. For implicit, the other side's
 * Gram must be fresh (rn__als_gram). RN_EARG naming a singular row. */
int rn__als_solve_rows(rn_als *m, int s, const size_t *rows, size_t base, size_t n,
                       double *loss, double *count);

/* m->gram[s] = F_sᵀF_s of side s's factors (implicit). */
void rn__als_gram(rn_als *m, int s);

/* Implicit, one row: solve (G + lambda I + sum_j (c_j - 1) y_j y_jᵀ) x =
 * sum_j c_j y_j for x (k), with Y rows y_j = Y[other[j]] and c_j = 1 +
 * alpha val[j], j < n. cg_steps 0: Cholesky (RN_EARG when not positive
 * definite); else that many CG steps from the x given. Scratch from sc. */
int rn__als_implicit_row(const rn_als *m, rn__als_scratch *sc, const float *G, const float *Y,
                         const uint32_t *other, const float *val, size_t n, int cg_steps,
                         float *x);

/* The prediction for rows (u, i) (no clipping). */
float rn__als_score(const rn_als *m, size_t u, size_t i);

#endif
