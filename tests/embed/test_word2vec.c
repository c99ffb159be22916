/* word2vec (engine/embed/): one update of skip-gram with negative sampling
 * and one of hierarchical softmax against a hand computation, the Huffman
 * codes and the noise table, learning bars on a corpus with known topics
 * (skip-gram and CBOW, negative sampling and hierarchical softmax, one and
 * two threads), the text reader, Ctrl-C, the progress hook and errors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "embed/w2v_internal.h"
#include "embed/word2vec.h"
#include "embeddings.h"
#include "error.h"
#include "interrupt.h"
#include "topic_corpus.h"

static double sigmoid(double x)
{
    return 1 / (1 + exp(-x));
}

/* One skip-gram step with negative sampling on the sentence [0, 1], window
 * 1, one noise word per pair that is always word 2 (an alias table that
 * sends every column to 2), no subsampling: exactly the updates
 *   centre 0: l1 = syn0[1], positive syn1neg[0], negative syn1neg[2]
 *   centre 1: l1 = syn0[0], positive syn1neg[1], negative syn1neg[2]
 * computed here in double with the exact sigmoid (the table's error is at
 * most 0.25 x half a cell, 0.0015 in sigma). */
static void test_sgns_step(void)
{
    enum { D = 3 };
    rn_w2v_config c = rn_w2v_defaults();
    c.dim = D;
    c.window = 1;
    c.negative = 1;
    int64_t ids[3] = {0, 1, 2}, counts[3] = {1, 1, 1};
    uint32_t prob[3] = {0, 0, 0};
    int32_t alias[3] = {2, 2, 2};
    rn__w2v_vocab v = {.n = 3, .ids = ids, .counts = counts, .total = 3,
                       .alias_prob = prob, .alias = alias};
    rn__w2v_tables tab;
    rn__w2v_tables_init(&tab);
    float syn0[3 * D] = {0.3f, -0.2f, 0.5f, -0.4f, 0.1f, 0.25f, 0, 0, 0};
    float syn1neg[3 * D] = {0.2f, 0.1f, -0.3f, -0.1f, 0.4f, 0.2f, 0.3f, -0.2f, 0.1f};
    double x[3][D], u[3][D];
    for (int w = 0; w < 3; w++)
        for (int i = 0; i < D; i++) {
            x[w][i] = syn0[w * D + i];
            u[w][i] = syn1neg[w * D + i];
        }
    rn__w2v_model m = {.c = &c, .v = &v, .tab = &tab, .syn0 = syn0, .syn1neg = syn1neg};
    float neu1[D], neu1e[D];
    int32_t sen[8];
    rn__w2v_scratch s = {.neu1 = neu1, .neu1e = neu1e, .sen = sen};
    int32_t words[2] = {0, 1};
    uint64_t rng = 7;
    double alpha = 0.5;
    rn__w2v_train_sentence(&m, &s, words, 2, (float)alpha, &rng);

    double loss = 0;
    for (int centre = 0; centre < 2; centre++) {
        int ctx = 1 - centre;
        double e[D] = {0};
        int outs[2] = {centre, 2}, labels[2] = {1, 0};
        for (int k = 0; k < 2; k++) {
            double *o = u[outs[k]], f = 0;
            for (int i = 0; i < D; i++)
                f += x[ctx][i] * o[i];
            loss += labels[k] ? -log(sigmoid(f)) : -log(sigmoid(-f));
            double g = alpha * (labels[k] - sigmoid(f));
            for (int i = 0; i < D; i++) {
                e[i] += g * o[i];
                o[i] += g * x[ctx][i];
            }
        }
        for (int i = 0; i < D; i++)
            x[ctx][i] += e[i];
    }
    for (int w = 0; w < 3; w++)
        for (int i = 0; i < D; i++) {
            CHECK_NEAR(syn0[w * D + i], x[w][i], 2e-3);
            CHECK_NEAR(syn1neg[w * D + i], u[w][i], 2e-3);
        }
    CHECK(s.pairs == 2);
    CHECK_NEAR(s.loss, loss, 0.02);
    /* the update moved things: the check above is not comparing the start */
    CHECK(fabs(x[0][0] - 0.3) > 0.01 && fabs(u[2][0] - 0.3) > 0.01);
}

