/* The fast CSV path and the binary columnar file (engine/data/csv.c,
 * engine/data/columnar.c): history_of columns share their candidate's ids;
 * the two-thread loader gives exactly the data set (ids, lines, errors) of a
 * sequential read at every split of tricky files (quoted line breaks across
 * the split, CRLF, a BOM, missing values, blank lines); every column kind
 * survives a save and load with byte-identical gathers; damaged, truncated
 * and foreign files are refused with a message naming what and where. */
#include "check.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "data/data_internal.h"
#include "data/dataset.h"
#include "error.h"

static char root[1024];

static const char *src(const char *rel)
{
    static char buf[2048];
    snprintf(buf, sizeof buf, "%s/%s", root, rel);
    return buf;
}

static void write_file(const char *path, const char *text, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL) return;
    fwrite(text, 1, n, f);
    fclose(f);
}

/* Whether two data sets hold the same columns, ids, vocabularies (with
 * labels), sharing, missing counts and group/time; names the first
 * difference on stderr. */
static int same_dataset(const rn_dataset *a, const rn_dataset *b)
{
#define DIFF(...)                                                                                  \
    do {                                                                                           \
        fprintf(stderr, __VA_ARGS__);                                                              \
        fputc('\n', stderr);                                                                       \
        return 0;                                                                                  \
    } while (0)
    if (a->n_rows != b->n_rows || a->n_cols != b->n_cols)
        DIFF("rows %zu/%zu cols %zu/%zu", a->n_rows, b->n_rows, a->n_cols, b->n_cols);
    if (a->group != b->group || a->time != b->time || strcmp(a->source, b->source) != 0)
        DIFF("group/time/source");
    size_t n = a->n_rows;
    for (size_t k = 0; k < a->n_cols; k++) {
        const rn_column *x = &a->cols[k], *y = &b->cols[k];
        if (strcmp(x->name, y->name) || x->kind != y->kind || x->vocab_of != y->vocab_of ||
            x->buckets != y->buckets || x->cardinality != y->cardinality ||
            x->n_missing != y->n_missing || x->n_ids != y->n_ids || x->dropped != y->dropped ||
            x->raw != y->raw ||
            memcmp(&x->fill, &y->fill, sizeof x->fill) != 0 || x->rows != y->rows)
            DIFF("column %s: metadata (card %lld/%lld missing %zu/%zu)", x->name,
                 (long long)x->cardinality, (long long)y->cardinality, x->n_missing, y->n_missing);
        if ((x->f && memcmp(x->f, y->f, n * sizeof *x->f)) ||
            (x->i64 && memcmp(x->i64, y->i64, n * sizeof *x->i64)))
            DIFF("column %s: values", x->name);
        size_t ni = x->kind == RN_COL_SEQ ? x->n_ids : x->kind == RN_COL_CAT ? n : 0;
        if (ni && memcmp(x->ids, y->ids, ni * sizeof *x->ids)) DIFF("column %s: ids", x->name);
        if (x->kind == RN_COL_SEQ && memcmp(x->off, y->off, (n + 1) * sizeof *x->off))
            DIFF("column %s: offsets", x->name);
        if ((x->val == NULL) != (y->val == NULL) || (x->fld == NULL) != (y->fld == NULL) ||
            (x->val && memcmp(x->val, y->val, x->n_ids * sizeof *x->val)) ||
            (x->fld && memcmp(x->fld, y->fld, x->n_ids * sizeof *x->fld)))
            DIFF("column %s: seq values or fields", x->name);
        if ((x->vocab == NULL) != (y->vocab == NULL)) DIFF("column %s: vocabulary", x->name);
        if (x->vocab_of >= 0 && (x->vocab != a->cols[x->vocab_of].vocab ||
                                 y->vocab != b->cols[y->vocab_of].vocab))
            DIFF("column %s: not sharing", x->name);
        if (x->vocab == NULL || x->vocab_of >= 0) continue;
        if (rn_vocab_size(x->vocab) != rn_vocab_size(y->vocab))
            DIFF("column %s: vocabulary size", x->name);
        for (size_t id = 0; id < rn_vocab_size(x->vocab); id++) {
            const char *la = rn_vocab_label(x->vocab, (int32_t)id),
                       *lb = rn_vocab_label(y->vocab, (int32_t)id);
            if (strcmp(rn_vocab_name(x->vocab, (int32_t)id), rn_vocab_name(y->vocab, (int32_t)id)))
                DIFF("column %s: id %zu names differ", x->name, id);
            if ((la == NULL) != (lb == NULL) || (la && strcmp(la, lb)))
                DIFF("column %s: id %zu labels differ", x->name, id);
            if (rn_vocab_find(y->vocab, rn_vocab_name(x->vocab, (int32_t)id),
                              strlen(rn_vocab_name(x->vocab, (int32_t)id))) != (int32_t)id)
                DIFF("column %s: id %zu not found back", x->name, id);
        }
    }
    return 1;
#undef DIFF
}

