/* Matrix factorisation by alternating least squares (ALS): ratings r_ui
 * approximated by user and item factors, r̂_ui = mu + b_u + b_i + p_uᵀq_i
 * (explicit, with biases) or p_uᵀq_i, trained by solving every user's
 * factors exactly with the items' held fixed, then every item's.
 *
 *   explicit  ALS-WR (Zhou, Wilkinson, Schreiber, Pan 2008, "Large-scale
 *             parallel collaborative filtering for the Netflix prize"):
 *             min sum_{(u,i) known} (r_ui - r̂_ui)^2
 *                 + lambda (sum_u n_u |x_u|^2 + sum_i n_i |y_i|^2),
 *             n_u the ratings of user u: the weighted-lambda regularisation.
 *             User u's half-step is one (k+1)x(k+1) least squares:
 *             x_u = (F_uᵀF_u + lambda n_u I)^-1 F_uᵀ t_u, F_u the rows
 *             [q_i, 1] of u's items, t_u = r_ui - mu - b_i, x_u = [p_u, b_u]
 *             (without biases F_u = Q_u, t_u = r_u, x_u = p_u), solved by
 *             Cholesky in double. Items are symmetric. mu is the training mean.
 *   implicit  Hu, Koren, Volinsky 2008 ("Collaborative filtering for
 *             implicit feedback datasets"): every (u, i) counts, with
 *             preference p_ui = 1 for a rating, 0 otherwise, and confidence
 *             c_ui = 1 + alpha r_ui:
 *             min sum_{u,i} c_ui (p_ui - x_uᵀy_i)^2 + lambda (|X|^2 + |Y|^2),
 *             x_u = (YᵀY + Yᵀ(C^u - I)Y + lambda I)^-1 YᵀC^u p(u): YᵀY is
 *             computed once per half-step, the rest costs only u's ratings.
 *             Solved by a few conjugate-gradient steps warm-started from the
 *             last x_u (Takács, Pilászy, Tikk 2011; the `implicit` library's
 *             solver), or exactly by Cholesky (cg_steps = 0).
 *
 *     rn_als_config c = rn_als_defaults();   c.k = 32;  c.lambda = 0.1;
 *     rn_als *m = rn_als_new(&c, users, items, ratings, n);   // caller frees
 *     rn_als_fit_config fc = rn_als_fit_defaults();  fc.iterations = 10;
 *     if (rn_als_fit(m, &fc, NULL) != RN_OK) puts(rn_error());
 *     int64_t top[10];  float score[10];
 *     int got = rn_als_recommend(m, 42, 10, top, score);   // unseen items, best first
 *
 * Users and items are named by int64 ids (>= 0) as the data names them;
 * rows inside are 0-based positions in increasing id order. Each half-step
 * solves its rows on `threads` threads (every row is independent, so the
 * result does not depend on the thread count). Training is a job of the one
 * loop (../loop.h): an epoch is one ALS iteration, its rows the users then
 * the items in order, so Ctrl-C stops between two blocks of rows, leaving
 * every factor a whole solve. */
#ifndef RN_MF_ALS_H
#define RN_MF_ALS_H

#include <stddef.h>
#include <stdint.h>

#include "../embeddings.h"
#include "../loop.h"

typedef struct rn_als rn_als;

#define RN_ALS_MAX_K       1024
#define RN_ALS_MAX_THREADS 64

typedef struct {
    int k;           /* factors per user and item, 1..RN_ALS_MAX_K (default 32) */
    double lambda;   /* regularisation >= 0 (default 0.1); explicit: times n_u, n_i */
    int implicit;    /* 0: explicit ratings (ALS-WR); 1: implicit feedback (default 0) */
    double alpha;    /* implicit: confidence 1 + alpha r (default 1, >= 0) */
    int biases;      /* explicit: mu + b_u + b_i in the prediction (default 1) */
    int cg_steps;    /* implicit: CG steps per row, 0 = exact Cholesky (default 3) */
    int threads;     /* 1..RN_ALS_MAX_THREADS (default 2) */
    double init_std; /* initial factors ~ N(0, init_std^2) (default 0.1) */
    uint64_t seed;   /* the initial factors (default 1) */
} rn_als_config;

rn_als_config rn_als_defaults(void);

/* A model of the n ratings (users[j], items[j], r[j]): ids >= 0, r finite
 * (implicit: r >= 0, the strength of the interaction). A (user, item) pair
 * given twice is an error naming it. Factors start random (items; users
 * zero), untrained. NULL on error (bad config naming the key, no ratings,
 * RN_ENOMEM). Caller frees. */
rn_als *rn_als_new(const rn_als_config *c, const int64_t *users, const int64_t *items,
                   const float *r, size_t n);
void rn_als_free(rn_als *m);

/* Borrowed, valid until rn_als_free. */
const rn_als_config *rn_als_config_of(const rn_als *m);

