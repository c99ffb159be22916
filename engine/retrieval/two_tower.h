/* The two-tower (DSSM) recall model on MovieLens, and its leave-last-out split.
 *
 * DSSM (Huang et al., CIKM 2013) scores a query and a document by the cosine
 * of two towers' outputs; the recall form (Yi et al., RecSys 2019) trains a
 * user tower and an item tower so that the item a user watched next scores
 * above the rest of the catalogue:
 *
 *   u = normalise(MLP_u([e_user ; mean_t e_hist(item_t)]))        user tower
 *   v = normalise(MLP_i([e_item ; mean_g e_genre(g) ; e_year]))   item tower
 *   s(u, v) = <u, v> / tau                                        cosine / temperature
 *
 * The towers meet only at the dot product, so every item vector can be
 * computed once and put in an index; a request runs the user tower and
 * searches. Three losses (one per step, the config's):
 *
 *   inbatch  the other B - 1 positives of the batch are the negatives; each
 *            logit is corrected by log q_j, the item's share of the training
 *            positives (logQ, Yi et al. 2019: popular items appear in batches
 *            more often than uniform negatives would); copies of the row's own
 *            item elsewhere in the batch are masked out;
 *   sampled  S negatives drawn uniformly from the whole item pool, shared by
 *            the batch; softmax over [positive, S negatives] with the
 *            negatives' logits corrected by log(S / N) (uniform q = 1 / N);
 *   bce      the same S random negatives, each scored as a 0 label and the
 *            positive as a 1 (binary cross-entropy on s).
 *
 * Data: one row per rating of rn_load_movielens. Each user's ratings are put
 * in time order (ties keep file order); the last one is the test target, the
 * others are training pairs (user, item at position t, history = the items
 * before t, the most recent max_history of them). logQ and the popularity
 * baseline count the training positives only.
 *
 *     rn_two_tower_config c = rn_two_tower_defaults();
 *     rn_two_tower *m = rn_two_tower_new(ml, &c);        // caller frees
 *     rn_trainer t;  rn_two_tower_trainer(m, &t);         // steps through engine/loop.h
 *     rn_loop_config lc = rn_loop_defaults();  lc.epochs = 5;
 *     rn_train(&t, &lc, NULL);
 *     rn_two_tower_eval e;  rn_two_tower_evaluate(m, RN_TT_U2I, 50, &e);
 *
 * Rows: item row r (1..n_items-1) is the movie of item vocabulary id r (row 0
 * is the vocabulary's "unknown" and never scored); user row u is user
 * vocabulary id u. Ids in the API are MovieLens ids (userId, movieId).
 */
#ifndef RN_TWO_TOWER_H
#define RN_TWO_TOWER_H

#include <stddef.h>
#include <stdint.h>

#include "../autograd.h"
#include "../data/dataset.h"
#include "../loop.h"
#include "../models/layers.h"
#include "../tensor.h"

enum { RN_TT_INBATCH, RN_TT_SAMPLED, RN_TT_BCE, RN_TT_N_LOSSES };

/* What an evaluation ranks by: the user tower against the item vectors
 * (u2i), the item vector of the user's last training item against the others
 * (i2i), or the training counts (popularity). */
enum { RN_TT_U2I, RN_TT_I2I, RN_TT_POPULAR, RN_TT_N_MODES };

#define RN_TT_MAX_HIDDEN 4

typedef struct {
    int dim;                         /* width of every feature embedding (default 32) */
    int out_dim;                     /* tower output (default 32) */
    int n_hidden;                    /* tower hidden layers (default 1) */
    int hidden[RN_TT_MAX_HIDDEN];    /* their widths (default 64) */
    float temperature;               /* tau (default 0.05) */
    int loss;                        /* RN_TT_* (default inbatch) */
    int logq;                        /* inbatch: subtract log q_j (default 1) */
    int n_neg;                       /* sampled, bce: negatives per batch (default 256) */
    int max_history;                 /* items pooled by the user tower (default 20) */
    int user_id;                     /* the user tower reads the user id (default 1) */
    float lr;                        /* Adam's learning rate (default 0.003) */
    float init_std;                  /* embedding tables ~ N(0, init_std) (default 0.05) */
    uint64_t seed;                   /* weights and negatives (default 1) */
} rn_two_tower_config;

rn_two_tower_config rn_two_tower_defaults(void);

/* "inbatch", "sampled", "bce"; -1 / NULL when unknown. */
const char *rn_two_tower_loss_name(int loss);
int rn_two_tower_loss_from(const char *name);

typedef struct rn_two_tower rn_two_tower;

/* Builds the split and the towers from a rn_load_movielens data set (columns
 * user, item, timestamp, genres, year; ds is only read here). NULL with
 * RN_EARG naming a missing column or a bad setting. Caller frees. */
rn_two_tower *rn_two_tower_new(const rn_dataset *ds, const rn_two_tower_config *cfg);
void rn_two_tower_free(rn_two_tower *m);

const rn_two_tower_config *rn_two_tower_config_of(const rn_two_tower *m);

/* Sizes: training pairs, test users (those with at least 2 ratings), item
 * rows (row 0 included), user rows (row 0 included). */
