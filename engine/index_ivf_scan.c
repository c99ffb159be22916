/* The IVF search's inner kernel: the scores of a few queries against one
 * inverted list (index_ivf.c holds the rest).
 *
 * A list keeps its vectors in blocks of RN__IVF_BLOCK (16): block b holds
 * vectors 16b .. 16b+15 dimension-major, dim x 16 floats, so value d of the
 * block's vector j sits at block[d * 16 + j]. For one dimension the sixteen
 * vectors' values are then adjacent, and
 *
 *     s[t][j] += q[t][d] * block[d * 16 + j]      (j = 0..15)
 *
 * is two 8-wide fused multiply-adds per query on AVX2. Four queries at a
 * time keep 8 accumulators in registers while each block row is loaded once
 * for all four: the register blocking of a GEMM micro-kernel, without a
 * GEMM call's packing and dispatch, which dominate at the sizes an IVF list
 * gives (about 200 vectors by a handful of queries; an sgemm call per list
 * ran at a third of this speed: tests/bench/bench_ann.py).
 *
 * Like word2vec's kernel (embed/w2v_kernel.c) there are two builds, chosen
 * once at run time: plain C loops for any CPU, and AVX2 + FMA intrinsics.
 * With FMA a score may differ from the exact index's sgemm in the last bit.
 * s must hold four rows of lds scores whatever m is (spare rows are
 * scratch).
 */
#include "index_internal.h"

#include <stddef.h>

#if defined(__GNUC__) && defined(__x86_64__)
#define TWO_TARGETS 1
#include <immintrin.h>
#endif
#if defined(__GNUC__)
#define ALWAYS_INLINE __attribute__((always_inline))
#else
#define ALWAYS_INLINE
#endif

#define B RN__IVF_BLOCK

/* M queries (a constant once inlined, so acc stays in registers) over every
 * block; scores of query t to s + t * lds, n_blocks * 16 of them. */
ALWAYS_INLINE static inline void scan_m(const float *const *q, int M, const float *blocks,
                                        size_t n_blocks, int dim, float *s, size_t lds)
{
    for (size_t b = 0; b < n_blocks; b++) {
        const float *blk = blocks + b * (size_t)dim * B;
        float acc[4][B] = {{0}};
        for (int d = 0; d < dim; d++) {
            const float *row = blk + (size_t)d * B;
            for (int t = 0; t < M; t++) {
                float qd = q[t][d];
                for (int j = 0; j < B; j++)
                    acc[t][j] += qd * row[j];
            }
        }
        for (int t = 0; t < M; t++)
            for (int j = 0; j < B; j++)
                s[(size_t)t * lds + b * B + (size_t)j] = acc[t][j];
    }
}

ALWAYS_INLINE static inline void scan(const float *const *q, int m, const float *blocks,
                                      size_t n_blocks, int dim, float *s, size_t lds)
{
    switch (m) {
    case 4: scan_m(q, 4, blocks, n_blocks, dim, s, lds); break;
    case 3: scan_m(q, 3, blocks, n_blocks, dim, s, lds); break;
    case 2: scan_m(q, 2, blocks, n_blocks, dim, s, lds); break;
    default: scan_m(q, 1, blocks, n_blocks, dim, s, lds); break;
    }
}

static void scan_base(const float *const *q, int m, const float *blocks, size_t n_blocks, int dim,
                      float *s, size_t lds)
{
    scan(q, m, blocks, n_blocks, dim, s, lds);
}

#ifdef TWO_TARGETS
/* AVX2 by hand: GCC's vectorisation of scan_m spills the accumulators to
 * the stack each step, so the four-query case is written out. Two or
 * three queries repeat the last one (their extra rows land in s's spare
 * rows); one query splits the dimensions in two to keep four independent
 * chains of multiply-adds in flight. */
__attribute__((target("avx2,fma"))) static void scan_avx2(const float *const *q, int m,
                                                         const float *blocks, size_t n_blocks,
                                                         int dim, float *s, size_t lds)
{
    if (m == 1) {
        const float *q0 = q[0];
        for (size_t b = 0; b < n_blocks; b++) {
            const float *blk = blocks + b * (size_t)dim * B;
            __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
            int d = 0;
            for (; d + 1 < dim; d += 2) {
                const float *r = blk + (size_t)d * B;
                __m256 x0 = _mm256_broadcast_ss(q0 + d), x1 = _mm256_broadcast_ss(q0 + d + 1);
                a0 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(r), a0);
                a1 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(r + 8), a1);
                a2 = _mm256_fmadd_ps(x1, _mm256_loadu_ps(r + B), a2);
                a3 = _mm256_fmadd_ps(x1, _mm256_loadu_ps(r + B + 8), a3);
            }
            if (d < dim) {
                const float *r = blk + (size_t)d * B;
                __m256 x0 = _mm256_broadcast_ss(q0 + d);
                a0 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(r), a0);
                a1 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(r + 8), a1);
            }
            _mm256_storeu_ps(s + b * B, _mm256_add_ps(a0, a2));
            _mm256_storeu_ps(s + b * B + 8, _mm256_add_ps(a1, a3));
        }
        return;
    }
    const float *q0 = q[0], *q1 = q[1], *q2 = m > 2 ? q[2] : q[1], *q3 = m > 3 ? q[3] : q2;
    for (size_t b = 0; b < n_blocks; b++) {
        const float *blk = blocks + b * (size_t)dim * B;
        __m256 a00 = _mm256_setzero_ps(), a01 = a00, a10 = a00, a11 = a00;
        __m256 a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        for (int d = 0; d < dim; d++) {
            const float *r = blk + (size_t)d * B;
            __m256 r0 = _mm256_loadu_ps(r), r1 = _mm256_loadu_ps(r + 8), x;
            x = _mm256_broadcast_ss(q0 + d);
            a00 = _mm256_fmadd_ps(x, r0, a00), a01 = _mm256_fmadd_ps(x, r1, a01);
            x = _mm256_broadcast_ss(q1 + d);
            a10 = _mm256_fmadd_ps(x, r0, a10), a11 = _mm256_fmadd_ps(x, r1, a11);
            x = _mm256_broadcast_ss(q2 + d);
            a20 = _mm256_fmadd_ps(x, r0, a20), a21 = _mm256_fmadd_ps(x, r1, a21);
            x = _mm256_broadcast_ss(q3 + d);
            a30 = _mm256_fmadd_ps(x, r0, a30), a31 = _mm256_fmadd_ps(x, r1, a31);
        }
        float *o = s + b * B;
        _mm256_storeu_ps(o, a00), _mm256_storeu_ps(o + 8, a01);
        _mm256_storeu_ps(o + lds, a10), _mm256_storeu_ps(o + lds + 8, a11);
        _mm256_storeu_ps(o + 2 * lds, a20), _mm256_storeu_ps(o + 2 * lds + 8, a21);
        _mm256_storeu_ps(o + 3 * lds, a30), _mm256_storeu_ps(o + 3 * lds + 8, a31);
    }
}
#endif

void rn__ivf_scores(const float *const *q, int m, const float *blocks, size_t n, int dim, float *s,
                    size_t lds)
{
    size_t n_blocks = (n + B - 1) / B;
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
        scan_avx2(q, m, blocks, n_blocks, dim, s, lds);
        return;
    }
#endif
    scan_base(q, m, blocks, n_blocks, dim, s, lds);
}
