/* Columnar data sets, their loaders, splits and batches.
 *
 * A data set is a table of n_rows rows stored by column. Each column has a
 * kind:
 *
 *   RN_COL_LABEL  float per row: a target (one label column per task)
 *   RN_COL_DENSE  float per row: a numeric feature; a missing entry holds the
 *                 column's fill value (0 unless the schema says otherwise)
 *                 and is counted in n_missing
 *   RN_COL_CAT    int32 id per row: a categorical feature. Id 0 means
 *                 "missing or unknown"; other ids come from the column's
 *                 vocabulary (1, 2, ... in order of first appearance) or, with
 *                 hashing, are 1 + FNV-1a(text) mod buckets. Ids lie in
 *                 [0, cardinality).
 *   RN_COL_SEQ    a variable-length list of int32 ids per row (a behaviour
 *                 sequence or a multi-hot set), stored as offsets + ids: row
 *                 r's ids are ids[off[r] .. off[r + 1]). Ids as for CAT
 *                 (id 0 never appears in a list). Optionally a float value
 *                 per id (libsvm, libffm) and a field per id (libffm).
 *   RN_COL_INT    int64 per row: raw integers such as timestamps.
 *
 * A data set may name a group column (the user, for gAUC and per-user
 * splits) and a time column (for time splits and histories).
 *
 * Rows are selected without copying columns: a subset (rn_subset) is an array
 * of row indices; shuffles and splits make subsets, and a batch is a borrowed
 * slice of a subset's indices. The gather functions copy the values of a
 * list of rows into caller-provided arrays, shaped for tensors.
 *
 * Loaders read a whole file (at most RN_DATA_MAX_FILE bytes) and allocate in
 * proportion to its size, never to a number written in it. Every loader
 * error is RN_EPARSE (or RN_EIO, RN_ENOMEM) with a message that starts with
 * file:line:column and names the field and what was expected:
 *
 *     ratings.csv:3:7: column 'rating': expected a number, got "abc"
 *
 * Ownership: a data set owns its columns and vocabularies; rn_dataset_free
 * frees everything. A subset owns its index array (rn_subset_free). Every
 * allocation goes through the engine's hook (alloc.h).
 */
#ifndef RN_DATASET_H
#define RN_DATASET_H

#include <stddef.h>
#include <stdint.h>

enum { RN_COL_LABEL, RN_COL_DENSE, RN_COL_CAT, RN_COL_SEQ, RN_COL_INT };

/* Files larger than this are refused (RN_EIO), and so is anything but a
 * regular file (a directory, a device such as /dev/zero, a pipe), so that no
 * input can make a loader read without bound. */
#define RN_DATA_MAX_FILE ((size_t)1 << 31)

/* ---- vocabularies ------------------------------------------------------------ */

/* Strings to ids: id 0 is reserved ("" = missing), the others are given in
 * order of first appearance. */
typedef struct rn_vocab rn_vocab;

rn_vocab *rn_vocab_new(void);
void rn_vocab_free(rn_vocab *v);

/* The id of the len bytes at s, adding them if new. RN_ENOMEM on failure;
 * RN_EARG when the vocabulary already holds INT32_MAX strings. */
int rn_vocab_add(rn_vocab *v, const char *s, size_t len, int32_t *id);

/* The id of s, or 0 when absent. */
int32_t rn_vocab_find(const rn_vocab *v, const char *s, size_t len);

/* The string of id (borrowed, valid until the vocabulary changes or is
 * freed), or NULL when id is out of range. */
const char *rn_vocab_name(const rn_vocab *v, int32_t id);

/* The number of ids, the reserved 0 included. */
size_t rn_vocab_size(const rn_vocab *v);

/* An optional display label per id (a movie's title for its id): set copies
 * len bytes at s (RN_EARG for an unknown id, RN_ENOMEM); get returns the
 * label (borrowed, as rn_vocab_name) or NULL when none is set. */
