/* Data sets (engine/data/dataset.h): vocabularies; the CSV loader on quoted
 * fields, doubled quotes, embedded commas and line breaks, NA and empty
 * fields, hashing and multi-hot columns; libsvm and libffm; every file of
 * tests/engine/malformed/ rejected with its exact file:line:column message
 * (or, for a BOM or CRLF, loaded right); bounded allocation; failing every
 * allocation in turn; splits, shuffles, batches, gathering, histories; and
 * the shipped MovieLens files. */
#include "check.h"

#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "alloc.h"
#include "data/dataset.h"
#include "data/data_internal.h"
#include "error.h"
#include "rng.h"

static char root[1024];
static char build_dir[1024]; /* where ctest runs us: scratch files go here */

/* path under the source tree */
static const char *src(const char *rel)
{
    static char buf[2048];
    snprintf(buf, sizeof buf, "%s/%s", root, rel);
    return buf;
}

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3u;
    }
    return h;
}

/* ---- vocabularies ---------------------------------------------------------------- */

static void test_vocab(void)
{
    rn_vocab *v = rn_vocab_new();
    CHECK(v != NULL);
    if (v == NULL) return;
    int32_t id = -1;
    CHECK(rn_vocab_add(v, "apple", 5, &id) == RN_OK && id == 1);
    CHECK(rn_vocab_add(v, "pear", 4, &id) == RN_OK && id == 2);
    CHECK(rn_vocab_add(v, "apple", 5, &id) == RN_OK && id == 1);
    CHECK(rn_vocab_add(v, "", 0, &id) == RN_OK && id == 0);
    CHECK(rn_vocab_find(v, "pear", 4) == 2);
    CHECK(rn_vocab_find(v, "plum", 4) == 0);
    CHECK_STR(rn_vocab_name(v, 2), "pear");
    CHECK(rn_vocab_name(v, 3) == NULL);
    CHECK(rn_vocab_size(v) == 3);
    /* many strings: the table grows and every id stays findable */
    char buf[32];
    for (int i = 0; i < 5000; i++) {
        int n = snprintf(buf, sizeof buf, "item-%d", i);
        CHECK(rn_vocab_add(v, buf, (size_t)n, &id) == RN_OK && id == i + 3);
    }
    CHECK(rn_vocab_find(v, "item-4321", 9) == 4324);
    CHECK(rn_vocab_set_label(v, 1, "Apple (fruit)", 13) == RN_OK);
    CHECK_STR(rn_vocab_label(v, 1), "Apple (fruit)");
    CHECK(rn_vocab_label(v, 2) == NULL);
    CHECK(rn_vocab_set_label(v, 9999, "x", 1) == RN_EARG);
    CHECK_STR(rn_error(), "vocabulary: no id 9999 (ids 0 to 5002)");
    rn_vocab_free(v);
}

/* ---- CSV ---------------------------------------------------------------------------- */

static const rn_csv_col good_cols[] = {
    {"id", RN_COL_INT, 0, 0, 0, 0, NULL},       {"name", RN_COL_CAT, 0, 0, 0, 0, NULL},
    {"score", RN_COL_DENSE, 0, 0, 1, -1, NULL}, {"click", RN_COL_LABEL, 0, 0, 0, 0, NULL},
    {"tags", RN_COL_SEQ, 0, '|', 0, 0, NULL},   {"ts", RN_COL_INT, 0, 0, 0, 0, NULL}};

static void test_csv_good(void)
{
    rn_csv_schema sc = {good_cols, 6, 0, 0, NULL, "name", "ts", 0};
    rn_dataset *ds = rn_load_csv(src("tests/engine/data_fixtures/good.csv"), &sc);
    CHECK(ds != NULL);
    if (ds == NULL) {
        fprintf(stderr, "%s\n", rn_error());
        return;
    }
    CHECK(ds->n_rows == 4 && ds->n_cols == 6);
    CHECK(ds->group == 1 && ds->time == 5);
    const rn_column *id = &ds->cols[0], *name = &ds->cols[1], *score = &ds->cols[2],
                    *click = &ds->cols[3], *tags = &ds->cols[4];
    CHECK(id->i64[0] == 1 && id->i64[3] == 4);
    CHECK(name->ids[0] == 1 && name->ids[1] == 2 && name->ids[2] == 3 && name->ids[3] == 0);
    CHECK_STR(rn_vocab_name(name->vocab, 1), "Smith, \"Bob\"");
    CHECK_STR(rn_vocab_name(name->vocab, 2), "line one\nline two");
    CHECK_STR(rn_vocab_name(name->vocab, 3), "plain");
    CHECK(name->n_missing == 1 && name->cardinality == 4);
    CHECK(score->f[0] == 0.5f && score->f[1] == -1.0f && score->f[2] == 2.25f &&
          score->f[3] == -1.0f);
    CHECK(score->n_missing == 2);
    CHECK(click->f[0] == 1 && click->f[1] == 0 && click->f[2] == 1 && click->f[3] == 0);
    CHECK(tags->off[0] == 0 && tags->off[1] == 2 && tags->off[2] == 2 && tags->off[3] == 5 &&
          tags->off[4] == 5);
    CHECK(tags->ids[0] == 1 && tags->ids[1] == 2 && tags->ids[2] == 2 && tags->ids[3] == 3 &&
          tags->ids[4] == 1);
    CHECK(tags->cardinality == 4 && tags->n_missing == 2 && tags->val == NULL);
    CHECK(ds->cols[5].i64[2] == 50);
    rn_dataset_free(ds);

    /* hashing, no header, and max_rows */
    const rn_csv_col hashed[] = {
        {"id", RN_COL_INT, 0, 0, 0, 0, NULL},      {"name", RN_COL_CAT, 10, 0, 0, 0, NULL},
        {"score", RN_COL_DENSE, 0, 0, 0, 0, NULL}, {"click", RN_COL_LABEL, 0, 0, 0, 0, NULL},
        {"tags", RN_COL_SEQ, 7, ';', 0, 0, NULL},  {"ts", RN_COL_INT, 0, 0, 0, 0, NULL},
        {"ignored", RN_COL_CAT, 0, 0, 0, 0, NULL}};
    rn_csv_schema hs = {hashed, 7, 0, 0, NULL, NULL, NULL, 0};
    ds = rn_load_csv(src("tests/engine/data_fixtures/good.csv"), &hs);
    CHECK(ds != NULL);
    if (ds) {
        CHECK(ds->cols[1].vocab == NULL && ds->cols[1].cardinality == 11);
        CHECK(ds->cols[1].ids[2] == (int32_t)(1 + fnv1a("plain") % 10));
        CHECK(ds->cols[2].f[1] == 0.0f); /* no fill given: 0 */
        /* ';' separates nothing here: "b|c|a" is one token */
        CHECK(ds->cols[4].off[3] - ds->cols[4].off[2] == 1);
        CHECK(ds->cols[4].ids[ds->cols[4].off[2]] == (int32_t)(1 + fnv1a("b|c|a") % 7));
        rn_dataset_free(ds);
    }
    rn_csv_schema first2 = {good_cols, 6, 0, 0, NULL, NULL, NULL, 2};
    ds = rn_load_csv(src("tests/engine/data_fixtures/good.csv"), &first2);
    CHECK(ds != NULL && ds->n_rows == 2);
    rn_dataset_free(ds);

    CHECK(rn_load_csv("/dev/zero", &sc) == NULL); /* endless: refused, not read */
    CHECK_STR(rn_error(), "/dev/zero: not a regular file");
    CHECK(rn_load_libsvm(root) == NULL);
    CHECK(strstr(rn_error(), ": not a regular file") != NULL && rn_error_code() == RN_EIO);
    CHECK(rn_load_csv("/nonexistent/x.csv", &sc) == NULL);
    CHECK_STR(rn_error(), "/nonexistent/x.csv: cannot open: No such file or directory");
    CHECK(rn_error_code() == RN_EIO);
}

