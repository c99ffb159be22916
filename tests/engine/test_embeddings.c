/* Tests of engine/embeddings.c: lookups, neighbours against brute force,
 * PCA against cases with a known answer, word2vec text/binary and TSV round
 * trips (exact: "%.9g" and float32 bytes), the token encoding, malformed
 * files word for word, atomic writes and failing allocations. Files go to a
 * fresh temporary folder. */
#include "check.h"

#include "alloc.h"
#include "embeddings.h"
#include "error.h"
#include "rng.h"

#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[64];

static const char *path_of(const char *name)
{
    static char buf[8][256];
    static int next;
    char *p = buf[next++ % 8];
    snprintf(p, 256, "%s/%s", dir, name);
    return p;
}

static void write_file(const char *name, const void *data, size_t len)
{
    FILE *f = fopen(path_of(name), "wb");
    fwrite(data, 1, len, f);
    fclose(f);
}

static void write_text(const char *name, const char *text)
{
    write_file(name, text, strlen(text));
}

/* Files in the folder whose name contains ".XXXXXX"-style temp suffixes. */
static int leftover_temps(void)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        const char *dot = strrchr(de->d_name, '.');
        if (dot != NULL && strlen(dot) == 7 && strcmp(dot, ".vec") && strcmp(dot, ".tsv")) n++;
    }
    closedir(d);
    return n;
}

/* ---- construction and lookups ----------------------------------------------------------- */

static void test_new_and_find(void)
{
    const float v[] = {1, 0, 0, 1, 1, 1};
    const int64_t ids[] = {10, 30, 20};
    const char *labels[] = {"Toy Story (1995)", "Heat (1995)", "Léon: The Professional (1994)"};
    rn_embeddings *e = rn_emb_new(v, 3, 2, ids, labels);
    CHECK(e != NULL);
    CHECK(rn_emb_count(e) == 3 && rn_emb_dim(e) == 2 && rn_emb_has_labels(e));
    CHECK(rn_emb_id(e, 1) == 30 && rn_emb_id(e, 5) == -1);
    CHECK_STR(rn_emb_label(e, 2), "Léon: The Professional (1994)");
    size_t row = 99;
    CHECK(rn_emb_find_id(e, 20, &row) == RN_OK && row == 2);
    CHECK(rn_emb_find_label(e, "Heat (1995)", &row) == RN_OK && row == 1);
    CHECK(rn_emb_find_id(e, 11, &row) == RN_EARG);
    CHECK_STR(rn_error(), "embeddings: no vector has id 11");
    CHECK(rn_emb_find_label(e, "toy story", &row) == RN_EARG);
    CHECK_STR(rn_error(), "embeddings: no label 'toy story' (did you mean 'Toy Story (1995)'?)");
    CHECK(rn_emb_find_label(e, "Heat (1996)", &row) == RN_EARG);
    CHECK_STR(rn_error(), "embeddings: no label 'Heat (1996)' (did you mean 'Heat (1995)'?)");
    CHECK(rn_emb_find_label(e, "Alien (1979)", &row) == RN_EARG);
    CHECK_STR(rn_error(), "embeddings: no label 'Alien (1979)'");
    rn_emb_free(e);

    /* repeated labels: found by id; by label an error naming the ids */
    const char *twice[] = {"Hamlet", "Hamlet", "Heat"};
    e = rn_emb_new(v, 3, 2, ids, twice);
    CHECK(rn_emb_find_label(e, "Heat", &row) == RN_OK && row == 2);
    CHECK(rn_emb_find_label(e, "Hamlet", &row) == RN_EARG);
    CHECK_STR(rn_error(), "embeddings: label 'Hamlet' names 2 vectors (ids 10, 30): use an id");
    rn_emb_free(e);

    /* no labels */
    e = rn_emb_new(v, 3, 2, NULL, NULL);
    CHECK(rn_emb_find_id(e, 2, &row) == RN_OK && row == 1); /* ids 1..n */
    CHECK(rn_emb_label(e, 0) == NULL);
    CHECK(rn_emb_find_label(e, "x", &row) == RN_EARG);
    CHECK_STR(rn_error(), "embeddings: no labels (find a vector by its id)");
    rn_emb_free(e);

    /* errors */
    CHECK(rn_emb_new(v, 0, 2, NULL, NULL) == NULL);
    CHECK_STR(rn_error(), "embeddings: 0 vectors (must be 1..2147483648)");
    CHECK(rn_emb_new(v, 3, 0, NULL, NULL) == NULL);
    CHECK_STR(rn_error(), "embeddings: dim 0 (must be 1..65536)");
    CHECK(rn_emb_new(v, 3, 2, (const int64_t[]){1, 2, 1}, NULL) == NULL);
    CHECK_STR(rn_error(), "embeddings: id 1 appears at rows 1 and 3 (ids must be unique)");
    CHECK(rn_emb_new(v, 3, 2, (const int64_t[]){1, -2, 3}, NULL) == NULL);
    CHECK_STR(rn_error(), "embeddings: id of row 2 is -2 (ids must be >= 0)");
    const float nan[] = {1, 2, 3, NAN};
    CHECK(rn_emb_new(nan, 2, 2, NULL, NULL) == NULL);
    CHECK_STR(rn_error(), "embeddings: row 2, column 2 is nan (must be finite)");
    const char *missing[] = {"a", NULL, "c"};
    CHECK(rn_emb_new(v, 3, 2, NULL, missing) == NULL);
    CHECK_STR(rn_error(), "embeddings: label of row 2 is missing (NULL)");
    char *long_label = malloc(RN_EMB_MAX_LABEL + 2);
    memset(long_label, 'x', RN_EMB_MAX_LABEL + 1);
    long_label[RN_EMB_MAX_LABEL + 1] = '\0';
    const char *longs[] = {"a", "b", long_label};
    CHECK(rn_emb_new(v, 3, 2, NULL, longs) == NULL);
    CHECK_STR(rn_error(), "embeddings: label of row 3 has 4097 bytes (at most 4096)");
    free(long_label);
}

