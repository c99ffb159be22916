/* softmax and log_softmax over one axis, x viewed as (outer x len x inner):
 *
 *   softmax      y_l = exp(x_l - m) / sum_k exp(x_k - m),   m = max_k x_k
 *   log_softmax  y_l = x_l - m - log sum_k exp(x_k - m)
 *
 * Backward:
 *   softmax      dx_l += y_l (dy_l - sum_k dy_k y_k)
 *   log_softmax  dx_l += dy_l - exp(y_l) sum_k dy_k
 * Reference: torch.softmax / torch.log_softmax (dim). */
#include "op.h"

#include <math.h>

void rn_softmax_forward(float *y, const float *x, size_t outer, size_t len, size_t inner,
                        int take_log)
{
    for (size_t o = 0; o < outer; o++)
        for (size_t i = 0; i < inner; i++) {
            const float *xs = x + o * len * inner + i;
            float *ys = y + o * len * inner + i;
            float m = xs[0];
            for (size_t l = 1; l < len; l++)
                m = fmaxf(m, xs[l * inner]);
            double s = 0;
            for (size_t l = 0; l < len; l++)
                s += exp((double)(xs[l * inner] - m));
            double ls = log(s);
            for (size_t l = 0; l < len; l++)
                ys[l * inner] = take_log ? (float)((double)(xs[l * inner] - m) - ls)
                                         : (float)(exp((double)(xs[l * inner] - m)) / s);
        }
}

static rn_tensor *softmax(rn_graph *g, rn_tensor *x, int axis, int take_log)
{
    if (!rn__ready(g, 1, &x, 0)) return NULL;
    int a = rn__axis(g, x, axis, take_log ? "log_softmax" : "softmax");
    if (a < 0) return NULL;
    rn_tensor *y = rn__out(g, x->ndim, x->shape);
    if (y == NULL) return NULL;
    size_t outer, len, inner;
    rn__axis_split(x, a, &outer, &len, &inner);
    rn_softmax_forward(y->data, x->data, outer, len, inner, take_log);
    rn_node *nd = rn__record(g, take_log ? RN_OP_LOG_SOFTMAX : RN_OP_SOFTMAX, y, 1, &x);
    if (nd != NULL) nd->iarg[0] = a;
    return y;
}

rn_tensor *rn_softmax(rn_graph *g, rn_tensor *x, int axis)
{
    return softmax(g, x, axis, 0);
}

rn_tensor *rn_log_softmax(rn_graph *g, rn_tensor *x, int axis)
{
    return softmax(g, x, axis, 1);
}

void rn_softmax_backward(rn_graph *g, rn_node *nd)
{
    float *dx = rn__grad(g, nd->in[0]);
    if (dx == NULL) return;
    size_t outer, len, inner;
    rn__axis_split(nd->out, nd->iarg[0], &outer, &len, &inner);
    int take_log = nd->op == RN_OP_LOG_SOFTMAX;
    for (size_t o = 0; o < outer; o++)
        for (size_t i = 0; i < inner; i++) {
            size_t base = o * len * inner + i;
            const float *y = nd->out->data + base, *dy = nd->out->grad + base;
            float *d = dx + base;
            double s = 0;
            for (size_t l = 0; l < len; l++)
                s +=
                    take_log ? (double)dy[l * inner] : (double)dy[l * inner] * (double)y[l * inner];
            for (size_t l = 0; l < len; l++)
                d[l * inner] += take_log
                                    ? (float)((double)dy[l * inner] - exp((double)y[l * inner]) * s)
                                    : (float)((double)y[l * inner] * ((double)dy[l * inner] - s));
        }
}
