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

static void row_forward(int op, float *restrict o, const float *a, size_t sa, const float *b,
                        size_t sb, size_t n)
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

void rn_binary_forward(float *out, const float *a, const float *b, const int *sa, const int *sb,
                       const int *so, int op)
{
    size_t ta[4], tb[4], n = row_len(sa, sb, so), total = (size_t)so[0] * so[1] * so[2] * so[3];
    strides4(sa, so, ta);
    strides4(sb, so, tb);
    if (n == total) { /* one row: each input is whole or one value */
        row_forward(op, out, a, !scalar(sa) || total == 1, b, !scalar(sb) || total == 1, n);
        return;
    }
    size_t o = 0;
    for (int i0 = 0; i0 < so[0]; i0++)
        for (int i1 = 0; i1 < so[1]; i1++)
            for (int i2 = 0; i2 < so[2]; i2++, o += n) {
                size_t ba = i0 * ta[0] + i1 * ta[1] + i2 * ta[2];
                size_t bb = i0 * tb[0] + i1 * tb[1] + i2 * tb[2];
                row_forward(op, out + o, a + ba, ta[3], b + bb, tb[3], n);
            }
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
static void row_acc(float *dst, size_t sd, const float *d, const float *other, size_t so,
                    float sign, size_t n)
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

/* One row of the backward: a, b, da, db at the row's first elements. */
static void row_backward(int op, const float *d, const float *a, size_t sa, const float *b,
                         size_t sb, float *da, float *db, size_t n)
{
    switch (op) {
    case RN_OP_ADD:
    case RN_OP_SUB:
        if (da) row_acc(da, sa, d, NULL, 0, 1.0f, n);
        if (db) row_acc(db, sb, d, NULL, 0, op == RN_OP_ADD ? 1.0f : -1.0f, n);
        break;
    case RN_OP_MUL:
        if (da) row_acc(da, sa, d, b, sb, 1.0f, n);
        if (db) row_acc(db, sb, d, a, sa, 1.0f, n);
        break;
    default:
        for (size_t i = 0; i < n; i++) {
            float x = a[i * sa], y = b[i * sb];
            if (da) da[i * sa] += d[i] / y;
            if (db) db[i * sb] -= d[i] * x / (y * y);
        }
        break;
    }
}

void rn_binary_backward(rn_graph *g, rn_node *nd)
{
    const int *sa = nd->iarg, *sb = nd->iarg + 4;
    int so[4], k = 4 - nd->out->ndim;
    for (int i = 0; i < 4; i++)
        so[i] = i < k ? 1 : nd->out->shape[i - k];
    size_t ta[4], tb[4], n = row_len(sa, sb, so), total = nd->out->n;
    strides4(sa, so, ta);
    strides4(sb, so, tb);
    const float *a = nd->in[0]->data, *b = nd->in[1]->data, *dout = nd->out->grad;
    float *da = rn__grad(g, nd->in[0]), *db = rn__grad(g, nd->in[1]);
    if (n == total) {
        size_t ua = !scalar(sa) || total == 1, ub = !scalar(sb) || total == 1;
        row_backward(nd->op, dout, a, ua, b, ub, da, db, n);
        return;
    }
    size_t o = 0;
    for (int i0 = 0; i0 < so[0]; i0++)
        for (int i1 = 0; i1 < so[1]; i1++)
            for (int i2 = 0; i2 < so[2]; i2++, o += n) {
                size_t ia = i0 * ta[0] + i1 * ta[1] + i2 * ta[2];
                size_t ib = i0 * tb[0] + i1 * tb[1] + i2 * tb[2];
                row_backward(nd->op, dout + o, a + ia, ta[3], b + ib, tb[3], da ? da + ia : NULL,
                             db ? db + ib : NULL, n);
            }
}
