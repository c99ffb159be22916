/* C = alpha op(A) op(B) + beta C (row-major, cblas_sgemm's arguments) split
 * across the engine's threads (parallel.h): by rows of C when C has at least
 * as many rows as columns, else by columns, in blocks of 16 (the kernels'
 * tile), each part one single-threaded cblas_sgemm. The split never cuts
 * K, but a part may take another of OpenBLAS's kernels (its small-matrix
 * ones) than the whole would, which adds in another order: results agree
 * with one call to rounding (tests/engine/test_parallel.c), and a given
 * thread count repeats them to the bit. Small products run in one call. */
#ifndef RN_GEMM_H
#define RN_GEMM_H

void rn_gemm(int trans_a, int trans_b, int M, int N, int K, float alpha, const float *A, int lda,
             const float *B, int ldb, float beta, float *C, int ldc);

#endif
