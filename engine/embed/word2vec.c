/* word2vec as a job of the shared loop (word2vec.h): checking the config,
 * turning sequences of ids into a corpus of word indices cut into blocks,
 * the threads that share out each step's blocks, and the entry points.
 *
 * Subsampling uses word2vec.c's formula, not the paper's. The paper
 * (Mikolov et al. 2013b, eq. 5) discards word w with probability
 * 1 - sqrt(t / f(w)), f the word's share of the tokens; word2vec.c (and so
 * gensim) keeps it with probability
 *
 *     keep(w) = (sqrt(f(w) / t) + 1) t / f(w)      (capped at 1)
 *
 * which keeps every word with f <= 2.6 t or so (the paper's already thins
 * words at f = t) and keeps a frequent word about sqrt(t / f) + t / f of the
 * time, a little more than the paper. We use the code's because it is what
 * both reference implementations run, with the default t = 1e-3 tuned for
 * it, so a comparison with them (tests/bench/bench_w2v) trains on the same
 * thinned corpus; the paper's formula with t = 1e-5 was for corpora of
 * billions of words.
 *
 * The learning rate falls linearly from alpha to min_alpha over all epochs'
 * tokens (gensim's schedule; word2vec.c ends at alpha / 10^4), as a function
 * of the position of each sentence in the run, so it does not depend on
 * which thread trains it.
 *
 * The input vectors start uniform in [-1, 1) / dim, as gensim 4 starts them
 * (KeyedVectors.prep_vectors); word2vec.c's range is half that, [-0.5, 0.5)
 * / dim. The output vectors start at zero, so the first updates of both are
 * proportional to the inputs' size, and a start twice as large learns
 * faster early on. That matters for one epoch on a hard corpus: on
 * tests/bench's topic corpus (10M tokens, 1 epoch) word2vec.c's start gave a
 * same-topic share of 0.554 against gensim's 0.593, and gensim's start 0.580
 * (the rare words gain most: 0.365 -> 0.385).
 */
#include "word2vec.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "error.h"
#include "interrupt.h"
#include "loop.h"
#include "rng.h"
#include "w2v_internal.h"

#define BLOCK_TOKENS    2000 /* tokens per block: the unit the threads share out */
#define BLOCKS_PER_STEP 64   /* per thread: a step is about 128k tokens per thread */
#define MAX_THREADS     64

rn_w2v_config rn_w2v_defaults(void)
{
    return (rn_w2v_config){.dim = 100,
                           .window = 5,
                           .negative = 5,
                           .hs = 0,
                           .sg = 1,
                           .min_count = 5,
                           .epochs = 5,
                           .threads = 1,
                           .sample = 1e-3,
                           .alpha = 0.025,
                           .min_alpha = 0.0001,
                           .seed = 1};
}

