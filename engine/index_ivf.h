/* Approximate top-K search by clusters: IVF-Flat (an inverted file of full
 * vectors; Jegou, Douze, Schmid, "Product quantization for nearest neighbor
 * search", IEEE TPAMI 2011, section 4; FAISS's IndexIVFFlat).
 *
 * Training runs k-means (Lloyd's iterations from nlist distinct sample
 * vectors drawn with the seed) on the training vectors, or on 256 nlist of
 * them drawn at random when there are more; an empty cluster takes half of
 * the largest (its centroid split in two by a small nudge, as FAISS does).
 * Every vector added then goes to the list of its best centroid. A search
 * scores the query against the centroids, scans the nprobe best lists in
 * full and keeps the k best vectors: nprobe = nlist is exact, small nprobe
 * fast.
 *
 * Scores as index.h: dot, or cosine through unit-length vectors (then the
 * centroids are kept at unit length too: spherical k-means). Assignments and
 * probes use the same score as the search. Under dot, vectors of very
 * different norms crowd the lists of long centroids; normalise (cosine)
 * when the norms carry no meaning.
 *
 * A batch of queries is scanned list by list: the queries probing a list
 * are gathered and multiplied with it by one sgemm, so each list is read
 * once per batch, not once per query; the batch is split between the
 * cores.
 *
 *     rn_index_ivf *f = rn_index_ivf_new(64, RN_INDEX_COSINE, 1024, 42);
 *     rn_index_ivf_train(f, items, n_items, 64, 20);
 *     rn_index_ivf_add(f, items, n_items, 64, NULL);
 *     rn_index_ivf_set_nprobe(f, 16);
 *     rn_index_ivf_search(f, users, n_users, 64, 10, ids, scores);
 *     rn_index_ivf_free(f);
 *
 * Results, ties, padding and errors as index.h; adding to or searching an
 * untrained index is RN_ESTATE.
 */
#ifndef RN_INDEX_IVF_H
#define RN_INDEX_IVF_H

#include <stddef.h>
#include <stdint.h>

#include "index.h"

typedef struct rn_index_ivf rn_index_ivf;

#define RN_IVF_MAX_NLIST 65536

/* An untrained index of nlist lists (1..65536); nprobe starts at 8 (at most
 * nlist). seed draws the training sample and the first centroids. NULL on a
 * bad argument. Caller frees. */
rn_index_ivf *rn_index_ivf_new(int dim, int metric, int nlist, uint64_t seed);
void rn_index_ivf_free(rn_index_ivf *f);

/* Trains the centroids by iterations (1..1000) of k-means on n training
 * vectors (at least nlist), through the shared loop: an iteration is an
 * epoch, a step assigns RN_IVF_BLOCK_ROWS sample vectors (progress:
 * rn_index_ivf_set_progress; the step's loss is minus the block's mean
 * score to its centroid). RN_ESTATE when the index already holds vectors
 * (retraining would misfile them), RN_EINTR on Ctrl-C or a progress
 * callback returning 0 (the index stays untrained). */
#define RN_IVF_BLOCK_ROWS 4096
int rn_index_ivf_train(rn_index_ivf *f, const float *v, size_t n, int dim, int iterations);
int rn_index_ivf_is_trained(const rn_index_ivf *f);

/* Files n vectors into their lists (as rn_index_add; nothing added on
 * failure), finding the lists through the shared loop in blocks of
 * RN_IVF_BLOCK_ROWS (progress, Ctrl-C: as training). */
int rn_index_ivf_add(rn_index_ivf *f, const float *v, size_t n, int dim, const int64_t *ids);

/* The k best among the vectors of the nprobe lists best for each query. */
int rn_index_ivf_search(rn_index_ivf *f, const float *q, size_t nq, int dim, int k,
                        int64_t *ids, float *scores);

/* nprobe: 1..nlist (RN_EARG otherwise). */
int rn_index_ivf_set_nprobe(rn_index_ivf *f, int nprobe);
void rn_index_ivf_set_threads(rn_index_ivf *f, int threads);
/* The progress callback of later trainings and adds (index.h; copied; NULL: none). */
void rn_index_ivf_set_progress(rn_index_ivf *f, const rn_index_progress *p);

size_t rn_index_ivf_size(const rn_index_ivf *f);
int rn_index_ivf_dim(const rn_index_ivf *f);
int rn_index_ivf_metric(const rn_index_ivf *f);
int rn_index_ivf_nlist(const rn_index_ivf *f);
int rn_index_ivf_nprobe(const rn_index_ivf *f);
/* The number of vectors in list l (0..nlist-1). */
size_t rn_index_ivf_list_size(const rn_index_ivf *f, int l);
/* The nlist x dim centroids (NULL before training); borrowed. */
const float *rn_index_ivf_centroids(const rn_index_ivf *f);
/* Every stored vector (unit length under cosine) and its id, in the order
 * of addition, copied into v (n x dim) and ids (n). */
void rn_index_ivf_vectors(const rn_index_ivf *f, float *v, int64_t *ids);

/* Saves the centroids and lists (atomically, the format of
 * index_internal.h) and loads them back, every size and list checked. */
int rn_index_ivf_save(const rn_index_ivf *f, const char *path);
rn_index_ivf *rn_index_ivf_load(const char *path);

#endif
