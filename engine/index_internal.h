/* Internal header of the index family (engine/index*.c): what the exact,
 * HNSW and IVF indexes share, clear of the public API (rn__ names).
 *
 * - the result order and the bounded k-heap that keeps the k best hits;
 * - the small kernels: a dot product, scaling to unit length, the finiteness
 *   check whose message names the row and column;
 * - a parallel for over the machine's cores (plain pthreads; the engine has
 *   no thread pool), with Ctrl-C polled by the calling thread only;
 * - the index file: a fixed header and a bounds-checked reader whose every
 *   error names the file, the byte offset and what was being read.
 *
 * The result order: best score first; equal scores put the smaller id first
 * and, for equal ids, the vector added first (its row: the order of
 * addition). A NaN score ranks as -INFINITY.
 */
#ifndef RN_INDEX_INTERNAL_H
#define RN_INDEX_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- hits and the k-heap -------------------------------------------------------------- */

typedef struct {
    float s;    /* the score */
    int64_t id; /* the user's id */
    size_t row; /* the order of addition: breaks ties between equal ids */
} rn__hit;

/* a ranks after b in the result order. */
static inline int rn__hit_worse(rn__hit a, rn__hit b)
{
    if (a.s != b.s) return a.s < b.s;
    if (a.id != b.id) return a.id > b.id;
    return a.row > b.row;
}

/* A heap h of at most k hits, its root the worst kept (so most candidates
 * are rejected by one comparison with h[0].s once it is full). *cnt is the
 * number held. */
void rn__topk_push(rn__hit *h, size_t *cnt, size_t k, rn__hit x);

/* Feeds m scores s[j] with ids[j] to the heap, their rows rows[j] (or, with
 * rows NULL, row0 + j): the scans' inner loop, skipping blocks of 16 scores
 * below the root. */
void rn__topk_push_run(rn__hit *h, size_t *cnt, size_t k, const float *s, size_t m,
                       const int64_t *ids, const uint64_t *rows, size_t row0);

/* Empties the heap into out_ids/out_scores best first, and pads slots cnt..k_out
 * with id -1 and score -INFINITY. */
void rn__topk_pop_sorted(rn__hit *h, size_t cnt, size_t k_out, int64_t *out_ids, float *out_scores);

/* ---- kernels ---------------------------------------------------------------------------- */

/* <a, b> over dim floats, in float with 16 partial sums (so it vectorises
 * without -ffast-math; the sum order is fixed, so results are reproducible). */
float rn__dot(const float *a, const float *b, int dim);

/* Scales x (dim values) to unit length, in double; a zero vector stays zero. */
void rn__normalise(float *x, int dim);

/* The first non-finite value of an n x dim array, as an RN_ENAN naming what,
 * the row and the column (1-based); RN_OK when all are finite. */
int rn__check_finite(const float *v, size_t n, int dim, const char *what);

/* The IVF lists' layout and scan kernel (index_ivf_scan.c): a list keeps
 * its vectors in blocks of RN__IVF_BLOCK, each block dim x RN__IVF_BLOCK
 * floats, dimension-major (vector j of block b, value d at
 * blocks[(b * dim + d) * RN__IVF_BLOCK + j]), the last block zero-padded.
 * rn__ivf_scores writes the scores of m (1..4) queries q[t] (dim values
 * each) against the n vectors: query t's to s + t * lds, n rounded up to
 * whole blocks (the padding's scores are 0). s holds 4 rows whatever m is:
 * rows m..3 are scratch. */
#define RN__IVF_BLOCK 16
void rn__ivf_scores(const float *const *q, int m, const float *blocks, size_t n, int dim, float *s,
                    size_t lds);

/* ---- parallel for ------------------------------------------------------------------------ */

/* The worker count to use: the engine's thread count (parallel.h), at most RN__MAX_THREADS. */
#define RN__MAX_THREADS 8
int rn__threads(void);

