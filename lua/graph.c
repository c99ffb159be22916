/* rec.graph, rec.deepwalk and rec.node2vec: the Lua face of engine/embed's
 * item graphs, random walks and walk embeddings (itemgraph.h, walks.h,
 * walks_embed.h).
 *
 *   rec.ItemGraph     a weighted graph, directed or not: nodes, degrees,
 *                 neighbours with weights, walks, and g:plot (rec.plot.graph
 *                 with a walk, classes, positions from embeddings)
 *   rec.deepwalk  walks (p = q = 1) -> word2vec -> rec.Embeddings
 *   rec.node2vec  the same with node2vec's p and q
 *
 * Nodes are named from Lua as the graph names them: by id (an integer) when
 * the edge list used integers, else by label (a string). Walks and node
 * lists come back named the same way. */
#include "rec.h"

#include "host.h"
#include "rec_aux.h"
#include "rec_data.h"
#include "rec_embed.h"
#include "rec_sequences.h"

#include "embed/walks_embed.h"
#include "error.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>

#define REC_GRAPH "rec.ItemGraph"

typedef struct {
    rn_itemgraph *g; /* NULL once closed */
} graph_ud;

static rn_itemgraph *check_graph(lua_State *L, int i)
{
    graph_ud *u = rec_check_open(L, i, REC_GRAPH, "graph");
    return u->g;
}

/* Takes ownership of g (freed when the push fails). */
static void push_graph(lua_State *L, rn_itemgraph *g)
{
    graph_ud *u = lua_newuserdatauv(L, sizeof *u, 0);
    u->g = NULL;
    luaL_setmetatable(L, REC_GRAPH);
    u->g = g;
}

/* Pushes node i's name: its label, or its id. */
static void push_node(lua_State *L, const rn_itemgraph *g, size_t i)
{
    if (rn_itemgraph_has_labels(g))
        lua_pushstring(L, rn_itemgraph_label(g, i));
    else
        lua_pushinteger(L, (lua_Integer)rn_itemgraph_id(g, i));
}

/* The node named by the value at idx (an id or a label). */
static size_t check_node(lua_State *L, const rn_itemgraph *g, int idx, const char *fn)
{
    size_t node;
    if (lua_type(L, idx) == LUA_TSTRING && rn_itemgraph_has_labels(g)) {
        if (rn_itemgraph_find_label(g, lua_tostring(L, idx), &node) != RN_OK)
            luaL_error(L, "%s: no node is called '%s'", fn, lua_tostring(L, idx));
        return node;
    }
    int ok;
    lua_Integer id = lua_tointegerx(L, idx, &ok);
    if (!ok || lua_type(L, idx) != LUA_TNUMBER)
        luaL_error(L, "%s: a node is %s (got %s)", fn,
                   rn_itemgraph_has_labels(g) ? "a label (a string)" : "an id (an integer)",
                   luaL_typename(L, idx));
    if (rn_itemgraph_find_id(g, id, &node) != RN_OK)
        luaL_error(L, "%s: no node has id %I", fn, id);
    return node;
}

/* ---- making graphs ----------------------------------------------------------------- */

/* rec.graph.from_edges(path | {{a, b [, w]}, ...} [, {directed =, weighted =, header =}]) */
static int l_from_edges(lua_State *L)
{
    const char *fn = "rec.graph.from_edges";
    static const char *const known[] = {"directed", "weighted", "header", NULL};
    rec_check_options(L, 2, fn, known);
    lua_settop(L, 2);
    if (lua_isnil(L, 2)) {
        lua_newtable(L);
        lua_replace(L, 2);
    }
    int directed = rec_opt_bool(L, 2, "directed", 0);
    int weighted = -1;
    if (lua_getfield(L, 2, "weighted") != LUA_TNIL) weighted = rec_opt_bool(L, 2, "weighted", 1);
    lua_pop(L, 1);
    rn_itemgraph *g = NULL;
    if (lua_type(L, 1) == LUA_TSTRING) {
        rn_itemgraph_csv_config c = rn_itemgraph_csv_defaults();
        c.directed = directed, c.weighted = weighted, c.header = rec_opt_bool(L, 2, "header", 1);
        g = rn_itemgraph_load_csv(lua_tostring(L, 1), &c);
    } else {
        luaL_argexpected(L, lua_type(L, 1) == LUA_TTABLE, 1, "a CSV path or a table of edges");
        if (lua_getfield(L, 2, "header") != LUA_TNIL)
            luaL_error(L, "%s: option 'header' applies to a CSV file", fn);
        lua_pop(L, 1);
        size_t m = (size_t)lua_rawlen(L, 1);
        if (m == 0) luaL_error(L, "%s: no edges", fn);
        const char **src = lua_newuserdatauv(L, m * sizeof *src, 0);
        const char **dst = lua_newuserdatauv(L, m * sizeof *dst, 0);
        float *w = lua_newuserdatauv(L, m * sizeof *w, 0);
        lua_createtable(L, (int)(2 * m), 0); /* keeps the names' strings alive */
        int keep = lua_gettop(L);
        for (size_t e = 0; e < m; e++) {
            if (lua_rawgeti(L, 1, (lua_Integer)e + 1) != LUA_TTABLE)
                luaL_error(L, "%s: edges[%d] must be {a, b} or {a, b, weight}, got %s", fn,
                           (int)e + 1, luaL_typename(L, -1));
            size_t len = (size_t)lua_rawlen(L, -1);
            if (len < 2 || len > 3)
                luaL_error(L, "%s: edges[%d] has %d values (expected {a, b} or {a, b, weight})",
                           fn, (int)e + 1, (int)len);
            for (int k = 1; k <= 2; k++) {
                int t = lua_rawgeti(L, -1, k);
                if (t != LUA_TSTRING && !(t == LUA_TNUMBER && lua_isinteger(L, -1)))
                    luaL_error(L, "%s: edges[%d][%d] must be a node name or an integer id, got %s",
                               fn, (int)e + 1, k, t == LUA_TNUMBER ? "a fraction" : luaL_typename(L, -1));
                const char *s = lua_tostring(L, -1); /* converts an integer in place */
                (k == 1 ? src : dst)[e] = s;
                lua_rawseti(L, keep, (lua_Integer)(2 * e + (size_t)k));
            }
            w[e] = 1.0f;
            if (len == 3 && weighted != 0) {
                lua_rawgeti(L, -1, 3);
                int ok;
                lua_Number x = lua_tonumberx(L, -1, &ok);
                if (!ok || !(x > 0) || !isfinite(x))
                    luaL_error(L, "%s: edges[%d][3] (the weight) must be a number > 0", fn,
                               (int)e + 1);
                w[e] = rec_to_float(x);
                lua_pop(L, 1);
            } else if (weighted == 1) {
                luaL_error(L, "%s: weighted = true, but edges[%d] has no weight", fn, (int)e + 1);
            }
            lua_pop(L, 1);
        }
        g = rn_itemgraph_from_names(m, src, dst, w, directed);
    }
    if (g == NULL) return rec_engine_error(L);
    push_graph(L, g);
    return 1;
}

