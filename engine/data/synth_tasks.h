/* Seeded synthetic data for multi-task models, with a known ground truth.
 *
 * rn_synth_funnel: an impression -> click -> conversion funnel, the setting of
 *   ESMM (Ma et al. 2018, "Entire Space Multi-Task Model"). Users and items
 *   have hidden vectors; a click happens with probability
 *   true_ctr = sigmoid(scale * <a_u, b_i> / sqrt(dim) + ctr_bias), and a
 *   conversion, only after a click, with
 *   true_cvr = sigmoid(scale * <c_u, d_i> / sqrt(dim) + cvr_bias), where the
 *   conversion vectors share a fraction `shared` with the click vectors
 *   (c = shared * a + sqrt(1 - shared^2) * noise): with shared != 0 the users
 *   who click are not a random sample for conversion, the sample selection
 *   bias that ESMM addresses. Columns: user (cat, the group), item (cat),
 *   click (label), conversion (label: 1 only when clicked, i.e. the CTCVR
 *   label). The probabilities used are written to true_ctr and true_cvr
 *   (rows floats each, may be NULL): kept out of the data set so that no
 *   model takes them for features.
 *
 * rn_synth_multitask: two regression tasks whose correlation is a parameter,
 *   built as in the MMoE paper (Ma et al. 2018, KDD, section 4.2): inputs
 *   x ~ N(0, I_dim); orthogonal unit vectors u1, u2; w1 = scale * u1,
 *   w2 = scale * (p u1 + sqrt(1 - p^2) u2); each label
 *   y_k = w_k . x + sum_{j=1..m} sin(alpha_j w_k . x + beta_j) + noise, with
 *   alpha_j, beta_j ~ N(0, 1) shared by both tasks and noise ~ N(0, 0.01^2).
 *   The cosine of w1 and w2 is p; the Pearson correlation of y1 and y2 rises
 *   with it. With binary = 1 each label becomes y_k > 0. Columns: x1..x<dim>
 *   (dense), y1 and y2 (labels).
 *
 * rn_synth_gender_category: the notes' FM example as data. Two fields, gender
 *   {male, female} and category {cosmetics, razor}, drawn uniformly; a click
 *   happens with probability sigmoid(<v_gender, v_category>) for the notes'
 *   latent vectors v_male = [1, -1], v_female = [-1, 1], v_cosmetics = [-2, 2],
 *   v_razor = [0.5, -0.5]: {female, cosmetics} 4, {male, cosmetics} -4,
 *   {male, razor} 1, {female, razor} -1. Columns: gender, category (cat, ids in
 *   that order: male 1, female 2; cosmetics 1, razor 2) and click (label).
 *
 * All return a data set the caller frees with rn_dataset_free, or NULL with
 * RN_EARG (a parameter out of range, named) or RN_ENOMEM. Same seed, same rows.
 */
#ifndef RN_SYNTH_TASKS_H
#define RN_SYNTH_TASKS_H

#include <stddef.h>
#include <stdint.h>

#include "dataset.h"

typedef struct {
    size_t rows;    /* impressions (20000) */
    int users;      /* 500 */
    int items;      /* 300 */
    int dim;        /* hidden vector size (4) */
    float scale;    /* spread of the logits (2) */
    float ctr_bias; /* click logit offset (-1.5): about 20% clicks */
    float cvr_bias; /* conversion logit offset (-1) */
    float shared;   /* in [-1, 1]: how much conversion tastes follow click tastes (0.5) */
    uint64_t seed;  /* 1 */
} rn_synth_funnel_config;

typedef struct {
    size_t rows;       /* 20000 */
    int dim;           /* input size (16; the paper uses 100) */
    float correlation; /* p in [-1, 1]: the cosine of the two tasks' weights (0.5) */
    int sines;         /* m, the number of sine terms (10) */
    float scale;       /* c, the norm of the weights (1) */
    int binary;        /* nonzero: labels y_k > 0 instead of y_k (0) */
    uint64_t seed;     /* 1 */
} rn_synth_multitask_config;

rn_synth_funnel_config rn_synth_funnel_defaults(void);
rn_synth_multitask_config rn_synth_multitask_defaults(void);

rn_dataset *rn_synth_funnel(const rn_synth_funnel_config *c, float *true_ctr, float *true_cvr);
rn_dataset *rn_synth_multitask(const rn_synth_multitask_config *c);
rn_dataset *rn_synth_gender_category(size_t rows, uint64_t seed);

#endif
