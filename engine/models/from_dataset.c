/* Columnar data sets as model batches (from_dataset.h). */
#include "from_dataset.h"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "../alloc.h"
#include "../error.h"

/* The columns every map reads: CAT fields, DENSE features (not dropped ones,
 * nor raw ones a loader left on their own scale), the group. */
static int map_features(const rn_dataset *ds, rn_data_map *map)
{
    for (size_t c = 0; c < ds->n_cols; c++) {
        const rn_column *col = &ds->cols[c];
        if (col->kind == RN_COL_DENSE && !col->dropped && !col->raw) {
            if (map->n_dense == RN_MAP_MAX_DENSE)
                return rn_fail(RN_EARG, "%s: more than %d dense columns", ds->source,
                               RN_MAP_MAX_DENSE);
            map->dense[map->n_dense++] = (int)c;
        }
        if (col->kind == RN_COL_CAT) {
            if (map->n_fields == RN_MODEL_MAX_FIELDS)
                return rn_fail(RN_EARG, "%s: more than %d categorical columns", ds->source,
                               RN_MODEL_MAX_FIELDS);
            if (col->cardinality > INT32_MAX)
                return rn_fail(RN_EARG, "%s: column '%s' has %lld values (too many)", ds->source,
                               col->name, (long long)col->cardinality);
            map->field[map->n_fields] = (int)c;
            map->cardinality[map->n_fields++] = col->cardinality > 0 ? (int)col->cardinality : 1;
        }
    }
    return RN_OK;
}

/* The most entries a row of the sparse bag may hold (a batch's width). */
#define MAX_BAG 65536

/* Without a history: the first SEQ column with a value per id is the bag. */
static int map_bag(const rn_dataset *ds, rn_data_map *map)
{
    for (size_t c = 0; c < ds->n_cols && map->seq < 0 && map->bag < 0; c++) {
        const rn_column *col = &ds->cols[c];
        if (col->kind != RN_COL_SEQ || col->val == NULL) continue;
        size_t longest = 1;
        for (size_t r = 0; r < ds->n_rows; r++)
            if (col->off[r + 1] - col->off[r] > longest) longest = col->off[r + 1] - col->off[r];
        if (longest > MAX_BAG)
            return rn_fail(RN_EARG, "%s: column '%s' has a row of %zu features (at most %d)",
                           ds->source, col->name, longest, MAX_BAG);
        if (col->cardinality > 100000000)
            return rn_fail(RN_EARG,
                           "%s: column '%s' has feature ids up to %lld (at most 100000000: "
                           "renumber or hash them)",
                           ds->source, col->name, (long long)col->cardinality - 1);
        map->bag = (int)c;
        map->bag_len = (int)longest;
        map->bag_cardinality = col->cardinality > 0 ? (int)col->cardinality : 1;
        int32_t top = -1;
        for (size_t i = 0; col->fld != NULL && i < col->n_ids; i++)
            if (col->fld[i] > top) top = col->fld[i];
        if (top >= 1000)
            return rn_fail(RN_EARG, "%s: column '%s' has fields up to %d (at most 999)", ds->source,
                           col->name, (int)top);
        map->bag_fields = (int)top + 1;
    }
    if (map->n_fields == 0 && map->n_dense == 0 && map->bag < 0)
        return rn_fail(RN_EARG, "%s: no categorical, dense or sparse feature column to learn from",
                       ds->source);
    return RN_OK;
}

/* The LABEL columns' names, quoted and comma-separated, into names; returns their count. */
static int label_names(const rn_dataset *ds, char *names, size_t size)
{
    int n = 0;
    names[0] = '\0';
    for (size_t c = 0; c < ds->n_cols; c++)
        if (ds->cols[c].kind == RN_COL_LABEL) {
            size_t used = strlen(names);
            snprintf(names + used, size - used, "%s'%s'", n ? ", " : "", ds->cols[c].name);
            n++;
        }
    return n;
}

static void map_reset(rn_data_map *map)
{
    memset(map, 0, sizeof *map);
    map->label = map->seq = map->seq_field = map->group = map->bag = -1;
}