int rn_w2v_check_config(const rn_w2v_config *c)
{
    if (c == NULL) return rn_fail(RN_EARG, "word2vec: no config");
    if (c->dim < 1 || c->dim > RN_EMB_MAX_DIM)
        return rn_fail(RN_EARG, "word2vec: dim must be in 1..%d, got %d", RN_EMB_MAX_DIM, c->dim);
    if (c->window < 1 || c->window > 1000)
        return rn_fail(RN_EARG, "word2vec: window must be in 1..1000, got %d", c->window);
    if (c->negative < 0 || c->negative > 1000)
        return rn_fail(RN_EARG, "word2vec: negative must be in 0..1000, got %d", c->negative);
    if (c->hs != 0 && c->hs != 1)
        return rn_fail(RN_EARG, "word2vec: hs must be 0 or 1, got %d", c->hs);
    if (c->sg != 0 && c->sg != 1)
        return rn_fail(RN_EARG, "word2vec: sg must be 0 (CBOW) or 1 (skip-gram), got %d", c->sg);
    if (c->negative == 0 && !c->hs)
        return rn_fail(RN_EARG, "word2vec: nothing to train: negative = 0 and hs = 0 (give "
                                "negative > 0, or hs = 1)");
    if (c->min_count < 1)
        return rn_fail(RN_EARG, "word2vec: min_count must be at least 1, got %d", c->min_count);
    if (c->epochs < 1 || c->epochs > 100000)
        return rn_fail(RN_EARG, "word2vec: epochs must be in 1..100000, got %d", c->epochs);
    if (c->threads < 1 || c->threads > MAX_THREADS)
        return rn_fail(RN_EARG, "word2vec: threads must be in 1..%d, got %d", MAX_THREADS,
                       c->threads);
    if (!(c->sample >= 0 && c->sample <= 1))
        return rn_fail(RN_EARG, "word2vec: sample must be in [0, 1], got %g", c->sample);
    if (!(c->alpha > 0 && c->alpha <= 10))
        return rn_fail(RN_EARG, "word2vec: alpha must be in (0, 10], got %g", c->alpha);
    if (!(c->min_alpha >= 0 && c->min_alpha <= c->alpha))
        return rn_fail(RN_EARG, "word2vec: min_alpha must be in [0, alpha = %g], got %g",
                       c->alpha, c->min_alpha);
    return RN_OK;
}

/* ---- the job ----------------------------------------------------------------------------------- */

/* One thread's slot, padded so that two threads' counters never share a
 * cache line (false sharing would cost more than the counters). */
typedef struct {
    rn__w2v_scratch s;
    char pad[64];
} thread_slot;

typedef struct {
    rn_w2v_config c;
    rn__w2v_vocab v;
    rn__w2v_tables tab;
    rn__w2v_model m;
    float *keep;
    /* the corpus: word indices, cut into pieces of <= RN_W2V_MAX_SENTENCE
     * tokens (piece p is words[piece[p] .. piece[p+1])), grouped into blocks
     * (block b is pieces block[b] .. block[b+1]) */
    int32_t *words;
    size_t n_words, *piece, n_pieces, *block, n_blocks;
    thread_slot *slots;
    /* the run */
    size_t blocks_done; /* over all epochs */
    uint64_t words_done;
    double t0;
    const rn_w2v_hooks *hooks;
    /* one step's shared state: the rows and the next one to take */
    const size_t *rows;
    size_t n_rows;
    atomic_size_t next;
    int epoch; /* 0-based, of this step */
} job;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static float alpha_at(const job *j, uint64_t position)
{
    double run = (double)j->v.total * j->c.epochs;
    double a = j->c.alpha - (j->c.alpha - j->c.min_alpha) * ((double)position / run);
    return (float)(a > j->c.min_alpha ? a : j->c.min_alpha);
}

/* A block's random stream: the same whichever thread trains it. */
static uint64_t block_seed(const job *j, size_t b)
{
    rn_rng g;
    rn_rng_seed(&g, j->c.seed ^ ((uint64_t)j->epoch * 0x9e3779b97f4a7c15ull) ^
                        ((uint64_t)b * 0xd1b54a32d192ed03ull));
    return rn_rng_next(&g);
}

static void train_block(job *j, rn__w2v_scratch *s, size_t b)
{
    uint64_t rng = block_seed(j, b);
    uint64_t position = (uint64_t)j->epoch * j->v.total + j->piece[j->block[b]];
    for (size_t p = j->block[b]; p < j->block[b + 1]; p++) {
        size_t start = j->piece[p], len = j->piece[p + 1] - start;
        rn__w2v_train_sentence(&j->m, s, j->words + start, len,
                               alpha_at(j, position + (start - j->piece[j->block[b]])), &rng);
    }
}

typedef struct {
    job *j;
    int t;
} worker_arg;

static void *worker(void *arg)
{
    worker_arg *w = arg;
    job *j = w->j;
    for (;;) {
        size_t r = atomic_fetch_add(&j->next, 1);
        if (r >= j->n_rows) break;
        train_block(j, &j->slots[w->t].s, j->rows[r]);
    }
    return NULL;
}

