/* word2vec's pieces shared between its files (not part of the API):
 * the vocabulary with its Huffman codes and noise table (w2v_vocab.c), and
 * the kernel that trains on one block of tokens (w2v_kernel.c). */
#ifndef RN_W2V_INTERNAL_H
#define RN_W2V_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "word2vec.h"

/* ---- vocabulary (w2v_vocab.c) -------------------------------------------------------------- */

/* The kept tokens, most frequent first (ties by id): word w has id ids[w]
 * and count counts[w]. Hierarchical softmax: word w's path from the root is
 * the inner nodes points[code_start[w] .. code_start[w+1]) and the branch
 * taken at each, codes[...] (0 or 1), as word2vec.c builds them. Negative
 * sampling: an alias table over the counts^0.75 (Walker's method: draw a
 * column uniformly, keep it with probability prob[col] / 2^32, else take
 * alias[col]), O(1) per draw and memory proportional to the vocabulary. */
typedef struct {
    size_t n;
    int64_t *ids;
    int64_t *counts;
    uint64_t total; /* sum of counts: the kept tokens of one epoch */
    /* Huffman (built when hs) */
    size_t *code_start; /* n + 1 */
    uint8_t *codes;
    int32_t *points;
    /* noise (built when negative > 0) */
    uint32_t *alias_prob;
    int32_t *alias;
} rn__w2v_vocab;

/* Counts tokens[0..n_tokens), keeps those seen >= min_count, sorts them.
 * The map from id to word index goes to *map (an open-addressing hash the
 * caller reads with rn__w2v_vocab_lookup and frees with rn__w2v_map_free).
 * RN_EARG for a negative id (naming its position via the callback-free
 * index), RN_EARG when nothing is kept, RN_ENOMEM. */
typedef struct {
    size_t cap; /* a power of two */
    int64_t *keys; /* -1: empty */
    int32_t *vals; /* word index, -1: seen but dropped */
} rn__w2v_map;

int rn__w2v_vocab_build(rn__w2v_vocab *v, rn__w2v_map *map, const int64_t *tokens,
                        size_t n_tokens, int min_count);
int32_t rn__w2v_map_get(const rn__w2v_map *map, int64_t id);
void rn__w2v_map_free(rn__w2v_map *map);

int rn__w2v_vocab_huffman(rn__w2v_vocab *v);
int rn__w2v_vocab_noise(rn__w2v_vocab *v, double power);
void rn__w2v_vocab_free(rn__w2v_vocab *v);

/* ---- kernel (w2v_kernel.c) ------------------------------------------------------------------- */

/* The sigmoid as a table over [-MAX_EXP, MAX_EXP] (word2vec.c's trick), and
 * log sigmoid for the reported loss. */
#define RN_W2V_MAX_EXP    6
#define RN_W2V_TABLE_SIZE 1024

typedef struct {
    float sigmoid[RN_W2V_TABLE_SIZE + 1];
    float log_sigmoid[RN_W2V_TABLE_SIZE + 1];
} rn__w2v_tables;

void rn__w2v_tables_init(rn__w2v_tables *t);

/* What every thread reads (read-only during training) and the weights
 * they all write (Hogwild). */
typedef struct {
    const rn_w2v_config *c;
    const rn__w2v_vocab *v;
    const rn__w2v_tables *tab;
    const float *keep; /* per word: probability of keeping it (subsampling), or NULL */
    float *syn0;       /* n x dim: the vectors handed back */
    float *syn1;       /* (n - 1) x dim: hierarchical softmax's inner nodes, or NULL */
    float *syn1neg;    /* n x dim: negative sampling's output vectors, or NULL */
} rn__w2v_model;

/* One thread's scratch (private to it). */
typedef struct {
    float *neu1, *neu1e; /* dim each */
    int32_t *sen;        /* a sentence after subsampling */
    double loss;         /* summed over the block */
    uint64_t pairs;      /* positive pairs trained */
} rn__w2v_scratch;

/* A sentence piece of at most RN_W2V_MAX_SENTENCE tokens (gensim's limit;
 * longer sequences are cut into pieces, as gensim does). */
#define RN_W2V_MAX_SENTENCE 10000

/* Trains on words[0..n) (word indices, one sentence) with learning rate
 * alpha, drawing from *rng (a 64-bit LCG state, as word2vec.c's). */
void rn__w2v_train_sentence(const rn__w2v_model *m, rn__w2v_scratch *s, const int32_t *words,
                            size_t n, float alpha, uint64_t *rng);

#endif
