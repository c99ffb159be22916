/* The MovieLens loader (dataset.h): ratings.csv joined with movies.csv, the
 * genres as a multi-hot column, and per-user time-ordered histories.
 *
 * Both files are read with the CSV loader; the join looks each rating's
 * movieId up in the movies sorted by id. Vocabularies built by the CSV
 * loader (user ids, genre names) move into the result instead of being
 * rebuilt. */
#include "data/data_internal.h"
#include "data/dataset.h"

#include "alloc.h"
#include "error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int64_t id;
    size_t row;
} movie_key;

static int cmp_movie(const void *a, const void *b)
{
    int64_t x = ((const movie_key *)a)->id, y = ((const movie_key *)b)->id;
    return (x > y) - (x < y);
}

/* Moves the vocabulary of column from into column to (which must own one). */
static void move_vocab(rn_column *to, rn_column *from)
{
    rn_vocab_free(to->vocab);
    to->vocab = from->vocab;
    to->cardinality = (int64_t)rn_vocab_size(from->vocab);
    from->vocab = NULL;
}

/* The mean of the known years (0 stands for a missing one) of n movies, rounded. */
static float catalogue_mean_year(const rn_column *year, size_t n)
{
    double sum = 0;
    size_t known = 0;
    for (size_t i = 0; i < n; i++)
        if (year->f[i] != 0) sum += (double)year->f[i], known++;
    return known ? (float)floor(sum / (double)known + 0.5) : 0.0f;
}

/* The length of title cut to at most max bytes at a character boundary (a
 * UTF-8 character is never split: the labels stay UTF-8 text). */
static int title_length(const char *title, size_t max)
{
    size_t n = strlen(title);
    if (n <= max) return (int)n;
    n = max;
    while (n > 0 && ((unsigned char)title[n] & 0xC0) == 0x80) /* title[n] continues a character */
        n--;
    return (int)n;
}

static const char *const ml_na[] = {"", "NA", "(no genres listed)", NULL};

