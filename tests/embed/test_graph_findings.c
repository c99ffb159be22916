/* The papers' findings, with fixed seeds (engine/embed/walks_embed.h):
 *
 *  - DeepWalk (Perozzi et al. 2014) on Zachary's karate club: 2-means on the
 *    vectors recovers the two factions (>= 90% of the members);
 *  - node2vec (Grover & Leskovec 2016, §4.1, Fig. 3) on Les Misérables:
 *    q = 0.5 (DFS-like walks) gives a wider, community-scale neighbourhood
 *    and q = 2 (BFS-like walks) a local one. Measured on each character's 5
 *    nearest vectors: the share that are its direct neighbours in the graph
 *    (higher with q = 2) and the share that are friends of friends, graph
 *    distance 2 (higher with q = 0.5). Averaged over two seeds; on every seed
 *    we tried the gap is 3 to 5 points. The degree (role) agreement of the
 *    nearest vectors does not separate the two settings on this graph (see
 *    lesson 17): structural equivalence between distant nodes is weak in
 *    walk-based skip-gram, as struc2vec's authors showed. */
#include "check.h"

#include <stdlib.h>

#include "embed/walks_embed.h"
#include "error.h"

static const char *data_dir(void)
{
    const char *d = getenv("RECNOTE_DATA_DIR");
    return d != NULL ? d : ".";
}

/* 2-means (Lloyd with k-means++ seeding, 10 restarts) on the rows of x
 * scaled to unit length; labels 0/1 into lab. */
static void two_means(const float *x0, int n, int d, uint64_t seed, int *lab)
{
    double *x = malloc(sizeof *x * (size_t)(n * d)), *c = malloc(sizeof *c * 2 * (size_t)d);
    int *cur = malloc(sizeof *cur * (size_t)n);
    for (int i = 0; i < n; i++) {
        double s = 0;
        for (int j = 0; j < d; j++)
            s += (double)x0[i * d + j] * (double)x0[i * d + j];
        s = sqrt(s) + 1e-12;
        for (int j = 0; j < d; j++)
            x[i * d + j] = (double)x0[i * d + j] / s;
    }
    rn_rng r;
    rn_rng_seed(&r, seed);
    double best = 1e300;
    for (int rs = 0; rs < 10; rs++) {
        int a = (int)rn_rng_below(&r, (uint64_t)n), b = a;
        double far = -1;
        for (int i = 0; i < n; i++) { /* k-means++ with k = 2: the farthest point */
            double s = 0;
            for (int j = 0; j < d; j++)
                s += (x[i * d + j] - x[a * d + j]) * (x[i * d + j] - x[a * d + j]);
            s *= (double)rn_rng_uniform(&r);
            if (s > far) far = s, b = i;
        }
        for (int j = 0; j < d; j++)
            c[j] = x[a * d + j], c[d + j] = x[b * d + j];
        double inertia = 0;
        for (int it = 0; it < 100; it++) {
            int changed = 0;
            inertia = 0;
            for (int i = 0; i < n; i++) {
                double s0 = 0, s1 = 0;
                for (int j = 0; j < d; j++) {
                    s0 += (x[i * d + j] - c[j]) * (x[i * d + j] - c[j]);
                    s1 += (x[i * d + j] - c[d + j]) * (x[i * d + j] - c[d + j]);
                }
                int k = s1 < s0;
                changed |= it == 0 || cur[i] != k;
                cur[i] = k;
                inertia += k ? s1 : s0;
            }
            for (int k = 0; k < 2; k++) {
                int cnt = 0;
                for (int j = 0; j < d; j++)
                    c[k * d + j] = 0;
                for (int i = 0; i < n; i++)
                    if (cur[i] == k) {
                        cnt++;
                        for (int j = 0; j < d; j++)
                            c[k * d + j] += x[i * d + j];
                    }
                for (int j = 0; cnt > 0 && j < d; j++)
                    c[k * d + j] /= cnt;
            }
            if (!changed) break;
        }
        if (inertia < best) {
            best = inertia;
            memcpy(lab, cur, sizeof *lab * (size_t)n);
        }
    }
    free(x), free(c), free(cur);
}

static void test_deepwalk_karate(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/assets/graphs/karate_edges.csv", data_dir());
    rn_itemgraph *g = rn_itemgraph_load_csv(path, NULL);
    snprintf(path, sizeof path, "%s/assets/graphs/karate_nodes.csv", data_dir());
    FILE *f = fopen(path, "r");
    CHECK(g != NULL && f != NULL);
    if (g == NULL || f == NULL) return;
    int faction[34], n = 0;
    char line[256];
    if (fgets(line, sizeof line, f) == NULL) line[0] = '\0'; /* the header */
    while (fgets(line, sizeof line, f) != NULL && n < 34) {
        int id;
        char club[64];
        if (sscanf(line, "%d,%63[^\n]", &id, club) == 2 && id >= 0 && id < 34)
            faction[id] = strstr(club, "Officer") != NULL, n++;
    }
    fclose(f);
    CHECK(n == 34);
    for (uint64_t seed = 1; seed <= 3; seed++) {
        rn_walks_config wc = rn_walks_defaults(); /* 10 walks of 40 nodes from every member */
        wc.seed = seed;
        rn_w2v_config c = rn_w2v_defaults();
        c.dim = 32, c.window = 5, c.min_count = 1, c.sample = 0, c.seed = seed;
        rn_embeddings *e = rn_walks_embed(g, &wc, &c, NULL);
        CHECK(e != NULL && rn_emb_count(e) == 34);
        if (e == NULL) continue;
        CHECK(rn_emb_id(e, 0) == 0 && rn_emb_id(e, 33) == 33); /* node order */
        int lab[34], agree = 0;
        two_means(rn_emb_vectors(e), 34, rn_emb_dim(e), seed, lab);
        for (int i = 0; i < 34; i++)
            agree += lab[i] == faction[i];
        if (agree < 17) agree = 34 - agree; /* cluster names are arbitrary */
        printf("DeepWalk, karate, seed %d: 2-means agrees with the factions on %d of 34 (%.1f%%)\n",
               (int)seed, agree, 100.0 * agree / 34);
        CHECK(agree >= 31); /* >= 90% */
        rn_emb_free(e);
    }
    rn_itemgraph_free(g);
}

