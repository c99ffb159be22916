/* Item graphs (itemgraph.h): compressed rows of weighted arcs with an alias
 * table per node, built from index arrays, behaviour sequences or an edge
 * list CSV. */
#include "embed/itemgraph.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "data/data_internal.h"
#include "error.h"

struct rn_itemgraph {
    size_t n, n_edges, n_arcs;
    int directed;
    int64_t *ids;     /* n */
    char **labels;    /* n, or NULL */
    size_t *by_id;    /* n node indices in ascending id order (find_id) */
    size_t *off;      /* n + 1: node u's arcs are [off[u], off[u + 1]) */
    uint32_t *to;     /* n_arcs targets, ascending within a node */
    float *w;         /* n_arcs weights */
    float *alias_p;   /* n_arcs: the alias table's keep-probabilities */
    uint32_t *alias;  /* n_arcs: the alias, as a position within the node's arcs */
};

void rn_itemgraph_free(rn_itemgraph *g)
{
    if (g == NULL) return;
    if (g->labels != NULL)
        for (size_t i = 0; i < g->n; i++)
            rn_free(g->labels[i]);
    rn_free(g->labels), rn_free(g->ids), rn_free(g->by_id), rn_free(g->off);
    rn_free(g->to), rn_free(g->w), rn_free(g->alias_p), rn_free(g->alias);
    rn_free(g);
}

/* ---- building ------------------------------------------------------------------------ */

typedef struct {
    uint32_t u, v;
    float w;
} arc;

static int arc_cmp(const void *a, const void *b)
{
    const arc *x = a, *y = b;
    if (x->u != y->u) return x->u < y->u ? -1 : 1;
    if (x->v != y->v) return x->v < y->v ? -1 : 1;
    return 0;
}

typedef struct {
    int64_t id;
    size_t node;
} id_node;