static int map_sequence(const rn_dataset *ds, int max_seq_len, rn_data_map *map);

int rn_data_map_infer(const rn_dataset *ds, const char *label, int max_seq_len, rn_data_map *map)
{
    map_reset(map);
    if (max_seq_len < 1) return rn_fail(RN_EARG, "data map: max_seq_len must be at least 1");
    /* several label columns and none chosen: never take the first silently
     * (MovieLens has rating, in stars, and like, 0/1) */
    if (label == NULL) {
        char names[160];
        int n_labels = label_names(ds, names, sizeof names);
        if (n_labels > 1)
            return rn_fail(RN_EARG, "%s: %d label columns (%s): choose one with label = ...",
                           ds->source, n_labels, names);
    }
    for (size_t c = 0; c < ds->n_cols; c++) {
        const rn_column *col = &ds->cols[c];
        if (col->kind == RN_COL_LABEL && map->label < 0 &&
            (label == NULL || strcmp(col->name, label) == 0))
            map->label = (int)c;
    }
    if (map->label < 0 && label != NULL)
        return rn_fail(RN_EARG, "%s: no label column '%s'", ds->source, label);
    if (map->label < 0) return rn_fail(RN_EARG, "%s: no label column to learn", ds->source);
    map->n_labels = 1;
    map->labels[0] = map->label;
    if (map_features(ds, map) != RN_OK) return rn_error_code();
    return map_sequence(ds, max_seq_len, map);
}

int rn_data_map_infer_labels(const rn_dataset *ds, const char *const *labels, int n_labels,
                             int max_seq_len, rn_data_map *map)
{
    map_reset(map);
    if (max_seq_len < 1) return rn_fail(RN_EARG, "data map: max_seq_len must be at least 1");
    if (n_labels < 0 || n_labels > RN_MODEL_MAX_TASKS || (n_labels > 0 && labels == NULL))
        return rn_fail(RN_EARG, "data map: 1 to %d label columns, got %d", RN_MODEL_MAX_TASKS,
                       n_labels);
    if (n_labels == 0) { /* every LABEL column, in order */
        char names[160];
        int n = label_names(ds, names, sizeof names);
        if (n == 0) return rn_fail(RN_EARG, "%s: no label column to learn", ds->source);
        if (n > RN_MODEL_MAX_TASKS)
            return rn_fail(RN_EARG, "%s: %d label columns (%s), more than a model's %d tasks: "
                                    "choose them with label = {...}",
                           ds->source, n, names, RN_MODEL_MAX_TASKS);
        for (size_t c = 0; c < ds->n_cols; c++)
            if (ds->cols[c].kind == RN_COL_LABEL) map->labels[map->n_labels++] = (int)c;
    } else {
        for (int k = 0; k < n_labels; k++) {
            int found = -1;
            for (size_t c = 0; c < ds->n_cols && found < 0; c++)
                if (labels[k] != NULL && strcmp(ds->cols[c].name, labels[k]) == 0) found = (int)c;
            if (found < 0 || ds->cols[found].kind != RN_COL_LABEL) {
                char names[160];
                label_names(ds, names, sizeof names);
                return rn_fail(RN_EARG, "%s: no label column '%s' (label columns: %s)",
                               ds->source, labels[k] ? labels[k] : "", names[0] ? names : "none");
            }
            for (int j = 0; j < k; j++)
                if (map->labels[j] == found)
                    return rn_fail(RN_EARG, "%s: label column '%s' is chosen twice", ds->source,
                                   labels[k]);
            map->labels[map->n_labels++] = found;
        }
    }
    map->label = map->labels[0];
    if (map_features(ds, map) != RN_OK) return rn_error_code();
    return map_sequence(ds, max_seq_len, map);
}