size_t rn_als_n_users(const rn_als *m);
size_t rn_als_n_items(const rn_als *m);
size_t rn_als_n_ratings(const rn_als *m);
int64_t rn_als_user_id(const rn_als *m, size_t row);
int64_t rn_als_item_id(const rn_als *m, size_t row);
/* The row of an id, or RN_EARG "unknown user 9999 (not in the training
 * ratings)". */
int rn_als_user_row(const rn_als *m, int64_t id, size_t *row);
int rn_als_item_row(const rn_als *m, int64_t id, size_t *row);
/* The n_users x k / n_items x k factors (borrowed); biases (n_users /
 * n_items, NULL without biases) and the global mean (0 without biases). */
const float *rn_als_user_factors(const rn_als *m);
const float *rn_als_item_factors(const rn_als *m);
const float *rn_als_user_biases(const rn_als *m);
const float *rn_als_item_biases(const rn_als *m);
double rn_als_mean(const rn_als *m);

/* ---- training ------------------------------------------------------------------------- */

typedef struct {
    int iterations;    /* >= 1 (default 10) */
    size_t block;      /* rows (users, then items) per step of the loop (default 256) */
    /* optional validation ratings, evaluated after each iteration (explicit) */
    const int64_t *valid_users, *valid_items;
    const float *valid_r;
    size_t n_valid;
    /* the loop's callbacks (loop.h): a step is a block of rows, an epoch an iteration */
    int (*on_step)(void *ud, const rn_fit_progress *p);
    int (*on_epoch)(void *ud, const rn_fit_progress *p, const rn_metrics *m);
    void *ud;
} rn_als_fit_config;

rn_als_fit_config rn_als_fit_defaults(void);

/* Runs iterations of ALS through rn_train. After each iteration the metrics
 * are "objective" (the function above, which every half-step lowers),
 * "train_rmse" (explicit) and, with validation ratings, "rmse" on them (first,
 * explicit only). A step's loss is the mean squared error (implicit: the mean
 * confidence-weighted loss over every item) of the rows it solved. Errors:
 * RN_EARG (bad config, a singular system: lambda = 0 with fewer ratings than
 * unknowns), RN_EINTR, RN_ENAN, RN_ENOMEM. res may be NULL. */
int rn_als_fit(rn_als *m, const rn_als_fit_config *fc, rn_loop_result *res);

/* The objective of the model above on its training ratings. */
double rn_als_objective(const rn_als *m);

/* ---- using it ------------------------------------------------------------------------- */

/* r̂ for a known user and item (RN_EARG naming an unknown one). */
int rn_als_predict(const rn_als *m, int64_t user, int64_t item, float *out);

/* RMSE of the model on n ratings (explicit). A rating whose user or item
 * was not in training is predicted from what is known (mu + b_u, mu + b_i,
 * or mu), as the bias baseline would; predictions are clipped to the
 * training ratings' range. RN_EARG for n = 0 or an implicit model. */
int rn_als_rmse(const rn_als *m, const int64_t *users, const int64_t *items, const float *r,
                size_t n, double *rmse);

/* The k best items for a known user, best first, skipping the items the
 * user rated in training: writes min(k, items left) ids and scores (ties:
 * the smaller id first) and returns that count, or a negative RN_E*. */
int rn_als_recommend(const rn_als *m, int64_t user, int k, int64_t *items, float *scores);

/* The factors as embeddings (caller frees): users named by their ids, items
 * by theirs with labels[row] (in item row order; NULL: none). Without the
 * biases: neighbours by dot product then ignore them. */
rn_embeddings *rn_als_user_embeddings(const rn_als *m);
rn_embeddings *rn_als_item_embeddings(const rn_als *m, const char *const *labels);

/* ---- files --------------------------------------------------------------------------- */

/* Writes the model (config, training ratings, factors, biases, the mean,
 * and item_labels[row] for each item row when not NULL; a NULL entry: no
 * label) to path atomically, checksummed (the format: als_io.c).
 * iterations is stored for the caller (the iterations trained so far).
 * RN_EIO naming the path. */
int rn_als_save(const rn_als *m, const char *path, int iterations,
                const char *const *item_labels);

/* Reads a model saved by rn_als_save: the same predictions to the bit, and
 * fit continues from it. The file is checked (size, checksum, every count
 * before allocation, finite values); errors (RN_EIO, RN_EPARSE) name the
 * path, the byte offset and what. *iterations gets the stored count (may be
 * NULL). With item_labels not NULL, *item_labels gets n_items labels by
 * item row (NULL entries for none; the whole array NULL when the file has
 * none), freed with rn_als_labels_free. NULL on error. Caller frees. */
rn_als *rn_als_load(const char *path, int *iterations, char ***item_labels);
void rn_als_labels_free(char **labels, size_t n);

#endif