static int id_node_cmp(const void *a, const void *b)
{
    const id_node *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* Vose's alias method for the d weights w: keep position i with probability
 * p[i], else take alias[i]. small/large are scratch of d entries. */
static void alias_build(const float *w, size_t d, float *p, uint32_t *alias, uint32_t *small,
                        uint32_t *large)
{
    double sum = 0;
    for (size_t i = 0; i < d; i++)
        sum += (double)w[i];
    size_t ns = 0, nl = 0;
    /* scaled probabilities d * w / sum, kept in p while building */
    for (size_t i = 0; i < d; i++) {
        p[i] = (float)((double)w[i] * (double)d / sum);
        alias[i] = (uint32_t)i;
        if (p[i] < 1.0f)
            small[ns++] = (uint32_t)i;
        else
            large[nl++] = (uint32_t)i;
    }
    while (ns > 0 && nl > 0) {
        uint32_t s = small[--ns], l = large[nl - 1];
        alias[s] = l;
        p[l] = (p[l] + p[s]) - 1.0f;
        if (p[l] < 1.0f) {
            nl--;
            small[ns++] = l;
        }
    }
    /* what is left is 1 up to rounding */
    while (nl > 0)
        p[large[--nl]] = 1.0f;
    while (ns > 0)
        p[small[--ns]] = 1.0f;
}

rn_itemgraph *rn_itemgraph_new(size_t n, const int64_t *ids, const char *const *labels,
                               size_t n_edges, const uint32_t *src, const uint32_t *dst,
                               const float *w, int directed)
{
    if (n == 0) return rn_fail(RN_EARG, "graph: no nodes"), NULL;
    if (n > RN_ITEMGRAPH_MAX_NODES)
        return rn_fail(RN_EARG, "graph: %zu nodes (at most %zu)", n, RN_ITEMGRAPH_MAX_NODES), NULL;
    if (n_edges > RN_ITEMGRAPH_MAX_ARCS / 2)
        return rn_fail(RN_EARG, "graph: %zu edges (at most %zu)", n_edges,
                       RN_ITEMGRAPH_MAX_ARCS / 2),
               NULL;
    for (size_t e = 0; e < n_edges; e++) {
        if (src[e] >= n || dst[e] >= n)
            return rn_fail(RN_EARG, "graph: edge %zu names node %u (nodes are 1..%zu)", e + 1,
                           (src[e] >= n ? src[e] : dst[e]) + 1, n),
                   NULL;
        if (w != NULL && !(isfinite(w[e]) && w[e] > 0))
            return rn_fail(RN_EARG, "graph: edge %zu has weight %g (weights must be > 0)", e + 1,
                           (double)w[e]),
                   NULL;
    }
    for (size_t i = 0; ids != NULL && i < n; i++)
        if (ids[i] < 0) return rn_fail(RN_EARG, "graph: node %zu has id %lld (ids must be >= 0)",
                                       i + 1, (long long)ids[i]),
                            NULL;
    rn_itemgraph *g = rn_calloc(1, sizeof *g, "a graph");
    if (g == NULL) return NULL;
    g->n = n, g->directed = directed != 0;
    g->ids = rn_malloc(n * sizeof *g->ids, "graph ids");
    g->by_id = rn_malloc(n * sizeof *g->by_id, "graph id index");
    g->off = rn_calloc(n + 1, sizeof *g->off, "graph rows");
    size_t cap = directed ? n_edges : 2 * n_edges;
    arc *a = rn_malloc((cap ? cap : 1) * sizeof *a, "graph arcs");
    if (g->ids == NULL || g->by_id == NULL || g->off == NULL || a == NULL) goto fail;
    id_node *sorted = rn_malloc(n * sizeof *sorted, "graph id index");
    if (sorted == NULL) goto fail;
    for (size_t i = 0; i < n; i++) {
        g->ids[i] = ids != NULL ? ids[i] : (int64_t)i + 1;
        sorted[i] = (id_node){g->ids[i], i};
    }
    qsort(sorted, n, sizeof *sorted, id_node_cmp);
    for (size_t i = 0; i < n; i++)
        g->by_id[i] = sorted[i].node;
    rn_free(sorted);
    for (size_t i = 1; i < n; i++)
        if (g->ids[g->by_id[i]] == g->ids[g->by_id[i - 1]]) {
            rn_fail(RN_EARG, "graph: nodes %zu and %zu have the same id %lld",
                    g->by_id[i - 1] + 1, g->by_id[i] + 1, (long long)g->ids[g->by_id[i]]);
            goto fail;
        }
    if (labels != NULL) {
        g->labels = rn_calloc(n, sizeof *g->labels, "graph labels");
        if (g->labels == NULL) goto fail;
        for (size_t i = 0; i < n; i++)
            if ((g->labels[i] = rn_strdup(labels[i] ? labels[i] : "")) == NULL) goto fail;
    }
    /* arcs, sorted by (u, v), repeats merged by adding weights */
    size_t m = 0;
    for (size_t e = 0; e < n_edges; e++) {
        float we = w != NULL ? w[e] : 1.0f;
        a[m++] = (arc){src[e], dst[e], we};
        if (!directed && src[e] != dst[e]) a[m++] = (arc){dst[e], src[e], we};
    }
    qsort(a, m, sizeof *a, arc_cmp);
    size_t k = 0;
    for (size_t i = 0; i < m; i++) {
        if (k > 0 && a[k - 1].u == a[i].u && a[k - 1].v == a[i].v)
            a[k - 1].w += a[i].w;
        else
            a[k++] = a[i];
    }
    m = k;
    g->n_arcs = m;
    size_t loops = 0;
    for (size_t i = 0; i < m; i++)
        loops += a[i].u == a[i].v;
    g->n_edges = directed ? m : (m - loops) / 2 + loops;
    g->to = rn_malloc((m ? m : 1) * sizeof *g->to, "graph arc targets");
    g->w = rn_malloc((m ? m : 1) * sizeof *g->w, "graph arc weights");
    g->alias_p = rn_malloc((m ? m : 1) * sizeof *g->alias_p, "graph alias tables");
    g->alias = rn_malloc((m ? m : 1) * sizeof *g->alias, "graph alias tables");
    if (g->to == NULL || g->w == NULL || g->alias_p == NULL || g->alias == NULL) goto fail;
    size_t max_deg = 0;
    for (size_t i = 0; i < m; i++) {
        g->to[i] = a[i].v, g->w[i] = a[i].w;
        g->off[a[i].u + 1]++;
    }
    for (size_t u = 0; u < n; u++) {
        if (g->off[u + 1] > max_deg) max_deg = g->off[u + 1];
        g->off[u + 1] += g->off[u];
    }
    rn_free(a);
    a = NULL;
    uint32_t *scratch = rn_malloc(2 * (max_deg ? max_deg : 1) * sizeof *scratch, "alias scratch");
    if (scratch == NULL) goto fail;
    for (size_t u = 0; u < n; u++) {
        size_t o = g->off[u], d = g->off[u + 1] - o;
        if (d > 0)
            alias_build(g->w + o, d, g->alias_p + o, g->alias + o, scratch, scratch + max_deg);
    }
    rn_free(scratch);
    return g;
fail:
    rn_free(a);
    rn_itemgraph_free(g);
    return NULL;
}

static int i64_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* The position of v in the ascending array s of n values (present). */
static uint32_t i64_find(const int64_t *s, size_t n, int64_t v)
{
    size_t lo = 0, hi = n;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (s[mid] <= v)
            lo = mid;
        else
            hi = mid;
    }
    return (uint32_t)lo;
}