/* Hierarchical softmax through the public API: two words of equal count
 * make a tree of one inner node (the root) with word 0 on branch 1 and word
 * 1 on branch 0; the root's vector starts at zero, so on [0, 1] with window
 * 1 and no subsampling:
 *   centre 0 (label 1 - code = 0), l1 = x1: g1 = alpha (0 - 1/2), root = g1 x1, x1 unchanged
 *   centre 1 (label 1),            l1 = x0: g2 = alpha (1 - sigma(x0 . root)), x0 += g2 root
 * The starting vectors are the seeded uniform draws word2vec makes. */
static void test_hs_step(void)
{
    rn_w2v_config c = rn_w2v_defaults();
    c.dim = 4;
    c.window = 1;
    c.negative = 0;
    c.hs = 1;
    c.min_count = 1;
    c.epochs = 1;
    c.sample = 0;
    c.alpha = 1;
    c.seed = 42;
    int64_t tokens[2] = {10, 11};
    size_t offsets[2] = {0, 2};
    rn_embeddings *e = rn_w2v_train_ids(tokens, offsets, 1, &c, NULL);
    CHECK(e != NULL);
    if (e == NULL) return;
    rn_rng g;
    rn_rng_seed(&g, 42);
    double x[2][4], root[4];
    for (int w = 0; w < 2; w++)
        for (int i = 0; i < 4; i++)
            x[w][i] = (double)((2 * rn_rng_uniform(&g) - 1) / 4.0f); /* [-1, 1) / dim */
    double g1 = c.alpha * (0 - 0.5), f = 0;
    for (int i = 0; i < 4; i++) {
        root[i] = g1 * x[1][i];
        f += x[0][i] * root[i];
    }
    double g2 = c.alpha * (1 - sigmoid(f));
    CHECK(rn_emb_id(e, 0) == 10 && rn_emb_id(e, 1) == 11);
    const float *v = rn_emb_vectors(e);
    for (int i = 0; i < 4; i++) {
        CHECK_NEAR(v[i], x[0][i] + g2 * root[i], 3e-4);
        CHECK_NEAR(v[4 + i], x[1][i], 1e-7);
    }
    CHECK(fabs(g2 * root[0]) > 1e-3); /* the step is visible */
    rn_emb_free(e);
}

/* Huffman codes: prefix-free with Kraft sum 1 (a full binary tree), and
 * frequent words get codes no longer than rare ones. Noise table: draws
 * follow counts^0.75. */
static void test_vocab_tables(void)
{
    int64_t tokens[1 + 2 + 3 + 4 + 5 + 6 + 7 + 50];
    size_t n = 0;
    int reps[8] = {1, 2, 3, 4, 5, 6, 7, 50};
    for (int w = 0; w < 8; w++)
        for (int r = 0; r < reps[w]; r++)
            tokens[n++] = 100 + w;
    rn__w2v_vocab v;
    rn__w2v_map map;
    CHECK(rn__w2v_vocab_build(&v, &map, tokens, n, 2) == RN_OK);
    CHECK(v.n == 7 && v.ids[0] == 107 && v.counts[0] == 50 && v.ids[6] == 101 &&
          v.total == n - 1);
    CHECK(rn__w2v_map_get(&map, 100) == -1 && rn__w2v_map_get(&map, 107) == 0 &&
          rn__w2v_map_get(&map, 999) == -1);
    CHECK(rn__w2v_vocab_huffman(&v) == RN_OK);
    double kraft = 0;
    for (size_t w = 0; w < v.n; w++) {
        size_t len = v.code_start[w + 1] - v.code_start[w];
        kraft += ldexp(1, -(int)len);
        if (w > 0) CHECK(len >= v.code_start[w] - v.code_start[w - 1]);
        CHECK(v.points[v.code_start[w]] == (int32_t)v.n - 2); /* every path starts at the root */
        for (size_t u = 0; u < v.n; u++) { /* no code is a prefix of another */
            size_t lu = v.code_start[u + 1] - v.code_start[u];
            if (u == w || lu < len) continue;
            CHECK(memcmp(v.codes + v.code_start[u], v.codes + v.code_start[w], len) != 0);
        }
    }
    CHECK_NEAR(kraft, 1.0, 1e-12);
    CHECK(rn__w2v_vocab_noise(&v, 0.75) == RN_OK);
    double z = 0, seen[7] = {0};
    for (size_t w = 0; w < v.n; w++)
        z += pow((double)v.counts[w], 0.75);
    rn_rng g;
    rn_rng_seed(&g, 3);
    int draws = 200000;
    for (int i = 0; i < draws; i++) {
        uint64_t r = rn_rng_next(&g);
        uint32_t col = (uint32_t)(((r >> 32) * (uint64_t)v.n) >> 32);
        seen[(uint32_t)r < v.alias_prob[col] ? col : (uint32_t)v.alias[col]] += 1.0 / draws;
    }
    for (size_t w = 0; w < v.n; w++)
        CHECK_NEAR(seen[w], pow((double)v.counts[w], 0.75) / z, 0.005);
    rn__w2v_vocab_free(&v);
    rn__w2v_map_free(&map);
}