int rn_vocab_set_label(rn_vocab *v, int32_t id, const char *s, size_t len);
const char *rn_vocab_label(const rn_vocab *v, int32_t id);

/* ---- columns and data sets ----------------------------------------------------- */

typedef struct {
    char *name;
    int kind;            /* RN_COL_* */
    float *f;            /* LABEL, DENSE: n_rows values */
    int64_t *i64;        /* INT: n_rows values */
    int32_t *ids;        /* CAT: n_rows ids; SEQ: n_ids ids */
    size_t *off;         /* SEQ: n_rows + 1 offsets into ids */
    float *val;          /* SEQ: n_ids values, or NULL (every value 1: multi-hot) */
    int32_t *fld;        /* SEQ: n_ids fields (libffm), or NULL */
    size_t n_ids;        /* SEQ: ids stored */
    rn_vocab *vocab;     /* CAT, SEQ: the vocabulary, or NULL (hashed or raw ids) */
    int vocab_of;        /* -1: the column owns vocab; else the column it borrows it from */
    int64_t buckets;     /* CAT, SEQ: > 0 when ids are hashed into that many buckets */
    int64_t cardinality; /* CAT, SEQ: ids lie in [0, cardinality) */
    size_t n_missing;    /* entries that were missing in the input */
    float fill;          /* DENSE: the value stored for a missing entry */
    size_t rows;         /* entries pushed so far (internal; n_rows once built) */
    size_t cap, cap_ids; /* allocated rows, allocated ids (internal) */
    int dropped;         /* DENSE: dropped by rn_dataset_transform: models do not read it */
    int raw;             /* DENSE: on its own scale (MovieLens' year, about 2000): models do not
                            read it until a transform rescales it (see rn_dataset_transform) */
} rn_column;

typedef struct rn_dataset {
    char *source; /* where it came from: a file name or a generator's name */
    size_t n_rows;
    size_t n_cols;
    rn_column *cols;
    int group;       /* index of the group column, or -1 */
    int time;        /* index of the time column, or -1 */
    size_t cap_cols; /* internal */
} rn_dataset;

/* An empty data set (no columns, no rows). source is copied. Caller frees
 * with rn_dataset_free. NULL with RN_ENOMEM. */
rn_dataset *rn_dataset_new(const char *source);
void rn_dataset_free(rn_dataset *ds);

/* Adds an empty column (the data set must have no rows yet) and returns its
 * index, or a negative RN_E* code: RN_EARG for a duplicate name or a bad
 * kind, RN_ESTATE when rows exist. CAT and SEQ columns get a vocabulary when
 * buckets == 0, else hash into buckets. */
int rn_dataset_add_column(rn_dataset *ds, const char *name, int kind, int64_t buckets);

/* The index of the column called name, or -1. */
int rn_dataset_find(const rn_dataset *ds, const char *name);

/* The name of a kind: "label", "dense", "cat", "seq", "int". */
const char *rn_col_kind_name(int kind);

/* Sets the group or time column by name (NULL clears it). The group column
 * must be CAT or INT, the time column INT or DENSE: else RN_EARG. */
int rn_dataset_set_group(rn_dataset *ds, const char *name);
int rn_dataset_set_time(rn_dataset *ds, const char *name);

/* Transforms of a DENSE column, in place (every view of ds sees them):
 *   RN_TF_STANDARDIZE  (x - mean) / std
 *   RN_TF_MINMAX       (x - min) / (max - min)
 *   RN_TF_LOG1P        log(1 + x) (every x > -1)
 *   RN_TF_DROP         the column stays but models no longer read it
 * with the statistics taken from rows[0..n) only (rows NULL: start .. start +
 * n - 1), the training split, so no validation row leaks into a feature.
 * stats receives (a, b) of x -> (x - a) / b (0, 0 for log1p and drop).
 * A raw column (rn_column.raw: a loader left it on its own scale, as
 * MovieLens' year) becomes a model input once standardised, scaled or
 * log1p'd; models never read it raw, where values near 2000 beside
 * embeddings near 0.01 would swamp the first layer.
 * RN_EARG naming the column (not dense, dropped, constant on those rows, a
 * value log1p cannot take, no rows). */
