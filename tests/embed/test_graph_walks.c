/* Item graphs and random walks (engine/embed/itemgraph.h, walks.h): the
 * graphs read from edge lists and sequences, the walks' statistics against
 * the formulas (first-order transitions follow the weights; node2vec's steps
 * follow 1/p, 1, 1/q), determinism across threads, and located errors. */
#include "check.h"

#include <stdlib.h>

#include "embed/itemgraph.h"
#include "embed/walks.h"
#include "error.h"
#include "interrupt.h"

static const char *data_dir(void)
{
    const char *d = getenv("RECNOTE_DATA_DIR");
    return d != NULL ? d : ".";
}

static rn_itemgraph *load(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/assets/graphs/%s", data_dir(), name);
    return rn_itemgraph_load_csv(path, NULL);
}

static void test_karate_and_lesmis(void)
{
    rn_itemgraph *g = load("karate_edges.csv");
    CHECK(g != NULL);
    if (g == NULL) return;
    CHECK(rn_itemgraph_n_nodes(g) == 34);
    CHECK(rn_itemgraph_n_edges(g) == 78);
    CHECK(rn_itemgraph_n_arcs(g) == 156);
    CHECK(!rn_itemgraph_has_labels(g));
    CHECK(rn_itemgraph_id(g, 0) == 0 && rn_itemgraph_id(g, 33) == 33);
    CHECK(rn_itemgraph_arcs(g, 33, NULL, NULL) == 17); /* the officer's degree */
    CHECK(rn_itemgraph_arcs(g, 0, NULL, NULL) == 16);  /* Mr. Hi's */
    rn_itemgraph_free(g);

    g = load("lesmis.csv");
    CHECK(g != NULL);
    if (g == NULL) return;
    CHECK(rn_itemgraph_n_nodes(g) == 77);
    CHECK(rn_itemgraph_n_edges(g) == 254);
    CHECK_STR(rn_itemgraph_label(g, 0), "Napoleon");
    CHECK_STR(rn_itemgraph_label(g, 1), "Myriel");
    size_t a, b;
    CHECK(rn_itemgraph_find_label(g, "Myriel", &a) == RN_OK);
    CHECK(rn_itemgraph_find_label(g, "MlleBaptistine", &b) == RN_OK);
    CHECK_NEAR(rn_itemgraph_weight(g, a, b), 8, 0);
    CHECK_NEAR(rn_itemgraph_weight(g, b, a), 8, 0);
    CHECK(rn_itemgraph_id(g, a) == 2);
    CHECK(rn_itemgraph_find_label(g, "Javert ", &a) == RN_EARG);
    rn_itemgraph_free(g);
}

static void test_from_sequences(void)
{
    /* 10 -> 20 twice, 30 -> 10 once; 20 20 adds nothing; 40 alone */
    int64_t tok[] = {10, 20, 30, 10, 20, 20, 40};
    size_t off[] = {0, 2, 6, 7};
    rn_itemgraph *g = rn_itemgraph_from_sequences(tok, off, 3);
    CHECK(g != NULL);
    if (g == NULL) return;
    CHECK(rn_itemgraph_directed(g));
    CHECK(rn_itemgraph_n_nodes(g) == 4);
    CHECK(rn_itemgraph_n_edges(g) == 2);
    CHECK_NEAR(rn_itemgraph_weight(g, 0, 1), 2, 0);
    CHECK_NEAR(rn_itemgraph_weight(g, 1, 0), 0, 0);
    CHECK_NEAR(rn_itemgraph_weight(g, 2, 0), 1, 0);
    CHECK(rn_itemgraph_arcs(g, 3, NULL, NULL) == 0);
    rn_itemgraph_free(g);
    int64_t bad[] = {1, -2};
    size_t boff[] = {0, 2};
    CHECK(rn_itemgraph_from_sequences(bad, boff, 1) == NULL);
    CHECK_STR(rn_error(), "graph: sequence 1, position 2: item -2 (ids must be >= 0)");
    size_t eoff[] = {0, 0};
    CHECK(rn_itemgraph_from_sequences(bad, eoff, 1) == NULL);
    CHECK_STR(rn_error(), "graph: the sequences hold no items");
}

/* Pearson's chi-square of counts against expected probabilities. */
static double chi2(const long *count, const double *prob, int k, long n)
{
    double s = 0;
    for (int i = 0; i < k; i++) {
        double e = prob[i] * (double)n;
        s += ((double)count[i] - e) * ((double)count[i] - e) / e;
    }
    return s;
}

