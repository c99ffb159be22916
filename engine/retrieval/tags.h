/* Tag recall (标签召回): users and items as multi-hot tag vectors, the
 * user's tag weights built from behaviour events, a tag -> items inverted
 * index, and recall with per-tag quotas. The notes' project (§4 Q1 (1)(2)):
 *
 *   user tag weight = 行为类型权重 x 时间衰减 x TF-IDF x 行为次数
 *
 * read here as a sum over the user's events e, each carrying an item i_e, a
 * behaviour type b_e and an age a_e in days:
 *
 *   S_t = sum_e  type_weight[b_e] * decay(a_e) * tf(i_e, t) * idf(t)
 *   w_t = max(0, S_t) * log(1 + n) / n   (damp = RN_TAGS_DAMP_LOG, the default; n events)
 *   w_t = max(0, S_t)                    (damp = RN_TAGS_DAMP_NONE)
 *
 * "x 行为次数" (times the number of behaviours) is the sum itself: every
 * event adds its own term, so a second play of the same tag counts twice.
 * Multiplying the sum by the count again would count it twice over (the
 * weight would grow as n^2). The factor log(1 + n) / n damps heavy users: a
 * user's total weight grows as log(1 + n), not n, so one with 1000 events
 * does not weigh 100 times one with 10 wherever weights of different users
 * meet (a ranker's feature, a shared threshold). It keeps the proportions
 * of one user's tags, so quotas and cosine scores do not change (a log on
 * each S_t would flatten them). A negative type weight (a low rating) lowers
 * S_t; a tag whose sum ends <= 0 gets weight 0 and no quota.
 *
 *   decay(a) = exp(ln(decay) / scale * max(0, a - offset))
 *
 * is Elasticsearch's exp decay function as the notes' SQL writes it,
 * exp((log(0.5)/90) * greatest(0, abs(datediff(now, t)) - 7)): scale 90,
 * offset 7, decay 0.5 -- full weight for 7 days, then half every 90 days.
 * The SQL's abs() would weigh an event in the future as one in the past; an
 * event after "now" is a data error here (a negative age is refused).
 *
 *   tf(i, t)  = (times t is on item i) / (tags on item i)          e.g. 1/4
 *   idf(t)    = ln((N + 1) / (n_t + 1))        e.g. ln(1001/51) = 2.977
 *
 * N is the number of tagged items, n_t the number carrying t. The notes
 * write "log (1000+1/50+1)", which read literally is log(1000 + 1/50 + 1);
 * the smoothed IDF it names is (N + 1)/(n_t + 1), with the natural log.
 *
 * Items: item i's vector holds v_it = tf(i, t) * idf(t) * level(i, t), the
 * content's tag-level weight (内容标签level权重: 1 unless given, e.g. a
 * primary genre weighs more). Recall scores s(u, i) = <w_u, v_i> (dot) or
 * <w_u, v_i> / (|w_u| |v_i|) (cosine), and gives each of the user's tags
 * t a quota q_t of the k slots proportional to w_t (largest remainders, so
 * the quotas sum to k), filling them in order of weight with t's best items
 * (by score, then a prior such as popularity, then the smaller id) not yet
 * taken nor excluded; slots a tag cannot fill go to the best items left.
 *
 *     rn_tags *tg = rn_tags_new(n, ids, offsets, tags, NULL, n_tags, names);  // caller frees
 *     rn_tags_profile(tg, events, n_events, type_w, 3, NULL, RN_TAGS_DAMP_LOG, w);
 *     int m = rn_tags_recall(tg, w, seen, n_seen, 50, RN_INDEX_COSINE, NULL, ids, sc, via);
 *
 * Rows are 0-based positions in the catalogue; ids are the caller's (movie
 * ids), unique and >= 0; tags are 0-based indices into names.
 */
#ifndef RN_TAGS_H
#define RN_TAGS_H

#include <stddef.h>
#include <stdint.h>

typedef struct rn_tags rn_tags;

/* The time decay's shape: no decay for offset days, then a factor decay
 * every scale days. RN_TAGS_DECAY_NOTES is the notes' (90, 7, 0.5). */
typedef struct {
    double scale;  /* days, > 0 */
    double offset; /* days, >= 0 */
    double decay;  /* the factor after scale more days, in (0, 1] */
} rn_tags_decay_cfg;
#define RN_TAGS_DECAY_NOTES ((rn_tags_decay_cfg){90.0, 7.0, 0.5})

enum { RN_TAGS_DAMP_NONE = 0, RN_TAGS_DAMP_LOG = 1 };

/* One behaviour event: an item id, a behaviour type (0-based index into the
 * type weights) and its age in days before "now" (>= 0). */
typedef struct {
    int64_t item;
    int type;
    double age_days;
} rn_tags_event;

/* ---- the formulas ---------------------------------------------------------------- */