enum { RN_TF_STANDARDIZE, RN_TF_MINMAX, RN_TF_LOG1P, RN_TF_DROP, RN_TF_N };
int rn_dataset_transform(rn_dataset *ds, int col, int how, const size_t *rows, size_t start,
                         size_t n, double stats[2]);
const char *rn_transform_name(int how); /* "standardize", "minmax", "log1p", "drop" */

/* Turns DENSE column col into a CAT column of buckets by edges (increasing,
 * finite, 1..RN_BUCKETIZE_MAX_EDGES): id 1 for x < edges[0], id k + 1 for
 * edges[k-1] <= x < edges[k], id n + 1 for x >= edges[n-1]; the vocabulary
 * names them "< 1960", "[1960, 1980)", ">= 2000". In place, like
 * rn_dataset_transform; the column becomes a field of the models. */
#define RN_BUCKETIZE_MAX_EDGES 1000
int rn_dataset_bucketize(rn_dataset *ds, int col, const double *edges, int n_edges);
int rn_transform_from(const char *name); /* -1 when unknown */

/* Row building, for loaders and generators: push one value into every column,
 * then call rn_dataset_end_row. A SEQ column takes any number of
 * rn_col_push_seq calls (value: 1 for multi-hot; field: -1 when unused). The
 * text pushes map text to an id through the column's vocabulary or hashing;
 * len 0 means missing (id 0). */
int rn_col_push_float(rn_column *c, float v);
int rn_col_push_missing(rn_column *c);
int rn_col_push_int(rn_column *c, int64_t v);
int rn_col_push_id(rn_column *c, int32_t id);
int rn_col_push_text(rn_column *c, const char *s, size_t len);
int rn_col_push_seq(rn_column *c, int32_t id, float value, int32_t field);
int rn_col_push_seq_text(rn_column *c, const char *s, size_t len);
int rn_dataset_end_row(rn_dataset *ds);

/* The number of entries (rows) column c holds so far. */
size_t rn_col_rows(const rn_column *c);

/* ---- loaders ------------------------------------------------------------------- */

/* One column of a CSV schema. */
typedef struct {
    const char *name; /* the header's name for it (or any name without a header) */
    int kind;         /* RN_COL_* */
    int64_t buckets;  /* CAT, SEQ: > 0 to hash into buckets instead of a vocabulary */
    char sep;         /* SEQ: the separator between ids within the field; 0: '|' */
    int has_fill;     /* DENSE: nonzero to store fill for missing entries (else 0) */
    float fill;
    /* SEQ: the name of a CAT column of the same schema whose ids the list
     * holds (a behaviour history of that candidate field: hist_item of item,
     * hist_cat of cat): the column shares its vocabulary or hashing
     * (rn_column.vocab_of). NULL: the list has ids of its own. */
    const char *history_of;
} rn_csv_col;

/* A CSV schema: which columns to read and how. With a header (the default),
 * columns are found by name and file columns absent from the schema are
 * skipped; without one (no_header), the schema lists every column in file
 * order. */
typedef struct {
    const rn_csv_col *cols;
    size_t n_cols;
    char delimiter;        /* 0: ',' */
    int no_header;         /* nonzero: the first record is data */
    const char *const *na; /* NULL-terminated missing markers; NULL: "" and "NA" */
    const char *group;     /* the group column's name, or NULL */
    const char *time;      /* the time column's name, or NULL */
    size_t max_rows;       /* read at most this many data records; 0: all */
} rn_csv_schema;