static void test_first_order_frequencies(void)
{
    /* node 0 has arcs to 1, 2, 3, 4 of weights 1, 2, 3, 4 */
    uint32_t src[] = {0, 0, 0, 0}, dst[] = {1, 2, 3, 4};
    float w[] = {1, 2, 3, 4};
    rn_itemgraph *g = rn_itemgraph_new(5, NULL, NULL, 4, src, dst, w, 1);
    CHECK(g != NULL);
    if (g == NULL) return;
    rn_rng r;
    rn_rng_seed(&r, 7);
    long count[4] = {0}, n = 100000;
    for (long i = 0; i < n; i++)
        count[rn_itemgraph_sample(g, 0, &r) - 1]++;
    double prob[4] = {0.1, 0.2, 0.3, 0.4};
    /* 3 degrees of freedom: P(chi2 > 16.27) = 0.001 */
    CHECK(chi2(count, prob, 4, n) < 16.27);
    CHECK(rn_itemgraph_sample(g, 4, &r) == -1); /* a sink */
    rn_itemgraph_free(g);
}

static void test_second_order_frequencies(void)
{
    /* t - v, v - a, v - b, t - a: from v having come from t, the candidates
     * are t (d = 0), a (d = 1: a neighbour of t) and b (d = 2) */
    uint32_t src[] = {0, 1, 1, 0}, dst[] = {1, 2, 3, 2};
    rn_itemgraph *g = rn_itemgraph_new(4, NULL, NULL, 4, src, dst, NULL, 0);
    CHECK(g != NULL);
    if (g == NULL) return;
    CHECK_NEAR(rn_walks_alpha(g, 0, 0, 2, 0.5), 0.5, 1e-12);
    CHECK_NEAR(rn_walks_alpha(g, 0, 2, 2, 0.5), 1, 1e-12);
    CHECK_NEAR(rn_walks_alpha(g, 0, 3, 2, 0.5), 2, 1e-12);
    const double pq[3][2] = {{2, 0.5}, {0.25, 4}, {1, 1}};
    for (int s = 0; s < 3; s++) {
        double p = pq[s][0], q = pq[s][1];
        double a[3] = {1 / p, 1, 1 / q}, z = a[0] + a[1] + a[2];
        double prob[3] = {a[0] / z, a[1] / z, a[2] / z};
        rn_rng r;
        rn_rng_seed(&r, 11 + (uint64_t)s);
        long count[3] = {0}, n = 60000;
        for (long i = 0; i < n; i++) {
            int64_t x = rn_walks_step(g, 0, 1, p, q, &r);
            count[x == 0 ? 0 : x == 2 ? 1 : 2]++;
        }
        /* 2 degrees of freedom: P(chi2 > 13.82) = 0.001 */
        double c = chi2(count, prob, 3, n);
        CHECK(c < 13.82);
        if (c >= 13.82)
            fprintf(stderr, "p %g q %g: counts %ld %ld %ld, chi2 %g\n", p, q, count[0], count[1],
                    count[2], c);
    }
    rn_itemgraph_free(g);
}

static void test_walks(void)
{
    rn_itemgraph *g = load("lesmis.csv");
    if (g == NULL) {
        CHECK(0);
        return;
    }
    rn_walks_config c = rn_walks_defaults();
    c.length = 20, c.per_node = 4, c.p = 1, c.q = 0.5, c.seed = 3, c.batch = 64;
    rn_walks *w1 = rn_walks_generate(g, &c);
    c.threads = 3;
    rn_walks *w3 = rn_walks_generate(g, &c);
    CHECK(w1 != NULL && w3 != NULL);
    if (w1 == NULL || w3 == NULL) return;
    CHECK(w1->n_walks == 77 * 4);
    CHECK(w1->offsets[w1->n_walks] == 77 * 4 * 20); /* no sinks: every walk is whole */
    CHECK(memcmp(w1->nodes, w3->nodes, w1->offsets[w1->n_walks] * sizeof *w1->nodes) == 0);
    /* every step follows an arc, and each pass starts once from every node */
    int bad = 0, starts[77] = {0};
    for (size_t s = 0; s < w1->n_walks; s++) {
        starts[w1->nodes[w1->offsets[s]]]++;
        for (size_t i = w1->offsets[s] + 1; i < w1->offsets[s + 1]; i++)
            bad += rn_itemgraph_weight(g, w1->nodes[i - 1], w1->nodes[i]) == 0;
    }
    CHECK(bad == 0);
    int all4 = 1;
    for (int i = 0; i < 77; i++)
        all4 &= starts[i] == 4;
    CHECK(all4);
    int64_t *ids = rn_walks_ids(w1, g);
    CHECK(ids != NULL && ids[0] == rn_itemgraph_id(g, w1->nodes[0]));
    free(ids);
    rn_walks_free(w1), rn_walks_free(w3);

    c.q = 0;
    CHECK(rn_walks_generate(g, &c) == NULL);
    CHECK_STR(rn_error(), "walks: q must be > 0, got 0");
    c.q = 1, c.p = -1;
    CHECK(rn_walks_generate(g, &c) == NULL);
    CHECK_STR(rn_error(), "walks: p must be > 0, got -1");
    c.p = 1;
    /* Ctrl-C at the third poll */
    rn_interrupt_after(2);
    CHECK(rn_walks_generate(g, &c) == NULL);
    CHECK(rn_error_code() == RN_EINTR);
    CHECK(strstr(rn_error(), "random walks after 77 of 308 walks") != NULL);
    if (strstr(rn_error(), "random walks after 77") == NULL) fprintf(stderr, "%s\n", rn_error());
    rn_interrupt_after(-1);
    rn_itemgraph_free(g);
}