static int map_sequence(const rn_dataset *ds, int max_seq_len, rn_data_map *map)
{
    /* the behaviour features: every SEQ column sharing a CAT column's vocabulary */
    for (size_t c = 0; c < ds->n_cols; c++) {
        const rn_column *col = &ds->cols[c];
        if (col->kind != RN_COL_SEQ || col->vocab_of < 0) continue;
        for (int f = 0; f < map->n_fields; f++) {
            if (map->field[f] != col->vocab_of) continue;
            if (map->n_seq == RN_SEQ_MAX_FEATURES)
                return rn_fail(RN_EARG, "%s: more than %d history columns (behaviour features)",
                               ds->source, RN_SEQ_MAX_FEATURES);
            map->seqs[map->n_seq] = (int)c;
            map->seq_fields[map->n_seq++] = f;
            if (col->cardinality > map->cardinality[f])
                map->cardinality[f] = (int)col->cardinality;
        }
    }
    if (map->n_seq > 0) {
        map->seq = map->seqs[0];
        map->seq_field = map->seq_fields[0];
        const rn_column *col = &ds->cols[map->seq];
        size_t longest = 1;
        for (size_t r = 0; r < ds->n_rows; r++)
            if (col->off[r + 1] - col->off[r] > longest) longest = col->off[r + 1] - col->off[r];
        map->seq_len = longest < (size_t)max_seq_len ? (int)longest : max_seq_len;
        /* one entry per behaviour in every feature: the lists agree in length */
        for (int s = 1; s < map->n_seq; s++) {
            const rn_column *o = &ds->cols[map->seqs[s]];
            for (size_t r = 0; r < ds->n_rows; r++)
                if (o->off[r + 1] - o->off[r] != col->off[r + 1] - col->off[r])
                    return rn_fail(RN_EARG,
                                   "%s: row %zu: history column '%s' has %zu entries and '%s' "
                                   "%zu (the features of one history need one entry per "
                                   "behaviour)",
                                   ds->source, r + 1, col->name, col->off[r + 1] - col->off[r],
                                   o->name, o->off[r + 1] - o->off[r]);
        }
    }
    map->group = ds->group;
    return map_bag(ds, map);
}

void rn_data_map_config(const rn_data_map *map, rn_model_config *cfg)
{
    cfg->n_fields = map->n_fields;
    memcpy(cfg->cardinality, map->cardinality, sizeof map->cardinality);
    cfg->n_dense = map->n_dense;
    int seq = rn_config_key_reads(rn_config_key_find("seq_len"), cfg->kind);
    cfg->seq_len = seq && map->seq >= 0 ? map->seq_len : 0;
    cfg->seq_field = cfg->seq_len > 0 ? map->seq_field : -1;
    cfg->n_seq_fields = cfg->seq_len > 0 && map->n_seq > 1 ? map->n_seq : 0;
    for (int s = 0; s < cfg->n_seq_fields; s++)
        cfg->seq_fields[s] = map->seq_fields[s];
    int bag = rn_config_key_reads(rn_config_key_find("bag_cardinality"), cfg->kind);
    cfg->bag_cardinality = bag && map->bag >= 0 ? map->bag_cardinality : 0;
    int fields = rn_config_key_reads(rn_config_key_find("bag_fields"), cfg->kind);
    cfg->bag_fields = fields && map->bag >= 0 ? map->bag_fields : 0;
}

/* Rows idx[0..n) of the bag column into b's bag: every entry, left-aligned. */
static void gather_bag(const rn_column *col, const size_t *idx, size_t n, rn_samples *b)
{
    size_t L = (size_t)b->bag_len;
    for (size_t i = 0; i < n; i++) {
        size_t from = col->off[idx[i]], len = col->off[idx[i] + 1] - from;
        memcpy(b->bag + i * L, col->ids + from, len * sizeof *b->bag);
        memcpy(b->bag_val + i * L, col->val + from, len * sizeof *b->bag_val);
        if (b->bag_fld != NULL) memcpy(b->bag_fld + i * L, col->fld + from, len * sizeof *b->bag_fld);
    }
}

/* The history columns of rows idx[0..n) into b: each feature's last T ids,
 * side by side at each position (b->seq is n x T x S), the mask from the first;
 * b->seq_of the field each shares. */
