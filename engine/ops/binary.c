/* add, sub, mul, div: elementwise with numpy broadcasting.
 *
 *   out = a (op) b, shapes aligned at the trailing dim; each dim of a and b is
 *   either the output's or 1 (stretched). Up to 4 dims.
 *
 * Backward, summing over the stretched dims of each input:
 *   add  da += dout            db += dout
 *   sub  da += dout            db -= dout
 *   mul  da += dout * b        db += dout * a
 *   div  da += dout / b        db -= dout * a / b^2
 * Reference: numpy broadcasting rules; torch.add / torch.mul. */
#include "op.h"

#include <string.h>

/* Pads a shape to 4 dims with leading 1s. */
static void pad4(const rn_tensor *t, int *s)
{
    int k = 4 - t->ndim;
    for (int i = 0; i < 4; i++)
        s[i] = i < k ? 1 : t->shape[i - k];
}

/* Row-major strides of a padded shape, 0 where the dim is stretched. */
static void strides4(const int *s, const int *so, size_t *st)
{
    size_t acc = 1;
    for (int i = 3; i >= 0; i--) {
        st[i] = s[i] == 1 && so[i] != 1 ? 0 : acc;
        acc *= (size_t)s[i];
    }
}

/* One row of n outputs: a and b step by sa, sb (1, or 0 for a stretched
 * value), with the op's loop chosen once per row so that it vectorises. */
#define ROW(EXPR)                                                                                  \
    do {                                                                                           \
        if (sa && sb)                                                                              \
            for (size_t i = 0; i < n; i++) {                                                       \
                float x = a[i], y = b[i];                                                          \
                o[i] = EXPR;                                                                       \
            }                                                                                      \
        else if (sb)                                                                               \
            for (size_t i = 0; i < n; i++) {                                                       \
                float x = a[0], y = b[i];                                                          \
                o[i] = EXPR;                                                                       \
            }                                                                                      \
        else if (sa)                                                                               \
            for (size_t i = 0; i < n; i++) {                                                       \
                float x = a[i], y = b[0];                                                          \
                o[i] = EXPR;                                                                       \
            }                                                                                      \
        else                                                                                       \
            for (size_t i = 0; i < n; i++) {                                                       \
                float x = a[0], y = b[0];                                                          \
                o[i] = EXPR;                                                                       \
            }                                                                                      \
    } while (0)

RN__VECTOR_LOOP static void row_forward(int op, float *restrict o, const float *a, size_t sa,
                                        const float *b, size_t sb, size_t n)
{
    switch (op) {
    case RN_OP_ADD:
        ROW(x + y);
        break;
    case RN_OP_SUB:
        ROW(x - y);
        break;
    case RN_OP_MUL:
        ROW(x * y);
        break;
    default:
        ROW(x / y);
        break;
    }
}

/* Whether a padded shape is the output's (no stretched dim), or all ones. */
static int full(const int *s, const int *so)
{
    return s[0] == so[0] && s[1] == so[1] && s[2] == so[2] && s[3] == so[3];
}

static int scalar(const int *s)
{
    return s[0] == 1 && s[1] == 1 && s[2] == 1 && s[3] == 1;
}

/* The rows of the output: one row of every element when each input is the
 * output's shape or a single value; else a row per last-dim run. */
static size_t row_len(const int *sa, const int *sb, const int *so)
{
    if ((full(sa, so) || scalar(sa)) && (full(sb, so) || scalar(sb)))
        return (size_t)so[0] * (size_t)so[1] * (size_t)so[2] * (size_t)so[3];
    return (size_t)so[3];
}

/* How the output splits into work for the threads (parallel.h): `rows` runs
 * of n outputs (one run per last-dim row; with one run of every element, it
 * is cut into chunks of CHUNK), each input's start found from its strides. */
#define CHUNK 4096

typedef struct {
    int op;
    size_t n, ta[4], tb[4];
    int so[4];
    const float *a, *b, *d;
    float *out;     /* forward */
    float *da, *db; /* backward: the one input it accumulates into */
    size_t run;     /* n 0: the one run's length */
    int write;      /* backward: the input's gradient is fresh (set, not added to) */
} binary_job;

/* The offsets into a and b of the output's row r (a row of the last dim). */
static void row_offsets(const binary_job *j, size_t r, size_t *ia, size_t *ib)
{
    size_t i2 = r % (size_t)j->so[2], i1 = r / (size_t)j->so[2] % (size_t)j->so[1];
    size_t i0 = r / ((size_t)j->so[2] * (size_t)j->so[1]);
    *ia = i0 * j->ta[0] + i1 * j->ta[1] + i2 * j->ta[2];
    *ib = i0 * j->tb[0] + i1 * j->tb[1] + i2 * j->tb[2];
}