static int step(void *self, const size_t *rows, size_t n, double *loss)
{
    job *j = self;
    j->epoch = (int)(j->blocks_done / j->n_blocks);
    j->rows = rows;
    j->n_rows = n;
    atomic_store(&j->next, 0);
    for (int t = 0; t < j->c.threads; t++) {
        j->slots[t].s.loss = 0;
        j->slots[t].s.pairs = 0;
    }
    pthread_t tid[MAX_THREADS];
    worker_arg args[MAX_THREADS];
    int started = 0;
    for (int t = 1; t < j->c.threads; t++) {
        args[t] = (worker_arg){j, t};
        /* a thread that cannot start leaves its share to the others */
        if (pthread_create(&tid[started + 1], NULL, worker, &args[t]) != 0) break;
        started++;
    }
    args[0] = (worker_arg){j, 0};
    worker(&args[0]);
    for (int t = 1; t <= started; t++)
        pthread_join(tid[t], NULL);
    double sum = 0;
    uint64_t pairs = 0;
    for (int t = 0; t < j->c.threads; t++) {
        sum += j->slots[t].s.loss;
        pairs += j->slots[t].s.pairs;
    }
    for (size_t i = 0; i < n; i++) {
        size_t b = rows[i];
        j->words_done += j->piece[j->block[b + 1]] - j->piece[j->block[b]];
    }
    j->blocks_done += n;
    *loss = pairs > 0 ? sum / (double)pairs : 0;
    return isfinite(*loss) ? RN_OK : RN_ENAN;
}

static int on_step(void *ud, const rn_fit_progress *fp)
{
    job *j = ud;
    if (j->hooks == NULL || j->hooks->on_progress == NULL) return 1;
    rn_w2v_progress p;
    p.words_done = j->words_done;
    p.words_total = j->v.total * (uint64_t)j->c.epochs;
    p.elapsed = now() - j->t0;
    p.words_per_sec = p.elapsed > 0 ? (double)p.words_done / p.elapsed : 0;
    p.alpha = alpha_at(j, p.words_done);
    p.loss = fp->loss;
    p.epoch = fp->epoch;
    p.epochs = fp->epochs;
    return j->hooks->on_progress(j->hooks->ud, &p);
}

static void job_free(job *j)
{
    if (j->slots != NULL)
        for (int t = 0; t < j->c.threads; t++) {
            rn_free(j->slots[t].s.neu1);
            rn_free(j->slots[t].s.neu1e);
            rn_free(j->slots[t].s.sen);
        }
    rn_free(j->slots);
    rn_free(j->m.syn0);
    rn_free(j->m.syn1);
    rn_free(j->m.syn1neg);
    rn_free(j->keep);
    rn_free(j->words);
    rn_free(j->piece);
    rn_free(j->block);
    rn__w2v_vocab_free(&j->v);
}

/* Maps the sequences to word indices (dropping tokens not kept), cuts them
 * into pieces and the pieces into blocks. */
static int build_corpus(job *j, const rn__w2v_map *map, const int64_t *tokens,
                        const size_t *offsets, size_t n_seq)
{
    size_t max_pieces = n_seq;
    j->words = rn_malloc((j->v.total ? j->v.total : 1) * sizeof *j->words, "word2vec corpus");
    /* pieces: at most one per sequence plus one per RN_W2V_MAX_SENTENCE tokens */
    max_pieces += j->v.total / RN_W2V_MAX_SENTENCE + 1;
    j->piece = rn_malloc((max_pieces + 1) * sizeof *j->piece, "word2vec corpus");
    if (j->words == NULL || j->piece == NULL) return RN_ENOMEM;
    size_t n = 0, np = 0;
    for (size_t s = 0; s < n_seq; s++) {
        size_t start = n;
        for (size_t i = offsets[s]; i < offsets[s + 1]; i++) {
            int32_t w = rn__w2v_map_get(map, tokens[i]);
            if (w < 0) continue;
            if (n - start == RN_W2V_MAX_SENTENCE) {
                j->piece[np++] = start;
                start = n;
            }
            j->words[n++] = w;
        }
        if (n > start) j->piece[np++] = start;
    }
    j->piece[np] = n;
    j->n_words = n;
    j->n_pieces = np;
    j->block = rn_malloc((np + 1) * sizeof *j->block, "word2vec corpus");
    if (j->block == NULL) return RN_ENOMEM;
    size_t nb = 0;
    for (size_t p = 0; p < np;) {
        j->block[nb++] = p;
        size_t start = j->piece[p];
        while (p < np && j->piece[p] - start < BLOCK_TOKENS)
            p++;
    }
    j->block[nb] = np;
    j->n_blocks = nb;
    return RN_OK;
}

