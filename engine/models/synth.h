/* Seeded synthetic CTR data with a known ground truth, for the model zoo's
 * tests, lessons and benchmarks. Same config and seed, same rows.
 *
 * rn_synth_ctr: n_fields categorical fields of `cardinality` values each and
 * n_dense standard-normal dense features. Hidden truth: per value a weight
 * w_f[id] ~ N(0, linear^2) and a vector u_f[id] of `rank` dims ~ N(0, rank^-1/2),
 * so each <u_i, u_j> has unit variance; per dense feature a weight a_j ~ N(0, linear^2):
 *
 *   logit = bias + sum_f w_f[id_f] + interaction sum_{i<j} <u_i[id_i], u_j[id_j]>
 *           + sum_j a_j x_j + noise N(0, noise^2),   y ~ Bernoulli(sigmoid(logit))
 *
 * The pairwise term dominates with the defaults, so FM and DeepFM beat LR by
 * a wide AUC margin. The group column is field 0's id (a "user"), for gAUC.
 *
 * rn_synth_seq: behaviour sequences where attention matters. Items 1..n_items-1
 * (0 is padding) fall into n_cats categories (item i's is (7919 i) mod n_cats).
 * Each row's user has two interest categories; its history holds min_len..T
 * items, each from an interest with probability 0.8, else any item, oldest
 * first, left-aligned. The candidate comes from an interest with probability
 * 1/2, else any item. Fields: 0 the candidate item (the sequence shares its
 * rows: seq_field 0), 1 the candidate's category, 2 the user (n_users values).
 *
 *   drift = 0:  logit = -2 + strength * #(history items of the candidate's category)
 *   drift = 1:  the first half of the history comes from one interest and the
 *               second from the other; only the recent half counts:
 *               logit = -2 + strength * #(recent items of the candidate's category)
 *
 * so DIN (which weighs each item by its relation to the candidate) beats sum
 * pooling, and with drift only an order-aware model (DIEN) sees which half an
 * item came from. The group column is the user.
 *
 * nearest = k >= 1 is the truth of the DIN paper's data, for many items in
 * fewer categories: a category's items (in id order) are a line, rank 0, 1,
 * ..., and items near on it are alike. Each user has two interests, a
 * category and a focus rank on it; a history item comes from an interest with
 * probability 0.8, its rank drawn around the focus (spread s = max(1,
 * items per category / 10)), else it is any item; the candidate comes near
 * an interest's focus (1/4), anywhere in an interest's category (1/4) or from
 * anywhere (1/2). A history item h is alike the candidate a by
 *
 *   sim(h, a) = [same category] (1/2 + 1/2 exp(-|rank h - rank a| / w)),  w = s / 2
 *
 * and only the k most alike history items count:
 *
 *   logit = -2 + strength * (sum of the k largest sim over the history)
 *
 * so a model sees the category (half of the signal) and, item by item, which
 * history items lie near the candidate. (strength 1.5 and k = 3 make about
 * 30% clicks.) With cat_history, each history position carries a second
 * behaviour feature, its item's category (sharing field 1's rows: the batch's
 * seq_of is {0, 1}), as the DIN paper's goods and category ids.
 *
 * Each returns a new batch (batch.h) the caller frees with rn_samples_free, or
 * NULL with RN_EARG naming a bad setting (at most 1e7 rows and 2e8 values) or
 * RN_ENOMEM. */
#ifndef RN_MODELS_SYNTH_H
#define RN_MODELS_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#include "batch.h"

typedef struct {
    size_t rows;       /* default 20000 */
    int n_fields;      /* 4 */
    int cardinality;   /* 20 values per field */
    int n_dense;       /* 0 */
    int rank;          /* 4 */
    float interaction; /* 1.0 */
    float linear;      /* 0.3 */
    float bias;        /* 0 */
    float noise;       /* 0 */
    uint64_t seed;     /* 7 */
} rn_synth_ctr_config;

typedef struct {
    size_t rows;    /* 20000 */
    int n_items;    /* 200 (ids 1..199) */
    int n_cats;     /* 10 */
    int n_users;    /* 100 */
    int seq_len;    /* T = 10 */
    int min_len;    /* 2 */
    int drift;      /* 0 */
    float strength; /* 0.8 */
    uint64_t seed;  /* 7 */
    int nearest;    /* 0: the count truth; k >= 1: the k nearest history items (above) */
    int cat_history; /* 1: each history position also carries its item's category */
} rn_synth_seq_config;

rn_synth_ctr_config rn_synth_ctr_defaults(void);
rn_synth_seq_config rn_synth_seq_defaults(void);

rn_samples *rn_synth_ctr(const rn_synth_ctr_config *c);
rn_samples *rn_synth_seq(const rn_synth_seq_config *c);

/* The category of item i in rn_synth_seq (for lessons that colour items). */
int rn_synth_seq_category(const rn_synth_seq_config *c, int item);

#endif