/* ---- neighbours ------------------------------------------------------------------------- */

static double score(const float *a, const float *b, int d, int metric)
{
    double ab = 0, aa = 0, bb = 0;
    for (int j = 0; j < d; j++)
        ab += (double)a[j] * (double)b[j], aa += (double)a[j] * (double)a[j],
        bb += (double)b[j] * (double)b[j];
    return metric == RN_INDEX_DOT ? ab : (aa > 0 && bb > 0 ? ab / sqrt(aa * bb) : 0);
}

static void test_neighbors(void)
{
    enum { N = 700, D = 16, K = 12 };
    rn_rng g;
    rn_rng_seed(&g, 3);
    float *v = malloc(N * D * sizeof *v);
    for (int i = 0; i < N * D; i++)
        v[i] = rn_rng_normal(&g);
    rn_embeddings *e = rn_emb_new(v, N, D, NULL, NULL);
    double worst = 0;
    int self = 0, sorted = 1;
    for (int metric = 0; metric < 2; metric++)
        for (int q = 0; q < N; q += 37) {
            size_t rows[K];
            float sc[K];
            CHECK(rn_emb_neighbors(e, (size_t)q, K, metric, rows, sc) == K);
            /* brute force: the K-th best score over the other rows */
            double best[K];
            for (int j = 0; j < K; j++)
                best[j] = -INFINITY;
            for (int i = 0; i < N; i++) {
                if (i == q) continue;
                double s = score(v + q * D, v + i * D, D, metric);
                for (int j = 0; j < K; j++)
                    if (s > best[j]) {
                        memmove(best + j + 1, best + j, (K - 1 - j) * sizeof *best);
                        best[j] = s;
                        break;
                    }
            }
            for (int j = 0; j < K; j++) {
                self += rows[j] == (size_t)q;
                double t = score(v + q * D, v + rows[j] * D, D, metric);
                worst = fmax(worst, fmax(fabs(t - (double)sc[j]), fabs(best[j] - (double)sc[j])));
                if (j > 0 && sc[j] > sc[j - 1]) sorted = 0;
            }
        }
    printf("neighbours of 38 rows (dot and cosine): worst score difference %.3g\n", worst);
    CHECK(worst < 1e-5);
    CHECK(self == 0);
    CHECK(sorted);
    /* search by vector includes the row itself */
    size_t rows[3];
    float sc[3];
    CHECK(rn_emb_search(e, v + 5 * D, D, 3, RN_INDEX_COSINE, rows, sc) == 3);
    CHECK(rows[0] == 5);
    CHECK_NEAR(sc[0], 1.0, 1e-6);
    CHECK(rn_emb_search(e, v, D - 1, 3, RN_INDEX_COSINE, rows, sc) == RN_ESHAPE);
    CHECK_STR(rn_error(), "embeddings search: a vector of dim 15, the embeddings have dim 16");
    CHECK(rn_emb_neighbors(e, N, 3, RN_INDEX_DOT, rows, sc) == RN_EARG);
    CHECK_STR(rn_error(), "embeddings: row 701 does not exist (there are 700)");
    CHECK(rn_emb_neighbors(e, 0, 0, RN_INDEX_DOT, rows, sc) == RN_EARG);
    CHECK_STR(rn_error(), "embeddings: k must be at least 1, got 0");
    CHECK(rn_emb_neighbors(e, 0, 3, 9, rows, sc) == RN_EARG);
    CHECK_STR(rn_error(), "embeddings: unknown metric 9 (dot or cosine)");
    rn_emb_free(e);
    free(v);

    /* ties go to the smaller id, whatever the rows' order; k > n - 1 gives n - 1 */
    const float w[] = {1, 1, 1, 1, 1, 1, 1, 1, 2, 2};
    e = rn_emb_new(w, 5, 2, (const int64_t[]){9, 4, 7, 1, 5}, NULL);
    size_t r5[5];
    float s5[5];
    CHECK(rn_emb_neighbors(e, 0, 10, RN_INDEX_COSINE, r5, s5) == 4);
    /* all five point the same way: every score is 1, so ids 1, 4, 5, 7 */
    CHECK(rn_emb_id(e, r5[0]) == 1 && rn_emb_id(e, r5[1]) == 4 && rn_emb_id(e, r5[2]) == 5 &&
          rn_emb_id(e, r5[3]) == 7);
    CHECK(rn_emb_neighbors(e, 0, 2, RN_INDEX_DOT, r5, s5) == 2);
    CHECK(rn_emb_id(e, r5[0]) == 5 && s5[0] == 4 && rn_emb_id(e, r5[1]) == 1 && s5[1] == 2);
    rn_emb_free(e);
    e = rn_emb_new(w, 1, 2, NULL, NULL);
    CHECK(rn_emb_neighbors(e, 0, 3, RN_INDEX_DOT, r5, s5) == 0); /* alone: no neighbours */
    rn_emb_free(e);
}