/* ---- history_of ---------------------------------------------------------------------- */

static const rn_csv_col hist_cols[] = {{"click", RN_COL_LABEL, 0, 0, 0, 0, NULL},
                                       {"item", RN_COL_CAT, 0, 0, 0, 0, NULL},
                                       {"cat", RN_COL_CAT, 0, 0, 0, 0, NULL},
                                       {"hist_item", RN_COL_SEQ, 0, '|', 0, 0, "item"},
                                       {"hist_cat", RN_COL_SEQ, 0, '|', 0, 0, "cat"}};

static void test_history_of(void)
{
    const char *text = "click,item,cat,hist_item,hist_cat\n"
                       "1,3,c1,7|9,c2|c1\n"
                       "0,7,c2,3|7|9,c1|c2|c3\n"
                       "1,9,c3,,\n";
    write_file("hist.csv", text, strlen(text));
    rn_csv_schema sc = {hist_cols, 5, 0, 0, NULL, NULL, NULL, 0};
    rn_dataset *ds = rn_load_csv("hist.csv", &sc);
    CHECK(ds != NULL);
    if (ds == NULL) {
        fprintf(stderr, "%s\n", rn_error());
        return;
    }
    const rn_column *item = &ds->cols[1], *cat = &ds->cols[2], *hi = &ds->cols[3],
                    *hc = &ds->cols[4];
    /* ids in order of first appearance across item and hist_item: 3, 7, 9 */
    CHECK(hi->vocab == item->vocab && hi->vocab_of == 1);
    CHECK(hc->vocab == cat->vocab && hc->vocab_of == 2);
    CHECK(item->ids[0] == 1 && item->ids[1] == 2 && item->ids[2] == 3);
    CHECK(hi->off[1] == 2 && hi->ids[0] == 2 && hi->ids[1] == 3);
    CHECK(hi->off[2] == 5 && hi->ids[2] == 1 && hi->ids[3] == 2 && hi->ids[4] == 3);
    CHECK(hi->off[3] == 5 && hi->n_missing == 1);
    CHECK_STR(rn_vocab_name(item->vocab, hi->ids[2]), "3");
    /* the history's ids are the candidate's ids: the same text, the same id */
    CHECK(hc->ids[0] == cat->ids[1] && hc->ids[1] == cat->ids[0]);
    CHECK(hc->ids[4] == cat->ids[2]); /* c3 first seen in a history, then as a candidate */
    CHECK(item->cardinality == 4 && hi->cardinality == 4);
    CHECK(cat->cardinality == 4 && hc->cardinality == 4);
    rn_dataset_free(ds);

    /* the same through a hashed candidate: the history hashes alike */
    rn_csv_col hashed[5];
    memcpy(hashed, hist_cols, sizeof hashed);
    hashed[1].buckets = 1000;
    sc.cols = hashed;
    ds = rn_load_csv("hist.csv", &sc);
    CHECK(ds != NULL && ds->cols[3].vocab == NULL && ds->cols[3].buckets == 1000);
    if (ds) CHECK(ds->cols[3].ids[2] == ds->cols[1].ids[0] && ds->cols[3].cardinality == 1001);
    rn_dataset_free(ds);

    /* errors: a missing column, a column that is not cat, history_of off a seq column */
    memcpy(hashed, hist_cols, sizeof hashed);
    hashed[3].history_of = "itm";
    CHECK(rn_load_csv("hist.csv", &sc) == NULL && rn_error_code() == RN_EARG);
    CHECK_STR(rn_error(), "hist.csv: column 'hist_item': history_of names 'itm', which is not a "
                          "column of the schema");
    hashed[3].history_of = "click";
    CHECK(rn_load_csv("hist.csv", &sc) == NULL);
    CHECK_STR(rn_error(), "hist.csv: column 'hist_item': history_of names 'click', a label column: "
                          "expected a cat column");
    hashed[3].history_of = NULL;
    hashed[2].history_of = "item";
    CHECK(rn_load_csv("hist.csv", &sc) == NULL);
    CHECK_STR(rn_error(), "hist.csv: column 'cat' is cat: history_of is for seq columns (a list of "
                          "the named column's ids)");
    remove("hist.csv");
}

