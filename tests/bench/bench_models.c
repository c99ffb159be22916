/* Training throughput of the model zoo (a benchmark, not a test).
 *
 *   bench_models MODEL BATCH ROWS [--dump FILE]
 *
 * MODEL is deepfm (embedding 16, MLP 400-400-400, 10 fields of 100 values)
 * or din (embedding 16, attention MLP 80-40, MLP 200-80, history of 20 over
 * 1000 items). Generates ROWS seeded synthetic rows (synth.h), trains one
 * epoch on the first 90% with Adam (lr 1e-3) at BATCH, and prints one line
 *
 *   model deepfm batch 2048 samples_per_s 41234.5 rss_mb 80.1 auc 0.7712
 *         gemm_gflops 180.2 ceiling_samples_per_s 60000.0
 *
 * (the GEMM ceiling: sgemm's rate on this machine over the model's matrix
 * products per sample, forward and backward). --dump writes the data for the
 * PyTorch reference (tests/bench/bench_models.py), which runs this binary
 * and compares: the rows as little-endian arrays after a header of int32
 * n_rows, n_fields, seq_len, n_cards, cards[n_cards]: sparse (int32 n x F),
 * seq (int32 n x T), mask (float n x T), labels (float n). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "gemm.h"
#include "parallel.h"
#include "models/model.h"
#include "models/synth.h"
#include "models/train.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* sgemm GFLOP/s at M x K x N on the engine's threads, the best of a few runs
 * of rn_gemm (the GEMM every model uses: single-threaded OpenBLAS calls on
 * the engine's split; on this machine it matches or beats OpenBLAS's own
 * two threads at these shapes). */
static double gemm_rate(int M, int K, int N)
{
    float *a = calloc((size_t)M * (size_t)K, 4), *b = calloc((size_t)K * (size_t)N, 4),
          *c = calloc((size_t)M * (size_t)N, 4);
    for (int i = 0; i < M * K; i++)
        a[i] = (float)(i % 7) * 0.1f;
    for (int i = 0; i < K * N; i++)
        b[i] = (float)(i % 5) * 0.1f;
    double best = 0;
    for (int r = 0; r < 10; r++) {
        double t0 = now();
        rn_gemm(0, 0, M, N, K, 1.0f, a, K, b, N, 0.0f, c, N);
        double t = now() - t0, g = 2.0 * M * K * N / t / 1e9;
        if (g > best) best = g;
    }
    free(a);
    free(b);
    free(c);
    return best;
}

static void dump(const char *path, const rn_samples *d, const rn_model_config *c)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        perror(path);
        exit(1);
    }
    int32_t head[3 + 1 + RN_MODEL_MAX_FIELDS] = {(int32_t)d->n, d->n_fields, d->seq_len,
                                                 c->n_fields};
    for (int i = 0; i < c->n_fields; i++)
        head[4 + i] = c->cardinality[i];
    fwrite(head, 4, (size_t)(4 + c->n_fields), f);
    fwrite(d->sparse, 4, d->n * (size_t)d->n_fields, f);
    if (d->seq_len > 0) {
        fwrite(d->seq, 4, d->n * (size_t)d->seq_len, f);
        fwrite(d->mask, 4, d->n * (size_t)d->seq_len, f);
    }
    fwrite(d->labels, 4, d->n, f);
    fclose(f);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench_models deepfm|din BATCH ROWS [--dump FILE]\n");
        return 2;
    }
    const char *kind = argv[1];
    size_t batch = (size_t)atol(argv[2]), rows = (size_t)atol(argv[3]);
    int din = strcmp(kind, "din") == 0;
    rn_samples *data;
    rn_model_config c = rn_model_defaults(din ? RN_MODEL_DIN : RN_MODEL_DEEPFM);
    c.embed_dim = 16;
    double flops; /* matrix-product flops per sample, forward + backward (3x forward) */
    if (din) {
        rn_synth_seq_config s = rn_synth_seq_defaults();
        s.rows = rows, s.n_items = 1000, s.n_cats = 20, s.n_users = 1000, s.seq_len = 20;
        data = rn_synth_seq(&s);
        c.n_fields = 3;
        c.cardinality[0] = 1000, c.cardinality[1] = 20, c.cardinality[2] = 1000;
        c.seq_len = 20, c.seq_field = 0;
        c.n_att_hidden = 2, c.att_hidden[0] = 80, c.att_hidden[1] = 40;
        c.n_hidden = 2, c.hidden[0] = 200, c.hidden[1] = 80;
        int in = 3 * 16 + 16;
        flops = 3 * 2.0 * (20.0 * (64 * 80 + 80 * 40 + 40) + in * 200 + 200 * 80 + 80);
    } else {
        rn_synth_ctr_config s = rn_synth_ctr_defaults();
        s.rows = rows, s.n_fields = 10, s.cardinality = 100;
        data = rn_synth_ctr(&s);
        c.n_fields = 10;
        for (int f = 0; f < 10; f++)
            c.cardinality[f] = 100;
        c.n_hidden = 3, c.hidden[0] = c.hidden[1] = c.hidden[2] = 400;
        flops = 3 * 2.0 * (160 * 400 + 400 * 400 + 400 * 400 + 400);
    }
    if (data == NULL) {
        fprintf(stderr, "%s\n", rn_error());
        return 1;
    }
    if (argc >= 6 && strcmp(argv[4], "--dump") == 0) {
        dump(argv[5], data, &c);
        rn_samples_free(data);
        return 0;
    }
    size_t n_train = rows * 9 / 10;
    rn_samples train = rn_samples_view(data, 0, n_train),
               test = rn_samples_view(data, n_train, rows - n_train);
    rn_model *m = rn_model_new(&c);
    rn_optim *o[2];
    int n_opts = 0;
    if (m == NULL || rn_model_default_optims(m, 1e-3f, 0, o, &n_opts) != RN_OK) {
        fprintf(stderr, "%s\n", rn_error());
        return 1;
    }
    rn_fit_config fc = rn_fit_defaults();
    fc.batch_size = batch;
    double t0 = now();
    if (rn_model_fit(m, &train, o, n_opts, &fc, NULL) != RN_OK) {
        fprintf(stderr, "%s\n", rn_error());
        return 1;
    }
    double t = now() - t0;
    rn_metrics ev;
    rn_model_evaluate(m, &test, batch, &ev);
    const rn_metric *auc = rn_metrics_find(&ev, "auc");
    /* peak RSS of this process image (VmHWM; ru_maxrss survives exec from a big parent) */
    double rss_mb = 0;
    FILE *st = fopen("/proc/self/status", "r");
    char line[256];
    while (st != NULL && fgets(line, sizeof line, st))
        if (strncmp(line, "VmHWM:", 6) == 0) rss_mb = atof(line + 6) / 1024.0;
    if (st != NULL) fclose(st);
    double g = din ? gemm_rate((int)batch * 20, 64, 80) : gemm_rate((int)batch, 400, 400);
    printf("model %s batch %zu samples_per_s %.1f rss_mb %.1f auc %.4f gemm_gflops %.1f "
           "ceiling_samples_per_s %.1f\n",
           kind, batch, (double)n_train / t, rss_mb, auc ? auc->value : 0.0, g, g * 1e9 / flops);
    for (int i = 0; i < n_opts; i++)
        rn_optim_free(o[i]);
    rn_model_free(m);
    rn_samples_free(data);
    return 0;
}
