/* The engine's GEMM split across its threads (see gemm.h). */
#include "gemm.h"
#include "parallel.h"

#include <cblas.h>
#include <stddef.h>

#define BLOCK 16
#define MIN_WORK                                                                                   \
    (1L << 17) /* multiply-adds per part below which splitting costs more than it gives */

typedef struct {
    int ta, tb, M, N, K, lda, ldb, ldc, by_rows;
    float alpha, beta;
    const float *A, *B;
    float *C;
} gemm_job;

static void gemm_part(void *ctx, int part, size_t lo, size_t hi)
{
    (void)part;
    const gemm_job *j = ctx;
    int first = (int)lo * BLOCK, total = j->by_rows ? j->M : j->N;
    int end = (int)hi * BLOCK < total ? (int)hi * BLOCK : total;
    if (end <= first) return;
    const float *A = j->A, *B = j->B;
    float *C = j->C;
    int M = j->M, N = j->N;
    if (j->by_rows) { /* rows [first, end) of C: rows of op(A) */
        A += j->ta ? (size_t)first : (size_t)first * (size_t)j->lda;
        C += (size_t)first * (size_t)j->ldc;
        M = end - first;
    } else { /* columns [first, end) of C: columns of op(B) */
        B += j->tb ? (size_t)first * (size_t)j->ldb : (size_t)first;
        C += first;
        N = end - first;
    }
    cblas_sgemm(CblasRowMajor, j->ta ? CblasTrans : CblasNoTrans, j->tb ? CblasTrans : CblasNoTrans,
                M, N, j->K, j->alpha, A, j->lda, B, j->ldb, j->beta, C, j->ldc);
}

void rn_gemm(int trans_a, int trans_b, int M, int N, int K, float alpha, const float *A, int lda,
             const float *B, int ldb, float beta, float *C, int ldc)
{
    gemm_job j = {trans_a, trans_b, M, N, K, lda, ldb, ldc, M >= N, alpha, beta, A, B, C};
    int along = j.by_rows ? M : N, other = j.by_rows ? N : M;
    size_t blocks = ((size_t)along + BLOCK - 1) / BLOCK;
    long per_block = (long)BLOCK * other * (K > 0 ? K : 1);
    size_t grain = (size_t)((MIN_WORK + per_block - 1) / per_block);
    rn_par_for(blocks, grain < 1 ? 1 : grain, gemm_part, &j);
}
