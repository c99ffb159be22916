/* Embeddings: n vectors of one dimension, each with an int64 id and, when
 * given, a text label (a movie title, a word). What word2vec, DeepWalk, ALS
 * and a model's embedding table hand to a user: find a vector by id or by
 * label, its nearest neighbours, a 2-D PCA projection to draw, and files
 * other tools read.
 *
 *     rn_embeddings *e = rn_emb_new(v, n, 32, movie_ids, titles);   // caller frees
 *     size_t row;
 *     rn_emb_find_label(e, "Toy Story (1995)", &row);
 *     size_t nb[10]; float sc[10];
 *     int m = rn_emb_neighbors(e, row, 10, RN_INDEX_COSINE, nb, sc);  // m <= 10 rows
 *     rn_emb_save(e, "movies.vec", RN_EMB_WORD2VEC_TEXT);
 *
 * Rows are 0-based positions; ids are unique and >= 0 and name vectors as a
 * user does (a movie id); without ids, vectors are numbered from 1, as Lua
 * and MovieLens count. Labels may repeat (finding a repeated label by name
 * is then an error naming its ids).
 *
 * File formats (all writers atomic: a unique temporary file beside the
 * target, fsync, rename; every loader treats its file as hostile: sizes are
 * checked against the file before anything is allocated, and errors name
 * the file and the line, or the vector and byte offset in binary files):
 *
 *   word2vec text    "n dim\n", then per vector: token, then dim decimal
 *                    floats ("%.9g", so float32 values round-trip exactly),
 *                    separated by single spaces, then "\n". As word2vec.c
 *                    and gensim write it (gensim's
 *                    KeyedVectors.load_word2vec_format reads ours).
 *   word2vec binary  "n dim\n", then per vector: token, ' ', dim float32
 *                    little-endian, '\n' (word2vec.c's layout; the reader
 *                    also takes gensim's rows without the '\n').
 *   TensorBoard      vectors.tsv: one vector per line, values separated by
 *   projector        tabs, no header; metadata.tsv: with labels, a header
 *                    "id\tlabel" and one "id\tlabel" line per vector; without
 *                    labels, one id per line and no header (the projector's
 *                    rule: a single column has no header).
 *
 * Tokens (word2vec files): the label when there are labels, else the id in
 * decimal. A word2vec token cannot hold a space (both readers split on it),
 * so labels are written with ' ' as '_' -- the usual convention, gensim then
 * sees "Toy_Story_(1995)" -- and, to stay reversible, '_' itself as "%5F",
 * '%' as "%25" and other ASCII whitespace and control bytes as "%XX"; every
 * other byte (UTF-8 included) is written as is. Loading reverses it (unless
 * RN_EMB_RAW_TOKENS). TSV labels escape '\\', tab, newline and carriage
 * return as "\\\\", "\\t", "\\n", "\\r".
 *
 * Loading: when every token (or metadata value) is a decimal integer >= 0
 * without leading zeros and no two are equal, they are the ids and there are
 * no labels; otherwise they are the labels and the ids are 1..n (the order
 * in the file; gensim's key_to_index counts the same rows from 0). So ids
 * survive a round trip
 * through word2vec files only for vectors without labels; TSV keeps both.
 */
#ifndef RN_EMBEDDINGS_H
#define RN_EMBEDDINGS_H

#include <stddef.h>
#include <stdint.h>

#include "index.h"

typedef struct rn_embeddings rn_embeddings;

/* Limits: dimension (as rn_index), label length in bytes, and vectors. */
#define RN_EMB_MAX_DIM   65536
#define RN_EMB_MAX_LABEL 4096
#define RN_EMB_MAX_COUNT ((size_t)1 << 31)

/* Copies n vectors (n x dim, row-major, finite), ids (n unique values >= 0;
 * NULL: 1..n) and labels (n UTF-8 strings of at most RN_EMB_MAX_LABEL
 * bytes; NULL: no labels). NULL on error (rn_error names the row). Caller
 * frees with rn_emb_free. */