rn_itemgraph *rn_itemgraph_from_sequences(const int64_t *tokens, const size_t *offsets,
                                          size_t n_seq)
{
    return rn_itemgraph_from_sequences_labeled(tokens, offsets, n_seq, NULL, 0);
}

rn_itemgraph *rn_itemgraph_from_sequences_labeled(const int64_t *tokens, const size_t *offsets,
                                                  size_t n_seq, const char *const *labels,
                                                  size_t n_labels)
{
    size_t total = n_seq > 0 ? offsets[n_seq] - offsets[0] : 0;
    if (total == 0) return rn_fail(RN_EARG, "graph: the sequences hold no items"), NULL;
    for (size_t s = 0; s < n_seq; s++) {
        if (offsets[s + 1] < offsets[s])
            return rn_fail(RN_EARG, "graph: sequence %zu ends before it starts", s + 1), NULL;
        for (size_t i = offsets[s]; i < offsets[s + 1]; i++)
            if (tokens[i] < 0)
                return rn_fail(RN_EARG, "graph: sequence %zu, position %zu: item %lld (ids must "
                                        "be >= 0)",
                               s + 1, i - offsets[s] + 1, (long long)tokens[i]),
                       NULL;
            else if (labels != NULL && (uint64_t)tokens[i] >= n_labels)
                return rn_fail(RN_EARG, "graph: sequence %zu, position %zu: item %lld has no "
                                        "label (%zu labels)",
                               s + 1, i - offsets[s] + 1, (long long)tokens[i], n_labels),
                       NULL;
    }
    int64_t *ids = rn_malloc(total * sizeof *ids, "graph ids");
    uint32_t *src = rn_malloc(total * sizeof *src, "graph edges");
    uint32_t *dst = rn_malloc(total * sizeof *dst, "graph edges");
    const char **node_labels = NULL;
    rn_itemgraph *g = NULL;
    if (ids == NULL || src == NULL || dst == NULL) goto done;
    memcpy(ids, tokens + offsets[0], total * sizeof *ids);
    qsort(ids, total, sizeof *ids, i64_cmp);
    size_t n = 0;
    for (size_t i = 0; i < total; i++)
        if (n == 0 || ids[n - 1] != ids[i]) ids[n++] = ids[i];
    if (n > RN_ITEMGRAPH_MAX_NODES) {
        rn_fail(RN_EARG, "graph: %zu items (at most %zu)", n, RN_ITEMGRAPH_MAX_NODES);
        goto done;
    }
    size_t m = 0;
    for (size_t s = 0; s < n_seq; s++)
        for (size_t i = offsets[s] + 1; i < offsets[s + 1]; i++)
            if (tokens[i] != tokens[i - 1]) {
                src[m] = i64_find(ids, n, tokens[i - 1]);
                dst[m] = i64_find(ids, n, tokens[i]);
                m++;
            }
    if (labels != NULL) {
        node_labels = rn_malloc(n * sizeof *node_labels, "graph labels");
        if (node_labels == NULL) goto done;
        for (size_t i = 0; i < n; i++)
            node_labels[i] = labels[ids[i]];
    }
    g = rn_itemgraph_new(n, ids, node_labels, m, src, dst, NULL, 1);
done:
    rn_free(ids), rn_free(src), rn_free(dst), rn_free((void *)node_labels);
    return g;
}

