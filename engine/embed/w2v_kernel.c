/* word2vec's hot loop: one sentence of word indices, trained by skip-gram or
 * CBOW with negative sampling and/or hierarchical softmax.
 *
 * Notation (word2vec.c's): syn0[w] is word w's input vector (the embedding
 * handed back), syn1neg[w] its output vector for negative sampling, syn1[p]
 * the vector of inner node p of the Huffman tree. For an input vector l1
 * (skip-gram: one context word's syn0; CBOW: the mean of the context's) and
 * an output vector u with label y (1 for the true word or the branch taken,
 * 0 for a noise word), the loss is -log sigma((2y - 1) l1.u) and one SGD step
 * with rate alpha is
 *
 *     g = alpha (y - sigma(l1.u));   neu1e += g u;   u += g l1;
 *
 * and after all outputs, l1's word(s) move by neu1e (CBOW: each context word
 * by neu1e / cw, the gradient of the mean; word2vec.c adds the whole neu1e,
 * gensim divides as here). sigma comes from a table over [-6, 6]; outside
 * it the pair is saturated: negative sampling takes sigma = 0 or 1 (g may
 * still be nonzero, as in word2vec.c), hierarchical softmax skips the node
 * (word2vec.c and gensim both do).
 *
 * Concurrency: several threads run this on different sentences at once and
 * write syn0, syn1 and syn1neg without locks (Hogwild, Recht et al. 2011):
 * two threads may update one row together and one update can be partly lost
 * or read half-written, which SGD tolerates since rows collide rarely and
 * each update is small. Nothing else is shared for writing: the sentence,
 * scratch vectors, random state and loss sum are the thread's own, and the
 * vocabulary, tables and keep probabilities are read-only while threads run.
 * The functions touching weights are marked no_sanitize("thread") so that
 * ThreadSanitizer reports every other race, which must not exist.
 */
#include "w2v_internal.h"

#include <math.h>
#include <string.h>

#if defined(__has_attribute)
#if __has_attribute(no_sanitize)
#define HOGWILD __attribute__((no_sanitize("thread")))
#endif
#endif
#ifndef HOGWILD
#define HOGWILD
#endif

void rn__w2v_tables_init(rn__w2v_tables *t)
{
    /* entry i holds the value at grid point i and the lookup rounds to the
     * nearest, so x is off by at most half a cell (12 / 1024 / 2), sigma by
     * at most 0.0015, and sigma(0) = 1/2 exactly */
    for (int i = 0; i <= RN_W2V_TABLE_SIZE; i++) {
        double x = ((double)i / RN_W2V_TABLE_SIZE * 2 - 1) * RN_W2V_MAX_EXP;
        t->sigmoid[i] = (float)(1 / (1 + exp(-x)));
        t->log_sigmoid[i] = (float)-log1p(exp(-x));
    }
}

/* splitmix64: the block's own random stream (fast and of good quality in
 * every bit, which the alias draw's low 32 bits need). */
static inline uint64_t next_random(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static inline int32_t draw_noise(const rn__w2v_vocab *v, uint64_t *rng)
{
    uint64_t r = next_random(rng);
    uint32_t col = (uint32_t)(((r >> 32) * (uint64_t)v->n) >> 32);
    return (uint32_t)r < v->alias_prob[col] ? (int32_t)col : v->alias[col];
}

/* ---- the vector loops: dim is small (50-300), so they are written for the
 * compiler to keep in registers, with four independent partial sums ------------------------- */

HOGWILD static inline float dot(const float *restrict a, const float *restrict b, int n)
{
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += a[i] * b[i];
        s1 += a[i + 1] * b[i + 1];
        s2 += a[i + 2] * b[i + 2];
        s3 += a[i + 3] * b[i + 3];
    }
    for (; i < n; i++)
        s0 += a[i] * b[i];
    return (s0 + s1) + (s2 + s3);
}

HOGWILD static inline void axpy(float *restrict y, float g, const float *restrict x, int n)
{
    for (int i = 0; i < n; i++)
        y[i] += g * x[i];
}

/* the table cell nearest to f */
static inline int table_index(float f)
{
    int i = (int)((f + RN_W2V_MAX_EXP) * (RN_W2V_TABLE_SIZE / (2.0f * RN_W2V_MAX_EXP)) + 0.5f);
    return i > RN_W2V_TABLE_SIZE ? RN_W2V_TABLE_SIZE : i; /* f in (-MAX_EXP, MAX_EXP) */
}