rn_embeddings *rn_emb_new(const float *v, size_t n, int dim, const int64_t *ids,
                          const char *const *labels);
void rn_emb_free(rn_embeddings *e);

size_t rn_emb_count(const rn_embeddings *e);
int rn_emb_dim(const rn_embeddings *e);
/* The n x dim vectors; borrowed, valid until rn_emb_free. */
const float *rn_emb_vectors(const rn_embeddings *e);
int64_t rn_emb_id(const rn_embeddings *e, size_t row);
/* Nonzero when the vectors have labels; the label of row (borrowed), or NULL
 * without labels. */
int rn_emb_has_labels(const rn_embeddings *e);
const char *rn_emb_label(const rn_embeddings *e, size_t row);

/* The row of id / of label. RN_EARG naming what was not found (and, for a
 * label, the nearest known label when one is close), or a label that names
 * several vectors (with their ids). */
int rn_emb_find_id(const rn_embeddings *e, int64_t id, size_t *row);
int rn_emb_find_label(const rn_embeddings *e, const char *label, size_t *row);

/* The k nearest rows to row under metric (RN_INDEX_DOT or RN_INDEX_COSINE),
 * best first, without row itself: writes min(k, n - 1) rows and scores and
 * returns that count, or a negative RN_E*. Ties go to the smaller id. The
 * first search under a metric builds an rn_index (kept until rn_emb_free). */
int rn_emb_neighbors(rn_embeddings *e, size_t row, int k, int metric, size_t *rows,
                     float *scores);

/* The k nearest rows to the vector v (dim values): writes min(k, n) rows and
 * scores, returns the count or a negative RN_E* (dim mismatch, NaN). */
int rn_emb_search(rn_embeddings *e, const float *v, int dim, int k, int metric, size_t *rows,
                  float *scores);

/* The 2-D PCA projection of the vectors: xy (n x 2) = the centred vectors on
 * the two leading eigenvectors of their covariance, and explained[0..1] the
 * share of the total variance along each (0 when all vectors are equal).
 * The covariance is accumulated in double; its eigenvectors come from cyclic
 * Jacobi rotations (dim <= 256) or subspace iteration with Rayleigh-Ritz
 * (larger dim). Each axis is signed so that its largest coordinate is
 * positive, so the picture is the same on every run. */
int rn_emb_pca2(const rn_embeddings *e, float *xy, double explained[2]);

/* ---- files -------------------------------------------------------------------------------- */

enum { RN_EMB_WORD2VEC_TEXT = 0, RN_EMB_WORD2VEC_BINARY = 1, RN_EMB_TSV = 2 };
/* Loader flag: keep word2vec tokens verbatim (no '_' -> ' ' or %XX decoding). */
enum { RN_EMB_RAW_TOKENS = 1 };

/* Writes e as a word2vec text or binary file at path (atomically). RN_EIO
 * naming the path, RN_EARG for an empty label. */
int rn_emb_save_word2vec(const rn_embeddings *e, const char *path, int binary);

/* Writes the projector's two files (each atomically). */
int rn_emb_save_tsv(const rn_embeddings *e, const char *vectors_path, const char *metadata_path);

/* Reads a word2vec text or binary file. flags: 0 or RN_EMB_RAW_TOKENS. NULL
 * on error, with the file and line (or vector and byte) in rn_error. */
rn_embeddings *rn_emb_load_word2vec(const char *path, int binary, int flags);

/* Reads vectors.tsv and, when metadata_path is not NULL, metadata.tsv (which
 * must have one line per vector, after its header when it has one). */
rn_embeddings *rn_emb_load_tsv(const char *vectors_path, const char *metadata_path);

/* Encodes a label as a word2vec token / decodes a token (see above). Write at
 * most size bytes including the NUL; return the length the whole result
 * needs (as snprintf), or -1 for an empty label. */
int rn_emb_encode_token(const char *label, char *out, size_t size);
int rn_emb_decode_token(const char *token, char *out, size_t size);

#endif
