/* Batches and in-memory CTR data (batch.h). */
#include "batch.h"

#include <string.h>

#include "../alloc.h"
#include "../error.h"

rn_samples *rn_samples_new(size_t cap, int n_fields, int n_dense, int seq_len, int n_tasks,
                           int with_group)
{
    return rn_samples_new_seq(cap, n_fields, n_dense, seq_len, 1, n_tasks, with_group);
}

rn_samples *rn_samples_new_seq(size_t cap, int n_fields, int n_dense, int seq_len, int n_seq,
                               int n_tasks, int with_group)
{
    if (cap < 1 || cap > ((size_t)1 << 31))
        return rn_fail(RN_EARG, "batch: rows must be in 1..2^31, got %zu", cap), NULL;
    if (n_fields < 0 || n_dense < 0 || seq_len < 0 || n_tasks < 1 || n_fields > 4096 ||
        n_dense > 4096 || seq_len > 4096 || n_tasks > 64)
        return rn_fail(RN_EARG,
                       "batch: widths out of range (fields %d, dense %d, seq_len %d, tasks %d)",
                       n_fields, n_dense, seq_len, n_tasks),
               NULL;
    if (seq_len > 0 && (n_seq < 1 || n_seq > RN_SEQ_MAX_FEATURES))
        return rn_fail(RN_EARG, "batch: 1..%d behaviour features per position, got %d",
                       RN_SEQ_MAX_FEATURES, n_seq),
               NULL;
    rn_samples *b = rn_calloc(1, sizeof *b, "batch");
    if (b == NULL) return NULL;
    b->n = b->cap = cap;
    b->n_fields = n_fields;
    b->n_dense = n_dense;
    b->seq_len = seq_len;
    b->n_tasks = n_tasks;
    b->n_seq = seq_len > 0 ? n_seq : 0;
    for (int s = 0; s < RN_SEQ_MAX_FEATURES; s++)
        b->seq_of[s] = -1;
    int ok = 1;
    if (n_fields > 0) ok &= (b->sparse = rn_calloc(cap * (size_t)n_fields, 4, "batch ids")) != NULL;
    if (ok && n_dense > 0)
        ok &= (b->dense = rn_calloc(cap * (size_t)n_dense, 4, "batch dense")) != NULL;
    if (ok && seq_len > 0) {
        ok &= (b->seq = rn_calloc(cap * (size_t)seq_len * (size_t)n_seq, 4, "batch sequences")) !=
              NULL;
        ok = ok && (b->mask = rn_calloc(cap * (size_t)seq_len, 4, "batch mask")) != NULL;
    }
    if (ok) ok &= (b->labels = rn_calloc(cap * (size_t)n_tasks, 4, "batch labels")) != NULL;
    if (ok && with_group) ok &= (b->group = rn_calloc(cap, 8, "batch groups")) != NULL;
    if (!ok) {
        rn_samples_free(b);
        return NULL;
    }
    return b;
}

void rn_samples_free(rn_samples *b)
{
    if (b == NULL) return;
    rn_free(b->sparse);
    rn_free(b->dense);
    rn_free(b->seq);
    rn_free(b->mask);
    rn_free(b->labels);
    rn_free(b->group);
    rn_free(b->bag);
    rn_free(b->bag_val);
    rn_free(b->bag_fld);
    rn_free(b);
}

rn_samples *rn_samples_like(const rn_samples *src, size_t cap, int with_group)
{
    rn_samples *b = rn_samples_new_seq(cap, src->n_fields, src->n_dense, src->seq_len,
                                       src->n_seq > 0 ? src->n_seq : 1, src->n_tasks, with_group);
    if (b != NULL) memcpy(b->seq_of, src->seq_of, sizeof b->seq_of);
    if (b != NULL && src->bag_len > 0 &&
        rn_samples_add_bag(b, src->bag_len, src->bag_fld != NULL) != RN_OK) {
        rn_samples_free(b);
        return NULL;
    }
    return b;
}