/* ---- two threads against one ----------------------------------------------------------- */

static const rn_csv_col par_cols[] = {{"id", RN_COL_INT, 0, 0, 0, 0, NULL},
                                      {"name", RN_COL_CAT, 0, 0, 0, 0, NULL},
                                      {"score", RN_COL_DENSE, 0, 0, 1, -1.0f, NULL},
                                      {"click", RN_COL_LABEL, 0, 0, 0, 0, NULL},
                                      {"tags", RN_COL_SEQ, 0, '|', 0, 0, NULL},
                                      {"h", RN_COL_CAT, 5, 0, 0, 0, NULL},
                                      {"hist", RN_COL_SEQ, 0, ';', 0, 0, "name"}};

/* A file of n rows with quoted line breaks, doubled quotes, CRLF, blank
 * lines, missing values, after a BOM; bad >= 0 makes row bad malformed. */
static size_t tricky_csv(char *out, size_t cap, int n, int bad)
{
    size_t o = (size_t)snprintf(out, cap, "\xEF\xBB\xBFid,name,score,click,tags,h,hist\r\n");
    for (int r = 0; r < n && o + 200 < cap; r++) {
        const char *eol = r % 3 == 0 ? "\r\n" : "\n";
        char name[64];
        switch (r % 5) {
        case 0:
            snprintf(name, sizeof name, "\"multi\nline %d\"", r % 7);
            break;
        case 1:
            snprintf(name, sizeof name, "\"say \"\"hi\"\" %d\"", r % 11);
            break;
        case 2:
            snprintf(name, sizeof name, "NA");
            break;
        default:
            snprintf(name, sizeof name, "n%d", (r * 7) % 13);
        }
        o += (size_t)snprintf(out + o, cap - o, "%d,%s,%s,%d,%s,x%d,%s%s%s", r, name,
                              r % 4 == 1 ? "" : r == bad ? "oops" : "1.25", r % 2,
                              r % 6 == 0 ? "\"a|b\r\n|c\"" : r % 6 == 3 ? "" : "b|d", r % 9,
                              r % 5 == 4 ? "n1;n99" : "", eol, r % 17 == 5 ? "\n\r\n" : "");
    }
    return o;
}

static void test_parallel_equals_sequential(void)
{
    static char text[1 << 16];
    rn_csv_schema sc = {par_cols, 7, 0, 0, NULL, NULL, "id", 0};
    size_t n = tricky_csv(text, sizeof text, 120, -1);
    write_file("par.csv", text, n);
    size_t *lines0 = NULL;
    rn_dataset *seq = rn__load_csv_split("par.csv", &sc, &lines0, n + 10, NULL);
    CHECK(seq != NULL && seq->n_rows == 120);
    if (seq == NULL) {
        fprintf(stderr, "%s\n", rn_error());
        return;
    }
    int joined_n = 0, alone_n = 0, bad = 0;
    for (size_t at = 1; at < n; at += 3) {
        size_t *lines = NULL;
        int joined = -1;
        rn_dataset *par = rn__load_csv_split("par.csv", &sc, &lines, at, &joined);
        if (par == NULL || !same_dataset(seq, par) ||
            memcmp(lines, lines0, seq->n_rows * sizeof *lines) != 0) {
            if (bad++ < 3) fprintf(stderr, "split at %zu differs (%s)\n", at, rn_error());
        }
        joined_n += joined == 1;
        alone_n += joined == 0;
        rn_free(lines);
        rn_dataset_free(par);
    }
    CHECK(bad == 0);
    /* both paths ran: joined halves, and splits inside a quoted line break */
    CHECK(joined_n > 100 && alone_n > 10);
    rn_free(lines0);
    rn_dataset_free(seq);

    /* an error in the second half: the same message, located as in one read */
    n = tricky_csv(text, sizeof text, 120, 100);
    write_file("par.csv", text, n);
    CHECK(rn__load_csv_split("par.csv", &sc, NULL, n + 10, NULL) == NULL);
    char want[512];
    snprintf(want, sizeof want, "%s", rn_error());
    CHECK(strstr(want, "column 'score': expected a number, got \"oops\"") != NULL);
    int same = 1;
    for (size_t at = n / 4; at < n; at += 97) {
        CHECK(rn__load_csv_split("par.csv", &sc, NULL, at, NULL) == NULL);
        same &= strcmp(rn_error(), want) == 0;
    }
    CHECK(same);
    remove("par.csv");
}