/* No header (the schema lists the columns in file order) and another delimiter. */
static void test_csv_no_header(void)
{
    FILE *f = fopen("noheader.tsv", "wb");
    CHECK(f != NULL);
    if (f == NULL) return;
    fputs("1\tx|y\t0.5\n2\t\tNA\n3\ty\t1\textra\n", f);
    fclose(f);
    const rn_csv_col cols[] = {{"id", RN_COL_INT, 0, 0, 0, 0, NULL},
                               {"tags", RN_COL_SEQ, 0, 0, 0, 0, NULL},
                               {"w", RN_COL_DENSE, 0, 0, 1, 7, NULL}};
    rn_csv_schema sc = {cols, 3, '\t', 1, NULL, NULL, NULL, 2};
    rn_dataset *ds = rn_load_csv("noheader.tsv", &sc);
    CHECK(ds != NULL && ds->n_rows == 2);
    if (ds) {
        CHECK(ds->cols[0].i64[1] == 2 && ds->cols[2].f[0] == 0.5f && ds->cols[2].f[1] == 7.0f);
        CHECK(ds->cols[1].off[1] == 2 && ds->cols[1].off[2] == 2 && ds->cols[1].n_missing == 1);
    }
    rn_dataset_free(ds);
    sc.max_rows = 0;
    CHECK(rn_load_csv("noheader.tsv", &sc) == NULL);
    CHECK_STR(rn_error(), "noheader.tsv:3:7: expected 3 fields (as in the schema), got more");
    remove("noheader.tsv");
}

/* ---- malformed files ------------------------------------------------------------------ */

static const rn_csv_col mcols[] = {{"id", RN_COL_INT, 0, 0, 0, 0, NULL},
                                   {"name", RN_COL_CAT, 0, 0, 0, 0, NULL},
                                   {"score", RN_COL_DENSE, 0, 0, 0, 0, NULL},
                                   {"click", RN_COL_LABEL, 0, 0, 0, 0, NULL},
                                   {"tags", RN_COL_SEQ, 0, '|', 0, 0, NULL}};

enum { CSV, SVM, FFM };

