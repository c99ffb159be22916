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
 * and after all outputs, l1's word(s) move by neu1e. CBOW's l1 is the mean
 * of cw context vectors, so the true gradient step for each would be
 * neu1e / cw; word2vec.c and gensim (cbow_mean = 1) both add the whole neu1e
 * to each, in effect a cw times larger rate for the input vectors, and so do
 * we (with the division CBOW learns several times slower at the same alpha). sigma comes from a table over [-6, 6]; outside
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

/* ---- the vector loops ---------------------------------------------------------------------
 * dim is small (50-300), so each loop is a handful of vector instructions.
 * The dot product keeps partial sums in 8-wide vectors (GCC/clang vector
 * extensions: AVX on a CPU that has it, two SSE halves otherwise), since a
 * float sum does not vectorise by itself without reassociation. On x86-64
 * the whole kernel is compiled twice, for AVX2 with FMA and for the
 * baseline, and the first call picks one for the CPU (about 1.6x faster with
 * AVX2 + FMA); the file is built with -ffp-contract=fast, so a * b + c
 * becomes one FMA where there is one. */

#if defined(__GNUC__) && defined(__x86_64__)
#define TWO_TARGETS 1
#endif
/* the helpers are inlined into each clone, so they get its instructions */
#if defined(__GNUC__)
#define ALWAYS_INLINE __attribute__((always_inline))
#else
#define ALWAYS_INLINE
#endif

#if defined(__GNUC__)
typedef float v8 __attribute__((vector_size(32), aligned(4), may_alias));
#define HAVE_V8 1
#endif

ALWAYS_INLINE HOGWILD static inline float dot(const float *restrict a, const float *restrict b, int n)
{
    int i = 0;
    float s = 0;
#ifdef HAVE_V8
    v8 s0 = {0}, s1 = {0};
    for (; i + 16 <= n; i += 16) {
        s0 += *(const v8 *)(a + i) * *(const v8 *)(b + i);
        s1 += *(const v8 *)(a + i + 8) * *(const v8 *)(b + i + 8);
    }
    if (i + 8 <= n) {
        s0 += *(const v8 *)(a + i) * *(const v8 *)(b + i);
        i += 8;
    }
    s0 += s1;
    s = ((s0[0] + s0[4]) + (s0[1] + s0[5])) + ((s0[2] + s0[6]) + (s0[3] + s0[7]));
#endif
    for (; i < n; i++)
        s += a[i] * b[i];
    return s;
}

ALWAYS_INLINE HOGWILD static inline void axpy(float *restrict y, float g, const float *restrict x, int n)
{
    for (int i = 0; i < n; i++)
        y[i] += g * x[i];
}

#define NOISE_BATCH 16

static inline void prefetch_row(const float *row, int dim)
{
#if defined(__GNUC__)
    for (int i = 0; i < dim; i += 16) /* a 64-byte line holds 16 floats */
        __builtin_prefetch(row + i, 1, 3);
    __builtin_prefetch(row + dim - 1, 1, 3);
#else
    (void)row;
    (void)dim;
#endif
}

/* the table cell nearest to f */
static inline int table_index(float f)
{
    int i = (int)((f + RN_W2V_MAX_EXP) * (RN_W2V_TABLE_SIZE / (2.0f * RN_W2V_MAX_EXP)) + 0.5f);
    return i > RN_W2V_TABLE_SIZE ? RN_W2V_TABLE_SIZE : i; /* f in (-MAX_EXP, MAX_EXP) */
}

/* One output vector u against l1 with label y; returns the pair's loss. */
ALWAYS_INLINE HOGWILD static inline float train_pair(const rn__w2v_tables *tab, const float *restrict l1,
                                       float *restrict u, float *restrict neu1e, int dim, int label, float alpha, int skip_sat)
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
    for (int k = 0; k < dim; k++) { /* neu1e += g u and u += g l1, in one pass over u */
        float uk = u[k];
        neu1e[k] += g * uk;
        u[k] = uk + g * l1[k];
    }
    return loss;
}

/* All outputs for one input l1 predicting word `target`: neu1e gets the
 * input's gradient step; returns the summed loss. */
ALWAYS_INLINE HOGWILD static inline float train_outputs(const rn__w2v_model *m, const float *l1, float *neu1e,
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
        /* noise rows are random rows of a table larger than the cache: draw
         * a batch first and prefetch them all, so their misses overlap
         * instead of following one another (the kernel's largest cost) */
        int32_t noise[NOISE_BATCH];
        for (int d0 = 0; d0 < c->negative; d0 += NOISE_BATCH) {
            int nb = c->negative - d0 < NOISE_BATCH ? c->negative - d0 : NOISE_BATCH;
            for (int d = 0; d < nb; d++) {
                noise[d] = draw_noise(v, rng);
                prefetch_row(m->syn1neg + (size_t)noise[d] * (size_t)dim, dim);
            }
            for (int d = 0; d < nb; d++) {
                if (noise[d] == target) continue;
                loss += train_pair(m->tab, l1, m->syn1neg + (size_t)noise[d] * (size_t)dim, neu1e,
                                   dim, 0, alpha, 0);
            }
        }
    }
    return loss;
}

ALWAYS_INLINE HOGWILD static inline void train_sentence(const rn__w2v_model *m,
                                                       rn__w2v_scratch *s, const int32_t *words,
                                                       size_t n_words, float alpha, uint64_t *rng)
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
                if (j + 1 <= hi) prefetch_row(m->syn0 + (size_t)sen[j + 1] * (size_t)dim, dim);
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
                if (j != a) axpy(m->syn0 + (size_t)sen[j] * (size_t)dim, 1.0f, s->neu1e, dim);
        }
    }
}

/* ---- the two builds of the kernel and the choice between them ----------------------------- */

HOGWILD static void train_sentence_base(const rn__w2v_model *m, rn__w2v_scratch *s,
                                        const int32_t *words, size_t n, float alpha, uint64_t *rng)
{
    train_sentence(m, s, words, n, alpha, rng);
}

#ifdef TWO_TARGETS
__attribute__((target("avx2,fma"))) HOGWILD static void
train_sentence_avx2(const rn__w2v_model *m, rn__w2v_scratch *s, const int32_t *words, size_t n,
                    float alpha, uint64_t *rng)
{
    train_sentence(m, s, words, n, alpha, rng);
}
#endif

void rn__w2v_train_sentence(const rn__w2v_model *m, rn__w2v_scratch *s, const int32_t *words,
                            size_t n, float alpha, uint64_t *rng)
{
#ifdef TWO_TARGETS
    /* every thread computes the same answer, so this benign cache is safe
     * to race on; it is an atomic int only to say so */
    static _Atomic int avx2 = -1;
    int have = avx2;
    if (have < 0) {
        __builtin_cpu_init();
        avx2 = have = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
    if (have) {
        train_sentence_avx2(m, s, words, n, alpha, rng);
        return;
    }
#endif
    train_sentence_base(m, s, words, n, alpha, rng);
}