/* A directed chain 1 -> 2 -> 3: walks stop at the sink. */
static void test_sinks(void)
{
    uint32_t src[] = {0, 1}, dst[] = {1, 2};
    rn_itemgraph *g = rn_itemgraph_new(3, NULL, NULL, 2, src, dst, NULL, 1);
    rn_walks_config c = rn_walks_defaults();
    c.length = 10, c.per_node = 1;
    rn_walks *w = rn_walks_generate(g, &c);
    CHECK(w != NULL);
    if (w == NULL) return;
    size_t len[3] = {0};
    for (size_t s = 0; s < 3; s++)
        len[w->nodes[w->offsets[s]]] = w->offsets[s + 1] - w->offsets[s];
    CHECK(len[0] == 3 && len[1] == 2 && len[2] == 1);
    rn_walks_free(w);
    rn_itemgraph_free(g);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

static void test_bad_edge_lists(void)
{
    const char *path = "test_graph_walks_bad.csv";
    struct {
        const char *text, *msg;
    } cases[] = {
        {"source,target\n1,2\n3\n", "test_graph_walks_bad.csv:3: 1 column, but the header has 2"},
        {"a,b,weight\nx,y,2\nx,z,abc\n",
         "test_graph_walks_bad.csv:3:5: weight \"abc\" is not a number > 0"},
        {"a,b,weight\nx,y,-1\n", "test_graph_walks_bad.csv:2:5: weight \"-1\" is not a number > 0"},
        {"a,b\nx,y,1,2\n", "test_graph_walks_bad.csv:2:7: more than 3 columns (source,target,weight)"},
        {"a,b\nx,\n", "test_graph_walks_bad.csv:2:3: empty target name"},
        {"a,b\n\"x,y\n", "test_graph_walks_bad.csv:2:1: a quoted field is not closed"},
        {"source,target\n", "test_graph_walks_bad.csv: no edges"},
        {"", "test_graph_walks_bad.csv: no edges"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_file(path, cases[i].text);
        rn_itemgraph *g = rn_itemgraph_load_csv(path, NULL);
        CHECK(g == NULL);
        CHECK_STR(rn_error(), cases[i].msg);
        rn_itemgraph_free(g);
    }
    /* quotes, a blank line, no header, directed */
    write_file(path, "\"a, b\",c\n\nc,\"a, b\"\nc,d\n");
    rn_itemgraph_csv_config c = rn_itemgraph_csv_defaults();
    c.header = 0, c.directed = 1;
    rn_itemgraph *g = rn_itemgraph_load_csv(path, &c);
    CHECK(g != NULL);
    if (g != NULL) {
        CHECK(rn_itemgraph_n_nodes(g) == 3 && rn_itemgraph_n_edges(g) == 3);
        CHECK_STR(rn_itemgraph_label(g, 0), "a, b");
    }
    rn_itemgraph_free(g);
    CHECK(rn_itemgraph_load_csv("no/such/file.csv", NULL) == NULL);
    CHECK(rn_error_code() == RN_EIO);
    remove(path);
    CHECK(rn_itemgraph_new(0, NULL, NULL, 0, NULL, NULL, NULL, 0) == NULL);
    CHECK_STR(rn_error(), "graph: no nodes");
}

int main(void)
{
    RUN(test_karate_and_lesmis);
    RUN(test_from_sequences);
    RUN(test_first_order_frequencies);
    RUN(test_second_order_frequencies);
    RUN(test_walks);
    RUN(test_sinks);
    RUN(test_bad_edge_lists);
    return check_report();
}