size_t rn_two_tower_n_pairs(const rn_two_tower *m);
size_t rn_two_tower_n_test(const rn_two_tower *m);
int rn_two_tower_n_items(const rn_two_tower *m);
int rn_two_tower_n_users(const rn_two_tower *m);

/* The parameters (borrowed), e.g. for a gradient check. */
rn_params *rn_two_tower_params(rn_two_tower *m);

/* A job for rn_train: rows are the training pairs, each step one Adam update
 * of the configured loss; evaluate gives u2i recall@10, ndcg@10, recall@50;
 * snapshot keeps the best weights for early stopping. t borrows m. */
void rn_two_tower_trainer(rn_two_tower *m, rn_trainer *t);

/* The loss of the training pairs pairs[0..n) with the negatives drawn from a
 * generator seeded with seed (so a gradient check sees the same negatives);
 * with backward, adds the gradient to the parameters (no update). */
int rn_two_tower_batch_loss(rn_two_tower *m, const size_t *pairs, size_t n, uint64_t seed,
                            int backward, double *loss);

/* ---- files (two_tower_io.c) ---- */

/* Writes the config, the split's sizes and the parameters to path
 * (atomically; Ctrl-C between parameters writes nothing: RN_EINTR). */
int rn_two_tower_save(rn_two_tower *m, const char *path);

/* Reads a saved model, rebuilding its split from ds (the data set it was
 * trained on: the sizes must agree). NULL with the file and what is wrong. */
rn_two_tower *rn_two_tower_load(const char *path, const rn_dataset *ds);

/* ---- the three losses on given tower outputs (the model's, and by hand in tests) ----
 * u (B x D), v, vpos (B x D), vneg (S x D): rows already normalised (or not:
 * these do not normalise). Each returns the mean loss, shape [1]. */

/* softmax_ce over the B x B logits u v^T / tau - logq[j] (logq: B values or
 * NULL), target the diagonal; items (B ids or NULL) masks column j != i when
 * items[j] == items[i]. */
rn_tensor *rn_two_tower_inbatch_loss(rn_graph *g, rn_tensor *u, rn_tensor *v, const float *logq,
                                     const int32_t *items, float temperature);

/* softmax_ce over [u.vpos, u vneg^T - neg_correction[s] * tau] / tau (neg_correction:
 * S values, log(S q_s), or NULL), target column 0. */
rn_tensor *rn_two_tower_sampled_loss(rn_graph *g, rn_tensor *u, rn_tensor *vpos, rn_tensor *vneg,
                                     const float *neg_correction, float temperature);

/* mean BCE over [u.vpos, u vneg^T] / tau against labels [1, 0, ..., 0]. */
rn_tensor *rn_two_tower_bce_loss(rn_graph *g, rn_tensor *u, rn_tensor *vpos, rn_tensor *vneg,
                                 float temperature);

/* x / |x| per row of x (N x D), |x| = sqrt(sum x^2 + 1e-12), from ops. */
rn_tensor *rn_two_tower_normalize(rn_graph *g, rn_tensor *x);

/* ---- evaluation and recommendation ---- */

typedef struct {
    double recall, hit_rate, ndcg; /* at k; one target per user: recall = hit rate */
    size_t n_users;                /* test users ranked */
} rn_two_tower_eval;

/* Ranks every item (those the user rated in training excluded) for each
 * test user by mode and scores the held-out last item at k. */
int rn_two_tower_evaluate(rn_two_tower *m, int mode, int k, rn_two_tower_eval *out);

/* ranks[k] (n_test values): the 0-based rank of test user k's held-out item
 * among the items it did not rate in training, under mode (ties: the
 * smaller row first). recall@K is the share of ranks below K. */
int rn_two_tower_ranks(rn_two_tower *m, int mode, size_t *ranks);

/* The item vectors (n_items - 1 rows, item rows 1..; caller frees out with
 * rn_free): out (rows x out_dim). */
int rn_two_tower_item_vectors(rn_two_tower *m, float **out, size_t *rows);

/* The user vectors from each user's whole history (n_users - 1 rows). */
int rn_two_tower_user_vectors(rn_two_tower *m, float **out, size_t *rows);
/* As rn_two_tower_user_vectors; with before_last, each user with 2 ratings or
 * more from the history before the last (the held-out test item): the
 * vectors rn_two_tower_ranks scores u2i with. */
int rn_two_tower_user_vectors_at(rn_two_tower *m, int before_last, float **out, size_t *rows);

/* MovieLens ids and titles of rows (borrowed, valid until rn_two_tower_free). */
int64_t rn_two_tower_item_id(const rn_two_tower *m, int row);
const char *rn_two_tower_item_title(const rn_two_tower *m, int row);
int64_t rn_two_tower_user_id(const rn_two_tower *m, int row);

/* The user row of MovieLens userId user, or RN_EARG naming it. */
int rn_two_tower_user_row(const rn_two_tower *m, int64_t user, int *row);

/* The k best items for user (a user row) from the whole history, rated
 * items excluded: writes up to k item rows and scores, returns the count. */
int rn_two_tower_recommend(rn_two_tower *m, int user, int k, int *rows, float *scores);

/* The items user (a row) rated, in time order (borrowed). */
const int32_t *rn_two_tower_history(const rn_two_tower *m, int user, size_t *n);

#endif