rn_dataset *rn_load_movielens(const rn_movielens_config *cfg)
{
    rn_movielens_config def = {NULL, 0, 0, 0};
    if (cfg == NULL) cfg = &def;
    if (cfg->dir == NULL) {
        rn_fail(RN_EARG, "movielens: no folder given (the folder with ratings.csv and movies.csv)");
        return NULL;
    }
    float like = cfg->like_threshold > 0 ? cfg->like_threshold : 4.0f;
    int max_hist = cfg->max_history == 0 ? 20 : cfg->max_history;
    char mpath[4096], rpath[4096];
    if ((size_t)snprintf(mpath, sizeof mpath, "%s/movies.csv", cfg->dir) >= sizeof mpath ||
        (size_t)snprintf(rpath, sizeof rpath, "%s/ratings.csv", cfg->dir) >= sizeof rpath) {
        rn_fail(RN_EARG, "movielens: the folder name is too long");
        return NULL;
    }

    static const rn_csv_col mcols[] = {{"movieId", RN_COL_INT, 0, 0, 0, 0, NULL},
                                       {"title", RN_COL_CAT, 0, 0, 0, 0, NULL},
                                       {"year", RN_COL_DENSE, 0, 0, 0, 0, NULL},
                                       {"genres", RN_COL_SEQ, 0, '|', 0, 0, NULL}};
    static const rn_csv_col rcols[] = {{"userId", RN_COL_CAT, 0, 0, 0, 0, NULL},
                                       {"movieId", RN_COL_INT, 0, 0, 0, 0, NULL},
                                       {"rating", RN_COL_LABEL, 0, 0, 0, 0, NULL},
                                       {"timestamp", RN_COL_INT, 0, 0, 0, 0, NULL}};
    rn_csv_schema ms = {mcols, 4, ',', 0, ml_na, NULL, NULL, 0};
    rn_csv_schema rs = {rcols, 4, ',', 0, NULL, NULL, NULL, cfg->max_rows};

    size_t *mlines = NULL, *rlines = NULL;
    movie_key *keys = NULL;
    rn_dataset *out = NULL, *rat = NULL;
    rn_dataset *mov = rn__load_csv(mpath, &ms, &mlines);
    int rc = mov ? RN_OK : rn_error_code();
    if (rc == RN_OK) {
        rat = rn__load_csv(rpath, &rs, &rlines);
        if (rat == NULL) rc = rn_error_code();
    }
    /* movies by id */
    if (rc == RN_OK &&
        (keys = rn_malloc((mov->n_rows ? mov->n_rows : 1) * sizeof *keys, "movie index")) == NULL)
        rc = RN_ENOMEM;
    if (rc == RN_OK) {
        for (size_t i = 0; i < mov->n_rows; i++)
            keys[i] = (movie_key){mov->cols[0].i64[i], i};
        qsort(keys, mov->n_rows, sizeof *keys, cmp_movie);
        for (size_t i = 1; i < mov->n_rows; i++)
            if (keys[i].id == keys[i - 1].id) {
                size_t r = keys[i].row > keys[i - 1].row ? keys[i].row : keys[i - 1].row;
                rc = rn_fail(RN_EPARSE, "%s:%zu:1: column 'movieId': movie %lld appears twice",
                             mpath, mlines[r], (long long)keys[i].id);
                break;
            }
    }

    int c_user = -1, c_item = -1, c_rating = -1, c_like = -1, c_time = -1, c_genres = -1,
        c_year = -1;
    if (rc == RN_OK && (out = rn_dataset_new(rpath)) == NULL) rc = RN_ENOMEM;
    if (rc == RN_OK && (c_user = rn_dataset_add_column(out, "user", RN_COL_CAT, 0)) < 0)
        rc = c_user;
    if (rc == RN_OK && (c_item = rn_dataset_add_column(out, "item", RN_COL_CAT, 0)) < 0)
        rc = c_item;
    if (rc == RN_OK && (c_rating = rn_dataset_add_column(out, "rating", RN_COL_LABEL, 0)) < 0)
        rc = c_rating;
    if (rc == RN_OK && (c_like = rn_dataset_add_column(out, "like", RN_COL_LABEL, 0)) < 0)
        rc = c_like;
    if (rc == RN_OK && (c_time = rn_dataset_add_column(out, "timestamp", RN_COL_INT, 0)) < 0)
        rc = c_time;
    if (rc == RN_OK && (c_genres = rn_dataset_add_column(out, "genres", RN_COL_SEQ, 0)) < 0)
        rc = c_genres;
    if (rc == RN_OK && (c_year = rn_dataset_add_column(out, "year", RN_COL_DENSE, 0)) < 0)
        rc = c_year;
    if (rc == RN_OK) {
        /* the year stays on its scale (1902..2016) for lessons and plots, but is no
           model input until ds:transform rescales it with the training rows' statistics;
           a missing year is the catalogue's mean year, not 0, which would lie 100
           standard deviations out once standardised */
        out->cols[c_year].raw = 1;
        out->cols[c_year].fill = catalogue_mean_year(&mov->cols[2], mov->n_rows);
        move_vocab(&out->cols[c_user], &rat->cols[0]);
        move_vocab(&out->cols[c_genres], &mov->cols[3]);
    }

    for (size_t r = 0; rc == RN_OK && r < rat->n_rows; r++) {
        int32_t user = rat->cols[0].ids[r];
        movie_key k = {rat->cols[1].i64[r], 0};
        const movie_key *m = bsearch(&k, keys, mov->n_rows, sizeof *keys, cmp_movie);
        if (m == NULL) {
            /* the movieId field follows the (unquoted) userId field */
            size_t col = strlen(rn_vocab_name(out->cols[c_user].vocab, user)) + 2;
            rc = rn_fail(RN_EPARSE, "%s:%zu:%zu: column 'movieId': movie %lld is not in %s", rpath,
                         rlines[r], col, (long long)k.id, mpath);
            break;
        }
        size_t mr = m->row;
        rn_column *item = &out->cols[c_item];
        size_t before = rn_vocab_size(item->vocab);
        char idtext[32];
        int len = snprintf(idtext, sizeof idtext, "%lld", (long long)k.id);
        if ((rc = rn_col_push_id(&out->cols[c_user], user)) ||
            (rc = rn_col_push_text(item, idtext, (size_t)len)))
            break;
        if (rn_vocab_size(item->vocab) > before) {
            /* a new item: its label is "title (year)" */
            const char *title = rn_vocab_name(mov->cols[1].vocab, mov->cols[1].ids[mr]);
            float year = mov->cols[2].f[mr];
            char label[600];
            int n, tl = title_length(title, 500);
            if (title[0] == '\0') /* a missing title (NA): name the movie by its id */
                n = snprintf(label, sizeof label, "movie %s", idtext);
            else if (year != 0)
                n = snprintf(label, sizeof label, "%.*s (%.0f)", tl, title, (double)year); /* no int cast: 3e9 */
            else
                n = snprintf(label, sizeof label, "%.*s", tl, title);
            if ((rc = rn_vocab_set_label(item->vocab, item->ids[r], label, (size_t)n))) break;
        }
        float stars = rat->cols[2].f[r];
        if (!(stars >= 0.0f && stars <= 10.0f)) { /* MovieLens gives 0.5 to 5 stars */
            size_t col = strlen(rn_vocab_name(out->cols[c_user].vocab, user)) + (size_t)len + 3;
            rc = rn_fail(RN_EPARSE, "%s:%zu:%zu: column 'rating': %g is not a rating (0 to 10 stars)",
                         rpath, rlines[r], col, (double)stars);
            break;
        }
        if ((rc = rn_col_push_float(&out->cols[c_rating], stars)) ||
            (rc = rn_col_push_float(&out->cols[c_like], stars >= like ? 1.0f : 0.0f)) ||
            (rc = rn_col_push_int(&out->cols[c_time], rat->cols[3].i64[r])))
            break;
        const rn_column *g = &mov->cols[3];
        for (size_t j = g->off[mr]; rc == RN_OK && j < g->off[mr + 1]; j++)
            rc = rn_col_push_seq(&out->cols[c_genres], g->ids[j], 1.0f, -1);
        if (rc) break;
        float year = mov->cols[2].f[mr];
        rc = year != 0 ? rn_col_push_float(&out->cols[c_year], year)
                       : rn_col_push_missing(&out->cols[c_year]);
        if (rc == RN_OK) rc = rn_dataset_end_row(out);
    }
    if (rc == RN_OK) rc = rn_dataset_set_group(out, "user");
    if (rc == RN_OK) rc = rn_dataset_set_time(out, "timestamp");
    if (rc == RN_OK && max_hist > 0) {
        int h = rn_dataset_add_history(out, "history", c_user, c_item, c_time, (size_t)max_hist);
        if (h < 0) rc = h;
    }
    rn_free(keys);
    rn_free(mlines);
    rn_free(rlines);
    rn_dataset_free(mov);
    rn_dataset_free(rat);
    if (rc != RN_OK) {
        rn_dataset_free(out);
        return NULL;
    }
    return out;
}