/* ---- learning bars -------------------------------------------------------------------------- */

static topic_corpus corpus = {.n_topics = 10, .per_topic = 30, .n_stop = 5, .sentence_len = 12,
                              .stop_share = 0.2, .noise = 0.5};

static double train_quality(int sg, int hs, int negative, int threads, int epochs)
{
    rn_w2v_config c = rn_w2v_defaults();
    c.dim = 32;
    c.sg = sg;
    c.hs = hs;
    c.negative = negative;
    c.threads = threads;
    c.epochs = epochs;
    c.alpha = sg ? 0.025 : 0.05;
    rn_embeddings *e = rn_w2v_train_ids(corpus.tokens, corpus.offsets, corpus.n_seq, &c, NULL);
    CHECK(e != NULL);
    if (e == NULL) {
        fprintf(stderr, "  %s\n", rn_error());
        return 0;
    }
    CHECK(rn_emb_count(e) == 305 && rn_emb_dim(e) == 32);
    double q = topic_quality(e, &corpus, 1000);
    printf("  sg=%d hs=%d negative=%d threads=%d epochs=%d: topic share of 10 neighbours %.3f\n",
           sg, hs, negative, threads, epochs, q);
    rn_emb_free(e);
    return q;
}

static void test_learns_topics(void)
{
    CHECK(train_quality(1, 0, 5, 1, 3) > 0.95);
    CHECK(train_quality(1, 1, 0, 1, 3) > 0.95);
    CHECK(train_quality(0, 0, 5, 1, 3) > 0.95);
    CHECK(train_quality(0, 1, 0, 1, 3) > 0.95);
    CHECK(train_quality(1, 0, 5, 2, 3) > 0.95);
    /* an untrained model (random vectors) is at chance, about 29/304 */
    rn_w2v_config c = rn_w2v_defaults();
    c.alpha = c.min_alpha = 1e-9;
    c.epochs = 1;
    rn_embeddings *e = rn_w2v_train_ids(corpus.tokens, corpus.offsets, corpus.n_seq, &c, NULL);
    CHECK(e != NULL && topic_quality(e, &corpus, 1000) < 0.2);
    rn_emb_free(e);
}

/* One thread: the same data, config and seed give the same vectors. */
static void test_reproducible(void)
{
    rn_w2v_config c = rn_w2v_defaults();
    c.dim = 16;
    c.epochs = 1;
    rn_embeddings *a = rn_w2v_train_ids(corpus.tokens, corpus.offsets, corpus.n_seq, &c, NULL);
    rn_embeddings *b = rn_w2v_train_ids(corpus.tokens, corpus.offsets, corpus.n_seq, &c, NULL);
    c.seed = 2;
    rn_embeddings *d = rn_w2v_train_ids(corpus.tokens, corpus.offsets, corpus.n_seq, &c, NULL);
    CHECK(a != NULL && b != NULL && d != NULL);
    if (a && b && d) {
        size_t bytes = rn_emb_count(a) * 16 * sizeof(float);
        CHECK(memcmp(rn_emb_vectors(a), rn_emb_vectors(b), bytes) == 0);
        CHECK(memcmp(rn_emb_vectors(a), rn_emb_vectors(d), bytes) != 0);
    }
    rn_emb_free(a);
    rn_emb_free(b);
    rn_emb_free(d);
}