/* Reads a table of sequences of integer ids into tokens/offsets userdata. */
static size_t read_sequences(lua_State *L, int idx, const char *fn, int64_t **tokens,
                             size_t **offsets)
{
    size_t n_seq = (size_t)lua_rawlen(L, idx), total = 0;
    for (size_t s = 0; s < n_seq; s++) {
        if (lua_rawgeti(L, idx, (lua_Integer)s + 1) != LUA_TTABLE)
            luaL_error(L, "%s: sequences[%d] must be a list of item ids, got %s", fn, (int)s + 1,
                       luaL_typename(L, -1));
        total += (size_t)lua_rawlen(L, -1);
        lua_pop(L, 1);
    }
    *tokens = lua_newuserdatauv(L, (total ? total : 1) * sizeof **tokens, 0);
    *offsets = lua_newuserdatauv(L, (n_seq + 1) * sizeof **offsets, 0);
    size_t k = 0;
    (*offsets)[0] = 0;
    for (size_t s = 0; s < n_seq; s++) {
        lua_rawgeti(L, idx, (lua_Integer)s + 1);
        size_t len = (size_t)lua_rawlen(L, -1);
        for (size_t i = 0; i < len; i++) {
            lua_rawgeti(L, -1, (lua_Integer)i + 1);
            int ok;
            lua_Integer id = lua_tointegerx(L, -1, &ok);
            if (!ok)
                luaL_error(L, "%s: sequences[%d][%d] must be an integer id, got %s", fn,
                           (int)s + 1, (int)i + 1, luaL_typename(L, -1));
            (*tokens)[k++] = (int64_t)id;
            lua_pop(L, 1);
        }
        (*offsets)[s + 1] = k;
        lua_pop(L, 1);
    }
    return n_seq;
}

/* rec.graph.from_sequences(ds [, {item =, rating =, min_rating =}]): the
 * users' histories in time order, as rec.word2vec{data = ds} reads them,
 * with the items' labels (titles) as node labels. */
static int from_dataset(lua_State *L, const char *fn)
{
    static const char *const known[] = {"item", "rating", "min_rating", NULL};
    if (lua_isnoneornil(L, 2)) {
        lua_settop(L, 1);
        lua_newtable(L);
    }
    luaL_argexpected(L, lua_type(L, 2) == LUA_TTABLE, 2, "an options table");
    rec_check_options(L, 2, fn, known);
    rec_sequences q = {0};
    rec_dataset_sequences(L, 1, 2, fn, &q);
    rn_itemgraph *g = rn_itemgraph_from_sequences_labeled(q.tokens, q.offsets, q.n_seq, q.labels,
                                                          q.n_labels);
    if (g == NULL) return rec_engine_error(L);
    push_graph(L, g);
    return 1;
}

/* rec.graph.from_sequences({{i1, i2, ...}, ...}) or (ds [, options]) */
static int l_from_sequences(lua_State *L)
{
    const char *fn = "rec.graph.from_sequences";
    if (luaL_testudata(L, 1, REC_DATASET) != NULL) return from_dataset(L, fn);
    luaL_argexpected(L, lua_type(L, 1) == LUA_TTABLE, 1,
                     "a table of sequences of item ids, or a rec.Dataset");
    int64_t *tokens;
    size_t *offsets;
    size_t n_seq = read_sequences(L, 1, fn, &tokens, &offsets);
    rn_itemgraph *g = rn_itemgraph_from_sequences(tokens, offsets, n_seq);
    if (g == NULL) return rec_engine_error(L);
    push_graph(L, g);
    return 1;
}