/* ---- PCA -------------------------------------------------------------------------------- */

/* Random orthonormal vectors u (m x d) by Gram-Schmidt. */
static void orthonormal(double *u, int m, int d, rn_rng *g)
{
    for (int i = 0; i < m; i++) {
        double *x = u + (size_t)i * d;
        for (int j = 0; j < d; j++)
            x[j] = rn_rng_normal(g);
        for (int k = 0; k < i; k++) {
            double dot = 0;
            for (int j = 0; j < d; j++)
                dot += x[j] * u[(size_t)k * d + j];
            for (int j = 0; j < d; j++)
                x[j] -= dot * u[(size_t)k * d + j];
        }
        double nrm = 0;
        for (int j = 0; j < d; j++)
            nrm += x[j] * x[j];
        for (int j = 0; j < d; j++)
            x[j] /= sqrt(nrm);
    }
}

/* Points +-s_i u_i (2m of them) around a centre c: the covariance has
 * eigenvalues 2 s_i^2 / (2m) along u_i, so axis 1 explains s_1^2 / sum s^2. */
static void pca_known(int d, int m, const double *s, double *ev_out, double *pos_err)
{
    rn_rng g;
    rn_rng_seed(&g, (uint64_t)d);
    double *u = malloc((size_t)m * d * sizeof *u);
    orthonormal(u, m, d, &g);
    float *v = malloc(2 * (size_t)m * d * sizeof *v);
    for (int i = 0; i < m; i++)
        for (int j = 0; j < d; j++) {
            double c = 0.5 + 0.01 * j; /* an off-origin centre: PCA centres */
            v[(2 * (size_t)i) * d + j] = (float)(c + s[i] * u[(size_t)i * d + j]);
            v[(2 * (size_t)i + 1) * d + j] = (float)(c - s[i] * u[(size_t)i * d + j]);
        }
    rn_embeddings *e = rn_emb_new(v, 2 * (size_t)m, d, NULL, NULL);
    float *xy = malloc(4 * (size_t)m * sizeof *xy);
    CHECK(rn_emb_pca2(e, xy, ev_out) == RN_OK);
    /* the first pair lies on axis 1 at +-s_1, the second on axis 2 at +-s_2 */
    *pos_err = fmax(fabs(fabs((double)xy[0]) - s[0]), fabs((double)xy[1]));
    *pos_err = fmax(*pos_err, fabs((double)xy[0] + (double)xy[2]));
    *pos_err = fmax(*pos_err, fmax(fabs((double)xy[4]), fabs(fabs((double)xy[5]) - s[1])));
    rn_emb_free(e);
    free(u), free(v), free(xy);
}