/* ---- hooks, Ctrl-C ------------------------------------------------------------------------- */

typedef struct {
    int calls, stop_at;
    rn_w2v_progress last;
} progress_log;

static int on_progress(void *ud, const rn_w2v_progress *p)
{
    progress_log *l = ud;
    if (l->calls > 0) CHECK(p->words_done > l->last.words_done && p->alpha <= l->last.alpha);
    l->last = *p;
    return ++l->calls != l->stop_at;
}

static void test_progress_and_interrupt(void)
{
    rn_w2v_config c = rn_w2v_defaults();
    c.dim = 8;
    c.epochs = 2;
    progress_log log = {0};
    rn_w2v_hooks h = {on_progress, &log};
    rn_embeddings *e = rn_w2v_train_ids(corpus.tokens, corpus.offsets, corpus.n_seq, &c, &h);
    CHECK(e != NULL && log.calls >= 2);
    CHECK(log.last.words_done == log.last.words_total && log.last.epoch == 2);
    CHECK(log.last.words_total == 2 * (uint64_t)corpus.offsets[corpus.n_seq]);
    CHECK(log.last.loss > 0 && log.last.loss < 10 && log.last.words_per_sec > 0);
    rn_emb_free(e);
    /* the hook stops it: embeddings of what was trained, no error */
    log = (progress_log){.stop_at = 1};
    e = rn_w2v_train_ids(corpus.tokens, corpus.offsets, corpus.n_seq, &c, &h);
    CHECK(e != NULL && log.calls == 1);
    rn_emb_free(e);
    /* Ctrl-C at the second poll: NULL and the message */
    rn_interrupt_after(1);
    e = rn_w2v_train_ids(corpus.tokens, corpus.offsets, corpus.n_seq, &c, NULL);
    rn_interrupt_after(-1);
    CHECK(e == NULL && rn_error_code() == RN_EINTR);
    CHECK(strstr(rn_error(), "interrupted (Ctrl-C) in word2vec at epoch 1 of 2") != NULL);
}

/* ---- text files and errors ----------------------------------------------------------------- */

static void write_file(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    fwrite(text, 1, len, f);
    fclose(f);
}

static void test_text(void)
{
    char path[] = "/tmp/rn_w2v_textXXXXXX";
    int fd = mkstemp(path);
    close(fd);
    /* two topics of words, a sentence per line, mixed whitespace */
    FILE *f = fopen(path, "w");
    rn_rng g;
    rn_rng_seed(&g, 5);
    const char *a[] = {"cat", "dog", "mouse", "horse"}, *b[] = {"red", "green", "blue", "pink"};
    for (int s = 0; s < 3000; s++) {
        const char **w = s % 2 ? a : b;
        for (int i = 0; i < 8; i++)
            fprintf(f, "%s%s", w[rn_rng_below(&g, 4)], i % 3 == 2 ? " \t " : " ");
        fputs(s % 5 ? "\n" : "\r\n", f);
    }
    fclose(f);
    rn_w2v_config c = rn_w2v_defaults();
    c.dim = 8;
    c.epochs = 2;
    rn_embeddings *e = rn_w2v_train_text(path, &c, NULL);
    CHECK(e != NULL && rn_emb_count(e) == 8 && rn_emb_has_labels(e));
    if (e != NULL) {
        size_t row, rows[3];
        float sc[3];
        CHECK(rn_emb_find_label(e, "dog", &row) == RN_OK);
        CHECK(rn_emb_neighbors(e, row, 3, RN_INDEX_COSINE, rows, sc) == 3);
        for (int i = 0; i < 3; i++) {
            const char *l = rn_emb_label(e, rows[i]);
            CHECK(strcmp(l, "cat") == 0 || strcmp(l, "mouse") == 0 || strcmp(l, "horse") == 0);
        }
    }
    rn_emb_free(e);
    write_file(path, "a b c\nd e\0f\n", 12);
    CHECK(rn_w2v_train_text(path, &c, NULL) == NULL && rn_error_code() == RN_EPARSE);
    CHECK(strstr(rn_error(), ":2: a NUL byte") != NULL);
    write_file(path, " \n\n", 3);
    CHECK(rn_w2v_train_text(path, &c, NULL) == NULL);
    CHECK(strstr(rn_error(), "holds no words") != NULL);
    write_file(path, "a b c\n", 6);
    CHECK(rn_w2v_train_text(path, &c, NULL) == NULL);
    CHECK_STR(rn_error(), "word2vec: no token is seen min_count = 5 times (3 distinct tokens in 3); "
                          "lower min_count");
    unlink(path);
    CHECK(rn_w2v_train_text("/nonexistent/corpus.txt", &c, NULL) == NULL &&
          rn_error_code() == RN_EIO);
    CHECK(rn_w2v_train_text("/tmp", &c, NULL) == NULL && strstr(rn_error(), "not a regular file"));
}

