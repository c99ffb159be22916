/* Item graphs: the graphs DeepWalk and node2vec walk on (notes §2.10, §2.11).
 *
 * A graph of n nodes stored as compressed rows: for each node its out-arcs,
 * sorted by target, with a positive weight each. Nodes carry an int64 id (a
 * movie id, a karate member) and, when the input named them by text, a label
 * (a Les Misérables character); ids are then 1..n, as rn_embeddings numbers
 * labelled vectors. Three ways in:
 *
 *   - from behaviour sequences (the recipe of Alibaba's BGE/EGES, KDD 2018,
 *     the notes' DeepWalk figure (a)-(b)): each consecutive pair a -> b in a
 *     user's sequence adds 1 to the directed arc a -> b, so weights are
 *     transition counts;
 *   - from an edge list CSV (source,target[,weight], one header line):
 *     directed or undirected, weighted or not;
 *   - from arrays of node indices.
 *
 *     rn_itemgraph_csv_config c = rn_itemgraph_csv_defaults();   // undirected
 *     rn_itemgraph *g = rn_itemgraph_load_csv("lesmis.csv", &c);  // caller frees
 *     const uint32_t *to; const float *w;
 *     size_t d = rn_itemgraph_arcs(g, 0, &to, &w);                 // node 0's arcs
 *
 * An undirected edge {u, v} is stored as the two arcs u -> v and v -> u
 * (a self-loop once); repeated edges add their weights. Each node also
 * holds an alias table over its arcs (Walker 1977; Vose 1991), so drawing a
 * neighbour with probability w_vx / sum_k w_vk is O(1); with the arcs it is
 * all O(n + arcs) memory.
 */
#ifndef RN_ITEMGRAPH_H
#define RN_ITEMGRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "rng.h"

typedef struct rn_itemgraph rn_itemgraph;

/* Limits: nodes and stored arcs (node indices are uint32_t). */
#define RN_ITEMGRAPH_MAX_NODES ((size_t)1 << 30)
#define RN_ITEMGRAPH_MAX_ARCS  ((size_t)1 << 31)

/* n nodes with ids (n unique values >= 0; NULL: 1..n) and labels (n strings;
 * NULL: none), and n_edges edges src[e] -> dst[e] (0-based node indices)
 * with weights w (finite, > 0; NULL: all 1). directed = 0 stores each edge
 * both ways. NULL on error (rn_error names the edge or node, 1-based). Caller
 * frees with rn_itemgraph_free. */
rn_itemgraph *rn_itemgraph_new(size_t n, const int64_t *ids, const char *const *labels,
                               size_t n_edges, const uint32_t *src, const uint32_t *dst,
                               const float *w, int directed);

/* The directed transition graph of n_seq sequences of item ids (>= 0):
 * sequence s is tokens[offsets[s] .. offsets[s + 1]). Arc a -> b weighs the
 * number of times b directly follows a; a repeat (a -> a) adds nothing. Node
 * ids are the items, in ascending order; an item seen only alone still
 * becomes a node (with no arcs). Errors: no items, a negative id. */
rn_itemgraph *rn_itemgraph_from_sequences(const int64_t *tokens, const size_t *offsets,
                                          size_t n_seq);
/* The same with labels: labels[id] names item id (every id must be
 * < n_labels), and node i carries the label of its id (a movie's title).
 * The nodes keep their ids; from Lua they are then named by label. */
rn_itemgraph *rn_itemgraph_from_sequences_labeled(const int64_t *tokens, const size_t *offsets,
                                                  size_t n_seq, const char *const *labels,
                                                  size_t n_labels);

typedef struct {
    int directed; /* 0 (default): each line is an undirected edge */
    int weighted; /* -1 (default): use the third column when the header has
                     one; 1: require it; 0: ignore it (all weights 1) */
    int header;   /* 1 (default): the first line names the columns */
} rn_itemgraph_csv_config;

rn_itemgraph_csv_config rn_itemgraph_csv_defaults(void);

/* Reads an edge list: comma-separated source,target[,weight] per line (RFC
 * 4180 quotes allowed; blank lines skipped). When every node name is a
 * decimal integer >= 0 the names are the ids, in ascending order; otherwise
 * they are labels, in order of first appearance, with ids 1..n. Errors name
 * path:line:column: a missing target, extra columns, a weight that is not a
 * number or not > 0, an empty name, a file without edges. c may be NULL
 * (the defaults). */
rn_itemgraph *rn_itemgraph_load_csv(const char *path, const rn_itemgraph_csv_config *c);

/* n_edges edges src[e] -> dst[e] named by strings, numbered as the CSV
 * loader numbers them (ids when all are plain integers >= 0, else labels in
 * order of first appearance); w may be NULL. Errors name the edge (1-based). */
rn_itemgraph *rn_itemgraph_from_names(size_t n_edges, const char *const *src,
                                      const char *const *dst, const float *w, int directed);

void rn_itemgraph_free(rn_itemgraph *g);

size_t rn_itemgraph_n_nodes(const rn_itemgraph *g);
/* Edges as given (an undirected edge counts once, repeats merged). */
size_t rn_itemgraph_n_edges(const rn_itemgraph *g);
/* Stored arcs (an undirected edge between two nodes counts twice). */
size_t rn_itemgraph_n_arcs(const rn_itemgraph *g);
int rn_itemgraph_directed(const rn_itemgraph *g);
int64_t rn_itemgraph_id(const rn_itemgraph *g, size_t node);
/* The ids of every node (n values); borrowed, valid until rn_itemgraph_free. */
const int64_t *rn_itemgraph_ids(const rn_itemgraph *g);
/* The label of node (borrowed), or NULL when the graph has no labels. */
const char *rn_itemgraph_label(const rn_itemgraph *g, size_t node);
int rn_itemgraph_has_labels(const rn_itemgraph *g);

/* The node of id / of label; RN_EARG naming what was not found. */
int rn_itemgraph_find_id(const rn_itemgraph *g, int64_t id, size_t *node);
int rn_itemgraph_find_label(const rn_itemgraph *g, const char *label, size_t *node);

/* node's out-arcs: *to (targets, ascending) and *w (weights), borrowed;
 * returns their count (the out-degree). */
size_t rn_itemgraph_arcs(const rn_itemgraph *g, size_t node, const uint32_t **to, const float **w);

/* The weight of arc u -> v, 0 when there is none (binary search). */
float rn_itemgraph_weight(const rn_itemgraph *g, size_t u, size_t v);

/* The sum of node's out-arc weights. */
double rn_itemgraph_strength(const rn_itemgraph *g, size_t node);

/* A neighbour of node drawn with probability w / strength through its alias
 * table (O(1)); -1 when node has no out-arcs. */
int64_t rn_itemgraph_sample(const rn_itemgraph *g, size_t node, rn_rng *r);

#endif