/* ---- the binary file -------------------------------------------------------------------- */

/* Saves ds, loads it back, compares, and compares the gathers byte for byte. */
static void round_trip(const rn_dataset *ds, const char *path)
{
    CHECK(rn_dataset_save_bin(ds, path) == RN_OK);
    rn_dataset *back = rn_dataset_load_bin(path);
    CHECK(back != NULL);
    if (back == NULL) {
        fprintf(stderr, "%s\n", rn_error());
        return;
    }
    CHECK(same_dataset(ds, back));
    size_t n = ds->n_rows, T = 6;
    size_t *rows = malloc((n ? n : 1) * sizeof *rows);
    float *fa = malloc((n ? n : 1) * T * sizeof *fa), *fb = malloc((n ? n : 1) * T * sizeof *fb);
    int32_t *ia = malloc((n ? n : 1) * T * sizeof *ia), *ib = malloc((n ? n : 1) * T * sizeof *ib);
    for (size_t r = 0; r < n; r++)
        rows[r] = n - 1 - r;
    int same = 1;
    for (size_t k = 0; k < ds->n_cols; k++) {
        int kind = ds->cols[k].kind;
        if (kind == RN_COL_SEQ) {
            same &= rn_gather_seq(ds, (int)k, rows, n, T, ia, fa) == RN_OK &&
                    rn_gather_seq(back, (int)k, rows, n, T, ib, fb) == RN_OK &&
                    memcmp(ia, ib, n * T * sizeof *ia) == 0 && memcmp(fa, fb, n * T * sizeof *fa) == 0;
        } else {
            same &= rn_gather_float(ds, (int)k, rows, n, fa) == RN_OK &&
                    rn_gather_float(back, (int)k, rows, n, fb) == RN_OK &&
                    memcmp(fa, fb, n * sizeof *fa) == 0;
        }
    }
    CHECK(same);
    free(rows);
    free(fa);
    free(fb);
    free(ia);
    free(ib);
    rn_dataset_free(back);
}

static void test_round_trip(void)
{
    /* CSV: label, dense with fill, int, cat by vocabulary and hashed, seq by
     * vocabulary sharing a cat's, group and time */
    static char text[1 << 16];
    size_t n = tricky_csv(text, sizeof text, 60, -1);
    write_file("rt.csv", text, n);
    rn_csv_schema sc = {par_cols, 7, 0, 0, NULL, "name", "id", 0};
    rn_dataset *ds = rn_load_csv("rt.csv", &sc);
    CHECK(ds != NULL);
    if (ds) {
        double st[2];
        CHECK(rn_dataset_transform(ds, 2, RN_TF_DROP, NULL, 0, ds->n_rows, st) == RN_OK);
        round_trip(ds, "rt.rnd");
    }
    rn_dataset_free(ds);
    remove("rt.csv");

    /* libffm: seq ids with values and fields, raw ids */
    ds = rn_load_libffm(src("tests/engine/data_fixtures/good.ffm"));
    CHECK(ds != NULL && ds->cols[1].fld != NULL && ds->cols[1].val != NULL);
    if (ds) round_trip(ds, "rt.rnd");
    rn_dataset_free(ds);

    /* MovieLens: vocabulary labels (titles), a history sharing item's ids */
    rn_movielens_config cfg = {src("assets/movielens"), 4.0f, 5, 3000};
    ds = rn_load_movielens(&cfg);
    CHECK(ds != NULL);
    CHECK(ds != NULL && ds->cols[rn_dataset_find(ds, "year")].raw == 1); /* kept by the file */
    if (ds) round_trip(ds, "rt.rnd");
    rn_dataset_free(ds);

    /* an empty data set */
    ds = rn_dataset_new("nothing");
    if (ds) round_trip(ds, "rt.rnd");
    rn_dataset_free(ds);
    remove("rt.rnd");
}

static unsigned char *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) return NULL;
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *p = malloc(*n ? *n : 1);
    if (p && fread(p, 1, *n, f) != *n) *n = 0;
    fclose(f);
    return p;
}