int rn_samples_add_bag(rn_samples *b, int bag_len, int with_fields)
{
    if (bag_len < 1 || bag_len > 65536 || b->bag_len != 0)
        return rn_fail(RN_EARG, "batch: a sparse bag of 1..65536 entries per row, once (got %d)",
                       bag_len);
    size_t n = b->cap * (size_t)bag_len;
    b->bag = rn_calloc(n, 4, "batch sparse bag");
    b->bag_val = b->bag != NULL ? rn_calloc(n, 4, "batch sparse bag values") : NULL;
    if (b->bag_val != NULL && with_fields)
        b->bag_fld = rn_calloc(n, 4, "batch sparse bag fields");
    if (b->bag_val == NULL || (with_fields && b->bag_fld == NULL)) {
        rn_free(b->bag);
        rn_free(b->bag_val);
        b->bag = NULL, b->bag_val = NULL;
        return rn_error_code();
    }
    b->bag_len = bag_len;
    return RN_OK;
}

int rn_samples_gather(rn_samples *dst, const rn_samples *src, const size_t *rows, size_t n)
{
    if (dst->n_fields != src->n_fields || dst->n_dense != src->n_dense ||
        dst->seq_len != src->seq_len || dst->n_seq != src->n_seq || dst->n_tasks != src->n_tasks ||
        dst->bag_len != src->bag_len)
        return rn_fail(RN_ESHAPE,
                       "batch gather: widths differ (fields %d/%d, dense %d/%d, "
                       "seq_len %d/%d, behaviour features %d/%d, tasks %d/%d, bag %d/%d)",
                       dst->n_fields, src->n_fields, dst->n_dense, src->n_dense, dst->seq_len,
                       src->seq_len, dst->n_seq, src->n_seq, dst->n_tasks, src->n_tasks,
                       dst->bag_len, src->bag_len);
    if (n > dst->cap)
        return rn_fail(RN_EARG, "batch gather: %zu rows do not fit a batch of %zu", n, dst->cap);
    for (size_t i = 0; i < n; i++)
        if (rows[i] >= src->n)
            return rn_fail(RN_EARG, "batch gather: row %zu is out of range (%zu rows)", rows[i],
                           src->n);
    size_t F = (size_t)src->n_fields, Dn = (size_t)src->n_dense, T = (size_t)src->seq_len,
           K = (size_t)src->n_tasks, L = (size_t)src->bag_len, TS = T * (size_t)src->n_seq;
    for (size_t i = 0; i < n; i++) {
        size_t r = rows[i];
        if (F) memcpy(dst->sparse + i * F, src->sparse + r * F, F * 4);
        if (Dn) memcpy(dst->dense + i * Dn, src->dense + r * Dn, Dn * 4);
        if (T) {
            memcpy(dst->seq + i * TS, src->seq + r * TS, TS * 4);
            memcpy(dst->mask + i * T, src->mask + r * T, T * 4);
        }
        if (L) {
            memcpy(dst->bag + i * L, src->bag + r * L, L * 4);
            memcpy(dst->bag_val + i * L, src->bag_val + r * L, L * 4);
            if (dst->bag_fld != NULL) {
                if (src->bag_fld != NULL) memcpy(dst->bag_fld + i * L, src->bag_fld + r * L, L * 4);
                else memset(dst->bag_fld + i * L, 0, L * 4);
            }
        }
        memcpy(dst->labels + i * K, src->labels + r * K, K * 4);
        if (dst->group != NULL) dst->group[i] = src->group != NULL ? src->group[r] : 0;
    }
    dst->n = n;
    return RN_OK;
}

rn_samples rn_samples_view(const rn_samples *src, size_t start, size_t n)
{
    rn_samples v = *src;
    size_t F = (size_t)src->n_fields, Dn = (size_t)src->n_dense, T = (size_t)src->seq_len,
           K = (size_t)src->n_tasks, L = (size_t)src->bag_len;
    v.n = v.cap = n;
    if (v.sparse) v.sparse += start * F;
    if (v.dense) v.dense += start * Dn;
    if (v.seq) v.seq += start * T * (size_t)src->n_seq, v.mask += start * T;
    if (v.bag) v.bag += start * L, v.bag_val += start * L;
    if (v.bag_fld) v.bag_fld += start * L;
    v.labels += start * K;
    if (v.group) v.group += start;
    return v;
}