static int job_init(job *j, const rn__w2v_map *map, const int64_t *tokens, const size_t *offsets,
                    size_t n_seq)
{
    const rn_w2v_config *c = &j->c;
    size_t n = j->v.n, dim = (size_t)c->dim;
    if (c->hs && rn__w2v_vocab_huffman(&j->v) != RN_OK) return RN_ENOMEM;
    if (c->negative > 0 && rn__w2v_vocab_noise(&j->v, 0.75) != RN_OK) return RN_ENOMEM;
    if (n > RN_EMB_MAX_COUNT / dim)
        return rn_fail(RN_EARG, "word2vec: %zu words x dim %zu is too many vectors", n, dim);
    int rc = build_corpus(j, map, tokens, offsets, n_seq);
    if (rc != RN_OK) return rc;
    rn__w2v_tables_init(&j->tab);
    if (c->sample > 0) {
        j->keep = rn_malloc(n * sizeof *j->keep, "word2vec subsampling");
        if (j->keep == NULL) return RN_ENOMEM;
        double tT = c->sample * (double)j->v.total;
        for (size_t w = 0; w < n; w++) {
            double f = (double)j->v.counts[w];
            double k = (sqrt(f / tT) + 1) * tT / f;
            j->keep[w] = (float)(k < 1 ? k : 1);
        }
    }
    j->m.syn0 = rn_malloc(n * dim * sizeof(float), "word2vec vectors");
    if (c->negative > 0) j->m.syn1neg = rn_calloc(n * dim, sizeof(float), "word2vec vectors");
    if (c->hs) j->m.syn1 = rn_calloc(n * dim, sizeof(float), "word2vec vectors");
    j->slots = rn_calloc((size_t)c->threads, sizeof *j->slots, "word2vec threads");
    if (j->m.syn0 == NULL || (c->negative > 0 && j->m.syn1neg == NULL) ||
        (c->hs && j->m.syn1 == NULL) || j->slots == NULL)
        return RN_ENOMEM;
    for (int t = 0; t < c->threads; t++) {
        rn__w2v_scratch *s = &j->slots[t].s;
        s->neu1 = rn_malloc(dim * sizeof(float), "word2vec scratch");
        s->neu1e = rn_malloc(dim * sizeof(float), "word2vec scratch");
        s->sen = rn_malloc(RN_W2V_MAX_SENTENCE * sizeof *s->sen, "word2vec scratch");
        if (s->neu1 == NULL || s->neu1e == NULL || s->sen == NULL) return RN_ENOMEM;
    }
    /* the start: input vectors uniform in [-1, 1) / dim, outputs zero (see the top) */
    rn_rng g;
    rn_rng_seed(&g, c->seed);
    for (size_t i = 0; i < n * dim; i++)
        j->m.syn0[i] = (2 * rn_rng_uniform(&g) - 1) / (float)dim;
    j->m.c = &j->c;
    j->m.v = &j->v;
    j->m.tab = &j->tab;
    j->m.keep = j->keep;
    return RN_OK;
}