static void test_corrupt(void)
{
    rn_movielens_config cfg = {src("assets/movielens"), 4.0f, 3, 300};
    rn_dataset *ds = rn_load_movielens(&cfg);
    CHECK(ds != NULL);
    if (ds == NULL) return;
    CHECK(rn_dataset_save_bin(ds, "good.rnd") == RN_OK);
    size_t n = 0;
    unsigned char *good = read_all("good.rnd", &n);
    CHECK(good != NULL && n > 1000);
    if (good == NULL) return;

    /* foreign and truncated files */
    write_file("bad.rnd", "userId,movieId\n1,2\n", 19);
    CHECK(rn_dataset_load_bin("bad.rnd") == NULL);
    CHECK_STR(rn_error(), "bad.rnd: 19 bytes: too short for a recnote data set file (its header "
                          "alone is 48 bytes)");
    write_file("bad.rnd", "userId,movieId,rating,timestamp\n1,2,3,4\n5,6,7,8\n", 48);
    CHECK(rn_dataset_load_bin("bad.rnd") == NULL);
    CHECK(strstr(rn_error(), "not a recnote data set file") != NULL);
    write_file("bad.rnd", (const char *)good, n - 1);
    CHECK(rn_dataset_load_bin("bad.rnd") == NULL && rn_error_code() == RN_EPARSE);
    char want[256];
    snprintf(want, sizeof want,
             "bad.rnd: the file has %zu bytes but its header says %zu: it was cut short or added "
             "to",
             n - 1, n);
    CHECK_STR(rn_error(), want);
    CHECK(rn_dataset_load_bin("/nonexistent.rnd") == NULL && rn_error_code() == RN_EIO);

    /* a damaged byte in the data: the section that holds it is named */
    unsigned char *p = malloc(n);
    memcpy(p, good, n);
    p[n - 70] ^= 0x40;
    write_file("bad.rnd", (const char *)p, n);
    CHECK(rn_dataset_load_bin("bad.rnd") == NULL);
    CHECK(strstr(rn_error(), "fail their checksum (at byte") != NULL &&
          strstr(rn_error(), "column '") != NULL);

    /* every cut and every flipped byte: an error or (a flip in padding) the same data set */
    int crashed_or_wrong = 0, refused = 0;
    for (size_t k = 0; k < n; k += 1 + k / 64) {
        write_file("bad.rnd", (const char *)good, k);
        rn_dataset *d = rn_dataset_load_bin("bad.rnd");
        if (d != NULL) crashed_or_wrong++;
        rn_dataset_free(d);
        memcpy(p, good, n);
        p[k] ^= (unsigned char)(1u << (k % 8));
        write_file("bad.rnd", (const char *)p, n);
        d = rn_dataset_load_bin("bad.rnd");
        if (d == NULL) {
            refused++;
            if (strncmp(rn_error(), "bad.rnd: ", 9) != 0) crashed_or_wrong++;
        } else if (!same_dataset(ds, d)) {
            crashed_or_wrong++;
        }
        rn_dataset_free(d);
    }
    CHECK(crashed_or_wrong == 0);
    CHECK(refused > 100);
    free(p);
    free(good);
    rn_dataset_free(ds);
    remove("good.rnd");
    remove("bad.rnd");
}

static long fail_at, n_allocs;

static void *failing(void *ud, void *ptr, size_t size)
{
    (void)ud;
    if (size > 0 && ++n_allocs == fail_at) return NULL;
    return rn_alloc_default(NULL, ptr, size);
}

/* Failing each allocation of a load in turn: a clean error, nothing leaked (ASan). */
static void test_load_alloc_failures(void)
{
    rn_movielens_config cfg = {src("assets/movielens"), 4.0f, 3, 50};
    rn_dataset *ds = rn_load_movielens(&cfg);
    CHECK(ds != NULL && rn_dataset_save_bin(ds, "alloc.rnd") == RN_OK);
    rn_dataset_free(ds);
    int ok = 0, failed = 0;
    for (long k = 1; k < 400; k++) {
        fail_at = k;
        n_allocs = 0;
        rn_error_clear();
        rn_alloc_set(failing, NULL);
        rn_dataset *d = rn_dataset_load_bin("alloc.rnd");
        rn_alloc_set(NULL, NULL);
        if (d) {
            ok++;
            rn_dataset_free(d);
            break;
        }
        failed += rn_error_code() == RN_ENOMEM;
    }
    CHECK(ok == 1 && failed > 10);
    remove("alloc.rnd");
}

int main(void)
{
    const char *dir = getenv("RECNOTE_DATA_DIR");
    snprintf(root, sizeof root, "%s", dir ? dir : ".");
    RUN(test_history_of);
    RUN(test_parallel_equals_sequential);
    RUN(test_round_trip);
    RUN(test_corrupt);
    RUN(test_load_alloc_failures);
    return check_report();
}
