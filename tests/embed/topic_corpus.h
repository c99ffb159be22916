/* A generated corpus whose tokens have known topics, for word2vec's tests
 * and benchmark: n_topics topics of per_topic words each, plus n_stop
 * "stop words" that every topic uses. Each sentence picks one topic and
 * draws its words from it (Zipf within the topic, p ~ 1 / (rank + 1)) and,
 * with probability stop_share per token, a stop word (Zipf too). So words of
 * one topic share contexts and nothing else does: a good embedding puts a
 * word's nearest neighbours in its own topic.
 *
 * Ids: stop words 0 .. n_stop - 1; topic t's words n_stop + t * per_topic + i.
 * Header-only (static functions), seeded by the engine's rng. */
#ifndef TESTS_TOPIC_CORPUS_H
#define TESTS_TOPIC_CORPUS_H

#include <stdint.h>
#include <stdlib.h>

#include "embeddings.h"
#include "index.h"
#include "rng.h"

typedef struct {
    int n_topics, per_topic, n_stop, sentence_len;
    double stop_share;
    size_t n_seq;
    int64_t *tokens; /* n_seq * sentence_len */
    size_t *offsets; /* n_seq + 1 */
} topic_corpus;

/* cumulative Zipf weights of n ranks (cdf[n-1] = 1) */
static double *topic_zipf_cdf(int n)
{
    double *cdf = malloc((size_t)n * sizeof *cdf), s = 0;
    for (int i = 0; i < n; i++)
        cdf[i] = s += 1.0 / (i + 1);
    for (int i = 0; i < n; i++)
        cdf[i] /= s;
    return cdf;
}

static int topic_zipf_draw(const double *cdf, int n, rn_rng *g)
{
    double u = (double)rn_rng_uniform(g);
    int lo = 0, hi = n - 1;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (cdf[mid] > u)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

static void topic_corpus_make(topic_corpus *k, size_t n_tokens, uint64_t seed)
{
    rn_rng g;
    rn_rng_seed(&g, seed);
    k->n_seq = n_tokens / (size_t)k->sentence_len;
    k->tokens = malloc(k->n_seq * (size_t)k->sentence_len * sizeof *k->tokens);
    k->offsets = malloc((k->n_seq + 1) * sizeof *k->offsets);
    double *ct = topic_zipf_cdf(k->per_topic), *cs = k->n_stop ? topic_zipf_cdf(k->n_stop) : NULL;
    size_t n = 0;
    for (size_t s = 0; s < k->n_seq; s++) {
        k->offsets[s] = n;
        int t = (int)rn_rng_below(&g, (uint64_t)k->n_topics);
        for (int i = 0; i < k->sentence_len; i++) {
            if (cs != NULL && (double)rn_rng_uniform(&g) < k->stop_share)
                k->tokens[n++] = topic_zipf_draw(cs, k->n_stop, &g);
            else
                k->tokens[n++] = k->n_stop + (int64_t)t * k->per_topic +
                                 topic_zipf_draw(ct, k->per_topic, &g);
        }
    }
    k->offsets[k->n_seq] = n;
    free(ct);
    free(cs);
}

static void topic_corpus_free(topic_corpus *k)
{
    free(k->tokens);
    free(k->offsets);
}

/* the topic of id, or -1 for a stop word */
static int topic_of(const topic_corpus *k, int64_t id)
{
    return id < k->n_stop ? -1 : (int)((id - k->n_stop) / k->per_topic);
}

/* Mean share, over the topic words of e (at most max_queries, the most
 * frequent first), of their 10 nearest neighbours (cosine) in their topic. */
static double topic_quality(rn_embeddings *e, const topic_corpus *k, size_t max_queries)
{
    size_t n = rn_emb_count(e), q = 0, rows[10];
    float sc[10];
    double sum = 0;
    for (size_t r = 0; r < n && q < max_queries; r++) {
        int t = topic_of(k, rn_emb_id(e, r));
        if (t < 0) continue;
        int m = rn_emb_neighbors(e, r, 10, RN_INDEX_COSINE, rows, sc), in = 0;
        for (int i = 0; i < m; i++)
            in += topic_of(k, rn_emb_id(e, rows[i])) == t;
        sum += m > 0 ? (double)in / m : 0;
        q++;
    }
    return q ? sum / (double)q : 0;
}

#endif
