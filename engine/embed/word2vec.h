/* word2vec (Mikolov et al. 2013, "Efficient Estimation of Word
 * Representations in Vector Space" and "Distributed Representations of Words
 * and Phrases and their Compositionality"): a vector per token, learnt so
 * that a token predicts the tokens around it (skip-gram) or its neighbours
 * predict it (CBOW), trained with negative sampling (unigram^0.75 noise) or
 * hierarchical softmax (a Huffman tree over the vocabulary), subsampling of
 * frequent tokens, a dynamic window and a learning rate that falls linearly
 * to min_alpha. Threads update the shared weights without locks (Hogwild).
 *
 * Tokens are int64 ids (words numbered by a caller, movie ids, graph nodes):
 *
 *     rn_w2v_config c = rn_w2v_defaults();          // SGNS, dim 100, window 5
 *     c.min_count = 1;
 *     rn_embeddings *e = rn_w2v_train_ids(tokens, offsets, n_seq, &c, NULL);
 *     if (e == NULL) puts(rn_error());              // bad input, Ctrl-C, ...
 *     ...                                           // rn_emb_neighbors, rn_emb_save_word2vec
 *     rn_emb_free(e);
 *
 * The training is a job of the shared loop (loop.h): a step is a run of
 * blocks of about 10,000 tokens that the threads share out, so Ctrl-C stops
 * it between whole steps (RN_EINTR) and progress reaches the caller after
 * each step. With threads = 1 the result depends only on the data, the
 * config and the seed; with more threads the order of the lock-free updates
 * varies from run to run (the random draws do not: each block has its own).
 */
#ifndef RN_W2V_H
#define RN_W2V_H

#include <stddef.h>
#include <stdint.h>

#include "embeddings.h"

typedef struct {
    int dim;          /* vector size (default 100) */
    int window;       /* largest distance to a context token (default 5); each centre
                         draws its own window in 1..window */
    int negative;     /* noise tokens per positive pair, 0 = none (default 5) */
    int hs;           /* 1: hierarchical softmax (default 0); with negative > 0 both train */
    int sg;           /* 1 skip-gram (default), 0 CBOW (mean of the context) */
    int min_count;    /* tokens seen fewer times are dropped (default 5) */
    int epochs;       /* passes over the data (default 5) */
    int threads;      /* worker threads, 1..64 (default 1: reproducible) */
    double sample;    /* subsampling threshold t, 0 = off (default 1e-3) */
    double alpha;     /* starting learning rate (default 0.025) */
    double min_alpha; /* the rate at the end, falling linearly (default 0.0001) */
    uint64_t seed;    /* initial vectors and every random draw (default 1) */
} rn_w2v_config;

rn_w2v_config rn_w2v_defaults(void);

/* Checks a config: RN_EARG naming the field and its range. */
int rn_w2v_check_config(const rn_w2v_config *c);

/* Where training is, after each step (borrowed for the call). */
typedef struct {
    uint64_t words_done;  /* tokens processed so far (before subsampling), all epochs */
    uint64_t words_total; /* epochs x the kept tokens of the data */
    double words_per_sec; /* since the start */
    double elapsed;       /* seconds since the start */
    double alpha;         /* the learning rate now */
    double loss;          /* mean loss per positive pair over the last step */
    int epoch, epochs;    /* 1-based */
} rn_w2v_progress;

/* What a caller sees while training runs; any member may be NULL, and so
 * may the hooks pointer. on_progress runs on the calling thread after each
 * step, never on a worker; returning 0 stops training early and the
 * embeddings trained so far are returned (not an error). Ctrl-C is polled
 * through interrupt.h between steps; it makes training return NULL with
 * RN_EINTR. */
typedef struct {
    int (*on_progress)(void *ud, const rn_w2v_progress *p);
    void *ud;
} rn_w2v_hooks;

/* Trains on sequences of int64 token ids: sequence s is
 * tokens[offsets[s] .. offsets[s+1]) (offsets has n_seq + 1 entries,
 * non-decreasing). Ids must be >= 0. Returns embeddings whose ids are the
 * tokens kept (seen at least min_count times), most frequent first (ties by
 * id), without labels; or NULL with the engine error set (a bad config, a
 * negative id naming its sequence and position, no token kept, RN_EINTR,
 * RN_ENAN, RN_ENOMEM). Caller frees with rn_emb_free. */
rn_embeddings *rn_w2v_train_ids(const int64_t *tokens, const size_t *offsets, size_t n_seq,
                                const rn_w2v_config *c, const rn_w2v_hooks *hooks);

/* As rn_w2v_train_ids, with labels: labels[id] names token id (ids must be
 * < n_labels), and the embeddings carry the labels of the tokens kept. */
rn_embeddings *rn_w2v_train_labeled(const int64_t *tokens, const size_t *offsets, size_t n_seq,
                                    const char *const *labels, size_t n_labels,
                                    const rn_w2v_config *c, const rn_w2v_hooks *hooks);

/* Trains on a text file: one sentence per line, tokens separated by ASCII
 * whitespace (as word2vec.c and gensim's LineSentence read it). The
 * embeddings' labels are the words and their ids number the distinct words
 * 1..n in order of first appearance. RN_EIO naming the path, RN_EPARSE for a
 * NUL byte or a word longer than RN_EMB_MAX_LABEL bytes (file:line). */
rn_embeddings *rn_w2v_train_text(const char *path, const rn_w2v_config *c,
                                 const rn_w2v_hooks *hooks);

#endif
