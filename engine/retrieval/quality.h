/* The content-quality score (内容质量模型) of the notes' project (§4 Q1 (3)):
 *
 *   quality = 30% exposure conversion rate + 40% behaviour score + 30% freshness
 *
 * made usable in three steps the notes leave out:
 *
 * 1. The conversion rate c/n is smoothed, so an item converting 1 of 2
 *    exposures does not outrank one converting 900 of 10,000:
 *      beta:   (c + a) / (n + a + b), a = m p, b = m (1 - p), with p the
 *              catalogue's pooled rate sum(c)/sum(n) and m the prior's
 *              strength in pseudo-exposures (a Beta(a, b) prior's posterior mean);
 *      wilson: the lower bound of the Wilson score interval at z (1.96: 95%),
 *              (p + z^2/2n - z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n), p = c/n;
 *      none:   c / n (0 when n = 0).
 * 2. Freshness (发布时间) is the time decay of tags.h on the item's age in
 *    days: exp(ln(decay)/scale * max(0, age - offset)).
 * 3. The three components (conversion, behaviour, freshness) are put on one
 *    scale before weighting: rank (the percentile, ties sharing their mean
 *    rank, in [0, 1]) or minmax ((x - min)/(max - min); all equal: 0.5).
 *    Unscaled, the component with the widest spread decides the order and
 *    the weights mean nothing.
 *
 * The weights 0.3/0.4/0.3 are the notes' and hand-set; they are options.
 */
#ifndef RN_QUALITY_H
#define RN_QUALITY_H

#include <stddef.h>

#include "retrieval/tags.h"

enum { RN_QUALITY_NONE = 0, RN_QUALITY_BETA = 1, RN_QUALITY_WILSON = 2 };
enum { RN_QUALITY_RANK = 0, RN_QUALITY_MINMAX = 1 };

typedef struct {
    double w_conversion, w_behaviour, w_freshness; /* >= 0, not all 0; 0.3, 0.4, 0.3 */
    int smoothing;                                 /* RN_QUALITY_BETA */
    double prior_strength;                         /* m of beta, > 0; 20 */
    double z;                                      /* wilson's z, > 0; 1.96 */
    int scaling;                                   /* RN_QUALITY_RANK */
    rn_tags_decay_cfg freshness;                   /* scale 365, offset 0, decay 0.5 */
} rn_quality_cfg;

/* The defaults above (freshness halves every 365 days, from day 0). */
rn_quality_cfg rn_quality_defaults(void);

/* *out = (c + a)/(n + a + b); 0 <= c <= n, a, b > 0. */
int rn_quality_beta(double c, double n, double a, double b, double *out);
/* *out = the Wilson lower bound (0 when n = 0); 0 <= c <= n, z > 0. */
int rn_quality_wilson(double c, double n, double z, double *out);
/* out[i] = x[i] put on [0, 1] by how (RN_QUALITY_RANK or RN_QUALITY_MINMAX). */
int rn_quality_scale(const double *x, size_t n, int how, double *out);

/* The score of n items from conversions c, exposures e (0 <= c <= e),
 * behaviour scores b (finite; e.g. log(1 + weighted events)) and ages in
 * days (>= 0). Writes score[n] and, when not NULL, parts[n x 3]: the scaled
 * conversion, behaviour and freshness of each item, and rate[n]: the
 * (smoothed) conversion rate before scaling. Errors name the item
 * (1-based). */
int rn_quality_score(size_t n, const double *c, const double *e, const double *b,
                     const double *age_days, const rn_quality_cfg *cfg, double *score,
                     double *parts, double *rate);

#endif
