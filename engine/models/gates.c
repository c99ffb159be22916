/* The gates a teacher watches: the "gates" view of the gated kinds (moe,
 * mmoe, cgc, ple) summed up over a data set, as the batch-mean gate of each
 * task and two entropies (Shannon, in nats):
 *
 *   H(w)               = -sum_i w_i log w_i            (0 for a one-hot w, log n uniform)
 *   entropy[k]         = (1/N) sum_x H(g_k(x))         (how sharply each row is routed)
 *   entropy_of_mean[k] = H((1/N) sum_x g_k(x))         (how many experts the task uses)
 *
 * Gate collapse (Ma et al., KDD 2018, section 5.3, and the "polarization" of
 * Tang et al., RecSys 2020, section 5.3: a task whose gate sends every row to
 * one expert) shows as both entropies near 0; experts that specialise by
 * input keep entropy_of_mean high while entropy falls. The forward is the
 * inference one, in batches, so dropout and batch norm behave as in predict. */
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../error.h"

/* The index of the "gates" view in the kind's list, or -1. */
static int gates_index(const rn_model *m)
{
    const char *const *views = rn_model_views(m);
    for (int i = 0; views[i] != NULL; i++)
        if (strcmp(views[i], "gates") == 0) return i;
    return -1;
}

int rn_model_has_gates(const rn_model *m)
{
    return gates_index(m) >= 0;
}

/* H(w) of n weights, in nats; 0 log 0 = 0. */
static double entropy(const double *w, int n)
{
    double h = 0;
    for (int i = 0; i < n; i++)
        if (w[i] > 0) h -= w[i] * log(w[i]);
    return h;
}

int rn_model_gate_stats(rn_model *m, const rn_samples *data, size_t batch_size,
                        rn_gate_stats *out)
{
    memset(out, 0, sizeof *out);
    int which = gates_index(m);
    if (which < 0)
        return rn_fail(RN_EARG, "%s has no gates (moe, mmoe, cgc and ple have)", m->kind->name);
    if (batch_size < 1) return rn_fail(RN_EARG, "gate statistics: batch size must be at least 1");
    if (data == NULL || data->n == 0) return rn_fail(RN_EARG, "gate statistics: no rows");
    rn_graph *g = rn_graph_new(m->cfg.seed);
    if (g == NULL) return rn_error_code();
    rn_graph_set_training(g, 0);
    double sum[RN_MODEL_MAX_TASKS][RN_GATE_MAX_WIDTH], h[RN_MODEL_MAX_TASKS];
    memset(sum, 0, sizeof sum);
    memset(h, 0, sizeof h);
    int rc = RN_OK, T = 0, n = 0;
    for (size_t start = 0; start < data->n && rc == RN_OK; start += batch_size) {
        size_t rows = data->n - start < batch_size ? data->n - start : batch_size;
        rn_samples v = rn_samples_view(data, start, rows);
        rn_heads hd;
        hd.want_views = 1;
        rc = rn_model_forward(m, g, &v, &hd);
        const rn_tensor *t = rc == RN_OK ? hd.view[which] : NULL;
        if (rc == RN_OK && (t == NULL || t->ndim != 3 || t->shape[2] > RN_GATE_MAX_WIDTH ||
                            t->shape[1] > RN_MODEL_MAX_TASKS))
            rc = rn_fail(RN_ESTATE, "%s: the gates view is not B x tasks x experts",
                         m->kind->name);
        if (rc == RN_OK) {
            T = t->shape[1], n = t->shape[2];
            for (size_t r = 0; r < rows; r++)
                for (int k = 0; k < T; k++) {
                    const float *w = t->data + (r * (size_t)T + (size_t)k) * (size_t)n;
                    for (int i = 0; i < n; i++) {
                        double wi = (double)w[i];
                        sum[k][i] += wi;
                        if (wi > 0) h[k] -= wi * log(wi);
                    }
                }
        }
        rn_graph_reset(g);
    }
    rn_graph_free(g);
    if (rc != RN_OK) return rc;
    out->n_tasks = T, out->n_experts = n;
    out->max_entropy = log((double)n);
    for (int k = 0; k < T; k++) {
        double mean[RN_GATE_MAX_WIDTH];
        for (int i = 0; i < n; i++) {
            mean[i] = sum[k][i] / (double)data->n;
            out->mean[k][i] = (float)mean[i];
        }
        out->entropy[k] = h[k] / (double)data->n;
        out->entropy_of_mean[k] = entropy(mean, n);
    }
    for (int i = 0; i < n; i++) {
        if (m->kind->gate_label != NULL)
            m->kind->gate_label(&m->cfg, i, out->expert[i], sizeof out->expert[i]);
        else
            snprintf(out->expert[i], sizeof out->expert[i], "e%d", i + 1);
    }
    return RN_OK;
}
