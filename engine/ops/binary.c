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

static float apply(int op, float x, float y)
{
    switch (op) {
    case RN_OP_ADD:
        return x + y;
    case RN_OP_SUB:
        return x - y;
    case RN_OP_MUL:
        return x * y;
    default:
        return x / y;
    }
}

void rn_binary_forward(float *out, const float *a, const float *b, const int *sa, const int *sb,
                       const int *so, int op)
{
    size_t ta[4], tb[4], o = 0;
    strides4(sa, so, ta);
    strides4(sb, so, tb);
    for (int i0 = 0; i0 < so[0]; i0++)
        for (int i1 = 0; i1 < so[1]; i1++)
            for (int i2 = 0; i2 < so[2]; i2++) {
                size_t ba = i0 * ta[0] + i1 * ta[1] + i2 * ta[2];
                size_t bb = i0 * tb[0] + i1 * tb[1] + i2 * tb[2];
                for (int i3 = 0; i3 < so[3]; i3++)
                    out[o++] = apply(op, a[ba + i3 * ta[3]], b[bb + i3 * tb[3]]);
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

void rn_binary_backward(rn_graph *g, rn_node *nd)
{
    const int *sa = nd->iarg, *sb = nd->iarg + 4;
    int so[4], k = 4 - nd->out->ndim;
    for (int i = 0; i < 4; i++)
        so[i] = i < k ? 1 : nd->out->shape[i - k];
    size_t ta[4], tb[4], o = 0;
    strides4(sa, so, ta);
    strides4(sb, so, tb);
    const float *a = nd->in[0]->data, *b = nd->in[1]->data, *dout = nd->out->grad;
    float *da = rn__grad(g, nd->in[0]), *db = rn__grad(g, nd->in[1]);
    int op = nd->op;
    for (int i0 = 0; i0 < so[0]; i0++)
        for (int i1 = 0; i1 < so[1]; i1++)
            for (int i2 = 0; i2 < so[2]; i2++)
                for (int i3 = 0; i3 < so[3]; i3++, o++) {
                    size_t ia = i0 * ta[0] + i1 * ta[1] + i2 * ta[2] + i3 * ta[3];
                    size_t ib = i0 * tb[0] + i1 * tb[1] + i2 * tb[2] + i3 * tb[3];
                    float d = dout[o];
                    switch (op) {
                    case RN_OP_ADD:
                        if (da) da[ia] += d;
                        if (db) db[ib] += d;
                        break;
                    case RN_OP_SUB:
                        if (da) da[ia] += d;
                        if (db) db[ib] -= d;
                        break;
                    case RN_OP_MUL:
                        if (da) da[ia] += d * b[ib];
                        if (db) db[ib] += d * a[ia];
                        break;
                    default:
                        if (da) da[ia] += d / b[ib];
                        if (db) db[ib] -= d * a[ia] / (b[ib] * b[ib]);
                        break;
                    }
                }
}
