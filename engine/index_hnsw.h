/* Approximate top-K search on a graph: HNSW (Malkov and Yashunin,
 * "Efficient and robust approximate nearest neighbor search using
 * Hierarchical Navigable Small World graphs", IEEE TPAMI 2018).
 *
 * Every vector is a node on layers 0..l, its top layer l drawn at random
 * (P(l >= L) = M^-L, so each layer holds about 1/M of the one below). On
 * each layer a node links to at most M others (2M on layer 0). A search
 * walks greedily from the entry point down the sparse upper layers, then
 * explores layer 0 best-first, keeping the ef best nodes seen; the k best of
 * those are the answer. Larger ef: better recall, slower search.
 *
 * Insertion (the paper's Algorithm 1) searches each layer of the new node
 * with ef_construction candidates and keeps M neighbours by the paper's
 * heuristic (Algorithm 4): a candidate is kept only if it is closer to the
 * new node than to every neighbour kept before it, which spreads the links
 * over directions instead of crowding one cluster; a neighbour whose list
 * overflows is pruned by the same rule. Scores are those of index.h (dot,
 * or cosine through unit-length copies); "closer" means a higher score.
 *
 *     rn_index_hnsw *h = rn_index_hnsw_new(64, RN_INDEX_COSINE, 16, 100, 42);
 *     rn_index_hnsw_add(h, items, n_items, 64, NULL);      // ids 0..n-1
 *     rn_index_hnsw_set_ef_search(h, 64);
 *     rn_index_hnsw_search(h, users, n_users, 64, 10, ids, scores);
 *     rn_index_hnsw_free(h);
 *
 * Adds and searches run on every core (rn_index_hnsw_set_threads): the
 * nodes of one add are inserted concurrently under a lock per node, so a
 * graph built on several threads depends on their timing; with threads = 1
 * the same seed builds the same graph. A search's results are the same on
 * any number of threads. Searches of one index must not run concurrently
 * (they share its scratch buffers).
 *
 * Results, ties, padding (k above the size) and errors follow index.h. An
 * add interrupted by Ctrl-C keeps the vectors inserted so far (a prefix of
 * the batch) and says how many.
 */
#ifndef RN_INDEX_HNSW_H
#define RN_INDEX_HNSW_H

#include <stddef.h>
#include <stdint.h>

#include "index.h"

typedef struct rn_index_hnsw rn_index_hnsw;

/* Limits of the parameters. */
#define RN_HNSW_MAX_M  256
#define RN_HNSW_MAX_EF 100000

/* An empty graph index: M links per node (2..256; 2M on layer 0),
 * ef_construction candidates per insertion (1..100000; at least M is
 * used), the layers drawn from seed. ef_search starts at 64. NULL on a bad
 * argument (rn_error names it). Caller frees. */
rn_index_hnsw *rn_index_hnsw_new(int dim, int metric, int M, int ef_construction, uint64_t seed);
void rn_index_hnsw_free(rn_index_hnsw *h);

/* Inserts n vectors (as rn_index_add: dim checked, finite, ids >= 0 or NULL
 * for size, size+1, ...), in blocks of RN_HNSW_ADD_BLOCK through the shared
 * loop (progress: rn_index_hnsw_set_progress). RN_EINTR on Ctrl-C (or a
 * progress callback returning 0), the vectors inserted so far kept (rn_error
 * says how many). */
#define RN_HNSW_ADD_BLOCK 1024
int rn_index_hnsw_add(rn_index_hnsw *h, const float *v, size_t n, int dim, const int64_t *ids);

/* The k best of the ef_search (at least k) best nodes found, per query, as
 * rn_index_search. */
int rn_index_hnsw_search(rn_index_hnsw *h, const float *q, size_t nq, int dim, int k,
                         int64_t *ids, float *scores);

/* ef_search: 1..RN_HNSW_MAX_EF (RN_EARG otherwise). */
int rn_index_hnsw_set_ef_search(rn_index_hnsw *h, int ef);
/* Worker threads, as rn_index_set_threads (0: every core). */
void rn_index_hnsw_set_threads(rn_index_hnsw *h, int threads);
/* The progress callback of later adds (index.h; copied; NULL: none). */
void rn_index_hnsw_set_progress(rn_index_hnsw *h, const rn_index_progress *p);

size_t rn_index_hnsw_size(const rn_index_hnsw *h);
int rn_index_hnsw_dim(const rn_index_hnsw *h);
int rn_index_hnsw_metric(const rn_index_hnsw *h);
int rn_index_hnsw_M(const rn_index_hnsw *h);
int rn_index_hnsw_ef_construction(const rn_index_hnsw *h);
int rn_index_hnsw_ef_search(const rn_index_hnsw *h);
/* The top layer (-1 when empty) and the links held on layer 0, for describing the graph. */
int rn_index_hnsw_max_level(const rn_index_hnsw *h);
size_t rn_index_hnsw_links(const rn_index_hnsw *h);
/* The stored vectors (unit length under cosine) and ids; borrowed. */
const float *rn_index_hnsw_vectors(const rn_index_hnsw *h);
const int64_t *rn_index_hnsw_ids(const rn_index_hnsw *h);

/* Saves the graph with its vectors, ids and parameters (atomically; the
 * format of index_internal.h), and loads it back: every size, link and level
 * is checked, errors name the path and byte offset. */
int rn_index_hnsw_save(const rn_index_hnsw *h, const char *path);
rn_index_hnsw *rn_index_hnsw_load(const char *path);

#endif