static void forward_rows(void *ctx, int part, size_t lo, size_t hi)
{
    (void)part;
    const binary_job *j = ctx;
    if (j->n == 0) { /* one run cut in chunks: a and b step by ta[3], tb[3] (0 or 1) */
        size_t first = lo * CHUNK, end = hi * CHUNK < j->run ? hi * CHUNK : j->run;
        row_forward(j->op, j->out + first, j->a + first * j->ta[3], j->ta[3],
                    j->b + first * j->tb[3], j->tb[3], end - first);
        return;
    }
    for (size_t r = lo; r < hi; r++) {
        size_t ia, ib;
        row_offsets(j, r, &ia, &ib);
        row_forward(j->op, j->out + r * j->n, j->a + ia, j->ta[3], j->b + ib, j->tb[3], j->n);
    }
}

void rn_binary_forward(float *out, const float *a, const float *b, const int *sa, const int *sb,
                       const int *so, int op)
{
    binary_job j = {.op = op, .a = a, .b = b, .out = out};
    size_t n = row_len(sa, sb, so), total = (size_t)so[0] * so[1] * so[2] * so[3];
    for (int i = 0; i < 4; i++)
        j.so[i] = so[i];
    strides4(sa, so, j.ta);
    strides4(sb, so, j.tb);
    if (n == total) { /* one run: each input is whole or one value */
        j.ta[3] = !scalar(sa) || total == 1, j.tb[3] = !scalar(sb) || total == 1;
        j.run = total; /* n stays 0: the chunked form */
        rn_par_for((total + CHUNK - 1) / CHUNK, 4, forward_rows, &j);
        return;
    }
    j.n = n;
    rn_par_for(total / n, rn__rows_grain(n), forward_rows, &j);
}

static rn_tensor *binary(rn_graph *g, rn_tensor *a, rn_tensor *b, int op)
{
    rn_tensor *in[2] = {a, b};
    if (!rn__ready(g, 2, in, 0)) return NULL;
    int sa[4], sb[4], so[4];
    pad4(a, sa);
    pad4(b, sb);
    for (int i = 0; i < 4; i++) {
        if (sa[i] != sb[i] && sa[i] != 1 && sb[i] != 1)
            return rn__fail(g, RN_ESHAPE, "%s: shapes %s and %s do not broadcast", rn_op_name(op),
                            rn__shape(a), rn__shape(b));
        so[i] = sa[i] > sb[i] ? sa[i] : sb[i];
    }
    int ndim = a->ndim > b->ndim ? a->ndim : b->ndim;
    rn_tensor *out = rn__out(g, ndim, so + 4 - ndim);
    if (out == NULL) return NULL;
    rn_binary_forward(out->data, a->data, b->data, sa, sb, so, op);
    rn_node *nd = rn__record(g, op, out, 2, in);
    if (nd != NULL)
        for (int i = 0; i < 4; i++)
            nd->iarg[i] = sa[i], nd->iarg[4 + i] = sb[i];
    return out;
}

rn_tensor *rn_add(rn_graph *g, rn_tensor *a, rn_tensor *b)
{
    return binary(g, a, b, RN_OP_ADD);
}

rn_tensor *rn_sub(rn_graph *g, rn_tensor *a, rn_tensor *b)
{
    return binary(g, a, b, RN_OP_SUB);
}

rn_tensor *rn_mul(rn_graph *g, rn_tensor *a, rn_tensor *b)
{
    return binary(g, a, b, RN_OP_MUL);
}

rn_tensor *rn_div(rn_graph *g, rn_tensor *a, rn_tensor *b)
{
    return binary(g, a, b, RN_OP_DIV);
}

/* dst (stepping sd: 1, or 0 to sum into one value) += sign * d * other
 * (stepping so; other NULL: 1), over a row of n. */
/* dst = sign * d * other over a row of n (other NULL: 1; stepping so): a
 * fresh gradient, written instead of added to. */
RN__VECTOR_LOOP static void row_set(float *dst, const float *d, const float *other, size_t so,
                                    float sign, size_t n)
{
    if (other == NULL)
        for (size_t i = 0; i < n; i++)
            dst[i] = sign * d[i];
    else if (so)
        for (size_t i = 0; i < n; i++)
            dst[i] = sign * d[i] * other[i];
    else
        for (size_t i = 0; i < n; i++)
            dst[i] = sign * d[i] * other[0];
}

