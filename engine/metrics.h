/* Evaluation metrics: float arrays in, numbers out.
 *
 * Classification (one score per row, labels 0 or 1):
 *   rn_auc        area under the ROC curve; a tie between a positive and a
 *                 negative counts one half, exactly as scikit-learn's
 *                 roc_auc_score. O(n log n): the scores of each class are
 *                 radix-sorted once (as 32-bit keys) and swept together, and
 *                 the count is kept in integers, so the value is exact up to
 *                 the final division. Scores are float32: two scores that
 *                 differ only beyond float precision tie.
 *   rn_gauc       group AUC (gAUC / uAUC): the AUC of each group (a user), then
 *                 their plain or impression-weighted mean. Groups whose rows
 *                 are all of one class have no AUC and are skipped; the result
 *                 says how many groups were used.
 *   rn_logloss    mean binary cross-entropy of probabilities, clipped to
 *                 [eps, 1 - eps]; rn_logloss_logits takes logits and is
 *                 stable for any finite logit.
 *   rn_rmse       root mean squared error.
 *   rn_accuracy   share of rows where (score >= threshold) equals the label.
 *
 * Ranking (per user: a ranked list of item ids, best first, and the set of
 * relevant item ids; see rn_rank_lists):
 *   recall@K      |top K ∩ relevant| / |relevant|
 *   hit rate@K    1 when top K holds at least one relevant item, else 0
 *   NDCG@K        binary relevance: DCG = sum over relevant items at rank
 *                 r <= K of 1 / log2(r + 1); IDCG is the DCG of an ideal list
 *                 (min(K, |relevant|) relevant items on top)
 *   MRR@K         1 / rank of the first relevant item within the top K, 0 if
 *                 none (K = 0: the whole list)
 * each averaged over the users that have at least one relevant item (users
 * with an empty relevant set are skipped and counted).
 *
 * Every function returns RN_OK or a negative RN_E* code with a message
 * (error.h) and writes its result through an out pointer. Nothing is owned by
 * the caller afterwards: the scratch memory goes through the allocation hook
 * (alloc.h) and is freed before returning.
 *
 *     double auc;
 *     float y[] = {0, 0, 1, 1}, s[] = {0.1f, 0.4f, 0.35f, 0.8f};
 *     if (rn_auc(y, s, 4, &auc) == RN_OK) ... auc == 0.75
 */
#ifndef RN_METRICS_H
#define RN_METRICS_H

#include <stddef.h>
#include <stdint.h>

/* AUC of n scores against labels 0 or 1. Errors: RN_EARG when n == 0, a
 * label is neither 0 nor 1 ("label 3 is 0.5: AUC needs labels 0 or 1"), or
 * only one class is present ("AUC needs both classes: all 5 labels are 1");
 * RN_ENAN when a score is NaN or infinite (naming its index); RN_ENOMEM. */
int rn_auc(const float *labels, const float *scores, size_t n, double *auc);

/* The result of rn_gauc. */
typedef struct {
    double value;       /* the (weighted) mean of the used groups' AUCs */
    size_t n_groups;    /* distinct groups seen */
    size_t n_used;      /* groups with both classes, whose AUC entered the mean */
    size_t n_rows_used; /* rows in the used groups */
} rn_gauc_result;

/* Group AUC: rows sharing groups[i] form one group. weighted = 0: the plain
 * mean of the groups' AUCs (uAUC); weighted = 1: each group's AUC weighted by
 * its number of rows (impressions), as in the DIN paper's gAUC. Errors as
 * rn_auc, plus RN_EARG when no group holds both classes. */
int rn_gauc(const float *labels, const float *scores, const int64_t *groups, size_t n, int weighted,
            rn_gauc_result *out);

/* Mean of -(y log p + (1 - y) log(1 - p)) with p clipped to [eps, 1 - eps]
 * (eps in (0, 0.5); scikit-learn's log_loss uses 1e-15). Labels in [0, 1]
 * (soft labels are fine). RN_EARG for n == 0, a label outside [0, 1], a
 * probability outside [0, 1] or a bad eps; RN_ENAN for NaN input. */
int rn_logloss(const float *labels, const float *probs, size_t n, double eps, double *out);

/* The same from logits z (p = sigmoid(z)), computed as
 * max(z, 0) - y z + log1p(exp(-|z|)): exact for |z| in the hundreds, where
 * sigmoid rounds to 0 or 1. */
int rn_logloss_logits(const float *labels, const float *logits, size_t n, double *out);

/* sqrt(mean((y - yhat)^2)). RN_EARG for n == 0, RN_ENAN for NaN input. */
int rn_rmse(const float *y, const float *yhat, size_t n, double *out);

/* Share of rows where (score >= threshold) == label, labels 0 or 1. */
int rn_accuracy(const float *labels, const float *scores, size_t n, double threshold, double *out);

/* Ranked lists and relevant sets of n_users users, as offsets into flat id
 * arrays (CSR): user u's ranked items are ranked[rank_off[u] .. rank_off[u+1])
 * best first, and its relevant items relevant[rel_off[u] .. rel_off[u+1]) in
 * any order. Both offset arrays hold n_users + 1 entries, starting at 0 and
 * non-decreasing. An item must not appear twice in one user's ranked list or
 * relevant set. All arrays are borrowed. */
typedef struct {
    size_t n_users;
    const size_t *rank_off;
    const int64_t *ranked;
    const size_t *rel_off;
    const int64_t *relevant;
} rn_rank_lists;

/* The four ranking metrics at cut-off k, averaged over the users used. */
typedef struct {
    double recall;   /* recall@k */
    double hit_rate; /* hit rate@k */
    double ndcg;     /* NDCG@k */
    double mrr;      /* MRR@k (k = 0: over whole lists) */
    size_t n_users;  /* users given */
    size_t n_used;   /* users with at least one relevant item */
} rn_rank_result;

/* Computes all four metrics at cut-off k (k >= 1; k = 0 means "the whole
 * list", which only changes MRR, recall, hit rate and NDCG to use every
 * ranked item). A list shorter than k is used as it is. Errors: RN_EARG for
 * bad offsets (naming the user), a duplicate item (naming user and item), or
 * no user with a relevant item; RN_ENOMEM. */
int rn_rank_metrics(const rn_rank_lists *lists, size_t k, rn_rank_result *out);

#endif