static const struct {
    const char *file;
    int loader;
    const char *message; /* NULL: loads */
} malformed[] = {
    {"unterminated_quote.csv", CSV,
     "unterminated_quote.csv:2:3: column 'name': unterminated quoted field: the quote opened "
     "here is never closed"},
    {"wrong_count_short.csv", CSV,
     "wrong_count_short.csv:3:8: expected 5 fields (as in the header), got 3"},
    {"wrong_count_long.csv", CSV,
     "wrong_count_long.csv:2:13: expected 5 fields (as in the header), got more"},
    {"not_numeric.csv", CSV, "not_numeric.csv:2:5: column 'score': expected a number, got \"abc\""},
    {"huge_float.csv", CSV,
     "huge_float.csv:2:5: column 'score': expected a finite number within float range, got "
     "\"1e999\""},
    {"huge_int.csv", CSV,
     "huge_int.csv:2:1: column 'id': expected an integer within 64 bits, got "
     "\"99999999999999999999\""},
    {"binary_garbage.csv", CSV, "binary_garbage.csv:1:8: binary data (a NUL byte): expected text"},
    {"empty.csv", CSV, "empty.csv:1:1: the file is empty: expected a header row"},
    {"bom.csv", CSV, NULL},
    {"utf16_bom.csv", CSV,
     "utf16_bom.csv:1:1: the file is UTF-16 (it starts with a UTF-16 byte order mark): expected "
     "UTF-8 text"},
    {"crlf.csv", CSV, NULL},
    {"crlf_bad.csv", CSV, "crlf_bad.csv:4:5: column 'score': expected a number, got \"oops\""},
    {"quote_in_unquoted.csv", CSV,
     "quote_in_unquoted.csv:2:5: column 'name': a double quote inside an unquoted field: quote "
     "the whole field and double the quote (\"\")"},
    {"text_after_quote.csv", CSV,
     "text_after_quote.csv:2:7: column 'name': expected a delimiter or the end of the line after "
     "the closing quote, got \"c\""},
    {"missing_label.csv", CSV,
     "missing_label.csv:2:9: column 'click': a label cannot be missing, got \"NA\""},
    {"missing_column.csv", CSV,
     "missing_column.csv:1:1: column 'tags' of the schema is not in the header"},
    {"header_only.csv", CSV,
     "header_only.csv:2:1: no records after the header (the file has a header only)"},
    {"spaced_header.csv", CSV,
     "spaced_header.csv:1:1: column 'score' of the schema is not in the header (field 3 is "
     "'score' with spaces around it)"},
    {"utf8_columns.csv", CSV,
     "utf8_columns.csv:2:11: column 'score': expected a number, got \"abc\""},
    {"nan_text.csv", CSV, "nan_text.csv:2:5: column 'score': expected a number, got \"nan\""},
    /* text a data set keeps must be UTF-8, and messages never print raw
     * invalid bytes (reliability review B.1) */
    {"latin1_cat.csv", CSV,
     "latin1_cat.csv:2:6: column 'name': the byte 0xE9 is not UTF-8 text (in \"Par\\xe9s\"): "
     "convert the file to UTF-8 (iconv -f latin1 -t utf-8, if it is Latin-1)"},
    {"cut_utf8_cat.csv", CSV,
     "cut_utf8_cat.csv:2:7: column 'name': the byte 0xC3 is not UTF-8 text (in \"caf\\xc3\"): "
     "convert the file to UTF-8 (iconv -f latin1 -t utf-8, if it is Latin-1)"},
    {"surrogate_seq.csv", CSV,
     "surrogate_seq.csv:2:13: column 'tags': the byte 0xED is not UTF-8 text (in "
     "\"x|\\xed\\xa0\\x80y\"): convert the file to UTF-8 (iconv -f latin1 -t utf-8, if it is "
     "Latin-1)"},
    {"latin1_header.csv", CSV,
     "latin1_header.csv:1:6: the byte 0xFF is not UTF-8 text (in \"na\\xffme\"): convert the "
     "file to UTF-8 (iconv -f latin1 -t utf-8, if it is Latin-1)"},
    {"latin1_number.csv", CSV,
     "latin1_number.csv:2:5: column 'score': expected a number, got \"\\xff\\xfe\""},
    {"libsvm_latin1_index.svm", SVM,
     "libsvm_latin1_index.svm:1:3: feature 1: expected the index as an integer >= 0, got "
     "\"\\xff\\xfe\""},
    {"libsvm_bad_pair.svm", SVM,
     "libsvm_bad_pair.svm:1:9: feature 2: expected index:value, got \"7\""},
    {"libsvm_huge_index.svm", SVM,
     "libsvm_huge_index.svm:1:3: feature 1: index \"99999999999\" is out of range: expected 0 to "
     "2147483646"},
    {"libsvm_bad_label.svm", SVM,
     "libsvm_bad_label.svm:1:1: label: expected a number, got \"yes\""},
    {"libsvm_repeat.svm", SVM,
     "libsvm_repeat.svm:2:7: index 3 appears twice in this line (first at column 3)"},
    {"libsvm_garbage.svm", SVM, "libsvm_garbage.svm:1:5: binary data (a NUL byte): expected text"},
    {"libsvm_comments_only.svm", SVM,
     "libsvm_comments_only.svm:1:1: the file is empty: expected libsvm lines (label index:value "
     "...)"},
    {"libsvm_bad_value.svm", SVM,
     "libsvm_bad_value.svm:1:3: feature 1: expected a number after ':', got \"nan\""},
    {"libsvm_qid_missing.svm", SVM,
     "libsvm_qid_missing.svm:2:1: qid: expected qid:<integer> after the label, as on the first "
     "line"},
    {"libffm_bad.ffm", FFM,
     "libffm_bad.ffm:1:11: feature 2: expected field:index:value, got \"3:4\""},
    {"libffm_huge_field.ffm", FFM,
     "libffm_huge_field.ffm:1:3: feature 1: field \"3000000000\" is out of range: expected 0 to "
     "2147483646"},
};
#define N_MALFORMED (sizeof malformed / sizeof malformed[0])

static rn_dataset *load(int loader, const char *file)
{
    static const rn_csv_schema sc = {mcols, 5, 0, 0, NULL, NULL, NULL, 0};
    return loader == CSV   ? rn_load_csv(file, &sc)
           : loader == SVM ? rn_load_libsvm(file)
                           : rn_load_libffm(file);
}

/* UTF-8 as the loaders check it, and quoting for messages */
static void test_utf8(void)
{
    static const char *const good[] = {"plain", "h\xc3\xa9llo", "\xe6\x97\xa5\xe6\x9c\xac",
                                       "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf", ""};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        CHECK(rn__utf8_check(good[i], strlen(good[i])) == strlen(good[i]));
    static const struct {
        const char *s;
        size_t bad;
    } bad[] = {{"ab\x80", 2},         /* a stray continuation byte */
               {"\xc0\xaf", 0},       /* an overlong '/' */
               {"x\xe0\x80\x80", 1},  /* an overlong 3-byte form */
               {"\xed\xa0\x80", 0},   /* a surrogate */
               {"\xf4\x90\x80\x80", 0}, /* above U+10FFFF */
               {"\xf5\x80\x80\x80", 0},
               {"caf\xe6\x97", 3}, /* cut short */
               {"\xc3\xa9\xe9", 2}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(rn__utf8_check(bad[i].s, strlen(bad[i].s)) == bad[i].bad);
    char q[128];
    rn__quote(q, sizeof q, "a\xff\xc3\xa9\x01\"", 6);
    CHECK_STR(q, "\"a\\xff\xc3\xa9\\x01\\\"\"");
    /* cut after about 40 bytes, never inside a character */
    char long_text[100] = "";
    for (int i = 0; i < 30; i++)
        strcat(long_text, "\xc3\xa9");
    rn__quote(q, sizeof q, long_text, strlen(long_text));
    CHECK(strlen(q) == 1 + 40 + 3 + 1 && rn__utf8_check(q, strlen(q)) == strlen(q));
}

static void test_malformed(void)
{
    if (chdir(src("tests/engine/malformed")) != 0) {
        CHECK(!"cannot enter tests/engine/malformed");
        return;
    }
    for (size_t i = 0; i < N_MALFORMED; i++) {
        rn_error_clear();
        rn_dataset *ds = load(malformed[i].loader, malformed[i].file);
        if (malformed[i].message) {
            CHECK(ds == NULL);
            CHECK(rn_error_code() == RN_EPARSE);
            CHECK_STR(rn_error(), malformed[i].message);
        } else {
            CHECK(ds != NULL);
            if (ds == NULL) fprintf(stderr, "%s: %s\n", malformed[i].file, rn_error());
        }
        rn_dataset_free(ds);
    }
    /* the two that load: a BOM is skipped, CRLF ends lines and stays inside quotes */
    rn_dataset *ds = load(CSV, "bom.csv");
    CHECK(ds && ds->n_rows == 2 && ds->cols[0].i64[0] == 1 && ds->cols[2].f[1] == 1.5f);
    rn_dataset_free(ds);
    ds = load(CSV, "crlf.csv");
    CHECK(ds && ds->n_rows == 2);
    if (ds) {
        CHECK_STR(rn_vocab_name(ds->cols[1].vocab, 1), "two\r\nlines");
        CHECK(ds->cols[2].f[1] == 1.5f && ds->cols[4].ids[1] == 2);
    }
    rn_dataset_free(ds);

    /* every file of the folder has its expectation above */
    DIR *d = opendir(".");
    CHECK(d != NULL);
    size_t n_files = 0;
    for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.') continue;
        n_files++;
        int known = 0;
        for (size_t i = 0; i < N_MALFORMED; i++)
            known |= strcmp(malformed[i].file, e->d_name) == 0;
        if (!known) fprintf(stderr, "malformed/%s has no expected message\n", e->d_name);
        CHECK(known);
    }
    if (d) closedir(d);
    CHECK(n_files == N_MALFORMED);
    CHECK(chdir(build_dir) == 0);
}