/* ---- the edge list CSV --------------------------------------------------------------- */

rn_itemgraph_csv_config rn_itemgraph_csv_defaults(void)
{
    return (rn_itemgraph_csv_config){.directed = 0, .weighted = -1, .header = 1};
}

typedef struct {
    rn__text *t;
    char *f; /* the field, unquoted, NUL-terminated */
    size_t len, cap;
    size_t line, col; /* where it starts */
} field;

/* Reads one field at the cursor. Returns 0 when a comma follows (more fields
 * in the record), 1 at the end of the record (a newline or the file's end),
 * or a negative RN_E*. */
static int field_read(field *fd)
{
    rn__text *t = fd->t;
    fd->len = 0, fd->line = t->line, fd->col = t->col;
    int quoted = rn__peek(t) == '"';
    if (quoted) rn__advance(t);
    for (;;) {
        int ch = rn__peek(t);
        if (quoted) {
            if (ch < 0)
                return rn_fail(RN_EPARSE, "%s:%zu:%zu: a quoted field is not closed", t->path,
                               fd->line, fd->col);
            if (ch == '"') {
                rn__advance(t);
                if (rn__peek(t) != '"') {
                    quoted = 0;
                    ch = rn__peek(t);
                    if (ch >= 0 && ch != ',' && ch != '\n' && ch != '\r')
                        return rn_fail(RN_EPARSE, "%s:%zu:%zu: text after a closing quote",
                                       t->path, t->line, t->col);
                    continue;
                }
            }
        } else if (ch < 0 || ch == '\n' || ch == '\r') {
            if (ch == '\r') rn__advance(t);
            if (rn__peek(t) == '\n') rn__advance(t);
            break;
        } else if (ch == ',') {
            rn__advance(t);
            fd->f[fd->len] = '\0';
            return 0;
        }
        if (fd->len + 2 > fd->cap && rn__grow((void **)&fd->f, &fd->cap, fd->len + 2, 1, "a field"))
            return RN_ENOMEM;
        fd->f[fd->len++] = (char)ch;
        rn__advance(t);
    }
    fd->f[fd->len] = '\0';
    return 1;
}

/* A decimal integer >= 0 without sign or leading zeros. */
static int is_plain_id(const char *s, int64_t *v)
{
    size_t len = strlen(s);
    if (len == 0 || len > 18 || (s[0] == '0' && len > 1)) return 0;
    for (size_t i = 0; i < len; i++)
        if (s[i] < '0' || s[i] > '9') return 0;
    *v = (int64_t)strtoll(s, NULL, 10);
    return 1;
}

typedef struct {
    char *names;        /* every endpoint's name, NUL-separated */
    size_t len, cap;
    size_t *at;         /* 2 per edge: offsets into names */
    size_t *line, *col; /* where each endpoint was read (for messages) */
    float *w;
    size_t n_edges, cap_edges;
} edge_list;

typedef struct {
    const char *name;
    size_t pos; /* first appearance, then the node */
} name_pos;