static int gather_history(const rn_dataset *ds, const rn_data_map *map, const size_t *idx,
                          size_t n, rn_samples *b)
{
    size_t T = (size_t)b->seq_len, S = (size_t)b->n_seq;
    for (size_t s = 0; s < S; s++)
        b->seq_of[s] = map->seq_fields[s];
    if (S == 1) return rn_gather_seq(ds, map->seq, idx, n, T, b->seq, b->mask);
    int32_t *ids = rn_malloc(n * T * sizeof *ids, "history ids");
    if (ids == NULL) return rn_error_code();
    int rc = RN_OK;
    for (size_t s = 0; rc == RN_OK && s < S; s++) {
        /* the lists agree in length (map_sequence), so the first's mask holds for all */
        rc = rn_gather_seq(ds, map->seqs[s], idx, n, T, ids, s == 0 ? b->mask : NULL);
        for (size_t i = 0; rc == RN_OK && i < n * T; i++)
            b->seq[i * S + s] = ids[i];
    }
    rn_free(ids);
    return rc;
}

rn_samples *rn_samples_from_dataset(const rn_dataset *ds, const rn_data_map *map,
                                    const size_t *rows, size_t start, size_t n)
{
    if (n == 0) return rn_fail(RN_EARG, "%s: no rows selected", ds->source), NULL;
    size_t *idx = rn_malloc(n * sizeof *idx, "row indices");
    if (idx == NULL) return NULL;
    for (size_t i = 0; i < n; i++) {
        idx[i] = rows != NULL ? rows[i] : start + i;
        if (idx[i] >= ds->n_rows) {
            rn_fail(RN_EARG, "%s: row %zu is out of range (%zu rows)", ds->source, idx[i],
                    ds->n_rows);
            rn_free(idx);
            return NULL;
        }
    }
    int T = map->seq >= 0 ? map->seq_len : 0, W = map->n_labels > 0 ? map->n_labels : 1;
    int S = map->n_seq > 0 ? map->n_seq : 1;
    rn_samples *b = rn_samples_new_seq(n, map->n_fields, map->n_dense, T, S, W, map->group >= 0);
    float *col = rn_malloc(n * sizeof *col, "column");
    int32_t *ids = rn_malloc(n * sizeof *ids, "ids");
    int rc = b != NULL && col != NULL && ids != NULL ? RN_OK : RN_ENOMEM;
    if (rc == RN_OK && map->bag >= 0 && (rc = rn_samples_add_bag(b, map->bag_len, ds->cols[map->bag].fld != NULL)) == RN_OK)
        gather_bag(&ds->cols[map->bag], idx, n, b);
    if (rc == RN_OK && W == 1) rc = rn_gather_float(ds, map->label, idx, n, b->labels);
    for (int k = 0; rc == RN_OK && W > 1 && k < W; k++) { /* batch label column k */
        rc = rn_gather_float(ds, map->labels[k], idx, n, col);
        for (size_t i = 0; rc == RN_OK && i < n; i++)
            b->labels[i * (size_t)W + (size_t)k] = col[i];
    }
    for (int f = 0; rc == RN_OK && f < map->n_fields; f++) {
        rc = rn_gather_ids(ds, map->field[f], idx, n, ids);
        for (size_t i = 0; rc == RN_OK && i < n; i++)
            b->sparse[i * (size_t)map->n_fields + (size_t)f] = ids[i];
    }
    for (int j = 0; rc == RN_OK && j < map->n_dense; j++) {
        rc = rn_gather_float(ds, map->dense[j], idx, n, col);
        for (size_t i = 0; rc == RN_OK && i < n; i++)
            b->dense[i * (size_t)map->n_dense + (size_t)j] = col[i];
    }
    if (rc == RN_OK && T > 0) rc = gather_history(ds, map, idx, n, b);
    if (rc == RN_OK && map->group >= 0) {
        const rn_column *g = &ds->cols[map->group];
        for (size_t i = 0; i < n; i++)
            b->group[i] = g->kind == RN_COL_INT ? g->i64[idx[i]] : (int64_t)g->ids[idx[i]];
    }
    rn_free(idx);
    rn_free(col);
    rn_free(ids);
    if (rc != RN_OK) {
        rn_samples_free(b);
        return NULL;
    }
    return b;
}