/* ---- libsvm and libffm -------------------------------------------------------------- */

static void test_libsvm(void)
{
    rn_dataset *ds = rn_load_libsvm(src("tests/engine/data_fixtures/good.svm"));
    CHECK(ds != NULL);
    if (ds == NULL) {
        fprintf(stderr, "%s\n", rn_error());
        return;
    }
    CHECK(ds->n_rows == 3 && ds->n_cols == 3);
    const rn_column *y = &ds->cols[0], *x = &ds->cols[1], *q = &ds->cols[2];
    CHECK(y->f[0] == 1 && y->f[1] == 0 && y->f[2] == -1);
    CHECK(x->off[1] == 2 && x->off[2] == 3 && x->off[3] == 4);
    CHECK(x->ids[0] == 1 && x->ids[1] == 10 && x->ids[2] == 3 && x->ids[3] == 2);
    CHECK(x->val && x->val[0] == 0.5f && x->val[1] == 2 && x->val[2] == 1 && x->val[3] == -15);
    CHECK(x->fld == NULL && x->cardinality == 11);
    CHECK(ds->group == 2 && q->i64[0] == 3 && q->i64[2] == 4);
    rn_dataset_free(ds);

    ds = rn_load_libffm(src("tests/engine/data_fixtures/good.ffm"));
    CHECK(ds != NULL);
    if (ds == NULL) return;
    x = &ds->cols[1];
    CHECK(ds->n_rows == 2 && x->n_ids == 3);
    CHECK(x->fld && x->fld[0] == 0 && x->fld[1] == 1 && x->fld[2] == 2);
    CHECK(x->ids[0] == 1 && x->ids[1] == 3 && x->ids[2] == 5 && x->cardinality == 6);
    CHECK(x->val && x->val[0] == 0.5f && x->val[2] == 1.0f);
    rn_dataset_free(ds);
}

/* ---- allocation: bounded, and failing each in turn ------------------------------------ */

static long n_allocs, fail_at;
static size_t bytes_requested;

static void *hook(void *ud, void *ptr, size_t size)
{
    (void)ud;
    if (size > 0) {
        n_allocs++;
        bytes_requested += size;
        if (fail_at > 0 && --fail_at == 0) return NULL;
    }
    return rn_alloc_default(NULL, ptr, size);
}

static void test_bounded_allocation(void)
{
    /* a huge index costs one id, not a table of that size */
    FILE *f = fopen("big_index.svm", "wb");
    CHECK(f != NULL);
    if (f == NULL) return;
    fputs("1 2000000000:1 7:1\n0 1999999999:0.5\n", f);
    fclose(f);
    bytes_requested = 0;
    rn_alloc_set(hook, NULL);
    rn_dataset *ds = rn_load_libsvm("big_index.svm");
    rn_alloc_set(NULL, NULL);
    CHECK(ds != NULL && ds->cols[1].cardinality == 2000000001);
    CHECK(bytes_requested < 300000);
    rn_dataset_free(ds);
    remove("big_index.svm");
}

typedef rn_dataset *(*loader_fn)(void);
static rn_dataset *load_good_csv(void)
{
    static const rn_csv_schema sc = {good_cols, 6, 0, 0, NULL, "name", "ts", 0};
    return rn_load_csv(src("tests/engine/data_fixtures/good.csv"), &sc);
}
static rn_dataset *load_good_svm(void)
{
    return rn_load_libsvm(src("tests/engine/data_fixtures/good.svm"));
}
static rn_dataset *load_good_ffm(void)
{
    return rn_load_libffm(src("tests/engine/data_fixtures/good.ffm"));
}

/* Fails allocation 1, 2, ... until the load succeeds: each failure is a
 * clean NULL with RN_ENOMEM (ASan checks nothing leaks). */
static void fail_each(loader_fn fn)
{
    for (long nth = 1; nth < 500; nth++) {
        rn_error_clear();
        fail_at = nth;
        rn_alloc_set(hook, NULL);
        rn_dataset *ds = fn();
        rn_alloc_set(NULL, NULL);
        fail_at = 0;
        if (ds != NULL) {
            CHECK(nth > 3);
            rn_dataset_free(ds);
            return;
        }
        if (rn_error_code() != RN_ENOMEM) fprintf(stderr, "nth %ld: %s\n", nth, rn_error());
        CHECK(rn_error_code() == RN_ENOMEM);
    }
    CHECK(!"the load never succeeded");
}

static rn_dataset *load_long_numerals(void)
{
    static const rn_csv_schema sc = {mcols, 5, 0, 0, NULL, NULL, NULL, 0};
    return rn_load_csv("long_numerals.csv", &sc);
}

/* Numerals of any length are numbers (reliability review B.1: 201 characters
 * were refused); a copy of a long one failing to allocate is RN_ENOMEM. */