/* Runs fn(ctx, w, n_workers) on workers w = 0..n_workers-1, worker 0 on the
 * calling thread (n_workers 1: no thread is made). Workers split the work
 * themselves (by w) and must not allocate through the engine's hook or
 * record errors: the caller prepares their buffers. If a thread cannot be
 * made, its share runs on the caller after worker 0. */
void rn__parallel(int n_workers, void (*fn)(void *ctx, int w, int n_workers), void *ctx);

/* While a parallel loop runs: OpenBLAS's own threads off (each worker calls
 * sgemm on its own tiles), restored after. Returns the previous count. */
int rn__blas_threads_begin(void);
void rn__blas_threads_end(int previous);

/* ---- index files ------------------------------------------------------------------------
 *
 * Every kind of index saves to one binary file, little-endian:
 *
 *   offset 0   "RNINDEX1"          8-byte magic
 *          8   kind                u32 (0 flat, 1 hnsw, 2 ivf)
 *         12   metric              u32 (0 dot, 1 cosine)
 *         16   dim                 u32
 *         20   reserved            u32 (0)
 *         24   n                   u64 vectors
 *         32   ...                 the kind's sections (its header says)
 *        end   checksum            u64 (FNV-1a of every byte before it)
 *
 * A file is read whole into memory (its size first checked), its checksum
 * checked, and then parsed with rn__reader, which checks each size against
 * the bytes left before anything is allocated. */

enum { RN__INDEX_FILE_FLAT = 0, RN__INDEX_FILE_HNSW = 1, RN__INDEX_FILE_IVF = 2 };
#define RN__INDEX_MAGIC  "RNINDEX1"
#define RN__INDEX_HEADER 32

typedef struct {
    const unsigned char *p; /* the whole file */
    size_t size, off;       /* bytes, and the next byte to read */
    const char *path;       /* for messages */
    int failed;             /* set by the first failed read (sticky) */
} rn__reader;

/* The bytes a writer has gathered (a growable buffer) and the checksum. */
typedef struct {
    unsigned char *p;
    size_t size, cap;
    int failed; /* out of memory: later appends do nothing */
} rn__writer;

/* Appends n bytes / a u32 / a u64 (little-endian). */
void rn__w_bytes(rn__writer *w, const void *data, size_t n);
void rn__w_u32(rn__writer *w, uint32_t x);
void rn__w_u64(rn__writer *w, uint64_t x);
/* Writes the common header. */
void rn__w_header(rn__writer *w, int kind, int metric, int dim, uint64_t n);
/* Appends the checksum and writes the buffer to path atomically; frees the
 * buffer. RN_ENOMEM or RN_EIO naming the path. */
int rn__w_finish(rn__writer *w, const char *path, const char *what);

/* Reads path whole, checks magic and checksum, and fills r (caller frees
 * r->p with rn_free). Reports the header through the pointers. RN_EIO,
 * RN_EPARSE naming the path (and byte offset). */
int rn__r_open(rn__reader *r, const char *path, int *kind, int *metric, int *dim, uint64_t *n);

/* Reads a u32 / u64 / n bytes; on a short file records RN_EPARSE "PATH:
 * byte OFF: the file ends inside WHAT" (once) and yields 0s. */
uint32_t rn__r_u32(rn__reader *r, const char *what);
uint64_t rn__r_u64(rn__reader *r, const char *what);
void rn__r_bytes(rn__reader *r, void *out, size_t n, const char *what);
/* Checks that count items of size bytes fit in what is left; RN_EPARSE
 * naming what otherwise (returns the code). */
int rn__r_fits(rn__reader *r, uint64_t count, size_t size, const char *what);
/* Fails with RN_EPARSE at the reader's offset: "PATH: byte OFF: MESSAGE". */
int rn__r_fail(rn__reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Reads n x dim vectors and n ids of a section, checking they are finite and
 * the ids >= 0; the caller's arrays. */
int rn__r_vectors(rn__reader *r, float *v, int64_t *ids, uint64_t n, int dim);

#endif
