/* Exact top-K search: vectors in, the K best ids out.
 *
 * An rn_index holds n vectors of one dimension with an int64 id each. A
 * search scores every query against every vector and keeps the K best per
 * query, best first:
 *
 *     RN_INDEX_DOT     score = <q, v>
 *     RN_INDEX_COSINE  score = <q, v> / (|q| |v|)   (a zero vector scores 0)
 *
 * Scores are computed by blocked matrix products (cblas_sgemm over a tile of
 * queries times a tile of vectors), each tile's scores then fed to a bounded
 * heap of K per query, so memory stays O(tiles + nq K) however large the
 * index; the vector tiles are split between the cores. Approximate indexes
 * for large collections: index_hnsw.h (a graph) and index_ivf.h (clusters). For cosine the index keeps normalised copies of the vectors and
 * normalises each query tile.
 *
 *     rn_index *ix = rn_index_new(64, RN_INDEX_COSINE);          // caller frees
 *     rn_index_add(ix, items, n_items, 64, NULL);                 // ids 0..n-1
 *     rn_index_search(ix, users, n_users, 64, 10, ids, scores);   // n_users x 10
 *     rn_index_free(ix);
 *
 * Order and ties: best score first; equal scores put the smaller id first
 * (and, for equal ids, the vector added first). Scores are float32 as the
 * matrix product computes them, so two vectors tie when their scores are
 * equal as computed, not merely equal in exact arithmetic.
 *
 * k larger than the index: the n results come first, and the remaining
 * k - n slots of each query hold id -1 and score -INFINITY. Ids must be >= 0,
 * so -1 never names a vector.
 *
 * Errors: dimension mismatch, k < 1, a search of an empty index, NaN or
 * infinite input, negative ids, sizes that overflow: each a clear message
 * (rn_error) and a negative RN_E* code, with the index unchanged. A search
 * polls Ctrl-C between query tiles and returns RN_EINTR.
 */
#ifndef RN_INDEX_H
#define RN_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "loop.h"

typedef struct rn_index rn_index;

/* Progress of a long build, an HNSW add or an IVF training and add: the
 * shared training loop (loop.h) runs it in blocks of vectors, polling
 * Ctrl-C between blocks, and calls on_step on the calling thread after each
 * block (p->seen of p->total vectors; an IVF training's p->epoch is its
 * k-means iteration). Returning 0 stops the build as Ctrl-C does. */
typedef struct {
    int (*on_step)(void *ud, const rn_fit_progress *p);
    void *ud;
} rn_index_progress;

enum { RN_INDEX_DOT = 0, RN_INDEX_COSINE = 1 };

/* The tiles of a search: this many queries by this many vectors per matrix
 * product, so the score tile (1 MiB) stays near the core between the product and
 * the heap scan (tests/bench/bench_index measures the choice). */
#define RN_INDEX_TILE_QUERIES 256
#define RN_INDEX_TILE_VECTORS 1024

/* An empty index of vectors of dim values (1..65536) under metric. NULL on
 * a bad argument or out of memory (rn_error says which). Caller frees. */
rn_index *rn_index_new(int dim, int metric);

/* Frees ix; NULL is fine. */
void rn_index_free(rn_index *ix);

/* Copies n vectors (n x dim, row-major; dim must be the index's) with ids
 * (n values >= 0; NULL numbers them size, size+1, ..., that is, by the order
 * of addition). Duplicate ids are allowed (ties then follow the order of
 * addition). RN_ESHAPE on a dim mismatch, RN_ENAN naming the row and column
 * of a NaN or infinite value, RN_EARG for a negative id; nothing is added on
 * failure. n = 0 adds nothing. */
int rn_index_add(rn_index *ix, const float *v, size_t n, int dim, const int64_t *ids);

/* Searches nq queries (nq x dim) for their k best vectors. Writes nq x k ids
 * and scores (row-major, best first; padded with -1 / -INFINITY when k >
 * size). RN_ESTATE when the index is empty, RN_EARG when k < 1, RN_ESHAPE
 * on a dim mismatch, RN_ENAN for a NaN or infinite query value, RN_EINTR on
 * Ctrl-C. A score that overflows to NaN (inf - inf) ranks as -INFINITY. */
int rn_index_search(const rn_index *ix, const float *q, size_t nq, int dim, int k, int64_t *ids,
                    float *scores);

/* Worker threads of a search: 0 (the default) uses every core online (at
 * most 8), splitting the vectors between them; 1 keeps it on the calling
 * thread. Results are the same either way. Searches too small to pay for a
 * thread stay on the caller. */
void rn_index_set_threads(rn_index *ix, int threads);

/* Writes the index (vectors, ids, metric) to path atomically, in the index
 * file format (index_internal.h; HNSW and IVF indexes share it). RN_EIO
 * naming the path. */
int rn_index_save(const rn_index *ix, const char *path);

/* Reads an exact index saved by rn_index_save. The file is hostile: its
 * sizes are checked before anything is allocated, and every error
 * (RN_EPARSE) names the path and the byte offset. NULL on error. */
rn_index *rn_index_load(const char *path);

/* The kind of index a file holds: RN_INDEX_FLAT, RN_INDEX_HNSW or
 * RN_INDEX_IVF, or a negative RN_E* (the file is missing or not an index). */
enum { RN_INDEX_FLAT = 0, RN_INDEX_HNSW = 1, RN_INDEX_IVF = 2 };
int rn_index_file_kind(const char *path);

/* The n x dim vectors as stored (unit length under cosine) and their ids;
 * borrowed, valid until the next add or free. */
const float *rn_index_vectors(const rn_index *ix);
const int64_t *rn_index_ids(const rn_index *ix);

/* The number of vectors, their dimension and the metric. */
size_t rn_index_size(const rn_index *ix);
int rn_index_dim(const rn_index *ix);
int rn_index_metric(const rn_index *ix);

/* "dot" or "cosine" (or "?" for an unknown value); and the metric named s,
 * or -1. */
const char *rn_index_metric_name(int metric);
int rn_index_metric_from_name(const char *s);

#endif