/* *out = decay(age_days) under cfg (NULL: the notes' 90, 7, 0.5). RN_EARG for
 * a negative or non-finite age ("an event after now") or a bad cfg. */
int rn_tags_decay(double age_days, const rn_tags_decay_cfg *cfg, double *out);

/* *out = count / n_tags (count in 0..n_tags, n_tags >= 1). */
int rn_tags_tf(double count, double n_tags, double *out);

/* *out = ln((n_items + 1) / (n_with_tag + 1)) (0 <= n_with_tag <= n_items). */
int rn_tags_idf(double n_items, double n_with_tag, double *out);

/* Splits k slots in proportion to w[0..n) (weights >= 0, finite) by the
 * largest-remainder method: quota[t] = floor(k w_t / W), then one more slot
 * to each of the largest remainders (ties to the larger weight, then the
 * smaller index) until the quotas sum to k. All zero: every quota is 0. */
int rn_tags_quotas(const double *w, int n, int k, int *quota);

/* ---- the catalogue ----------------------------------------------------------------- */

/* n_items items with ids (unique, >= 0) and tag lists in CSR form: item r
 * holds tags[offsets[r] .. offsets[r+1]) (indices in 0..n_tags-1; a tag may
 * repeat: it then counts that many times in tf). levels: per occurrence, the
 * item-side level weight (> 0, finite; the largest of a repeated tag's counts;
 * NULL: all 1). names: n_tags distinct non-empty tag names (copied). An item
 * without tags is allowed (it is never recalled and does not count in N).
 * NULL on error, naming the item or tag. Caller frees with rn_tags_free. */
rn_tags *rn_tags_new(size_t n_items, const int64_t *ids, const size_t *offsets, const int32_t *tags,
                     const float *levels, int n_tags, const char *const *names);
void rn_tags_free(rn_tags *tg);

size_t rn_tags_n_items(const rn_tags *tg);
int rn_tags_n_tags(const rn_tags *tg);
/* The number of tagged items, N of the IDF. */
size_t rn_tags_n_tagged(const rn_tags *tg);
/* Tag t's name (borrowed, valid until rn_tags_free). */
const char *rn_tags_name(const rn_tags *tg, int t);
int64_t rn_tags_item_id(const rn_tags *tg, size_t row);

/* The index of the tag named name; RN_EARG "unknown tag 'x'" otherwise. */
int rn_tags_find(const rn_tags *tg, const char *name, int *t);
/* The row of item id; RN_EARG "item 7 is not in the catalogue" otherwise. */
int rn_tags_find_item(const rn_tags *tg, int64_t id, size_t *row);

/* idf(t), and the number of items carrying t (n_t). */
double rn_tags_idf_of(const rn_tags *tg, int t);
size_t rn_tags_df(const rn_tags *tg, int t);

/* Item row's distinct tags, in the order first given: writes at most max
 * tags with their tf and their weight v = tf * idf * level; returns the
 * number of distinct tags (which may exceed max). */
int rn_tags_item(const rn_tags *tg, size_t row, int max, int *tags, double *tf, double *v);

/* The rows carrying tag t (the inverted index), by v_it descending, then
 * the smaller id; borrowed, valid until rn_tags_free. */
const size_t *rn_tags_postings(const rn_tags *tg, int t, size_t *n);

/* ---- users ------------------------------------------------------------------------ */

/* The user's tag weights w[0..n_tags) from n events (see the top), with
 * type_weights[0..n_types) (finite; negative allowed) and decay cfg (NULL:
 * the notes'). raw, when not NULL, receives S_t before clipping and damping.
 * Errors (RN_EARG), naming the event by its 1-based position: an empty
 * history, an item not in the catalogue, a type out of range, a negative or
 * non-finite age. */
int rn_tags_profile(const rn_tags *tg, const rn_tags_event *events, size_t n,
                    const double *type_weights, int n_types, const rn_tags_decay_cfg *decay,
                    int damp, double *w, double *raw);

/* s(u, i) for item row under metric (RN_INDEX_DOT or RN_INDEX_COSINE of
 * index.h; cosine with a zero vector is 0). */
double rn_tags_score(const rn_tags *tg, const double *w, size_t row, int metric);

/* Recall of at most k items for tag weights w (n_tags values >= 0) with
 * per-tag quotas (see the top), leaving out the n_exclude ids in exclude
 * (the user's history; ids not in the catalogue are ignored) and items with
 * score 0. prior: per catalogue row, the tie-break after the score (NULL:
 * none). Writes ids, scores and via (the tag whose quota took the item, or
 * -1 for a leftover slot), ordered by score, prior, id; returns the count
 * (< k when fewer items share a tag with the user), or a negative RN_E*:
 * RN_EARG when w is all zero or holds a negative or non-finite value, or k
 * < 1. */
int rn_tags_recall(const rn_tags *tg, const double *w, const int64_t *exclude, size_t n_exclude,
                   int k, int metric, const float *prior, int64_t *ids, float *scores, int *via);

#endif
