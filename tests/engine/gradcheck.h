/* A finite-difference gradient checker for engine ops (tests only).
 *
 * gc_check(name, build, n, in, ctx) runs build(g, in, ctx) -> out, draws a
 * seeded projection R, and compares the analytic gradient of L = sum R * out
 * (one backward with dout = R) for every input that requires a gradient with
 * a central difference in double, refined by Richardson extrapolation:
 *
 *   D(h) = (L(x + h) - L(x - h)) / 2h,   numeric = (4 D(h/2) - D(h)) / 3
 *
 * which cancels the h^2 term, so h can stay large (gc_h) and the float32
 * forward's rounding stays small against it. The error reported is
 *   max_i |a_i - n_i| / max(|a_i|, |n_i|, 1e-2 max_j |n_j|, 1e-2)
 * i.e. relative per element, with a floor (1% of the gradient's scale, and
 * 1e-2) so that components that are zero up to the float32 rounding of the
 * forward do not divide by nothing: below the floor the check demands an
 * absolute error under 1e-5. (The loss is a float32: one ulp of a loss near 2
 * is 2.4e-7, so a central difference with h = gc_h carries about 2e-6 of
 * rounding; a wrong gradient term is off by far more.)
 * Dropout and other random ops reseed the graph before each forward, so every
 * evaluation sees the same mask. Inputs must stay further than h from kinks.
 */
#ifndef TESTS_ENGINE_GRADCHECK_H
#define TESTS_ENGINE_GRADCHECK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autograd.h"
#include "error.h"
#include "ops.h"
#include "rng.h"
#include "tensor.h"

/* The step: large enough that the float32 rounding of the loss (about 6e-8
 * relative) stays below 1e-5 of a gradient, small enough that the O(h^4)
 * remainder after extrapolation is negligible for smooth ops. Inputs of
 * piecewise-linear ops are kept more than h from their kinks. */
static const double gc_h = 8e-2;

typedef rn_tensor *(*gc_build)(rn_graph *g, rn_tensor **in, void *ctx);

static double gc_loss(rn_graph *g, gc_build build, rn_tensor **in, void *ctx, const float *R,
                      int training)
{
    rn_graph_reset(g);
    rn_graph_seed(g, 99);
    rn_graph_set_training(g, training);
    rn_tensor *out = build(g, in, ctx);
    if (out == NULL) return NAN;
    double L = 0;
    for (size_t i = 0; i < out->n; i++)
        L += (double)R[i] * (double)out->data[i];
    return L;
}

/* Returns the largest relative error over all inputs, or INFINITY on failure. */
static double gc_check_mode(const char *name, gc_build build, int n, rn_tensor **in, void *ctx,
                            int training)
{
    const double h = gc_h;
    rn_graph *g = rn_graph_new(1);
    rn_graph_seed(g, 99);
    rn_graph_set_training(g, training);
    rn_tensor *out = build(g, in, ctx);
    if (out == NULL) {
        fprintf(stderr, "gradcheck %s: forward failed: %s\n", name, rn_error());
        rn_graph_free(g);
        return INFINITY;
    }
    size_t n_out = out->n;
    float *R = malloc(n_out * sizeof *R);
    rn_rng r;
    rn_rng_seed(&r, 1234);
    for (size_t i = 0; i < n_out; i++)
        R[i] = 2.0f * rn_rng_uniform(&r) - 1.0f;
    for (int k = 0; k < n; k++)
        if (in[k] != NULL) rn_tensor_zero_grad(in[k]);
    if (rn_backward_from(g, out, R) != RN_OK) {
        fprintf(stderr, "gradcheck %s: backward failed: %s\n", name, rn_error());
        free(R);
        rn_graph_free(g);
        return INFINITY;
    }
    double worst = 0;
    for (int k = 0; k < n; k++) {
        rn_tensor *t = in[k];
        if (t == NULL || !(t->flags & RN_T_GRAD)) continue;
        float *a = malloc(t->n * sizeof *a);
        double *num = malloc(t->n * sizeof *num);
        memcpy(a, t->grad, t->n * sizeof *a);
        double scale = 0;
        for (size_t i = 0; i < t->n; i++) {
            float v = t->data[i];
            double d[2];
            for (int s = 0; s < 2; s++) {
                double hh = s == 0 ? h : h / 2;
                t->data[i] = (float)((double)v + hh);
                double lp = gc_loss(g, build, in, ctx, R, training);
                t->data[i] = (float)((double)v - hh);
                double lm = gc_loss(g, build, in, ctx, R, training);
                /* the perturbation actually applied, after rounding to float */
                double step = (double)(float)((double)v + hh) - (double)(float)((double)v - hh);
                d[s] = (lp - lm) / step;
            }
            t->data[i] = v;
            num[i] = (4.0 * d[1] - d[0]) / 3.0;
            if (fabs(num[i]) > scale) scale = fabs(num[i]);
        }
        for (size_t i = 0; i < t->n; i++) {
            double den = fmax(fmax(fabs((double)a[i]), fabs(num[i])), fmax(1e-2 * scale, 1e-2));
            double e = den > 0 ? fabs((double)a[i] - num[i]) / den : 0;
            if (!(e <= worst)) { /* NaN counts as the worst */
                worst = e;
                if (e > 1e-3 || isnan(e))
                    fprintf(stderr,
                            "gradcheck %s: input %d element %zu: analytic %.7g numeric "
                            "%.7g\n",
                            name, k + 1, i, (double)a[i], num[i]);
            }
        }
        free(a);
        free(num);
    }
    printf("gradcheck %-28s max relative error %.2e\n", name, worst);
    free(R);
    rn_graph_free(g);
    return worst;
}

static double gc_check(const char *name, gc_build build, int n, rn_tensor **in, void *ctx)
{
    return gc_check_mode(name, build, n, in, ctx, 1);
}

/* A persistent tensor with a gradient, filled uniform in [lo, hi). */
static rn_tensor *gc_tensor(rn_rng *r, int ndim, const int *shape, float lo, float hi)
{
    rn_tensor *t = rn_tensor_new(ndim, shape);
    rn_tensor_uniform(t, r, lo, hi);
    rn_tensor_require_grad(t);
    return t;
}

/* Moves every value at least margin away from 0 (for kinks at 0), keeping signs. */
static void gc_off_zero(rn_tensor *t, float margin)
{
    for (size_t i = 0; i < t->n; i++)
        if (fabsf(t->data[i]) < margin)
            t->data[i] = t->data[i] < 0 ? -margin - fabsf(t->data[i]) : margin + t->data[i];
}

#endif