static void test_long_numerals(void)
{
    char zeros[256];
    memset(zeros, '0', 199);
    zeros[199] = '\0';
    FILE *f = fopen("long_numerals.csv", "wb");
    CHECK(f != NULL);
    if (f == NULL) return;
    fprintf(f, "id,name,score,click,tags\n%s42,a, %s1.5 ,1,x\n", zeros, zeros);
    fclose(f);
    rn_dataset *ds = load_long_numerals();
    CHECK(ds != NULL && ds->cols[0].i64[0] == 42 && ds->cols[2].f[0] == 1.5f);
    rn_dataset_free(ds);
    fail_each(load_long_numerals);
    f = fopen("long_numerals.svm", "wb");
    CHECK(f != NULL);
    if (f == NULL) return;
    fprintf(f, "%s1 %s3:%s0.25\n", zeros, zeros, zeros);
    fclose(f);
    ds = rn_load_libsvm("long_numerals.svm");
    CHECK(ds != NULL && ds->cols[0].f[0] == 1.0f && ds->cols[1].ids[0] == 3 &&
          ds->cols[1].val[0] == 0.25f);
    rn_dataset_free(ds);
    /* long, and still not a number or out of range: the same messages as short ones */
    char ones[420];
    memset(ones, '1', 400);
    ones[400] = '\0';
    f = fopen("long_numerals.csv", "wb");
    CHECK(f != NULL);
    if (f == NULL) return;
    fprintf(f, "id,name,score,click,tags\n1,a,%s,1,x\n", ones);
    fclose(f);
    CHECK(load_long_numerals() == NULL);
    CHECK(strstr(rn_error(), "long_numerals.csv:2:5: column 'score': expected a finite number "
                             "within float range, got \"1111") == rn_error());
    f = fopen("long_numerals.csv", "wb");
    CHECK(f != NULL);
    if (f == NULL) return;
    fprintf(f, "id,name,score,click,tags\n1,a,%sx,1,x\n", ones);
    fclose(f);
    CHECK(load_long_numerals() == NULL);
    CHECK(strstr(rn_error(), "long_numerals.csv:2:5: column 'score': expected a number, got "
                             "\"1111") == rn_error());
    remove("long_numerals.csv");
    remove("long_numerals.svm");
}

static void test_alloc_failures(void)
{
    fail_each(load_good_csv);
    fail_each(load_good_svm);
    fail_each(load_good_ffm);
}

/* ---- splits, shuffles, batches, gathering ------------------------------------------------ */

/* 10 rows: user = r % 3, time = (7 * r) % 10, item = cat "i<r % 4>" */
static rn_dataset *small(void)
{
    rn_dataset *ds = rn_dataset_new("small");
    int u = rn_dataset_add_column(ds, "user", RN_COL_INT, 0);
    int t = rn_dataset_add_column(ds, "time", RN_COL_INT, 0);
    int it = rn_dataset_add_column(ds, "item", RN_COL_CAT, 0);
    int s = rn_dataset_add_column(ds, "seq", RN_COL_SEQ, 0);
    CHECK(u == 0 && t == 1 && it == 2 && s == 3);
    for (int r = 0; r < 10; r++) {
        char name[8];
        snprintf(name, sizeof name, "i%d", r % 4);
        CHECK(rn_col_push_int(&ds->cols[u], r % 3) == RN_OK);
        CHECK(rn_col_push_int(&ds->cols[t], (7 * r) % 10) == RN_OK);
        CHECK(rn_col_push_text(&ds->cols[it], name, 2) == RN_OK);
        for (int k = 0; k < r % 4; k++)
            CHECK(rn_col_push_seq(&ds->cols[s], 10 * r + k, 1.0f, -1) == RN_OK);
        CHECK(rn_dataset_end_row(ds) == RN_OK);
    }
    CHECK(rn_dataset_set_group(ds, "user") == RN_OK);
    CHECK(rn_dataset_set_time(ds, "time") == RN_OK);
    return ds;
}

static void test_splits(void)
{
    rn_dataset *ds = small();
    rn_subset all, a, b, a2, b2;
    CHECK(rn_subset_all(ds, &all) == RN_OK && all.n == 10);

    CHECK(rn_split_random(&all, 0.7, 42, &a, &b) == RN_OK);
    CHECK(a.n == 7 && b.n == 3);
    CHECK(rn_split_random(&all, 0.7, 42, &a2, &b2) == RN_OK);
    CHECK(memcmp(a.rows, a2.rows, 7 * sizeof *a.rows) == 0); /* same seed, same split */
    int seen[10] = {0};
    for (size_t i = 0; i < a.n; i++)
        seen[a.rows[i]]++;
    for (size_t i = 0; i < b.n; i++)
        seen[b.rows[i]]++;
    int ok = 1;
    for (int i = 0; i < 10; i++)
        ok &= seen[i] == 1;
    CHECK(ok); /* disjoint, and together all rows */
    for (size_t i = 1; i < a.n; i++)
        CHECK(a.rows[i - 1] < a.rows[i]); /* original order kept */
    rn_subset_free(&a);
    rn_subset_free(&b);
    rn_subset_free(&a2);
    rn_subset_free(&b2);
    CHECK(rn_split_random(&all, 1.5, 1, &a, &b) == RN_EARG);
    CHECK_STR(rn_error(), "split: the fraction is 1.5: expected a value in [0, 1]");

    /* time: times are 0 7 4 1 8 5 2 9 6 3 for rows 0..9 */
    CHECK(rn_split_time(ds, &all, 0.6, &a, &b) == RN_OK);
    CHECK(a.n == 6 && b.n == 4);
    const size_t want_a[] = {0, 3, 6, 9, 2, 5}, want_b[] = {8, 1, 4, 7};
    CHECK(memcmp(a.rows, want_a, sizeof want_a) == 0);
    CHECK(memcmp(b.rows, want_b, sizeof want_b) == 0);
    rn_subset_free(&a);
    rn_subset_free(&b);

    /* leave-last-out: user 0 rows 0 3 6 9 (times 0 1 2 3): 9; user 1 rows 1 4 7
     * (7 8 9): 7; user 2 rows 2 5 8 (4 5 6): 8 */
    rn_subset train, test;
    CHECK(rn_split_leave_last(ds, &all, &train, &test) == RN_OK);
    const size_t want_test[] = {7, 8, 9};
    CHECK(test.n == 3 && train.n == 7);
    CHECK(test.n == 3 && memcmp(test.rows, want_test, sizeof want_test) == 0);
    rn_subset_free(&train);
    rn_subset_free(&test);
    /* a user with one row keeps it in train */
    const size_t few[] = {0, 3, 1};
    rn_subset sub;
    CHECK(rn_subset_from(ds, few, 3, &sub) == RN_OK);
    CHECK(rn_split_leave_last(ds, &sub, &train, &test) == RN_OK);
    CHECK(test.n == 1 && test.rows[0] == 3 && train.n == 2 && train.rows[1] == 1);
    rn_subset_free(&train);
    rn_subset_free(&test);
    rn_subset_free(&sub);
    const size_t bad[] = {0, 10};
    CHECK(rn_subset_from(ds, bad, 2, &sub) == RN_EARG);
    CHECK_STR(rn_error(), "row index 10 (entry 1) is out of range: the data set has 10 rows");

    /* shuffle: a seeded permutation */
    rn_subset s1, s2;
    CHECK(rn_subset_all(ds, &s1) == RN_OK && rn_subset_all(ds, &s2) == RN_OK);
    rn_subset_shuffle(&s1, 7);
    rn_subset_shuffle(&s2, 7);
    CHECK(memcmp(s1.rows, s2.rows, 10 * sizeof *s1.rows) == 0);
    size_t sum = 0, moved = 0;
    for (size_t i = 0; i < 10; i++)
        sum += s1.rows[i], moved += s1.rows[i] != i;
    CHECK(sum == 45 && moved > 0);
    rn_subset_shuffle(&s2, 8);
    CHECK(memcmp(s1.rows, s2.rows, 10 * sizeof *s1.rows) != 0);

    /* batches are slices of the subset, not copies */
    CHECK(rn_n_batches(10, 4) == 3 && rn_n_batches(8, 4) == 2 && rn_n_batches(0, 4) == 0);
    rn_rows r = rn_batch(&s1, 2, 4);
    CHECK(r.n == 2 && r.rows == s1.rows + 8);
    r = rn_batch(&s1, 3, 4);
    CHECK(r.n == 0 && r.rows == NULL);
    rn_subset_free(&s1);
    rn_subset_free(&s2);

    /* gathering */
    const size_t rows[] = {3, 9};
    float fv[2];
    int32_t ids[6];
    float mask[6];
    CHECK(rn_gather_float(ds, 1, rows, 2, fv) == RN_OK && fv[0] == 1 && fv[1] == 3);
    CHECK(rn_gather_ids(ds, 2, rows, 2, ids) == RN_OK && ids[0] == 4 && ids[1] == 2);
    /* row 3 has ids 30 31 32 (keeps the last two), row 9 has 90 */
    CHECK(rn_gather_seq(ds, 3, rows, 2, 2, ids, mask) == RN_OK);
    CHECK(ids[0] == 31 && ids[1] == 32 && ids[2] == 90 && ids[3] == 0);
    CHECK(mask[0] == 1 && mask[1] == 1 && mask[2] == 1 && mask[3] == 0);
    CHECK(rn_gather_ids(ds, 0, rows, 2, ids) == RN_EARG);
    CHECK_STR(rn_error(), "column 'user' is int: expected a cat column");
    rn_subset_free(&all);
    rn_dataset_free(ds);
}