static void test_pca(void)
{
    double ev[2], err;
    const double s3[] = {3, 2, 1};
    pca_known(3, 3, s3, ev, &err);
    printf("PCA d = 3: explained %.6f %.6f (expected 9/14 = %.6f, 4/14 = %.6f), position error "
           "%.2g\n",
           ev[0], ev[1], 9 / 14.0, 4 / 14.0, err);
    CHECK_NEAR(ev[0], 9 / 14.0, 1e-6);
    CHECK_NEAR(ev[1], 4 / 14.0, 1e-6);
    CHECK(err < 1e-5);
    /* dim 300: the subspace iteration path */
    const double s5[] = {5, 4, 3, 2, 1};
    pca_known(300, 5, s5, ev, &err);
    printf("PCA d = 300: explained %.6f %.6f (expected 25/55 = %.6f, 16/55 = %.6f), position "
           "error %.2g\n",
           ev[0], ev[1], 25 / 55.0, 16 / 55.0, err);
    CHECK_NEAR(ev[0], 25 / 55.0, 1e-5);
    CHECK_NEAR(ev[1], 16 / 55.0, 1e-5);
    CHECK(err < 1e-4);
    /* all equal: nothing explained, everything at the origin */
    const float same[] = {2, 2, 2, 2, 2, 2};
    rn_embeddings *e = rn_emb_new(same, 2, 3, NULL, NULL);
    float xy[4];
    CHECK(rn_emb_pca2(e, xy, ev) == RN_OK);
    CHECK(ev[0] == 0 && ev[1] == 0 && xy[0] == 0 && xy[3] == 0);
    rn_emb_free(e);
    /* dim 1: one axis explains everything, the second nothing */
    e = rn_emb_new((const float[]){1, 2, 4}, 3, 1, NULL, NULL);
    float xy3[6];
    CHECK(rn_emb_pca2(e, xy3, ev) == RN_OK);
    CHECK_NEAR(ev[0], 1, 1e-12);
    CHECK(ev[1] == 0 && xy3[1] == 0);
    CHECK_NEAR(xy3[4] - xy3[0], 3, 1e-6); /* distances kept along the axis */
    rn_emb_free(e);
}

/* ---- tokens and files ------------------------------------------------------------------- */