/* One output vector u against l1 with label y; returns the pair's loss. */
HOGWILD static inline float train_pair(const rn__w2v_tables *tab, const float *l1, float *u,
                                       float *neu1e, int dim, int label, float alpha, int skip_sat)
{
    float f = dot(l1, u, dim), sig;
    int i;
    if (f > -RN_W2V_MAX_EXP && f < RN_W2V_MAX_EXP) {
        i = table_index(f);
        sig = tab->sigmoid[i];
    } else {
        if (f != f) return f; /* a NaN reaches the loss, which stops training */
        if (skip_sat) return 0;
        i = f > 0 ? RN_W2V_TABLE_SIZE : 0;
        sig = f > 0 ? 1.0f : 0.0f;
    }
    /* -log sigma(f) for y = 1, -log sigma(-f) for y = 0 (the mirrored cell) */
    float loss = label ? -tab->log_sigmoid[i] : -tab->log_sigmoid[RN_W2V_TABLE_SIZE - i];
    float g = ((float)label - sig) * alpha;
    axpy(neu1e, g, u, dim);
    axpy(u, g, l1, dim);
    return loss;
}

/* All outputs for one input l1 predicting word `target`: neu1e gets the
 * input's gradient step; returns the summed loss. */
HOGWILD static float train_outputs(const rn__w2v_model *m, const float *l1, float *neu1e,
                                   int32_t target, float alpha, uint64_t *rng)
{
    const rn_w2v_config *c = m->c;
    const rn__w2v_vocab *v = m->v;
    int dim = c->dim;
    float loss = 0;
    memset(neu1e, 0, (size_t)dim * sizeof *neu1e);
    if (c->hs) {
        for (size_t d = v->code_start[target]; d < v->code_start[target + 1]; d++)
            loss += train_pair(m->tab, l1, m->syn1 + (size_t)v->points[d] * (size_t)dim, neu1e,
                               dim, 1 - v->codes[d], alpha, 1);
    }
    if (c->negative > 0) {
        loss += train_pair(m->tab, l1, m->syn1neg + (size_t)target * (size_t)dim, neu1e, dim, 1,
                           alpha, 0);
        for (int d = 0; d < c->negative; d++) {
            int32_t w = draw_noise(v, rng);
            if (w == target) continue;
            loss += train_pair(m->tab, l1, m->syn1neg + (size_t)w * (size_t)dim, neu1e, dim, 0,
                               alpha, 0);
        }
    }
    return loss;
}

HOGWILD void rn__w2v_train_sentence(const rn__w2v_model *m, rn__w2v_scratch *s,
                                    const int32_t *words, size_t n_words, float alpha,
                                    uint64_t *rng)
{
    const rn_w2v_config *c = m->c;
    int dim = c->dim;
    /* subsampling: keep word w with probability keep[w] */
    size_t n = 0;
    for (size_t i = 0; i < n_words; i++) {
        int32_t w = words[i];
        if (m->keep != NULL && m->keep[w] < 1.0f) {
            float u = (float)(next_random(rng) >> 40) * (1.0f / 16777216.0f);
            if (u >= m->keep[w]) continue;
        }
        s->sen[n++] = w;
    }
    const int32_t *sen = s->sen;
    for (size_t a = 0; a < n; a++) {
        int b = (int)(next_random(rng) % (uint64_t)c->window);
        size_t reach = (size_t)(c->window - b); /* the dynamic window: 1..window */
        size_t lo = a >= reach ? a - reach : 0, hi = a + reach < n ? a + reach : n - 1;
        if (c->sg) {
            for (size_t j = lo; j <= hi; j++) {
                if (j == a) continue;
                float *l1 = m->syn0 + (size_t)sen[j] * (size_t)dim;
                s->loss += (double)train_outputs(m, l1, s->neu1e, sen[a], alpha, rng);
                s->pairs++;
                axpy(l1, 1.0f, s->neu1e, dim);
            }
        } else {
            size_t cw = hi - lo; /* context words, the centre excluded */
            if (cw == 0) continue;
            memset(s->neu1, 0, (size_t)dim * sizeof *s->neu1);
            for (size_t j = lo; j <= hi; j++)
                if (j != a) axpy(s->neu1, 1.0f, m->syn0 + (size_t)sen[j] * (size_t)dim, dim);
            float inv = 1.0f / (float)cw;
            for (int i = 0; i < dim; i++)
                s->neu1[i] *= inv;
            s->loss += (double)train_outputs(m, s->neu1, s->neu1e, sen[a], alpha, rng);
            s->pairs++;
            for (size_t j = lo; j <= hi; j++)
                if (j != a) axpy(m->syn0 + (size_t)sen[j] * (size_t)dim, inv, s->neu1e, dim);
        }
    }
}