static void test_histories(void)
{
    /* rows: (u1, A, 10) (u1, B, 5) (u2, C, 1) (u1, C, 7) */
    rn_dataset *ds = rn_dataset_new("h");
    rn_dataset_add_column(ds, "user", RN_COL_CAT, 0);
    rn_dataset_add_column(ds, "item", RN_COL_CAT, 0);
    rn_dataset_add_column(ds, "t", RN_COL_INT, 0);
    const char *u[] = {"u1", "u1", "u2", "u1"}, *it[] = {"A", "B", "C", "C"};
    const int t[] = {10, 5, 1, 7};
    for (int r = 0; r < 4; r++) {
        CHECK(rn_col_push_text(&ds->cols[0], u[r], 2) == RN_OK);
        CHECK(rn_col_push_text(&ds->cols[1], it[r], 1) == RN_OK);
        CHECK(rn_col_push_int(&ds->cols[2], t[r]) == RN_OK);
        CHECK(rn_dataset_end_row(ds) == RN_OK);
    }
    /* ids: A 1, B 2, C 3 */
    int h = rn_dataset_add_history(ds, "hist", 0, 1, 2, 10);
    CHECK(h == 3);
    int h1 = rn_dataset_add_history(ds, "hist1", 0, 1, 2, 1);
    CHECK(h1 == 4);
    if (h == 3 && h1 == 4) {
        const rn_column *c = &ds->cols[3], *c1 = &ds->cols[4];
        CHECK(c->off[0] == 0 && c->off[1] == 2 && c->off[2] == 2 && c->off[3] == 2 &&
              c->off[4] == 3);
        CHECK(c->ids[0] == 2 && c->ids[1] == 3 && c->ids[2] == 2);
        CHECK(c->vocab == ds->cols[1].vocab && c->vocab_of == 1 && c->cardinality == 4);
        CHECK(c1->off[1] == 1 && c1->ids[0] == 3 && c1->off[4] == 2 && c1->ids[1] == 2);
    }
    rn_histories hs;
    CHECK(rn_dataset_histories(ds, NULL, 0, 1, 2, &hs) == RN_OK);
    CHECK(hs.n_users == 2 && hs.users[0] == 1 && hs.users[1] == 2);
    CHECK(hs.off[1] == 3 && hs.off[2] == 4);
    CHECK(hs.items[0] == 2 && hs.items[1] == 3 && hs.items[2] == 1 && hs.items[3] == 3);
    rn_histories_free(&hs);
    /* over a subset: rows 3, 2, 0 -> u1 (first at row 3): C (t 7), A (t 10); u2: C */
    const size_t some[] = {3, 2, 0};
    rn_subset sub = {(size_t *)some, 3};
    CHECK(rn_dataset_histories(ds, &sub, 0, 1, 2, &hs) == RN_OK);
    CHECK(hs.n_users == 2 && hs.users[0] == 1 && hs.off[1] == 2 && hs.off[2] == 3);
    CHECK(hs.items[0] == 3 && hs.items[1] == 1 && hs.items[2] == 3);
    rn_histories_free(&hs);
    CHECK(rn_dataset_add_history(ds, "bad", 1, 2, 0, 3) == RN_EARG);
    CHECK_STR(rn_error(), "histories: item column 't' is int: expected cat");
    rn_dataset_free(ds);
}

/* ---- MovieLens ---------------------------------------------------------------------- */