static void test_tokens(void)
{
    static const char *cases[][2] = {
        {"Toy Story (1995)", "Toy_Story_(1995)"},
        {"Cry_Wolf (a.k.a. Cry Wolf)", "Cry%5FWolf_(a.k.a._Cry_Wolf)"},
        {"100% Arabica", "100%25_Arabica"},
        {"tab\there\nnewline", "tab%09here%0Anewline"},
        {"Léon (Café)", "Léon_(Café)"},
        {"plain", "plain"},
    };
    char enc[128], dec[128];
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        int n = rn_emb_encode_token(cases[i][0], enc, sizeof enc);
        CHECK(n == (int)strlen(cases[i][1]));
        CHECK_STR(enc, cases[i][1]);
        rn_emb_decode_token(enc, dec, sizeof dec);
        CHECK_STR(dec, cases[i][0]);
    }
    CHECK(rn_emb_encode_token("", enc, sizeof enc) == -1);
    /* foreign tokens: a lone % stays, New_York reads as New York */
    rn_emb_decode_token("50%_off%zz%4", dec, sizeof dec);
    CHECK_STR(dec, "50% off%zz%4");
    /* truncation reports the full length, as snprintf */
    CHECK(rn_emb_encode_token("a b_c", enc, 4) == 7);
    CHECK_STR(enc, "a_b");
}

static int same_embeddings(const rn_embeddings *a, const rn_embeddings *b, int ids, int labels)
{
    if (rn_emb_count(a) != rn_emb_count(b) || rn_emb_dim(a) != rn_emb_dim(b)) return 0;
    size_t n = rn_emb_count(a) * (size_t)rn_emb_dim(a);
    if (memcmp(rn_emb_vectors(a), rn_emb_vectors(b), n * sizeof(float)) != 0) return 0;
    for (size_t i = 0; i < rn_emb_count(a); i++) {
        if (ids && rn_emb_id(a, i) != rn_emb_id(b, i)) return 0;
        if (labels && strcmp(rn_emb_label(a, i), rn_emb_label(b, i)) != 0) return 0;
    }
    return 1;
}