/* Reads an RFC 4180 CSV file: fields separated by the delimiter, records by
 * LF, CRLF or CR; a field in double quotes may hold delimiters, line breaks
 * and doubled quotes (""). A UTF-8 byte order mark is skipped. Missing
 * entries (a field equal to an NA marker): DENSE stores the fill value, CAT
 * id 0, SEQ an empty list; a LABEL or INT entry must not be missing. Numbers
 * may have spaces around them; they must be finite and (LABEL, DENSE) within
 * float range. A history_of column must name a CAT column of the schema (else
 * RN_EARG). Files of several MB are read by two threads with the same result
 * as one (ids in order of first appearance, the same errors). Caller frees the
 * result; NULL with the error recorded. */
rn_dataset *rn_load_csv(const char *path, const rn_csv_schema *schema);

/* Reads libsvm ("label index:value ..."; an optional "qid:N" after the label
 * becomes an INT group column "qid"; "#" starts a comment) into a LABEL
 * column "label" and a SEQ column "features" whose ids are the indices (0 to
 * INT32_MAX - 1) with their values; cardinality is the largest index + 1.
 * Indices need not be sorted but must not repeat within a line. */
rn_dataset *rn_load_libsvm(const char *path);

/* Reads libffm ("label field:index:value ...") the same way; the SEQ column
 * "features" also holds each id's field (0 to INT32_MAX - 1). */
rn_dataset *rn_load_libffm(const char *path);

/* The MovieLens layout: dir holds ratings.csv (userId,movieId,rating,
 * timestamp) and movies.csv (movieId,title,year,genres). */
typedef struct {
    const char *dir;      /* the folder (assets/movielens in recnote) */
    float like_threshold; /* label "like" is rating >= this; 0: 4.0 */
    int max_history;      /* length of the "history" column; 0: 20; < 0: no column */
    size_t max_rows;      /* read at most this many ratings; 0: all */
} rn_movielens_config;

/* One row per rating, in file order (by user, then time), with columns
 *   user       CAT  (group column; vocabulary of userId strings)
 *   item       CAT  (vocabulary of movieId strings)
 *   rating     LABEL (0.5 to 5 stars)
 *   like       LABEL (1 when rating >= like_threshold, else 0)
 *   timestamp  INT  (the time column; Unix seconds)
 *   genres     SEQ  (the movie's genres as a multi-hot list; vocabulary of
 *                    genre names; "(no genres listed)" gives an empty list)
 *   year       DENSE (release year; missing -> 0, counted in n_missing)
 *   history    SEQ  (the item ids this user rated before this row, oldest
 *                    first, at most max_history of the most recent; shares
 *                    the item column's vocabulary)
 * The item vocabulary carries each movie's title and year as its label
 * (rn_vocab_label: "Toy Story (1995)"; "movie 108548" when the title is NA). Caller frees; NULL
 * with the error recorded (a rating of a movie absent from movies.csv is an error naming it). */
rn_dataset *rn_load_movielens(const rn_movielens_config *cfg);

/* ---- binary columnar files (columnar.c) ------------------------------------------------ */

/* Saves ds (whole, every column kind, vocabularies with their labels, shared
 * vocabularies, group and time, buckets, cardinalities, fills, dropped
 * flags) as a binary columnar file: a header with magic, version and
 * checksums, a table of columns, then each column's arrays as they are in
 * memory. Written atomically (common/atomic_file.h). RN_EIO, RN_ENOMEM,
 * RN_ESTATE for a data set in the middle of a row. */
int rn_dataset_save_bin(const rn_dataset *ds, const char *path);

/* Loads a file written by rn_dataset_save_bin: the same data set (gathers
 * give the same bytes). Every size is checked against the file's before
 * anything is allocated and every section against its checksum: a damaged or
 * truncated file is RN_EPARSE naming what and the byte offset ("x.rnd: column
 * 'C3': its ids fail their checksum (at byte 4096): ..."). Caller frees;
 * NULL with the error recorded. */
rn_dataset *rn_dataset_load_bin(const char *path);

/* ---- histories ------------------------------------------------------------- */

/* Adds a SEQ column name holding, for each row, the item ids (of CAT column
 * item) that the same group (CAT or INT column user) had in earlier rows,
 * ordered by the time column (INT or DENSE; ties keep row order), oldest
 * first, at most max_len (>= 1) of the most recent. The new column shares
 * item's vocabulary. Returns the column's index or a negative RN_E* code. */