/* ---- reading a graph --------------------------------------------------------------- */

static int l_graph_nodes(lua_State *L)
{
    rn_itemgraph *g = check_graph(L, 1);
    size_t n = rn_itemgraph_n_nodes(g);
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        push_node(L, g, i);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

static int l_graph_len(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)rn_itemgraph_n_nodes(check_graph(L, 1)));
    return 1;
}

static int l_graph_n_edges(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)rn_itemgraph_n_edges(check_graph(L, 1)));
    return 1;
}

static int l_graph_directed(lua_State *L)
{
    lua_pushboolean(L, rn_itemgraph_directed(check_graph(L, 1)));
    return 1;
}

static int l_graph_degree(lua_State *L)
{
    rn_itemgraph *g = check_graph(L, 1);
    size_t v = check_node(L, g, 2, "g:degree");
    lua_pushinteger(L, (lua_Integer)rn_itemgraph_arcs(g, v, NULL, NULL));
    return 1;
}

static int l_graph_strength(lua_State *L)
{
    rn_itemgraph *g = check_graph(L, 1);
    lua_pushnumber(L, rn_itemgraph_strength(g, check_node(L, g, 2, "g:strength")));
    return 1;
}

/* g:neighbors(v) -> nodes, weights */
static int l_graph_neighbors(lua_State *L)
{
    rn_itemgraph *g = check_graph(L, 1);
    size_t v = check_node(L, g, 2, "g:neighbors");
    const uint32_t *to;
    const float *w;
    size_t d = rn_itemgraph_arcs(g, v, &to, &w);
    lua_createtable(L, (int)d, 0);
    lua_createtable(L, (int)d, 0);
    for (size_t a = 0; a < d; a++) {
        push_node(L, g, to[a]);
        lua_rawseti(L, -3, (lua_Integer)a + 1);
        lua_pushnumber(L, (lua_Number)w[a]);
        lua_rawseti(L, -2, (lua_Integer)a + 1);
    }
    return 2;
}

static int l_graph_weight(lua_State *L)
{
    rn_itemgraph *g = check_graph(L, 1);
    size_t a = check_node(L, g, 2, "g:weight"), b = check_node(L, g, 3, "g:weight");
    lua_pushnumber(L, (lua_Number)rn_itemgraph_weight(g, a, b));
    return 1;
}

/* g:edges() -> {{a, b, w}, ...}; an undirected edge once (a <= b in node order) */
static int l_graph_edges(lua_State *L)
{
    rn_itemgraph *g = check_graph(L, 1);
    size_t n = rn_itemgraph_n_nodes(g), k = 0;
    int directed = rn_itemgraph_directed(g);
    lua_createtable(L, (int)rn_itemgraph_n_edges(g), 0);
    for (size_t u = 0; u < n; u++) {
        const uint32_t *to;
        const float *w;
        size_t d = rn_itemgraph_arcs(g, u, &to, &w);
        for (size_t a = 0; a < d; a++) {
            if (!directed && to[a] < u) continue;
            lua_createtable(L, 3, 0);
            push_node(L, g, u);
            lua_rawseti(L, -2, 1);
            push_node(L, g, to[a]);
            lua_rawseti(L, -2, 2);
            lua_pushnumber(L, (lua_Number)w[a]);
            lua_rawseti(L, -2, 3);
            lua_rawseti(L, -2, (lua_Integer)++k);
        }
    }
    return 1;
}

/* ---- walks ------------------------------------------------------------------------- */

static const char *const walk_keys[] = {"length", "per_node", "p", "q", "seed", "threads", NULL};

static void read_walk_config(lua_State *L, int opts, rn_walks_config *c, int length)
{
    c->length = (int)rec_opt_integer(L, opts, "length", length, 1, 100000);
    c->per_node = (int)rec_opt_integer(L, opts, "per_node", c->per_node, 1, 100000);
    c->p = rec_opt_positive(L, opts, "p", 1.0);
    c->q = rec_opt_positive(L, opts, "q", 1.0);
    c->seed = (uint64_t)rec_opt_integer(L, opts, "seed", 1, 0, (lua_Integer)1 << 53);
    c->threads = (int)rec_opt_integer(L, opts, "threads", 1, 1, 31);
}

