/* Training throughput of the multi-task models MMoE and PLE (a benchmark, not
 * a test).
 *
 *   bench_mtl MODEL BATCH ROWS EPOCHS [SEED] [--dump FILE]
 *
 * The data is the MMoE paper's synthetic benchmark made binary
 * (rn_synth_multitask: 100 dense inputs, task correlation 0.5, labels
 * y_k > 0), ROWS seeded rows; the first 90% train, the rest test. MODEL is
 * mmoe (8 experts of widths 64-32, a softmax gate per task, towers 16-1) or
 * ple (2 extraction levels, per level 2 experts per task and 2 shared ones
 * of widths 64-32, the paper's shared gate over all experts, towers 16-1).
 * Both tasks are BCE, weight 1. Adam (lr 1e-3) on every parameter, shuffled
 * batches of BATCH, EPOCHS epochs; SEED (1) draws the initial weights and
 * the row order (the data stay the same); prints one line
 *
 *   model mmoe batch 1024 samples_per_s 123456.7 auc1 0.9012 auc2 0.8890 params 42498
 *
 * --dump writes the rows for the PyTorch reference (tests/bench/bench_mtl.py)
 * as little-endian arrays after a header of int32 n_rows, n_dense, n_tasks:
 * dense (float n x n_dense), labels (float n x n_tasks). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "data/synth_tasks.h"
#include "error.h"
#include "models/from_dataset.h"
#include "models/model.h"
#include "models/train.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void dump(const char *path, const rn_samples *d)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        perror(path);
        exit(1);
    }
    int32_t head[3] = {(int32_t)d->n, d->n_dense, d->n_tasks};
    fwrite(head, 4, 3, f);
    fwrite(d->dense, 4, d->n * (size_t)d->n_dense, f);
    fwrite(d->labels, 4, d->n * (size_t)d->n_tasks, f);
    fclose(f);
}

static int fail(void)
{
    fprintf(stderr, "bench_mtl: %s\n", rn_error());
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: bench_mtl mmoe|ple BATCH ROWS EPOCHS [SEED] [--dump FILE]\n");
        return 2;
    }
    const char *kind = argv[1];
    size_t batch = (size_t)atol(argv[2]), rows = (size_t)atol(argv[3]);
    int epochs = atoi(argv[4]), ple = strcmp(kind, "ple") == 0, arg = 5;
    uint64_t seed = 1;
    if (argc > arg && strcmp(argv[arg], "--dump") != 0) seed = (uint64_t)atol(argv[arg++]);
    rn_synth_multitask_config sc = rn_synth_multitask_defaults();
    sc.rows = rows, sc.dim = 100, sc.correlation = 0.5f, sc.binary = 1, sc.seed = 7;
    rn_dataset *ds = rn_synth_multitask(&sc);
    rn_data_map map;
    if (ds == NULL || rn_data_map_infer_labels(ds, NULL, 0, 1, &map) != RN_OK) return fail();
    rn_samples *data = rn_samples_from_dataset(ds, &map, NULL, 0, rows);
    if (data == NULL) return fail();
    if (argc >= arg + 2 && strcmp(argv[arg], "--dump") == 0) {
        dump(argv[arg + 1], data);
        rn_samples_free(data);
        rn_dataset_free(ds);
        return 0;
    }
    rn_model_config c = rn_model_defaults(ple ? RN_MODEL_PLE : RN_MODEL_MMOE);
    rn_data_map_config(&map, &c);
    c.n_expert_hidden = 2, c.expert_hidden[0] = 64, c.expert_hidden[1] = 32;
    c.n_tower_hidden = 1, c.tower_hidden[0] = 16;
    c.seed = seed;
    if (ple)
        c.n_levels = 2, c.n_experts = 2, c.n_shared = 2;
    else
        c.n_experts = 8;
    size_t n_train = rows * 9 / 10;
    rn_samples train = rn_samples_view(data, 0, n_train),
               test = rn_samples_view(data, n_train, rows - n_train);
    rn_model *m = rn_model_new(&c);
    rn_optim *o[2];
    int n_opts = 0;
    if (m == NULL || rn_model_default_optims(m, 1e-3f, 0, o, &n_opts) != RN_OK) return fail();
    rn_fit_config fc = rn_fit_defaults();
    fc.batch_size = batch;
    fc.epochs = epochs;
    fc.seed = seed;
    double t0 = now();
    if (rn_model_fit(m, &train, o, n_opts, &fc, NULL) != RN_OK) return fail();
    double t = now() - t0;
    rn_metrics ev;
    if (rn_model_evaluate(m, &test, batch, &ev) != RN_OK) return fail();
    const rn_metric *a1 = rn_metrics_find(&ev, "y1.auc"), *a2 = rn_metrics_find(&ev, "y2.auc");
    printf("model %s batch %zu samples_per_s %.1f auc1 %.4f auc2 %.4f params %zu\n", kind, batch,
           (double)n_train * epochs / t, a1 ? a1->value : 0.0, a2 ? a2->value : 0.0,
           rn_params_size(rn_model_params(m)));
    for (int i = 0; i < n_opts; i++)
        rn_optim_free(o[i]);
    rn_model_free(m);
    rn_samples_free(data);
    rn_dataset_free(ds);
    return 0;
}