static void test_errors(void)
{
    int64_t tokens[4] = {1, 2, -3, 4};
    size_t offsets[3] = {0, 2, 4}, bad_offsets[3] = {0, 3, 2};
    rn_w2v_config c = rn_w2v_defaults();
    c.min_count = 1;
    CHECK(rn_w2v_train_ids(tokens, offsets, 2, &c, NULL) == NULL);
    CHECK_STR(rn_error(), "word2vec: token ids must be >= 0: sequence 2, position 1 holds -3");
    tokens[2] = 3;
    CHECK(rn_w2v_train_ids(tokens, bad_offsets, 2, &c, NULL) == NULL);
    CHECK_STR(rn_error(), "word2vec: offsets must not decrease: sequence 2 ends at 2 before it "
                          "starts at 3");
    const char *labels[3] = {"x", "y", "z"};
    CHECK(rn_w2v_train_labeled(tokens, offsets, 2, labels, 3, &c, NULL) == NULL);
    CHECK_STR(rn_error(), "word2vec: sequence 2, position 1 holds id 3, which has no label (3 "
                          "labels)");
    CHECK(rn_w2v_train_ids(tokens, offsets, 0, &c, NULL) == NULL);
    CHECK_STR(rn_error(), "word2vec: no sequences to train on");
    rn_w2v_config b = c;
    b.negative = 0;
    CHECK(rn_w2v_check_config(&b) == RN_EARG);
    CHECK_STR(rn_error(), "word2vec: nothing to train: negative = 0 and hs = 0 (give negative > "
                          "0, or hs = 1)");
    b = c;
    b.dim = 0;
    CHECK(rn_w2v_check_config(&b) == RN_EARG);
    CHECK_STR(rn_error(), "word2vec: dim must be in 1..65536, got 0");
    b = c;
    b.min_alpha = 1;
    CHECK(rn_w2v_check_config(&b) == RN_EARG);
    CHECK_STR(rn_error(), "word2vec: min_alpha must be in [0, alpha = 0.025], got 1");
    b = c;
    b.sample = -1;
    CHECK(rn_w2v_check_config(&b) == RN_EARG);
    b = c;
    b.threads = 0;
    CHECK(rn_w2v_check_config(&b) == RN_EARG);
    CHECK(rn_w2v_check_config(&c) == RN_OK);
}

int main(void)
{
    topic_corpus_make(&corpus, 60000, 11);
    RUN(test_sgns_step);
    RUN(test_hs_step);
    RUN(test_vocab_tables);
    RUN(test_learns_topics);
    RUN(test_reproducible);
    RUN(test_progress_and_interrupt);
    RUN(test_text);
    RUN(test_errors);
    topic_corpus_free(&corpus);
    return check_report();
}