static void push_walk(lua_State *L, const rn_itemgraph *g, const uint32_t *nodes, size_t len)
{
    lua_createtable(L, (int)len, 0);
    for (size_t i = 0; i < len; i++) {
        push_node(L, g, nodes[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
}

/* g:walks{length = 40, per_node = 10, p = 1, q = 1, seed = 1, threads = 1} -> {walk, ...} */
static int l_graph_walks(lua_State *L)
{
    rn_itemgraph *g = check_graph(L, 1);
    rec_check_options(L, 2, "g:walks", walk_keys);
    rn_walks_config c = rn_walks_defaults();
    read_walk_config(L, 2, &c, 40);
    rn_walks *w = rn_walks_generate(g, &c);
    if (w == NULL) return rec_engine_error(L);
    if (w->n_walks > (size_t)1 << 24) {
        rn_walks_free(w);
        return luaL_error(L, "g:walks: %d walks are too many for a Lua table", (int)w->n_walks);
    }
    /* the walks are copied into Lua one at a time; an allocation error there
     * would leak w, so it is moved into a table first when large */
    lua_createtable(L, (int)w->n_walks, 0);
    for (size_t s = 0; s < w->n_walks; s++) {
        if (!lua_checkstack(L, 4)) break;
        push_walk(L, g, w->nodes + w->offsets[s], w->offsets[s + 1] - w->offsets[s]);
        lua_rawseti(L, -2, (lua_Integer)s + 1);
    }
    rn_walks_free(w);
    return 1;
}

/* g:walk(start [, {length = 10, p = 1, q = 1, seed = 1}]) -> one walk */
static int l_graph_walk(lua_State *L)
{
    rn_itemgraph *g = check_graph(L, 1);
    size_t v = check_node(L, g, 2, "g:walk");
    static const char *const keys[] = {"length", "p", "q", "seed", NULL};
    rec_check_options(L, 3, "g:walk", keys);
    int length = (int)rec_opt_integer(L, 3, "length", 10, 1, 100000);
    double p = rec_opt_positive(L, 3, "p", 1.0), q = rec_opt_positive(L, 3, "q", 1.0);
    rn_rng r;
    rn_rng_seed(&r, (uint64_t)rec_opt_integer(L, 3, "seed", 1, 0, (lua_Integer)1 << 53));
    lua_createtable(L, length, 0);
    int64_t prev = -1;
    for (int i = 1; i <= length; i++) {
        push_node(L, g, v);
        lua_rawseti(L, -2, i);
        int64_t x = rn_walks_step(g, prev, v, p, q, &r);
        if (x < 0) break; /* a sink */
        prev = (int64_t)v, v = (size_t)x;
    }
    return 1;
}

/* g:alpha(t, x, p, q): node2vec's bias for stepping to x having come from t */
static int l_graph_alpha(lua_State *L)
{
    rn_itemgraph *g = check_graph(L, 1);
    size_t t = check_node(L, g, 2, "g:alpha"), x = check_node(L, g, 3, "g:alpha");
    double p = luaL_checknumber(L, 4), q = luaL_checknumber(L, 5);
    luaL_argcheck(L, p > 0 && isfinite(p), 4, "p must be > 0");
    luaL_argcheck(L, q > 0 && isfinite(q), 5, "q must be > 0");
    lua_pushnumber(L, rn_walks_alpha(g, t, x, p, q));
    return 1;
}

/* ---- the figure -------------------------------------------------------------------- */

/* Node indices (1-based, for rec.plot.graph) of a list of node names at idx. */
static void push_node_indices(lua_State *L, const rn_itemgraph *g, int idx, const char *fn)
{
    idx = lua_absindex(L, idx);
    luaL_argexpected(L, lua_type(L, idx) == LUA_TTABLE, 2, "a list of nodes");
    size_t n = (size_t)lua_rawlen(L, idx);
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        lua_rawgeti(L, idx, (lua_Integer)i + 1);
        size_t v = check_node(L, g, -1, fn);
        lua_pop(L, 1);
        lua_pushinteger(L, (lua_Integer)v + 1);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
}

/* g:plot{walk =, step =, classes =, class_names =, embeddings =, positions =, title =,
 *        width =, height =, show =} -> rec.Figure */
static int l_graph_plot(lua_State *L)
{
    const char *fn = "g:plot";
    rn_itemgraph *g = check_graph(L, 1);
    static const char *const keys[] = {"walk",  "step",      "classes", "class_names", "embeddings",
                                       "positions", "title", "width",   "height",      "show",
                                       NULL};
    rec_check_options(L, 2, fn, keys);
    lua_settop(L, 2);
    if (lua_isnil(L, 2)) {
        lua_newtable(L);
        lua_replace(L, 2);
    }
    size_t n = rn_itemgraph_n_nodes(g);
    if (n > 10000) return luaL_error(L, "%s: %d nodes are too many to draw (at most 10000)", fn, (int)n);
    lua_pushvalue(L, lua_upvalueindex(1)); /* rec.plot.graph */
    lua_createtable(L, 0, 12);
    int o = lua_gettop(L);
    /* nodes: labels, or ids as text */
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        push_node(L, g, i);
        if (lua_type(L, -1) == LUA_TNUMBER) lua_tostring(L, -1);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, o, "nodes");
    /* edges, once each */
    lua_createtable(L, (int)rn_itemgraph_n_edges(g), 0);
    lua_Integer k = 0;
    for (size_t u = 0; u < n; u++) {
        const uint32_t *to;
        size_t d = rn_itemgraph_arcs(g, u, &to, NULL);
        for (size_t a = 0; a < d; a++) {
            if (to[a] == u || (to[a] < u && rn_itemgraph_weight(g, to[a], u) > 0)) continue;
            lua_createtable(L, 2, 0);
            lua_pushinteger(L, (lua_Integer)u + 1);
            lua_rawseti(L, -2, 1);
            lua_pushinteger(L, (lua_Integer)to[a] + 1);
            lua_rawseti(L, -2, 2);
            lua_rawseti(L, -2, ++k);
        }
    }
    lua_setfield(L, o, "edges");
    if (lua_getfield(L, 2, "walk") != LUA_TNIL) {
        push_node_indices(L, g, -1, fn);
        lua_setfield(L, o, "walk");
    }
    lua_pop(L, 1);
    /* classes: one value per node (in g:nodes() order); strings are named in a legend */
    if (lua_getfield(L, 2, "classes") != LUA_TNIL) {
        int c = lua_gettop(L);
        luaL_argexpected(L, lua_type(L, c) == LUA_TTABLE, 2, "classes = a list, one per node");
        if ((size_t)lua_rawlen(L, c) != n)
            return luaL_error(L, "%s: classes has %d values for %d nodes", fn,
                              (int)lua_rawlen(L, c), (int)n);
        lua_createtable(L, (int)n, 0); /* class numbers */
        lua_newtable(L);               /* name -> number */
        lua_newtable(L);               /* names in order */
        int nums = c + 1, index = c + 2, names = c + 3, n_names = 0;
        for (size_t i = 0; i < n; i++) {
            int t = lua_rawgeti(L, c, (lua_Integer)i + 1);
            if (t == LUA_TSTRING) {
                lua_pushvalue(L, -1);
                if (lua_rawget(L, index) == LUA_TNIL) {
                    lua_pop(L, 1);
                    lua_pushvalue(L, -1);
                    lua_rawseti(L, names, ++n_names);
                    lua_pushvalue(L, -1);
                    lua_pushinteger(L, n_names);
                    lua_rawset(L, index);
                    lua_pushinteger(L, n_names);
                }
                lua_rawseti(L, nums, (lua_Integer)i + 1);
            } else if (t == LUA_TNUMBER && lua_isinteger(L, -1)) {
                lua_pushvalue(L, -1); /* the copy is stored; the value is popped below */
                lua_rawseti(L, nums, (lua_Integer)i + 1);
            } else {
                return luaL_error(L, "%s: classes[%d] must be a string or an integer, got %s", fn,
                                  (int)i + 1, luaL_typename(L, -1));
            }
            lua_pop(L, 1);
        }
        lua_pushvalue(L, nums);
        lua_setfield(L, o, "classes");
        if (n_names > 0) {
            lua_pushvalue(L, names);
            lua_setfield(L, o, "class_names");
        }
        lua_settop(L, c);
    }
    lua_pop(L, 1);
    /* positions: given, or the 2-D PCA of embeddings holding every node */
    if (lua_getfield(L, 2, "embeddings") != LUA_TNIL) {
        rn_embeddings *e = rec_check_embeddings(L, -1);
        size_t m = rn_emb_count(e);
        float *xy = lua_newuserdatauv(L, 2 * (m ? m : 1) * sizeof *xy, 0);
        double ev[2];
        if (rn_emb_pca2(e, xy, ev) != RN_OK) return rec_engine_error(L);
        lua_createtable(L, (int)n, 0);
        for (size_t i = 0; i < n; i++) {
            size_t row;
            if (rn_emb_find_id(e, rn_itemgraph_id(g, i), &row) != RN_OK)
                return luaL_error(L, "%s: the embeddings have no vector for node %s", fn,
                                  (push_node(L, g, i), luaL_tolstring(L, -1, NULL)));
            lua_createtable(L, 2, 0);
            lua_pushnumber(L, (lua_Number)xy[2 * row]);
            lua_rawseti(L, -2, 1);
            lua_pushnumber(L, (lua_Number)xy[2 * row + 1]);
            lua_rawseti(L, -2, 2);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        lua_setfield(L, o, "positions");
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    static const char *const passed[] = {"positions", "step", "title", "width", "height", "show",
                                         "class_names", NULL};
    for (const char *const *key = passed; *key; key++) {
        if (lua_getfield(L, 2, *key) != LUA_TNIL)
            lua_setfield(L, o, *key);
        else
            lua_pop(L, 1);
    }
    lua_call(L, 1, 1);
    return 1;
}

/* ---- lifetime ------------------------------------------------------------------------ */

static int l_graph_close(lua_State *L)
{
    graph_ud *u = luaL_checkudata(L, 1, REC_GRAPH);
    rn_itemgraph_free(u->g);
    u->g = NULL;
    return 0;
}

static int l_graph_tostring(lua_State *L)
{
    graph_ud *u = luaL_checkudata(L, 1, REC_GRAPH);
    if (u->g == NULL) {
        lua_pushliteral(L, "rec.ItemGraph (closed)");
        return 1;
    }
    rn_itemgraph *g = u->g;
    lua_pushfstring(L, "rec.ItemGraph: %I nodes, %I %s edges%s", (lua_Integer)rn_itemgraph_n_nodes(g),
                    (lua_Integer)rn_itemgraph_n_edges(g),
                    rn_itemgraph_directed(g) ? "directed" : "undirected",
                    rn_itemgraph_has_labels(g) ? ", labelled" : "");
    return 1;
}

/* ---- deepwalk and node2vec ------------------------------------------------------------- */

typedef struct {
    int progress, tty;
    double t0, last;
    uint64_t words;
    double rate;
} embed_state;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int walks_progress(void *ud, const rn_fit_progress *p)
{
    embed_state *s = ud;
    if (s->progress && s->tty && now() - s->last > 0.1) {
        fprintf(stdout, "\r\033[Kwalks: pass %d/%d, %zu/%zu start nodes", p->epoch, p->epochs,
                p->seen, p->total);
        fflush(stdout);
        s->last = now();
    }
    return 1;
}

static int w2v_progress(void *ud, const rn_w2v_progress *p)
{
    embed_state *s = ud;
    s->words = p->words_done, s->rate = p->words_per_sec;
    if (s->progress && s->tty && (now() - s->last > 0.1 || p->words_done == p->words_total)) {
        char cells[31];
        int w = 30, filled = p->words_total
                                 ? (int)((double)w * (double)p->words_done / (double)p->words_total)
                                 : w;
        for (int i = 0; i < w; i++)
            cells[i] = i < filled ? '=' : (i == filled ? '>' : ' ');
        cells[w] = '\0';
        double eta = p->words_per_sec > 0
                         ? (double)(p->words_total - p->words_done) / p->words_per_sec
                         : 0;
        fprintf(stdout, "\r\033[Kword2vec epoch %d/%d [%s] %.1fk words/s  loss %.4f  ETA %d:%02d",
                p->epoch, p->epochs, cells, p->words_per_sec / 1000, p->loss, (int)eta / 60,
                (int)eta % 60);
        fflush(stdout);
        s->last = now();
    }
    return 1;
}

static const char *const embed_keys[] = {
    "graph",  "dim",      "window", "length",  "per_node", "p",         "q",
    "epochs", "negative", "hs",     "sample",  "alpha",    "min_alpha", "min_count",
    "seed",   "threads",  "progress", NULL};

static int walk_embed(lua_State *L, const char *fn, int node2vec)
{
    luaL_argexpected(L, lua_type(L, 1) == LUA_TTABLE, 1, "an options table {graph = g, ...}");
    rec_check_options(L, 1, fn, embed_keys);
    if (lua_getfield(L, 1, "graph") == LUA_TNIL) return luaL_error(L, "%s: graph = a rec.ItemGraph is required", fn);
    rn_itemgraph *g = check_graph(L, -1);
    lua_pop(L, 1);
    if (!node2vec && (lua_getfield(L, 1, "p") != LUA_TNIL || lua_getfield(L, 1, "q") != LUA_TNIL))
        return luaL_error(L, "%s: p and q are node2vec's (rec.node2vec); DeepWalk's walks are "
                             "uniform",
                          fn);
    rn_walks_config wc = rn_walks_defaults();
    read_walk_config(L, 1, &wc, node2vec ? 80 : 40);
    rn_w2v_config c = rn_w2v_defaults();
    c.dim = (int)rec_opt_integer(L, 1, "dim", 64, 1, 4096);
    c.window = (int)rec_opt_integer(L, 1, "window", node2vec ? 10 : 5, 1, 1000);
    c.epochs = (int)rec_opt_integer(L, 1, "epochs", 5, 1, 100000);
    c.negative = (int)rec_opt_integer(L, 1, "negative", 5, 0, 100);
    c.hs = rec_opt_bool(L, 1, "hs", 0);
    c.sample = rec_opt_range(L, 1, "sample", 0, 0, 1);
    c.alpha = rec_opt_positive(L, 1, "alpha", c.alpha);
    c.min_alpha = rec_opt_range(L, 1, "min_alpha", c.min_alpha, 0, 1);
    c.min_count = (int)rec_opt_integer(L, 1, "min_count", 1, 1, 1000000000);
    c.seed = wc.seed;
    c.threads = wc.threads;
    if (c.negative == 0 && !c.hs)
        return luaL_error(L, "%s: negative = 0 needs hs = true (else nothing is trained)", fn);
    embed_state s = {.progress = rec_opt_bool(L, 1, "progress", 1),
                     .tty = isatty(fileno(stdout)),
                     .t0 = now()};
    wc.on_step = walks_progress, wc.ud = &s;
    rn_w2v_hooks hooks = {.on_progress = w2v_progress, .ud = &s};
    rn_embeddings *e = rn_walks_embed(g, &wc, &c, &hooks);
    if (s.progress && s.tty) fputs("\r\033[K", stdout), fflush(stdout);
    if (e == NULL) return rec_engine_error(L);
    rec_push_embeddings(L, e);
    if (s.progress && s.tty) {
        char line[200];
        snprintf(line, sizeof line, "%s: %d walks of %d from each of %d nodes, word2vec %d epochs "
                                    "at %.1fk words/s, took %.2f s",
                 fn, wc.per_node, wc.length, (int)rn_itemgraph_n_nodes(g), c.epochs, s.rate / 1000,
                 now() - s.t0);
        lua_getglobal(L, "print");
        lua_pushstring(L, line);
        if (lua_pcall(L, 1, 0, 0) != LUA_OK) lua_pop(L, 1);
    }
    return 1;
}

static int l_deepwalk(lua_State *L)
{
    return walk_embed(L, "rec.deepwalk", 0);
}

static int l_node2vec(lua_State *L)
{
    return walk_embed(L, "rec.node2vec", 1);
}

/* ---- docs and opening ------------------------------------------------------------------ */

#define KARATE "rec.data_dir .. \"/assets/graphs/karate_edges.csv\""

static const rec_doc_entry graph_docs[] = {
    {"from_edges",
     "rec.graph.from_edges(path | edges [, {directed = false, weighted =, header = true}]) "
     "makes a rec.ItemGraph from an edge list: a CSV file with source,target[,weight] columns and a "
     "header line, or a Lua table {{a, b}, {a, b, weight}, ...}. Nodes named by integers keep "
     "them as ids; others are labels. weighted defaults to using a weight column when there is "
     "one; repeated edges add up. Errors name the file, line and column.",
     "local g = rec.graph.from_edges(" KARATE ")\nprint(g, g:degree(0), g:degree(33))"},
    {"from_sequences",
     "rec.graph.from_sequences({{item, item, ...}, ...}) makes the directed item graph of "
     "behaviour sequences (the notes' DeepWalk recipe, from Alibaba's EGES): each time item b "
     "directly follows item a in a user's sequence, the arc a -> b weighs one more. Given a "
     "rec.Dataset, rec.graph.from_sequences(ds [, {min_rating =, item = \"item\", rating = "
     "\"rating\"}]) reads each user's items in time order (only rows rated >= min_rating when "
     "given), as rec.word2vec{data = ds} does; nodes keep the items' ids (movie ids) and are "
     "named by their labels (titles) when the column has them.",
     "local g = rec.graph.from_sequences{{1, 2, 3}, {2, 3}, {3, 1}}\n"
     "print(g:weight(2, 3), g:weight(3, 2))  --> 2.0  0.0"},
    {NULL, NULL, NULL}};

static const rec_doc_entry method_docs[] = {
    {"nodes", "g:nodes() lists the nodes (ids, or labels) in the graph's order; #g counts them.",
     "local g = rec.graph.from_edges{{\"a\", \"b\"}, {\"b\", \"c\"}}\nprint(#g, g:nodes()[3])"},
    {"n_edges", "g:n_edges() counts the edges (an undirected edge once).",
     "print(rec.graph.from_edges(" KARATE "):n_edges())  --> 78"},
    {"directed", "g:directed() is true for a directed graph.",
     "print(rec.graph.from_sequences{{1, 2}}:directed())  --> true"},
    {"degree", "g:degree(node) counts node's out-edges (its neighbours in an undirected graph).",
     "print(rec.graph.from_edges(" KARATE "):degree(33))  --> 17"},
    {"strength", "g:strength(node) sums the weights of node's out-edges.",
     "print(rec.graph.from_edges{{1, 2, 3}, {1, 3, 0.5}}:strength(1))  --> 3.5"},
    {"neighbors",
     "g:neighbors(node) returns two lists: node's out-neighbours and the weights of the edges "
     "to them. A random walk steps to neighbour i with probability weights[i] / sum(weights).",
     "local nb, w = rec.graph.from_edges{{1, 2, 3}, {1, 3, 1}}:neighbors(1)\n"
     "print(nb[1], w[1], nb[2], w[2])  --> 2  3.0  3  1.0"},
    {"weight", "g:weight(a, b) is the weight of the edge a -> b, 0 when there is none.",
     "print(rec.graph.from_edges{{1, 2, 3}}:weight(2, 1))  --> 3.0"},
    {"edges", "g:edges() lists the edges as {a, b, weight} (an undirected edge once).",
     "print(#rec.graph.from_edges(" KARATE "):edges())  --> 78"},
    {"walks",
     "g:walks{length = 40, per_node = 10, p = 1, q = 1, seed = 1, threads = 1} runs per_node "
     "passes, each starting one walk from every node in a shuffled order (DeepWalk's Algorithm "
     "1), and returns the walks as lists of nodes. p and q bias node2vec's second-order steps "
     "(1/p to go back, 1 to stay near, 1/q to go further); p = q = 1 is DeepWalk's walk. The same "
     "seed gives the same walks for any number of threads.",
     "local g = rec.graph.from_edges(" KARATE ")\n"
     "local walks = g:walks{length = 5, per_node = 2}\nprint(#walks, #walks[1])  --> 68  5"},
    {"walk",
     "g:walk(start, {length = 10, p = 1, q = 1, seed = 1}) is one walk from start (shorter when "
     "it reaches a node without out-edges).",
     "local g = rec.graph.from_edges(" KARATE ")\nprint(table.concat(g:walk(0, {length = 6}), \" "
     "-> \"))"},
    {"alpha",
     "g:alpha(t, x, p, q) is node2vec's bias for a step to x by a walk that came to the current "
     "node from t: 1/p when x is t, 1 when x is a neighbour of t, 1/q otherwise.",
     "local g = rec.graph.from_edges{{1, 2}, {2, 3}, {1, 3}, {2, 4}}\n"
     "print(g:alpha(1, 1, 2, 0.5), g:alpha(1, 3, 2, 0.5), g:alpha(1, 4, 2, 0.5))  --> 0.5  1.0  "
     "2.0"},
    {"plot",
     "g:plot{walk =, step =, classes =, class_names =, embeddings =, positions =, title =, width "
     "=, height =, show = true} draws the graph (rec.plot.graph): a force-directed layout, or "
     "the 2-D PCA of embeddings (a rec.Embeddings with a vector per node), or positions; a walk "
     "highlighted with numbered steps (step = k shows its first k steps: fig:set{step = k} "
     "replays it); nodes coloured by classes (one value per node in g:nodes() order; strings are "
     "named in a legend). Returns the rec.Figure.",
     "local g = rec.graph.from_edges(" KARATE ")\n"
     "local fig = g:plot{walk = g:walk(0, {length = 6}), show = false}\nfig:save(\"karate.png\")"},
    {"close", "g:close() frees the graph now (the garbage collector would later).",
     "local g = rec.graph.from_edges{{1, 2}}\ng:close()"},
    {NULL, NULL, NULL}};

static const rec_doc_entry rec_docs[] = {
    {"deepwalk",
     "rec.deepwalk{graph =, dim = 64, window = 5, length = 40, per_node = 10, epochs = 5, "
     "negative = 5, hs = false, sample = 0, min_count = 1, seed = 1, threads = 1, progress = "
     "true} embeds a graph's nodes (Perozzi et al. 2014): per_node walks of length nodes from "
     "every node, weighted by the edges, are the sentences of skip-gram word2vec. Returns a "
     "rec.Embeddings with a vector per node, named as the graph names them. A progress bar "
     "shows on a terminal; Ctrl-C stops between whole steps.",
     "local g = rec.graph.from_edges(" KARATE ")\n"
     "local e = rec.deepwalk{graph = g, dim = 16, progress = false}\nprint(e:neighbors(0, 3))"},
    {"node2vec",
     "rec.node2vec{graph =, p = 1, q = 1, dim = 64, window = 10, length = 80, per_node = 10, "
     "...} is rec.deepwalk with node2vec's biased walks (Grover & Leskovec 2016): p is the "
     "return parameter (a small p revisits), q the in-out parameter (q > 1 keeps walks near "
     "their start, BFS-like; q < 1 pushes them outward, DFS-like). The same options otherwise.",
     "local g = rec.graph.from_edges(rec.data_dir .. \"/assets/graphs/lesmis.csv\")\n"
     "local e = rec.node2vec{graph = g, q = 0.5, dim = 16, progress = false}\n"
     "print(e:neighbors(\"Valjean\", 3))"},
    {NULL, NULL, NULL}};

void rec_open_graph(lua_State *L)
{
    /* rec at the top, with rec.plot and rec.embeddings open */
    static const luaL_Reg methods[] = {
        {"nodes", l_graph_nodes},       {"n_edges", l_graph_n_edges},
        {"directed", l_graph_directed}, {"degree", l_graph_degree},
        {"strength", l_graph_strength}, {"neighbors", l_graph_neighbors},
        {"weight", l_graph_weight},     {"edges", l_graph_edges},
        {"walks", l_graph_walks},       {"walk", l_graph_walk},
        {"alpha", l_graph_alpha},       {"close", l_graph_close},
        {NULL, NULL}};
    static const luaL_Reg meta[] = {{"__gc", l_graph_close},
                                    {"__close", l_graph_close},
                                    {"__len", l_graph_len},
                                    {"__tostring", l_graph_tostring},
                                    {NULL, NULL}};
    if (luaL_newmetatable(L, REC_GRAPH)) {
        luaL_setfuncs(L, meta, 0);
        luaL_newlib(L, methods);
        lua_getfield(L, -3, "plot"); /* g:plot draws through rec.plot.graph */
        lua_getfield(L, -1, "graph");
        lua_remove(L, -2);
        lua_pushcclosure(L, l_graph_plot, 1);
        lua_setfield(L, -2, "plot");
        rec_doc_fields(L, -1, "g", 1, method_docs);
        lua_setfield(L, -2, "__index");
    }
    lua_pop(L, 1);

    static const luaL_Reg fns[] = {
        {"from_edges", l_from_edges}, {"from_sequences", l_from_sequences}, {NULL, NULL}};
    luaL_newlib(L, fns);
    rec_doc_set(L, -1, "rec.graph",
                "Graphs for DeepWalk and node2vec (rec.ItemGraph): from an edge list or from "
                "behaviour sequences; nodes, degrees, neighbours, random walks and g:plot.",
                "help(rec.graph.from_edges)");
    rec_doc_fields(L, -1, "rec.graph", 0, graph_docs);
    lua_setfield(L, -2, "graph");

    lua_pushcfunction(L, l_deepwalk);
    lua_setfield(L, -2, "deepwalk");
    lua_pushcfunction(L, l_node2vec);
    lua_setfield(L, -2, "node2vec");
    rec_doc_fields(L, -1, "rec", 0, rec_docs);
}