int rn_dataset_add_history(rn_dataset *ds, const char *name, int user, int item, int time,
                           size_t max_len);

/* Per-user time-ordered histories over the rows of from (NULL: all rows):
 * user u (the u-th distinct value of column user in order of first
 * appearance, users[u]) had the item ids items[off[u] .. off[u + 1]), oldest
 * first. Caller frees with rn_histories_free. */
typedef struct {
    size_t n_users;
    int64_t *users; /* the user column's value (CAT id or INT) */
    size_t *off;    /* n_users + 1 */
    int32_t *items; /* n_rows ids */
} rn_histories;

struct rn_subset_s;
int rn_dataset_histories(const rn_dataset *ds, const struct rn_subset_s *from, int user, int item,
                         int time, rn_histories *out);
void rn_histories_free(rn_histories *h);

/* ---- subsets, splits, shuffles, batches ------------------------------------------ */

/* Rows of a data set by index (owned by the subset). */
typedef struct rn_subset_s {
    size_t *rows;
    size_t n;
} rn_subset;

/* A borrowed run of row indices (a batch): valid while its subset lives. */
typedef struct {
    const size_t *rows;
    size_t n;
} rn_rows;

/* All rows in order. RN_ENOMEM. */
int rn_subset_all(const rn_dataset *ds, rn_subset *out);

/* A copy of n row indices (each < n_rows: else RN_EARG naming it). */
int rn_subset_from(const rn_dataset *ds, const size_t *rows, size_t n, rn_subset *out);

void rn_subset_free(rn_subset *s);

/* Shuffles s in place (Fisher-Yates with a generator seeded by seed). */
void rn_subset_shuffle(rn_subset *s, uint64_t seed);

/* Random split: shuffles from (seeded) and puts round(frac * n) rows in a and
 * the rest in b, each in the original order. frac in [0, 1], else RN_EARG. */
int rn_split_random(const rn_subset *from, double frac, uint64_t seed, rn_subset *a, rn_subset *b);

/* Time split: orders from by the time column (stable) and puts the earliest
 * round(frac * n) rows in a, the rest in b; every time in a is <= every time
 * in b. RN_EARG when the data set has no time column. */
int rn_split_time(const rn_dataset *ds, const rn_subset *from, double frac, rn_subset *a,
                  rn_subset *b);

/* Leave-last-out: for each group (the group column), its latest row by the
 * time column (the last in row order among ties) goes to test, the others to
 * train. A group with a single row keeps it in train. RN_EARG without group
 * or time column. */
int rn_split_leave_last(const rn_dataset *ds, const rn_subset *from, rn_subset *train,
                        rn_subset *test);

/* The number of batches of size batch (>= 1) over n rows; the last may be
 * short. */
size_t rn_n_batches(size_t n, size_t batch);

/* Batch i of s (borrowed slice, no copy). */
rn_rows rn_batch(const rn_subset *s, size_t i, size_t batch);

/* ---- gathering ----------------------------------------------------------------- */

/* out[i] = column col at rows[i] as float (LABEL, DENSE; INT and CAT are
 * converted). RN_EARG for a bad column or a SEQ column. */
int rn_gather_float(const rn_dataset *ds, int col, const size_t *rows, size_t n, float *out);

/* out[i] = the id of CAT column col at rows[i]. */
int rn_gather_ids(const rn_dataset *ds, int col, const size_t *rows, size_t n, int32_t *out);

/* A SEQ column padded to T per row: ids[i * T + t] holds row rows[i]'s t-th id
 * (the last T ids of a longer list), then 0 padding; mask[i * T + t] is 1 for
 * a real id and 0 for padding (mask may be NULL). */
int rn_gather_seq(const rn_dataset *ds, int col, const size_t *rows, size_t n, size_t T,
                  int32_t *ids, float *mask);

#endif