static void test_movielens(void)
{
    char dir[1100];
    snprintf(dir, sizeof dir, "%s/assets/movielens", root);
    rn_movielens_config cfg = {dir, 0, 0, 0};
    rn_dataset *ds = rn_load_movielens(&cfg);
    CHECK(ds != NULL);
    if (ds == NULL) {
        fprintf(stderr, "%s\n", rn_error());
        return;
    }
    CHECK(ds->n_rows == 100004 && ds->n_cols == 8);
    int user = rn_dataset_find(ds, "user"), item = rn_dataset_find(ds, "item"),
        rating = rn_dataset_find(ds, "rating"), like = rn_dataset_find(ds, "like"),
        genres = rn_dataset_find(ds, "genres"), year = rn_dataset_find(ds, "year"),
        hist = rn_dataset_find(ds, "history");
    CHECK(ds->group == user && ds->time == rn_dataset_find(ds, "timestamp"));
    CHECK(ds->cols[user].cardinality == 672 && ds->cols[item].cardinality == 9067);
    const rn_vocab *iv = ds->cols[item].vocab;
    CHECK_STR(rn_vocab_name(iv, ds->cols[item].ids[0]), "2294");
    CHECK_STR(rn_vocab_label(iv, ds->cols[item].ids[0]), "Antz (1998)");
    int32_t cats = rn_vocab_find(iv, "51372", 5);
    CHECK(cats > 0);
    CHECK_STR(rn_vocab_label(iv, cats), "\"Great Performances\" Cats (1998)");
    CHECK_STR(rn_vocab_label(iv, rn_vocab_find(iv, "108548", 6)), "movie 108548");
    double stars = 0, likes = 0;
    for (size_t r = 0; r < ds->n_rows; r++)
        stars += (double)ds->cols[rating].f[r], likes += (double)ds->cols[like].f[r];
    CHECK_NEAR(stars, 354375.0, 1e-6);
    CHECK_NEAR(likes, 51568, 0);
    /* genres: 19 names + id 0; Antz has 5; 18 ratings of movies without genres */
    const rn_column *g = &ds->cols[genres];
    CHECK(g->cardinality == 20 && g->off[1] == 5);
    CHECK_STR(rn_vocab_name(g->vocab, g->ids[3]), "Comedy");
    size_t empty = 0;
    for (size_t r = 0; r < ds->n_rows; r++)
        empty += g->off[r + 1] == g->off[r];
    CHECK(empty == 18);
    CHECK(ds->cols[year].n_missing == 7 && ds->cols[year].f[0] == 1998.0f);
    /* histories: row 2 saw rows 0 and 1 */
    const rn_column *h = &ds->cols[hist];
    CHECK(h->off[0] == 0 && h->off[1] == 0 && h->off[2] == 1 && h->off[3] == 3);
    CHECK(h->ids[1] == ds->cols[item].ids[0] && h->ids[2] == ds->cols[item].ids[1]);
    size_t longest = 0;
    for (size_t r = 0; r < ds->n_rows; r++)
        if (h->off[r + 1] - h->off[r] > longest) longest = h->off[r + 1] - h->off[r];
    CHECK(longest == 20);
    rn_subset all, train, test;
    CHECK(rn_subset_all(ds, &all) == RN_OK);
    CHECK(rn_split_leave_last(ds, &all, &train, &test) == RN_OK);
    CHECK(test.n == 671 && train.n == 100004 - 671);
    rn_subset_free(&all);
    rn_subset_free(&train);
    rn_subset_free(&test);
    rn_dataset_free(ds);

    rn_movielens_config small_cfg = {dir, 3.0f, -1, 10};
    ds = rn_load_movielens(&small_cfg);
    CHECK(ds && ds->n_rows == 10 && ds->n_cols == 7 && ds->cols[like].f[2] == 1);
    rn_dataset_free(ds);
    rn_movielens_config nowhere = {"/nonexistent", 0, 0, 0};
    CHECK(rn_load_movielens(&nowhere) == NULL);
    CHECK_STR(rn_error(), "/nonexistent/movies.csv: cannot open: No such file or directory");
}

/* A small MovieLens folder with a rating of an unknown movie, then a movie
 * listed twice. */
static void test_movielens_errors(void)
{
    CHECK(mkdir("ml_bad", 0755) == 0 || errno == EEXIST);
    FILE *m = fopen("ml_bad/movies.csv", "wb"), *r = fopen("ml_bad/ratings.csv", "wb");
    CHECK(m != NULL && r != NULL);
    if (m == NULL || r == NULL) return;
    fputs("movieId,title,year,genres\n1,\"A, the \"\"film\"\"\",2001,Drama|Comedy\n"
          "2,NA,NA,(no genres listed)\n",
          m);
    fputs("userId,movieId,rating,timestamp\n7,1,4,100\n7,99,3,200\n", r);
    fclose(m);
    fclose(r);
    rn_movielens_config cfg = {"ml_bad", 0, 0, 0};
    CHECK(rn_load_movielens(&cfg) == NULL);
    CHECK_STR(rn_error(), "ml_bad/ratings.csv:3:3: column 'movieId': movie 99 is not in "
                          "ml_bad/movies.csv");
    cfg.max_rows = 1; /* the bad rating is not read */
    rn_dataset *ds = rn_load_movielens(&cfg);
    CHECK(ds != NULL && ds->n_rows == 1);
    if (ds) CHECK_STR(rn_vocab_label(ds->cols[1].vocab, 1), "A, the \"film\" (2001)");
    rn_dataset_free(ds);
    /* every allocation of a MovieLens load (both files, the join, the
     * history column) failing in turn: a clean RN_ENOMEM each time */
    cfg.max_rows = 1;
    int failures = 0;
    for (long nth = 1; nth < 400; nth++) {
        fail_at = nth;
        rn_alloc_set(hook, NULL);
        ds = rn_load_movielens(&cfg);
        rn_alloc_set(NULL, NULL);
        fail_at = 0;
        if (ds != NULL) {
            CHECK(ds->n_rows == 1 && rn_dataset_find(ds, "history") == 7);
            rn_dataset_free(ds);
            break;
        }
        CHECK(rn_error_code() == RN_ENOMEM);
        failures++;
    }
    CHECK(failures > 20);
    m = fopen("ml_bad/movies.csv", "ab");
    CHECK(m != NULL);
    if (m == NULL) return;
    fputs("1,again,1999,Drama\n", m);
    fclose(m);
    CHECK(rn_load_movielens(&cfg) == NULL);
    CHECK_STR(rn_error(), "ml_bad/movies.csv:4:1: column 'movieId': movie 1 appears twice");
    /* ratings outside the stars' range, and a header with no ratings
     * (reliability review B.1: both were accepted) */
    m = fopen("ml_bad/movies.csv", "wb");
    CHECK(m != NULL);
    if (m == NULL) return;
    fputs("movieId,title,year,genres\n1,A,2001,Drama\n", m);
    fclose(m);
    const char *bad[][2] = {
        {"userId,movieId,rating,timestamp\n7,1,4,100\n17,1,-7,200\n",
         "ml_bad/ratings.csv:3:6: column 'rating': -7 is not a rating (0 to 10 stars)"},
        {"userId,movieId,rating,timestamp\n7,1,1e30,100\n",
         "ml_bad/ratings.csv:2:5: column 'rating': 1e+30 is not a rating (0 to 10 stars)"},
        {"userId,movieId,rating,timestamp\n",
         "ml_bad/ratings.csv:2:1: no records after the header (the file has a header only)"},
    };
    cfg.max_rows = 0;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r = fopen("ml_bad/ratings.csv", "wb");
        CHECK(r != NULL);
        if (r == NULL) return;
        fputs(bad[i][0], r);
        fclose(r);
        CHECK(rn_load_movielens(&cfg) == NULL);
        CHECK_STR(rn_error(), bad[i][1]);
    }
    /* a Latin-1 title: located in movies.csv, its bytes escaped (review B.1) */
    m = fopen("ml_bad/movies.csv", "wb");
    r = fopen("ml_bad/ratings.csv", "wb");
    CHECK(m != NULL && r != NULL);
    if (m == NULL || r == NULL) return;
    fputs("movieId,title,year,genres\n1,Am\xe9lie,2001,Drama\n", m);
    fputs("userId,movieId,rating,timestamp\n7,1,4,100\n", r);
    fclose(m);
    fclose(r);
    CHECK(rn_load_movielens(&cfg) == NULL);
    CHECK_STR(rn_error(), "ml_bad/movies.csv:2:5: column 'title': the byte 0xE9 is not UTF-8 "
                          "text (in \"Am\\xe9lie\"): convert the file to UTF-8 (iconv -f latin1 "
                          "-t utf-8, if it is Latin-1)");
    /* a long title's label is cut to 500 bytes, never inside a character */
    m = fopen("ml_bad/movies.csv", "wb");
    CHECK(m != NULL);
    if (m == NULL) return;
    fputs("movieId,title,year,genres\n1,a", m);
    for (int i = 0; i < 300; i++)
        fputs("\xc3\xa9", m);
    fputs(",2001,Drama\n", m);
    fclose(m);
    ds = rn_load_movielens(&cfg);
    CHECK(ds != NULL);
    if (ds) {
        const char *label = rn_vocab_label(ds->cols[1].vocab, 1);
        CHECK(label != NULL && strlen(label) == 499 + strlen(" (2001)") &&
              rn__utf8_check(label, strlen(label)) == strlen(label));
    }
    rn_dataset_free(ds);
    remove("ml_bad/movies.csv");
    remove("ml_bad/ratings.csv");
    rmdir("ml_bad");
}

