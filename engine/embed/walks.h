/* Random walks on an item graph: the "sentences" of DeepWalk and node2vec.
 *
 * DeepWalk (Perozzi, Al-Rfou & Skiena, KDD 2014, Algorithm 1): gamma passes;
 * each shuffles the nodes and starts one walk of t nodes from every node.
 * Each step leaves v for x with probability
 *
 *     P(x | v) = w_vx / sum_k w_vk          (0 when there is no arc v -> x)
 *
 * (uniform on an unweighted graph, as in the paper; weighted as in the notes'
 * item-graph recipe), drawn in O(1) from v's alias table.
 *
 * node2vec (Grover & Leskovec, KDD 2016, §3.2): the step from v, having come
 * from t, is biased by the distance d_tx between t and the candidate x:
 *
 *     P(x | v, t) ∝ alpha_pq(t, x) * w_vx,   alpha = 1/p if x == t (d_tx = 0),
 *                                                    1   if t -> x is an arc (d_tx = 1),
 *                                                    1/q otherwise (d_tx = 2).
 *
 * The paper precomputes an alias table per arc (t, v): memory sum_v deg(v)^2.
 * Here the step is drawn by rejection instead (as in KnightKing, SOSP 2019):
 * propose x from v's first-order alias table, accept with probability
 * alpha(t, x) / max(1/p, 1, 1/q), else propose again. Accepted draws follow
 * the formula exactly; memory stays the graph's (O(nodes + arcs)), and each
 * proposal costs one binary search for the arc t -> x. The expected number
 * of proposals is at most max(1/p, 1, 1/q) / min(1/p, 1, 1/q).
 *
 * The first step of a walk has no t: it is first-order. A walk ends early at
 * a node without out-arcs (a sink of a directed graph); a walk from such a
 * node holds only its start, so the node still appears in the sentences.
 *
 * Generation runs as a job of the shared training loop (loop.h): one epoch is
 * one pass, a step is a batch of start nodes, so progress, Ctrl-C (RN_EINTR
 * between whole batches) and the node shuffle come from it. Each walk draws
 * from its own generator seeded by (seed, walk number), so the walks are the
 * same for any number of threads.
 */
#ifndef RN_WALKS_H
#define RN_WALKS_H

#include <stddef.h>
#include <stdint.h>

#include "embed/itemgraph.h"
#include "loop.h"
#include "rng.h"

typedef struct {
    int length;       /* nodes per walk, t (default 40), 1..100000 */
    int per_node;     /* walks started from every node, gamma (default 10) */
    double p, q;      /* node2vec's return and in-out parameters, > 0 (default 1, 1) */
    uint64_t seed;    /* default 1 */
    int threads;      /* 1..64 (default 1) */
    size_t batch;     /* start nodes per step of the loop (default 256) */
    /* After each batch (may be NULL): progress in walks (seen / total within
     * a pass, epoch = pass). Return 0 to stop: the walks made so far are kept. */
    int (*on_step)(void *ud, const rn_fit_progress *p);
    void *ud;
} rn_walks_config;

rn_walks_config rn_walks_defaults(void);

/* Walk s is nodes[offsets[s] .. offsets[s + 1]) (node indices of the graph). */
typedef struct {
    uint32_t *nodes;
    size_t *offsets; /* n_walks + 1 */
    size_t n_walks;
} rn_walks;

/* per_node passes of walks from every node. NULL on error: a bad config
 * (naming the field: "walks: q must be > 0, got 0"), RN_EINTR (Ctrl-C), RN_ENOMEM.
 * Caller frees with rn_walks_free. */
rn_walks *rn_walks_generate(const rn_itemgraph *g, const rn_walks_config *c);
void rn_walks_free(rn_walks *w);

/* The walks as node ids (rn_itemgraph_id), ready for word2vec's token
 * sequences (offsets as w->offsets). Caller frees with rn_free; NULL on
 * RN_ENOMEM. */
int64_t *rn_walks_ids(const rn_walks *w, const rn_itemgraph *g);

/* node2vec's bias alpha_pq(t, x) for a step that came from t (see above). */
double rn_walks_alpha(const rn_itemgraph *g, size_t t, size_t x, double p, double q);

/* One step from v: first-order when prev < 0 (or p = q = 1), else
 * node2vec's second-order step having come from prev. Returns the next
 * node, or -1 when v has no out-arcs. */
int64_t rn_walks_step(const rn_itemgraph *g, int64_t prev, size_t v, double p, double q,
                      rn_rng *r);

#endif