static void test_round_trips(void)
{
    enum { N = 6, D = 5 };
    rn_rng g;
    rn_rng_seed(&g, 9);
    float v[N * D];
    for (int i = 0; i < N * D; i++)
        v[i] = rn_rng_normal(&g) * (i % 3 == 0 ? 1e-7f : i % 3 == 1 ? 3e5f : 1);
    v[0] = -0.0f;
    v[1] = 3.4028235e38f;  /* FLT_MAX */
    v[2] = 1.401298e-45f; /* the smallest subnormal */
    const char *labels[N] = {"Toy Story (1995)",       "Cry_Wolf (a.k.a. Cry Wolf)",
                             "Misérables, Les (1995)", "100% tab\there",
                             "back\\slash\nnewline",   "1995"};
    const int64_t ids[N] = {1, 36533, 73, 5, 900, 2};
    rn_embeddings *e = rn_emb_new(v, N, D, ids, labels);
    for (int binary = 0; binary < 2; binary++) {
        const char *p = path_of(binary ? "labelled.bin" : "labelled.vec");
        CHECK(rn_emb_save_word2vec(e, p, binary) == RN_OK);
        rn_embeddings *b = rn_emb_load_word2vec(p, binary, 0);
        CHECK(b != NULL);
        /* vectors and labels exact; ids are the row order (labels are the tokens) */
        CHECK(b != NULL && same_embeddings(e, b, 0, 1));
        CHECK(b != NULL && rn_emb_id(b, 5) == 6); /* counted from 1 */
        rn_emb_free(b);
        /* raw tokens: as gensim sees them */
        b = rn_emb_load_word2vec(p, binary, RN_EMB_RAW_TOKENS);
        CHECK(b != NULL && strcmp(rn_emb_label(b, 1), "Cry%5FWolf_(a.k.a._Cry_Wolf)") == 0);
        rn_emb_free(b);
    }
    /* the text file as written */
    FILE *f = fopen(path_of("labelled.vec"), "rb");
    char line[256];
    CHECK(fgets(line, sizeof line, f) != NULL);
    CHECK_STR(line, "6 5\n");
    CHECK(fgets(line, sizeof line, f) != NULL);
    CHECK(strncmp(line, "Toy_Story_(1995) -0 3.40282347e+38 1.40129846e-45 ", 50) == 0);
    fclose(f);

    /* unlabelled: the ids are the tokens, and come back */
    rn_embeddings *u = rn_emb_new(v, N, D, ids, NULL);
    for (int binary = 0; binary < 2; binary++) {
        const char *p = path_of(binary ? "ids.bin" : "ids.vec");
        CHECK(rn_emb_save_word2vec(u, p, binary) == RN_OK);
        rn_embeddings *b = rn_emb_load_word2vec(p, binary, 0);
        CHECK(b != NULL && same_embeddings(u, b, 1, 0) && !rn_emb_has_labels(b));
        rn_emb_free(b);
    }
    /* TSV keeps ids and labels */
    CHECK(rn_emb_save_tsv(e, path_of("vectors.tsv"), path_of("metadata.tsv")) == RN_OK);
    rn_embeddings *t = rn_emb_load_tsv(path_of("vectors.tsv"), path_of("metadata.tsv"));
    CHECK(t != NULL && same_embeddings(e, t, 1, 1));
    rn_emb_free(t);
    f = fopen(path_of("metadata.tsv"), "rb");
    char md[512];
    size_t len = fread(md, 1, sizeof md - 1, f);
    md[len] = '\0';
    fclose(f);
    CHECK_STR(md, "id\tlabel\n1\tToy Story (1995)\n36533\tCry_Wolf (a.k.a. Cry Wolf)\n"
                  "73\tMisérables, Les (1995)\n5\t100% tab\\there\n900\tback\\\\slash\\nnewline\n"
                  "2\t1995\n");
    /* unlabelled TSV: one column of ids, no header */
    CHECK(rn_emb_save_tsv(u, path_of("u.tsv"), path_of("u_meta.tsv")) == RN_OK);
    t = rn_emb_load_tsv(path_of("u.tsv"), path_of("u_meta.tsv"));
    CHECK(t != NULL && same_embeddings(u, t, 1, 0) && !rn_emb_has_labels(t));
    rn_emb_free(t);
    t = rn_emb_load_tsv(path_of("u.tsv"), NULL); /* vectors alone: ids 1.. */
    CHECK(t != NULL && same_embeddings(u, t, 0, 0) && rn_emb_id(t, 3) == 4);
    rn_emb_free(t);
    /* overwriting is atomic and leaves no temporary file */
    CHECK(rn_emb_save_word2vec(u, path_of("labelled.vec"), 0) == RN_OK);
    CHECK(leftover_temps() == 0);
    CHECK(rn_emb_save_word2vec(e, "/nonexistent-dir/x.vec", 0) == RN_EIO);
    CHECK(strncmp(rn_error(), "save word2vec /nonexistent-dir/x.vec: cannot create a file beside "
                              "it: ",
                  70) == 0);
    /* an empty label cannot be a token */
    const char *empty[] = {"a", ""};
    rn_embeddings *x = rn_emb_new(v, 2, D, NULL, empty);
    CHECK(rn_emb_save_word2vec(x, path_of("x.vec"), 0) == RN_EARG);
    CHECK(strstr(rn_error(), "the label of row 2 (id 2) is empty: a word2vec token cannot be") !=
          NULL);
    rn_emb_free(x);
    rn_emb_free(u);
    rn_emb_free(e);
}

/* ---- malformed files -------------------------------------------------------------------- */

typedef struct {
    const char *name, *content;
    size_t len; /* 0: strlen */
    int binary;
    const char *error; /* after "<dir>/<name>" */
} bad_file;