/* Shares of each node's 5 nearest vectors (cosine) at graph distance 1 and 2. */
static void neighbourhood_shares(const rn_itemgraph *g, rn_embeddings *e, const int *dist,
                                 double *d1, double *d2)
{
    size_t n = rn_itemgraph_n_nodes(g), nb[5];
    float sc[5];
    long c1 = 0, c2 = 0, all = 0;
    for (size_t i = 0; i < n; i++) {
        int m = rn_emb_neighbors(e, i, 5, RN_INDEX_COSINE, nb, sc);
        for (int k = 0; k < m; k++, all++) {
            int dd = dist[i * n + nb[k]];
            c1 += dd == 1, c2 += dd == 2;
        }
    }
    *d1 = (double)c1 / (double)all, *d2 = (double)c2 / (double)all;
}

static void test_node2vec_lesmis(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/assets/graphs/lesmis.csv", data_dir());
    rn_itemgraph_csv_config cc = rn_itemgraph_csv_defaults();
    cc.weighted = 0; /* the heavy Valjean edges would drown the walk's bias */
    rn_itemgraph *g = rn_itemgraph_load_csv(path, &cc);
    CHECK(g != NULL);
    if (g == NULL) return;
    size_t n = rn_itemgraph_n_nodes(g);
    /* all-pairs graph distances by BFS */
    int *dist = malloc(sizeof *dist * n * n), *queue = malloc(sizeof *queue * n);
    for (size_t s = 0; s < n; s++) {
        int *d = dist + s * n, head = 0, tail = 0;
        for (size_t i = 0; i < n; i++)
            d[i] = -1;
        d[s] = 0, queue[tail++] = (int)s;
        while (head < tail) {
            int u = queue[head++];
            const uint32_t *to;
            size_t deg = rn_itemgraph_arcs(g, (size_t)u, &to, NULL);
            for (size_t a = 0; a < deg; a++)
                if (d[to[a]] < 0) d[to[a]] = d[u] + 1, queue[tail++] = (int)to[a];
        }
    }
    double d1[2] = {0, 0}, d2[2] = {0, 0};
    const double qs[2] = {0.5, 2};
    for (uint64_t seed = 1; seed <= 2; seed++)
        for (int t = 0; t < 2; t++) {
            rn_walks_config wc = rn_walks_defaults();
            wc.length = 80, wc.per_node = 10, wc.p = 1, wc.q = qs[t], wc.seed = seed;
            rn_w2v_config c = rn_w2v_defaults();
            c.dim = 16, c.window = 10, c.min_count = 1, c.sample = 0, c.seed = seed;
            rn_embeddings *e = rn_walks_embed(g, &wc, &c, NULL);
            CHECK(e != NULL);
            if (e == NULL) continue;
            double a, b;
            neighbourhood_shares(g, e, dist, &a, &b);
            d1[t] += a / 2, d2[t] += b / 2;
            rn_emb_free(e);
        }
    printf("node2vec, Les Miserables, 5 nearest vectors: direct neighbours %.3f (q = 0.5) vs "
           "%.3f (q = 2); friends of friends %.3f (q = 0.5) vs %.3f (q = 2)\n",
           d1[0], d1[1], d2[0], d2[1]);
    CHECK(d1[1] > d1[0] + 0.015); /* BFS-like: local */
    CHECK(d2[0] > d2[1] + 0.015); /* DFS-like: wider, community scale */
    free(dist), free(queue);
    rn_itemgraph_free(g);
}

static void test_errors(void)
{
    uint32_t src[] = {0}, dst[] = {1};
    rn_itemgraph *g = rn_itemgraph_new(2, NULL, NULL, 1, src, dst, NULL, 0);
    rn_walks_config wc = rn_walks_defaults();
    rn_w2v_config c = rn_w2v_defaults();
    c.dim = 0;
    CHECK(rn_walks_embed(g, &wc, &c, NULL) == NULL);
    CHECK(strstr(rn_error(), "dim") != NULL);
    c = rn_w2v_defaults();
    wc.q = -1;
    CHECK(rn_walks_embed(g, &wc, &c, NULL) == NULL);
    CHECK_STR(rn_error(), "walks: q must be > 0, got -1");
    rn_itemgraph_free(g);
}

int main(void)
{
    RUN(test_deepwalk_karate);
    RUN(test_node2vec_lesmis);
    RUN(test_errors);
    return check_report();
}
