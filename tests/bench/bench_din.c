/* DIN and DIEN on behaviour data with item and category histories (a
 * benchmark, not a test).
 *
 *   bench_din MODEL BATCH ROWS FEATURES [--dump FILE]
 *
 * MODEL is din (embedding 16 per feature, attention MLP 80-40 with Dice, no
 * softmax, MLP 200-80 with Dice) or dien (the same embeddings and MLP, a GRU
 * and an AUGRU of hidden size E, bilinear attention, the auxiliary loss with
 * weight 1). FEATURES is item (the history's item ids) or itemcat (item and
 * category ids side by side, the DIN paper's goods and category). The data:
 * ROWS seeded rows of synth.h's nearest-items truth (100000 items in 1000
 * categories, 10000 users, histories of 5..50, a click driven by the 3
 * history items nearest the candidate), the first 90% trained for one epoch
 * with Adam (lr 1e-3) at BATCH, the rest scored. One line:
 *
 *   model din features itemcat batch 256 samples_per_s 20000.0 rss_mb 80.1 auc 0.7712
 *
 * --dump writes the rows for the PyTorch reference (tests/bench/bench_din.py)
 * as little-endian arrays after a header of int32 n_rows, n_fields, seq_len,
 * n_seq, n_cards, cards[n_cards]: sparse (int32 n x F), seq (int32 n x T x S,
 * the S features of a position side by side; S = 2: item, category), mask
 * (float n x T), labels (float n). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "models/model.h"
#include "models/synth.h"
#include "models/train.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static rn_synth_seq_config data_config(size_t rows)
{
    rn_synth_seq_config s = rn_synth_seq_defaults();
    s.rows = rows, s.n_items = 100000, s.n_cats = 1000, s.n_users = 10000;
    s.seq_len = 50, s.min_len = 5, s.nearest = 3, s.strength = 1.5f, s.cat_history = 1;
    return s;
}

static void dump(const char *path, const rn_samples *d, const rn_model_config *c)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        perror(path);
        exit(1);
    }
    int32_t head[5 + RN_MODEL_MAX_FIELDS] = {(int32_t)d->n, d->n_fields, d->seq_len, d->n_seq,
                                             c->n_fields};
    for (int i = 0; i < c->n_fields; i++)
        head[5 + i] = c->cardinality[i];
    fwrite(head, 4, (size_t)(5 + c->n_fields), f);
    fwrite(d->sparse, 4, d->n * (size_t)d->n_fields, f);
    fwrite(d->seq, 4, d->n * (size_t)d->seq_len * (size_t)d->n_seq, f);
    fwrite(d->mask, 4, d->n * (size_t)d->seq_len, f);
    fwrite(d->labels, 4, d->n, f);
    fclose(f);
}

int main(int argc, char **argv)
{
    if (argc < 5 || (strcmp(argv[1], "din") != 0 && strcmp(argv[1], "dien") != 0) ||
        (strcmp(argv[4], "item") != 0 && strcmp(argv[4], "itemcat") != 0)) {
        fprintf(stderr, "usage: bench_din din|dien BATCH ROWS item|itemcat [--dump FILE]\n");
        return 2;
    }
    const char *kind = argv[1], *features = argv[4];
    size_t batch = (size_t)atol(argv[2]), rows = (size_t)atol(argv[3]);
    rn_synth_seq_config s = data_config(rows);
    rn_samples *data = rn_synth_seq(&s);
    if (data == NULL) {
        fprintf(stderr, "%s\n", rn_error());
        return 1;
    }
    rn_model_config c = rn_model_defaults(strcmp(kind, "din") == 0 ? RN_MODEL_DIN : RN_MODEL_DIEN);
    c.embed_dim = 16;
    c.n_fields = 3;
    c.cardinality[0] = s.n_items, c.cardinality[1] = s.n_cats, c.cardinality[2] = s.n_users;
    c.seq_len = s.seq_len, c.seq_field = 0;
    if (strcmp(features, "itemcat") == 0) c.n_seq_fields = 2, c.seq_fields[0] = 0, c.seq_fields[1] = 1;
    c.n_att_hidden = 2, c.att_hidden[0] = 80, c.att_hidden[1] = 40; /* din */
    c.n_hidden = 2, c.hidden[0] = 200, c.hidden[1] = 80;
    c.activation = RN_ACT_DICE, c.att_activation = RN_ACT_DICE;
    if (argc >= 7 && strcmp(argv[5], "--dump") == 0) {
        dump(argv[6], data, &c);
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
    double rss_mb = 0; /* VmHWM: ru_maxrss survives exec from a big parent */
    FILE *st = fopen("/proc/self/status", "r");
    char line[256];
    while (st != NULL && fgets(line, sizeof line, st))
        if (strncmp(line, "VmHWM:", 6) == 0) rss_mb = atof(line + 6) / 1024.0;
    if (st != NULL) fclose(st);
    printf("model %s features %s batch %zu samples_per_s %.1f rss_mb %.1f auc %.4f\n", kind,
           features, batch, (double)n_train / t, rss_mb, auc ? auc->value : 0.0);
    for (int i = 0; i < n_opts; i++)
        rn_optim_free(o[i]);
    rn_model_free(m);
    rn_samples_free(data);
    return 0;
}