static int name_cmp(const void *a, const void *b)
{
    const name_pos *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c) return c;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int pos_cmp(const void *a, const void *b)
{
    const name_pos *x = a, *y = b;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* Numbers the endpoints: ids when all are plain integers, else labels in
 * order of first appearance. Fills src/dst and makes the graph. */
static rn_itemgraph *edges_to_graph(edge_list *el, int directed)
{
    size_t n_end = 2 * el->n_edges, n = 0;
    uint32_t *node = rn_malloc(n_end * sizeof *node, "graph edges");
    int64_t *ids = rn_malloc(n_end * sizeof *ids, "graph ids");
    int64_t *sorted = rn_malloc(n_end * sizeof *sorted, "graph ids");
    name_pos *np = rn_malloc(n_end * sizeof *np, "graph names");
    const char **labels = rn_malloc(n_end * sizeof *labels, "graph labels");
    uint32_t *src = rn_malloc(el->n_edges * sizeof *src, "graph edges");
    uint32_t *dst = rn_malloc(el->n_edges * sizeof *dst, "graph edges");
    rn_itemgraph *g = NULL;
    if (!node || !ids || !sorted || !np || !labels || !src || !dst) goto done;
    int all_ids = 1;
    for (size_t i = 0; i < n_end && all_ids; i++)
        all_ids = is_plain_id(el->names + el->at[i], &ids[i]);
    if (all_ids) {
        memcpy(sorted, ids, n_end * sizeof *ids);
        qsort(sorted, n_end, sizeof *sorted, i64_cmp);
        for (size_t i = 0; i < n_end; i++)
            if (n == 0 || sorted[n - 1] != sorted[i]) sorted[n++] = sorted[i];
        for (size_t i = 0; i < n_end; i++)
            node[i] = i64_find(sorted, n, ids[i]);
    } else {
        for (size_t i = 0; i < n_end; i++)
            np[i] = (name_pos){el->names + el->at[i], i};
        qsort(np, n_end, sizeof *np, name_cmp);
        /* each name once, at its first appearance; then in file order */
        for (size_t i = 0; i < n_end; i++)
            if (n == 0 || strcmp(np[n - 1].name, np[i].name) != 0) np[n++] = np[i];
        qsort(np, n, sizeof *np, pos_cmp);
        for (size_t i = 0; i < n; i++) {
            labels[i] = np[i].name;
            np[i].pos = i; /* now the node */
        }
        qsort(np, n, sizeof *np, name_cmp);
        for (size_t i = 0; i < n_end; i++) {
            const char *s = el->names + el->at[i];
            size_t lo = 0, hi = n;
            while (hi - lo > 1) {
                size_t mid = lo + (hi - lo) / 2;
                if (strcmp(np[mid].name, s) <= 0)
                    lo = mid;
                else
                    hi = mid;
            }
            node[i] = (uint32_t)np[lo].pos;
        }
    }
    for (size_t e = 0; e < el->n_edges; e++)
        src[e] = node[2 * e], dst[e] = node[2 * e + 1];
    g = rn_itemgraph_new(n, all_ids ? sorted : NULL, all_ids ? NULL : labels, el->n_edges, src,
                         dst, el->w, directed);
done:
    rn_free(node), rn_free(ids), rn_free(sorted), rn_free(np), rn_free((void *)labels);
    rn_free(src), rn_free(dst);
    return g;
}

static int add_name(edge_list *el, const field *fd, size_t slot)
{
    if (el->len + fd->len + 1 > el->cap &&
        rn__grow((void **)&el->names, &el->cap, el->len + fd->len + 1, 1, "graph names"))
        return RN_ENOMEM;
    memcpy(el->names + el->len, fd->f, fd->len + 1);
    el->at[slot] = el->len;
    el->len += fd->len + 1;
    return RN_OK;
}

rn_itemgraph *rn_itemgraph_from_names(size_t n_edges, const char *const *src,
                                      const char *const *dst, const float *w, int directed)
{
    if (n_edges == 0) return rn_fail(RN_EARG, "graph: no edges"), NULL;
    if (n_edges > RN_ITEMGRAPH_MAX_ARCS / 2)
        return rn_fail(RN_EARG, "graph: %zu edges (at most %zu)", n_edges,
                       RN_ITEMGRAPH_MAX_ARCS / 2),
               NULL;
    edge_list el = {0};
    rn_itemgraph *g = NULL;
    el.at = rn_malloc(2 * n_edges * sizeof *el.at, "graph edges");
    el.w = rn_malloc(n_edges * sizeof *el.w, "graph edges");
    if (el.at == NULL || el.w == NULL) goto done;
    for (size_t e = 0; e < n_edges; e++) {
        for (int k = 0; k < 2; k++) {
            const char *s = k == 0 ? src[e] : dst[e];
            if (s == NULL || s[0] == '\0') {
                rn_fail(RN_EARG, "graph: edge %zu has an empty %s", e + 1, k ? "target" : "source");
                goto done;
            }
            field fd = {.f = (char *)s, .len = strlen(s)};
            if (add_name(&el, &fd, 2 * e + (size_t)k)) goto done;
        }
        el.w[e] = w != NULL ? w[e] : 1.0f;
    }
    el.n_edges = n_edges;
    g = edges_to_graph(&el, directed);
done:
    rn_free(el.names), rn_free(el.at), rn_free(el.w);
    return g;
}

rn_itemgraph *rn_itemgraph_load_csv(const char *path, const rn_itemgraph_csv_config *c)
{
    rn_itemgraph_csv_config cfg = c != NULL ? *c : rn_itemgraph_csv_defaults();
    rn__text t;
    if (rn__text_open(&t, path) != RN_OK) return NULL;
    field fd = {.t = &t};
    edge_list el = {0};
    size_t cap_w = 0, cap_at = 0;
    int ncols = 0, rc = RN_OK, first = 1, use_w = 0;
    rn_itemgraph *g = NULL;
    char q[64];
    while (rn__peek(&t) >= 0) {
        size_t line = t.line;
        if (rn__peek(&t) == '\n' || rn__peek(&t) == '\r') { /* a blank line */
            rn__advance(&t);
            continue;
        }
        /* one record: up to three fields */
        int cols = 0, end = 0;
        size_t at_slot = 2 * el.n_edges;
        if ((rc = rn__grow((void **)&el.at, &cap_at, at_slot + 2, sizeof *el.at, "graph edges")) ||
            (rc = rn__grow((void **)&el.w, &cap_w, el.n_edges + 1, sizeof *el.w, "graph edges")))
            goto done;
        float wt = 1.0f;
        while (!end) {
            if ((end = field_read(&fd)) < 0) {
                rc = end;
                goto done;
            }
            cols++;
            if (cols > 3) {
                rc = rn_fail(RN_EPARSE, "%s:%zu:%zu: more than 3 columns (source,target,weight)",
                             path, fd.line, fd.col);
                goto done;
            }
            if (first) continue; /* the header's names (or the first record, read below) */
            if (cols <= 2) {
                if (fd.len == 0) {
                    rc = rn_fail(RN_EPARSE, "%s:%zu:%zu: empty %s name", path, fd.line, fd.col,
                                 cols == 1 ? "source" : "target");
                    goto done;
                }
                if ((rc = add_name(&el, &fd, at_slot + (size_t)cols - 1))) goto done;
            } else if (use_w) {
                int prc = rn__parse_float(fd.f, fd.len, &wt);
                if (prc == -3) {
                    rc = RN_ENOMEM;
                    goto done;
                }
                if (prc != 0 || !(wt > 0)) {
                    rn__quote(q, sizeof q, fd.f, fd.len);
                    rc = rn_fail(RN_EPARSE, "%s:%zu:%zu: weight %s is not a number > 0", path,
                                 fd.line, fd.col, q);
                    goto done;
                }
            }
        }
        if (first) {
            ncols = cols;
            if (ncols < 2) {
                rc = rn_fail(RN_EPARSE, "%s:%zu: %s has 1 column; an edge list has "
                                        "source,target[,weight]",
                             path, line, cfg.header ? "the header" : "the first line");
                goto done;
            }
            if (cfg.weighted == 1 && ncols < 3) {
                rc = rn_fail(RN_EPARSE, "%s:%zu: weighted = true, but there is no weight column",
                             path, line);
                goto done;
            }
            use_w = ncols == 3 && cfg.weighted != 0;
            first = 0;
            if (!cfg.header) { /* the first line is an edge: read it again */
                t.pos = 0, t.line = 1, t.col = 1;
                if (t.len >= 3 && memcmp(t.buf, "\xEF\xBB\xBF", 3) == 0) t.pos = 3;
            }
            continue;
        }
        if (cols != ncols) {
            rc = rn_fail(RN_EPARSE, "%s:%zu: %d column%s, but %s has %d", path, line, cols,
                         cols == 1 ? "" : "s", cfg.header ? "the header" : "the first line", ncols);
            goto done;
        }
        el.w[el.n_edges++] = wt;
    }
    if (el.n_edges == 0) {
        rc = rn_fail(RN_EPARSE, "%s: no edges", path);
        goto done;
    }
    g = edges_to_graph(&el, cfg.directed);
done:
    (void)rc;
    rn_free(fd.f), rn_free(el.names), rn_free(el.at), rn_free(el.w);
    rn__text_close(&t);
    return g;
}

/* ---- reading ------------------------------------------------------------------------- */

size_t rn_itemgraph_n_nodes(const rn_itemgraph *g)
{
    return g->n;
}

size_t rn_itemgraph_n_edges(const rn_itemgraph *g)
{
    return g->n_edges;
}

size_t rn_itemgraph_n_arcs(const rn_itemgraph *g)
{
    return g->n_arcs;
}

int rn_itemgraph_directed(const rn_itemgraph *g)
{
    return g->directed;
}

int64_t rn_itemgraph_id(const rn_itemgraph *g, size_t node)
{
    return g->ids[node];
}

const int64_t *rn_itemgraph_ids(const rn_itemgraph *g)
{
    return g->ids;
}

const char *rn_itemgraph_label(const rn_itemgraph *g, size_t node)
{
    return g->labels != NULL ? g->labels[node] : NULL;
}

int rn_itemgraph_has_labels(const rn_itemgraph *g)
{
    return g->labels != NULL;
}

int rn_itemgraph_find_id(const rn_itemgraph *g, int64_t id, size_t *node)
{
    size_t lo = 0, hi = g->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int64_t v = g->ids[g->by_id[mid]];
        if (v == id) {
            *node = g->by_id[mid];
            return RN_OK;
        }
        if (v < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return rn_fail(RN_EARG, "graph: no node has id %lld", (long long)id);
}

int rn_itemgraph_find_label(const rn_itemgraph *g, const char *label, size_t *node)
{
    if (g->labels == NULL) return rn_fail(RN_EARG, "graph: the nodes have no labels (only ids)");
    for (size_t i = 0; i < g->n; i++)
        if (strcmp(g->labels[i], label) == 0) {
            *node = i;
            return RN_OK;
        }
    return rn_fail(RN_EARG, "graph: no node is called '%s'", label);
}

size_t rn_itemgraph_arcs(const rn_itemgraph *g, size_t node, const uint32_t **to, const float **w)
{
    size_t o = g->off[node];
    if (to) *to = g->to + o;
    if (w) *w = g->w + o;
    return g->off[node + 1] - o;
}

float rn_itemgraph_weight(const rn_itemgraph *g, size_t u, size_t v)
{
    size_t lo = g->off[u], hi = g->off[u + 1];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (g->to[mid] == v) return g->w[mid];
        if (g->to[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0.0f;
}

double rn_itemgraph_strength(const rn_itemgraph *g, size_t node)
{
    double s = 0;
    for (size_t i = g->off[node]; i < g->off[node + 1]; i++)
        s += (double)g->w[i];
    return s;
}

int64_t rn_itemgraph_sample(const rn_itemgraph *g, size_t node, rn_rng *r)
{
    size_t o = g->off[node], d = g->off[node + 1] - o;
    if (d == 0) return -1;
    size_t i = (size_t)rn_rng_below(r, d);
    if (rn_rng_uniform(r) >= g->alias_p[o + i]) i = g->alias[o + i];
    return g->to[o + i];
}