/* ---- mutated inputs ------------------------------------------------------------------ */

static size_t slurp(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) return 0;
    size_t n = fread(buf, 1, size, f);
    fclose(f);
    return n;
}

/* Mutates the good files (bytes replaced by quotes, delimiters, line breaks,
 * NULs, colons or random bytes; inserted; deleted; truncated) and loads each
 * with every loader: a load succeeds, or fails with RN_EPARSE and a message
 * that starts with the file name. ASan watches every byte read. */
static void test_fuzz_loaders(void)
{
    static const char *const seeds[] = {
        "tests/engine/data_fixtures/good.csv", "tests/engine/data_fixtures/good.svm",
        "tests/engine/data_fixtures/good.ffm", "tests/engine/malformed/crlf.csv"};
    static const char specials[] = "\",\n\r\0:| #\t";
    char orig[4][512], buf[1024];
    size_t len[4];
    for (int i = 0; i < 4; i++) {
        len[i] = slurp(src(seeds[i]), orig[i], sizeof orig[i]);
        CHECK(len[i] > 0);
    }
    rn_rng g;
    rn_rng_seed(&g, 2026);
    static const rn_csv_schema sc1 = {good_cols, 6, 0, 0, NULL, "name", "ts", 0};
    static const rn_csv_schema sc2 = {mcols, 5, 0, 0, NULL, NULL, NULL, 0};
    int loaded = 0, rejected = 0, bad = 0;
    for (int it = 0; it < 400; it++) {
        int k = (int)rn_rng_below(&g, 4);
        size_t n = len[k];
        memcpy(buf, orig[k], n);
        int muts = 1 + (int)rn_rng_below(&g, 4);
        for (int m = 0; m < muts && n > 0; m++) {
            size_t at = (size_t)rn_rng_below(&g, n);
            char ch = rn_rng_below(&g, 3) ? specials[rn_rng_below(&g, sizeof specials - 1)]
                                          : (char)rn_rng_below(&g, 256);
            switch (rn_rng_below(&g, 4)) {
            case 0:
                buf[at] = ch;
                break;
            case 1:
                if (n + 1 < sizeof buf) {
                    memmove(buf + at + 1, buf + at, n - at);
                    buf[at] = ch;
                    n++;
                }
                break;
            case 2:
                memmove(buf + at, buf + at + 1, n - at - 1);
                n--;
                break;
            default:
                n = at;
            }
        }
        FILE *f = fopen("fuzz.tmp", "wb");
        CHECK(f != NULL);
        if (f == NULL) return;
        fwrite(buf, 1, n, f);
        fclose(f);
        for (int loader = 0; loader < 4; loader++) {
            rn_error_clear();
            rn_dataset *ds = loader == 0   ? rn_load_csv("fuzz.tmp", &sc1)
                             : loader == 1 ? rn_load_csv("fuzz.tmp", &sc2)
                             : loader == 2 ? rn_load_libsvm("fuzz.tmp")
                                           : rn_load_libffm("fuzz.tmp");
            if (ds != NULL) {
                loaded++;
                rn_dataset_free(ds);
            } else if (rn_error_code() == RN_EPARSE && strncmp(rn_error(), "fuzz.tmp:", 9) == 0) {
                rejected++;
            } else {
                bad++;
                fprintf(stderr, "fuzz %d loader %d: code %d: %s\n", it, loader, rn_error_code(),
                        rn_error());
            }
        }
    }
    remove("fuzz.tmp");
    CHECK(bad == 0);
    CHECK(loaded > 50 && rejected > 400); /* both paths were exercised */
}

int main(void)
{
    const char *dir = getenv("RECNOTE_DATA_DIR");
    snprintf(root, sizeof root, "%s", dir ? dir : ".");
    if (getcwd(build_dir, sizeof build_dir) == NULL) return 1;
    RUN(test_vocab);
    RUN(test_csv_good);
    RUN(test_csv_no_header);
    RUN(test_malformed);
    RUN(test_libsvm);
    RUN(test_bounded_allocation);
    RUN(test_alloc_failures);
    RUN(test_splits);
    RUN(test_histories);
    RUN(test_utf8);
    RUN(test_long_numerals);
    RUN(test_movielens);
    RUN(test_movielens_errors);
    RUN(test_fuzz_loaders);
    return check_report();
}