rn_embeddings *rn_w2v_train_labeled(const int64_t *tokens, const size_t *offsets, size_t n_seq,
                                    const char *const *labels, size_t n_labels,
                                    const rn_w2v_config *c, const rn_w2v_hooks *hooks)
{
    if (rn_w2v_check_config(c) != RN_OK) return NULL;
    if (n_seq == 0) {
        rn_fail(RN_EARG, "word2vec: no sequences to train on");
        return NULL;
    }
    if (tokens == NULL || offsets == NULL) {
        rn_fail(RN_EARG, "word2vec: no tokens or offsets");
        return NULL;
    }
    for (size_t s = 0; s < n_seq; s++) {
        if (offsets[s + 1] < offsets[s]) {
            rn_fail(RN_EARG, "word2vec: offsets must not decrease: sequence %zu ends at %zu "
                             "before it starts at %zu",
                    s + 1, offsets[s + 1], offsets[s]);
            return NULL;
        }
        for (size_t i = offsets[s]; i < offsets[s + 1]; i++)
            if (tokens[i] < 0 || (labels != NULL && (uint64_t)tokens[i] >= n_labels)) {
                if (tokens[i] < 0)
                    rn_fail(RN_EARG, "word2vec: token ids must be >= 0: sequence %zu, position "
                                     "%zu holds %lld",
                            s + 1, i - offsets[s] + 1, (long long)tokens[i]);
                else
                    rn_fail(RN_EARG, "word2vec: sequence %zu, position %zu holds id %lld, "
                                     "which has no label (%zu labels)",
                            s + 1, i - offsets[s] + 1, (long long)tokens[i], n_labels);
                return NULL;
            }
    }
    job *j = rn_calloc(1, sizeof *j, "word2vec job");
    if (j == NULL) return NULL;
    j->c = *c;
    j->hooks = hooks;
    rn__w2v_map map = {0};
    rn_embeddings *e = NULL;
    int rc = rn__w2v_vocab_build(&j->v, &map, tokens + offsets[0], offsets[n_seq] - offsets[0],
                                 c->min_count);
    if (rc == RN_OK) rc = job_init(j, &map, tokens, offsets, n_seq);
    rn__w2v_map_free(&map);
    if (rc != RN_OK) goto done;

    rn_trainer t = {.n_rows = j->n_blocks, .step = step, .self = j};
    rn_loop_config lc = rn_loop_defaults();
    lc.epochs = c->epochs;
    lc.shuffle = 0; /* word2vec reads its corpus in order, as the rate's schedule assumes */
    lc.batch_size = (size_t)BLOCKS_PER_STEP * (size_t)c->threads;
    lc.on_step = on_step;
    lc.ud = j;
    j->t0 = now();
    rc = rn_train(&t, &lc, NULL);
    if (rc == RN_EINTR) {
        rn_fail(RN_EINTR, "interrupted (Ctrl-C) in word2vec at epoch %d of %d, %llu of %llu "
                          "tokens trained",
                j->epoch + 1, c->epochs, (unsigned long long)j->words_done,
                (unsigned long long)(j->v.total * (uint64_t)c->epochs));
        goto done;
    }
    if (rc != RN_OK) goto done;

    const char **kept = NULL;
    if (labels != NULL) {
        kept = rn_malloc(j->v.n * sizeof *kept, "word2vec labels");
        if (kept == NULL) goto done;
        for (size_t w = 0; w < j->v.n; w++)
            kept[w] = labels[j->v.ids[w]];
    }
    e = rn_emb_new(j->m.syn0, j->v.n, c->dim, j->v.ids, kept);
    rn_free((void *)kept);
done:
    job_free(j);
    rn_free(j);
    return e;
}

rn_embeddings *rn_w2v_train_ids(const int64_t *tokens, const size_t *offsets, size_t n_seq,
                                const rn_w2v_config *c, const rn_w2v_hooks *hooks)
{
    return rn_w2v_train_labeled(tokens, offsets, n_seq, NULL, 0, c, hooks);
}
