/* The data engineer's columnar data sets (engine/data/dataset.h) as model
 * batches (batch.h).
 *
 * A map says which columns feed a model: the LABEL column named label (or
 * the only one) is the label; every CAT column is a categorical field (in column order, its
 * cardinality the column's); every DENSE column a dense feature; every SEQ
 * column that shares a CAT column's vocabulary (a history of items, as
 * rn_dataset_add_history and the MovieLens loader make, or of their
 * categories: a CSV column declared history_of a CAT column) is a behaviour
 * feature of the one behaviour sequence, that CAT column its candidate field
 * (seq_fields, in column order; the first is seq_field), so a history
 * position carries the item id, its category id, ... side by side. Their
 * lists must have the same length in every row (one entry per behaviour); the
 * data set's group column gives the groups. Without a history, the first SEQ column
 * with a value per id (libsvm's and libffm's "features") is the sparse bag,
 * read whole (every index:value pair of a row) by the kinds that read one (lr,
 * fm: bag_cardinality). Other SEQ columns (genres, multi-hot) and INT columns
 * are not read.
 *
 *     rn_data_map map;
 *     rn_data_map_infer(ds, "like", 20, &map);        // sequences padded to 20
 *     rn_model_config c = rn_model_defaults(RN_MODEL_DIN);
 *     rn_data_map_config(&map, &c);                   // fields, dense, seq_len
 *     rn_samples *b = rn_samples_from_dataset(ds, &map, rows, 0, n);   // caller frees
 */
#ifndef RN_MODELS_FROM_DATASET_H
#define RN_MODELS_FROM_DATASET_H

#include <stddef.h>

#include "../data/dataset.h"
#include "batch.h"
#include "model.h"

#define RN_MAP_MAX_DENSE 1024

typedef struct {
    int label;                            /* LABEL column (labels[0]) */
    int n_labels;                         /* label columns read (>= 1): batch column k */
    int labels[RN_MODEL_MAX_TASKS];       /* is ds column labels[k] */
    int n_fields;                         /* CAT columns read */
    int field[RN_MODEL_MAX_FIELDS];       /* their column indices */
    int cardinality[RN_MODEL_MAX_FIELDS]; /* rows of each field's embedding */
    int n_dense;
    int dense[RN_MAP_MAX_DENSE]; /* DENSE column indices */
    int seq;                     /* the (first) history SEQ column, or -1 */
    int seq_len;                 /* T: the last T items of each list */
    int seq_field;               /* the candidate's index in field[], or -1 */
    int n_seq;                   /* behaviour features (history columns), 0 without */
    int seqs[RN_SEQ_MAX_FEATURES];       /* their SEQ columns (seqs[0] is seq) */
    int seq_fields[RN_SEQ_MAX_FEATURES]; /* the index in field[] each shares */
    int group;                   /* the group column, or -1 */
    int bag;                     /* the sparse bag's SEQ column, or -1 */
    int bag_len;                 /* its longest row: the batch's bag width */
    int bag_cardinality;         /* its ids lie in [0, bag_cardinality) */
    int bag_fields;              /* libffm: its fields lie in [0, bag_fields); 0: none */
} rn_data_map;

/* Infers the map of ds, padding sequences to min(longest list, max_seq_len)
 * (max_seq_len >= 1); label names the label column (NULL: the only LABEL
 * column; with several, an error naming them, so MovieLens's star ratings are
 * never learned as clicks by accident). RN_EARG when ds has no such LABEL
 * column or no CAT, DENSE or bag column, more CAT
 * columns than a model takes, or a field with more than INT32_MAX values. */
int rn_data_map_infer(const rn_dataset *ds, const char *label, int max_seq_len, rn_data_map *map);

/* The map with several label columns, for multi-task models: the batch's
 * label column k is the LABEL column named labels[k] (n_labels of them, 1 to
 * RN_MODEL_MAX_TASKS), matching the tasks' label indices; labels NULL and
 * n_labels 0 take every LABEL column of ds in column order (at most
 * RN_MODEL_MAX_TASKS: more is an error naming them). RN_EARG naming a missing
 * or repeated column, or one that is not a LABEL column; the rest as
 * rn_data_map_infer. A data set with no CAT column but DENSE ones maps to dense
 * features alone (the kinds that read them: mmoe, ...). */
int rn_data_map_infer_labels(const rn_dataset *ds, const char *const *labels, int n_labels,
                             int max_seq_len, rn_data_map *map);

/* Fills the data fields of a model config from map (n_fields, cardinality,
 * n_dense, seq_len / seq_field / seq_fields for the kinds that read sequences, and
 * bag_cardinality for those that read a sparse bag). */
void rn_data_map_config(const rn_data_map *map, rn_model_config *cfg);

/* A new batch (caller frees) holding rows[0..n) of ds (or, when rows is NULL,
 * rows start .. start + n - 1), read through map; its behaviour features say
 * which field each shares (seq_of). NULL with RN_EARG for a row out of range or
 * a row whose history columns differ in length (naming both), RN_ENOMEM. */
rn_samples *rn_samples_from_dataset(const rn_dataset *ds, const rn_data_map *map,
                                    const size_t *rows, size_t start, size_t n);

#endif