static void test_malformed(void)
{
    static const char bin_nan[] = "1 2\nab \x00\x00\x80\x3f\x00\x00\xc0\x7f\n";
    static const char bin_short[] = "2 2\nab \x00\x00\x80\x3f\x00\x00\x80\x3f\ncd \x00\x00";
    static const bad_file cases[] = {
        {"empty.vec", "", 0, 0, ":1: empty file (expected \"n dim\")"},
        {"header.vec", "three 2\n", 0, 0, ":1: expected the header \"n dim\", got \"three 2\""},
        {"dim0.vec", "1 0\na\n", 0, 0, ":1: dim 0 (must be 1..65536)"},
        {"n0.vec", "0 3\n", 0, 0, ":1: 0 vectors (must be 1..2147483648)"},
        {"huge.vec", "1000000000 1000\na 1\n", 0, 0,
         ":1: the header promises 1000000000 vectors of dim 1000, more than the file's 20 bytes "
         "can hold"},
        {"short.vec", "3 2\na 1 2\nb 3 4\n                 \n", 0, 0,
         ":4: expected a token then 2 numbers"},
        {"ends.vec", "2 1\na 1\n", 0, 0, ":2: the file ends after 1 of 2 vectors"},
        {"few.vec", "2 2\na 1 2\n\n\n\n\n", 0, 0, ":3: expected a token then 2 numbers"},
        {"nan.vec", "2 2\na 1 2\nb 3 nan\n", 0, 0,
         ":3: value 2 of 'b' is not a finite number: \"nan\""},
        {"hex.vec", "1 2\na 0x10 2\n", 0, 0, ":2: value 1 of 'a' is not a finite number: \"0x10 2\""},
        {"big.vec", "1 2\na 1e39 2\n", 0, 0, ":2: value 1 of 'a' is not a finite number: \"1e39 2\""},
        {"missing.vec", "1 3\na 1 2\n        \n", 0, 0,
         ":2: value 3 of 'a' is not a finite number: \"(end of line)\""},
        {"many.vec", "1 2\na 1 2 3\n", 0, 0, ":2: more than 2 numbers after 'a'"},
        {"extra.vec", "1 2\na 1 2\nb 3 4\n", 0, 0, ":3: more vectors than the 1 the header announces"},
        {"nul.vec", "1 1\na\0 1\n", 9, 0, ":2: a NUL byte (is this a binary file?)"},
        {"nan.bin", bin_nan, sizeof bin_nan - 1, 1,
         ": vector 1 ('ab', byte 4): value 2 is nan (must be finite)"},
        {"short.bin", bin_short, sizeof bin_short - 1, 1,
         ": vector 2 ('cd', byte 16): the file ends inside its 2 values"},
        {"huge.bin", "100 2\nab \x01\x02\x03\x04", 0, 1,
         ":1: the header promises 100 vectors of dim 2, more than the file's 13 bytes can hold"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const bad_file *c = &cases[i];
        write_file(c->name, c->content, c->len ? c->len : strlen(c->content));
        rn_embeddings *e = rn_emb_load_word2vec(path_of(c->name), c->binary, 0);
        char want[512];
        snprintf(want, sizeof want, "%s%s", path_of(c->name), c->error);
        CHECK(e == NULL);
        CHECK(rn_error_code() == RN_EPARSE);
        CHECK_STR(rn_error(), want);
        rn_emb_free(e);
    }
    CHECK(rn_emb_load_word2vec(path_of("absent.vec"), 0, 0) == NULL);
    CHECK(rn_error_code() == RN_EIO);
    CHECK(rn_emb_load_word2vec(dir, 0, 0) == NULL);
    CHECK(strstr(rn_error(), ": not a regular file") != NULL);
    /* duplicated numeric tokens are labels, not ids */
    write_text("dupids.vec", "2 1\n7 1\n7 2\n");
    rn_embeddings *e = rn_emb_load_word2vec(path_of("dupids.vec"), 0, 0);
    CHECK(e != NULL && rn_emb_has_labels(e) && rn_emb_id(e, 1) == 2);
    rn_emb_free(e);
    /* word2vec.c's layout: a trailing space before each newline, CRLF */
    write_text("w2v.vec", "2 2\r\nthe 0.5 -1 \r\nof 2 3 \r\n");
    e = rn_emb_load_word2vec(path_of("w2v.vec"), 0, 0);
    CHECK(e != NULL && rn_emb_vectors(e)[1] == -1.0f && strcmp(rn_emb_label(e, 1), "of") == 0);
    rn_emb_free(e);

    /* TSV */
    write_text("ragged.tsv", "1\t2\n3\n");
    CHECK(rn_emb_load_tsv(path_of("ragged.tsv"), NULL) == NULL);
    char want[512];
    snprintf(want, sizeof want, "%s:2: 1 values, the first line has 2", path_of("ragged.tsv"));
    CHECK_STR(rn_error(), want);
    write_text("v.tsv", "1\t2\n3\t4\n\n");
    write_text("m3.tsv", "id\tlabel\n1\ta\n2\tb\n3\tc\n");
    CHECK(rn_emb_load_tsv(path_of("v.tsv"), path_of("m3.tsv")) == NULL);
    snprintf(want, sizeof want, "%s:4: more lines than the 2 vectors of %s", path_of("m3.tsv"),
             path_of("v.tsv"));
    CHECK_STR(rn_error(), want);
    write_text("m1.tsv", "id\tlabel\n1\ta\n");
    CHECK(rn_emb_load_tsv(path_of("v.tsv"), path_of("m1.tsv")) == NULL);
    snprintf(want, sizeof want, "%s:2: 1 lines for the 2 vectors of %s", path_of("m1.tsv"),
             path_of("v.tsv"));
    CHECK_STR(rn_error(), want);
    write_text("mbad.tsv", "id\tlabel\n1\ta\nx\tb\n");
    CHECK(rn_emb_load_tsv(path_of("v.tsv"), path_of("mbad.tsv")) == NULL);
    snprintf(want, sizeof want, "%s:3: expected an id (an integer >= 0), a tab and a label",
             path_of("mbad.tsv"));
    CHECK_STR(rn_error(), want);
    write_text("gap.tsv", "1\t2\n\n3\t4\n");
    CHECK(rn_emb_load_tsv(path_of("gap.tsv"), NULL) == NULL);
    snprintf(want, sizeof want, "%s:2: an empty line between vectors", path_of("gap.tsv"));
    CHECK_STR(rn_error(), want);
    /* a single column of words: labels */
    write_text("words.tsv", "the\nof\n");
    e = rn_emb_load_tsv(path_of("v.tsv"), path_of("words.tsv"));
    CHECK(e != NULL && strcmp(rn_emb_label(e, 1), "of") == 0 && rn_emb_id(e, 1) == 2);
    rn_emb_free(e);
}

/* ---- failing allocations ---------------------------------------------------------------- */

static long fail_at;
static void *hook(void *ud, void *ptr, size_t size)
{
    (void)ud;
    if (size > 0 && fail_at > 0 && --fail_at == 0) return NULL;
    return rn_alloc_default(NULL, ptr, size);
}

static void test_alloc_failures(void)
{
    const float v[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    const char *labels[] = {"a b", "c", "d_e", "f"};
    const char *p = path_of("alloc.vec");
    int clean = 1, seen = 0;
    long k;
    rn_alloc_set(hook, NULL);
    for (k = 1;; k++) {
        fail_at = k;
        int rc = RN_OK;
        rn_embeddings *e = rn_emb_new(v, 4, 3, NULL, labels), *b = NULL;
        if (e == NULL) rc = rn_error_code();
        size_t rows[2];
        float sc[2];
        double ev[2];
        float xy[8];
        if (rc == RN_OK) rc = rn_emb_neighbors(e, 1, 2, RN_INDEX_COSINE, rows, sc) < 0 ? rn_error_code() : 0;
        if (rc == RN_OK) rc = rn_emb_pca2(e, xy, ev);
        if (rc == RN_OK) rc = rn_emb_save_word2vec(e, p, 0);
        if (rc == RN_OK && (b = rn_emb_load_word2vec(p, 0, 0)) == NULL) rc = rn_error_code();
        if (rc == RN_OK && !same_embeddings(e, b, 1, 1)) clean = 0;
        rn_emb_free(b);
        rn_emb_free(e);
        if (rc == RN_ENOMEM)
            seen++;
        else if (rc != RN_OK)
            clean = 0;
        if (fail_at > 0) break;
    }
    fail_at = 0;
    rn_alloc_set(NULL, NULL);
    printf("failing each of %ld allocations in turn: %d clean RN_ENOMEM\n", k - 1, seen);
    CHECK(clean);
    CHECK(seen == k - 1 && seen > 20);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/rn_emb_XXXXXX");
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    RUN(test_new_and_find);
    RUN(test_neighbors);
    RUN(test_pca);
    RUN(test_tokens);
    RUN(test_round_trips);
    RUN(test_malformed);
    RUN(test_alloc_failures);
    /* clean up the folder */
    DIR *d = opendir(dir);
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        if (de->d_name[0] != '.') remove(path_of(de->d_name));
    closedir(d);
    rmdir(dir);
    return check_report();
}