RN__VECTOR_LOOP static void row_acc(float *dst, size_t sd, const float *d, const float *other,
                                    size_t so, float sign, size_t n)
{
    if (sd) {
        if (other == NULL)
            for (size_t i = 0; i < n; i++)
                dst[i] += sign * d[i];
        else if (so)
            for (size_t i = 0; i < n; i++)
                dst[i] += sign * d[i] * other[i];
        else
            for (size_t i = 0; i < n; i++)
                dst[i] += sign * d[i] * other[0];
        return;
    }
    float acc = 0.0f;
    if (other == NULL)
        for (size_t i = 0; i < n; i++)
            acc += d[i];
    else if (so)
        for (size_t i = 0; i < n; i++)
            acc += d[i] * other[i];
    else
        for (size_t i = 0; i < n; i++)
            acc += d[i] * other[0];
    dst[0] += sign * acc;
}

/* One row of the backward into one input: da (which 0) or db (which 1), at
 * the row's first elements; `write`: the input has the output's shape and its
 * gradient is fresh (set, not added to). */
static void row_backward(int op, int which, int write, const float *d, const float *a, size_t sa,
                         const float *b, size_t sb, float *dst, size_t n)
{
    size_t sd = which ? sb : sa, so = which ? sa : sb;
    const float *other = which ? a : b;
    float sign = op == RN_OP_SUB && which ? -1.0f : 1.0f;
    if (op == RN_OP_ADD || op == RN_OP_SUB) other = NULL;
    if (op != RN_OP_DIV) {
        if (write)
            row_set(dst, d, other, so, sign, n);
        else
            row_acc(dst, sd, d, other, so, sign, n);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        float x = a[i * sa], y = b[i * sb];
        float v = which == 0 ? d[i] / y : -(d[i] * x / (y * y));
        if (write)
            dst[i] = v;
        else
            dst[i * sd] += v;
    }
}

/* Rows [lo, hi) of the backward into j->da (when set) or j->db. */
static void backward_rows(void *ctx, int part, size_t lo, size_t hi)
{
    (void)part;
    const binary_job *j = ctx;
    int which = j->da == NULL;
    float *dst = which ? j->db : j->da;
    if (j->n == 0) { /* one run cut in chunks */
        size_t first = lo * CHUNK, end = hi * CHUNK < j->run ? hi * CHUNK : j->run;
        size_t sa = j->ta[3], sb = j->tb[3], sd = which ? sb : sa;
        row_backward(j->op, which, j->write, j->d + first, j->a + first * sa, sa, j->b + first * sb,
                     sb, dst + first * sd, end - first);
        return;
    }
    for (size_t r = lo; r < hi; r++) {
        size_t ia, ib;
        row_offsets(j, r, &ia, &ib);
        row_backward(j->op, which, j->write, j->d + r * j->n, j->a + ia, j->ta[3], j->b + ib,
                     j->tb[3], dst + (which ? ib : ia), j->n);
    }
}

/* Each input's gradient in its own pass: split across the threads when the
 * input has the output's shape (every row writes its own gradient row), in
 * one pass in order when the input is stretched (rows add into shared
 * elements). Each element gets its contributions in the order of one pass. */
void rn_binary_backward(rn_graph *g, rn_node *nd)
{
    const int *sa = nd->iarg, *sb = nd->iarg + 4;
    binary_job j = {.op = nd->op, .a = nd->in[0]->data, .b = nd->in[1]->data, .d = nd->out->grad};
    int k = 4 - nd->out->ndim;
    for (int i = 0; i < 4; i++)
        j.so[i] = i < k ? 1 : nd->out->shape[i - k];
    size_t n = row_len(sa, sb, j.so), total = nd->out->n;
    strides4(sa, j.so, j.ta);
    strides4(sb, j.so, j.tb);
    size_t runs, grain;
    if (n == total) { /* n stays 0: the chunked form */
        j.ta[3] = !scalar(sa) || total == 1, j.tb[3] = !scalar(sb) || total == 1;
        j.run = total, runs = (total + CHUNK - 1) / CHUNK, grain = 4;
    } else
        j.n = n, runs = total / n, grain = rn__rows_grain(n);
    for (int which = 0; which < 2; which++) {
        int whole = full(which ? sb : sa, j.so), fresh = 0;
        float *dst = whole ? rn__grad_fresh(g, nd->in[which], &fresh) : rn__grad(g, nd->in[which]);
        if (dst == NULL) continue;
        j.da = which == 0 ? dst : NULL, j.db = which == 1 ? dst : NULL;
        /* a and b the same tensor: its gradient gets both passes, the second adds */
        j.write = fresh;
        if (whole)
            rn_par_for(runs, grain, backward_rows, &j);
        else /* stretched: one pass in order */
            backward_rows(&j, 0, 0, runs);
    }
}
