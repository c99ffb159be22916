/* The graph panel: a small node-link view for DeepWalk and node2vec.
 *
 * Nodes sit where the caller puts them (a 2-D projection of embeddings) or
 * where a deterministic force-directed layout does; edges are grey lines.
 * Nodes may be coloured by a class (a label such as the karate club's two
 * factions, or a clustering), with a legend naming the classes. A walk is
 * drawn over the graph as a thick coloured path with its steps numbered on
 * the edges it takes; showing only its first k steps (vz_graph_set_walk_step)
 * replays it step by step, the node reached last ringed. */
#include "vz_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const vz_color vz_graph_walk_dark = {40, 40, 40, 255};

/* ---- layout ----------------------------------------------------------------------- */

/* Fruchterman & Reingold (1991) force-directed layout, in place: nodes repel
 * as k^2/d, edges pull as d^2/k, moves are capped by a temperature that cools
 * linearly over 300 rounds. Starts from the given positions (a circle), so
 * the result is the same on every run. O(n^2) a round: used up to 500 nodes. */
static int force_layout(float *xy, int n, const int *edges, int n_edges)
{
    double *d = calloc(2 * (size_t)n, sizeof *d);
    if (d == NULL) return vz_fail(VZ_ENOMEM, "graph: out of memory for the layout");
    const double area = 4.0, k = sqrt(area / n); /* the circle spans [-1, 1]^2 */
    const int rounds = 300;
    for (int r = 0; r < rounds; r++) {
        memset(d, 0, 2 * (size_t)n * sizeof *d);
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++) {
                double dx = (double)xy[2 * i] - (double)xy[2 * j];
                double dy = (double)xy[2 * i + 1] - (double)xy[2 * j + 1];
                double dist2 = dx * dx + dy * dy + 1e-9;
                double f = k * k / dist2; /* (k^2 / d) along the unit vector (dx, dy) / d */
                d[2 * i] += dx * f, d[2 * i + 1] += dy * f;
                d[2 * j] -= dx * f, d[2 * j + 1] -= dy * f;
            }
        for (int e = 0; e < n_edges; e++) {
            int u = edges[2 * e], v = edges[2 * e + 1];
            if (u == v) continue;
            double dx = (double)xy[2 * u] - (double)xy[2 * v];
            double dy = (double)xy[2 * u + 1] - (double)xy[2 * v + 1];
            double dist = sqrt(dx * dx + dy * dy) + 1e-9;
            double f = dist / k; /* (d^2 / k) along the unit vector */
            d[2 * u] -= dx * f, d[2 * u + 1] -= dy * f;
            d[2 * v] += dx * f, d[2 * v + 1] += dy * f;
        }
        double temp = 0.2 * (1.0 - (double)r / rounds) + 0.002;
        for (int i = 0; i < n; i++) {
            double len = sqrt(d[2 * i] * d[2 * i] + d[2 * i + 1] * d[2 * i + 1]) + 1e-12;
            double step = len < temp ? len : temp;
            xy[2 * i] = (float)((double)xy[2 * i] + d[2 * i] / len * step);
            xy[2 * i + 1] = (float)((double)xy[2 * i + 1] + d[2 * i + 1] / len * step);
        }
    }
    free(d);
    return VZ_OK;
}

int vz_graph_set(vz_panel *p, int n, const float *xy, const char *const *labels, const int *edges,
                 int n_edges)
{
    if (p->kind != VZ_PANEL_GRAPH) return vz_fail(VZ_EINVAL, "graph: this panel is not a graph");
    if (n < 1 || n > 10000) return vz_fail(VZ_EINVAL, "graph: %d nodes (must be 1..10000)", n);
    if (n_edges < 0 || n_edges > 100000)
        return vz_fail(VZ_EINVAL, "graph: %d edges (must be 0..100000)", n_edges);
    for (int e = 0; e < 2 * n_edges; e++)
        if (edges[e] < 0 || edges[e] >= n)
            return vz_fail(VZ_EINVAL, "graph: edge %d names node %d (nodes are 1..%d)", e / 2 + 1,
                           edges[e] + 1, n);
    for (int i = 0; xy != NULL && i < 2 * n; i++)
        if (!isfinite(xy[i]))
            return vz_fail(VZ_EINVAL, "graph: position of node %d is not finite", i / 2 + 1);
    float *nodes = malloc(2 * (size_t)n * sizeof *nodes);
    float *px = malloc(2 * (size_t)n * sizeof *px);
    int *ed = malloc((size_t)(2 * n_edges + 1) * sizeof *ed);
    int fail = 0;
    char **lab = vz__labels_dup(labels, n, &fail);
    if (nodes == NULL || px == NULL || ed == NULL || fail) {
        free(nodes), free(px), free(ed);
        vz__labels_free(lab, n);
        return vz_fail(VZ_ENOMEM, "graph: out of memory");
    }
    /* without a layout: nodes start on a circle and, when there are edges,
     * spread by force (deterministic); either way the result is fitted,
     * centred, into the unit square keeping its aspect */
    for (int i = 0; i < n; i++) {
        double t = 2 * M_PI * i / n - M_PI / 2;
        nodes[2 * i] = xy != NULL ? xy[2 * i] : (float)cos(t);
        nodes[2 * i + 1] = xy != NULL ? -xy[2 * i + 1] : (float)sin(t); /* y grows upwards */
    }
    if (xy == NULL && n_edges > 0 && n <= 500 && force_layout(nodes, n, edges, n_edges) != VZ_OK) {
        free(nodes), free(px), free(ed);
        vz__labels_free(lab, n);
        return VZ_ENOMEM;
    }
    float x0 = nodes[0], x1 = nodes[0], y0 = nodes[1], y1 = nodes[1];
    for (int i = 1; i < n; i++) {
        x0 = fminf(x0, nodes[2 * i]), x1 = fmaxf(x1, nodes[2 * i]);
        y0 = fminf(y0, nodes[2 * i + 1]), y1 = fmaxf(y1, nodes[2 * i + 1]);
    }
    float span = fmaxf(x1 - x0, y1 - y0);
    if (!(span > 0)) span = 1;
    for (int i = 0; i < n; i++) {
        nodes[2 * i] = 0.5f + (nodes[2 * i] - (x0 + x1) / 2) / span;
        nodes[2 * i + 1] = 0.5f + (nodes[2 * i + 1] - (y0 + y1) / 2) / span;
    }
    if (n_edges > 0) memcpy(ed, edges, 2 * (size_t)n_edges * sizeof *ed);
    free(p->nodes), free(p->node_px), free(p->edges), free(p->walk);
    vz__labels_free(p->node_labels, p->n_nodes);
    p->nodes = nodes, p->node_px = px, p->edges = ed, p->node_labels = lab;
    p->n_nodes = n, p->n_edges = n_edges;
    p->walk = NULL, p->walk_len = 0, p->walk_shown = 0;
    free(p->node_class);
    vz__labels_free(p->class_names, p->n_class_names);
    p->node_class = NULL, p->class_names = NULL, p->n_class_names = 0;
    vz__figure_changed(p->fig);
    return VZ_OK;
}

int vz_graph_set_walk(vz_panel *p, const int *walk, int len)
{
    if (p->kind != VZ_PANEL_GRAPH || p->nodes == NULL)
        return vz_fail(VZ_EINVAL, "walk: set the graph's nodes first");
    if (len < 0 || len > 10000)
        return vz_fail(VZ_EINVAL, "walk: length %d (must be 0..10000)", len);
    for (int i = 0; i < len; i++)
        if (walk[i] < 0 || walk[i] >= p->n_nodes)
            return vz_fail(VZ_EINVAL, "walk: step %d is node %d (nodes are 1..%d)", i + 1,
                           walk[i] + 1, p->n_nodes);
    int *w = malloc((size_t)(len + 1) * sizeof *w);
    if (w == NULL) return vz_fail(VZ_ENOMEM, "walk: out of memory");
    if (len > 0) memcpy(w, walk, (size_t)len * sizeof *w);
    free(p->walk);
    p->walk = w, p->walk_len = len;
    p->walk_shown = len > 0 ? len - 1 : 0;
    vz__figure_changed(p->fig);
    return VZ_OK;
}

int vz_graph_set_walk_step(vz_panel *p, int steps)
{
    if (p->kind != VZ_PANEL_GRAPH || p->walk == NULL)
        return vz_fail(VZ_EINVAL, "walk step: set a walk first");
    int all = p->walk_len > 0 ? p->walk_len - 1 : 0;
    p->walk_shown = steps < 0 || steps > all ? all : steps;
    vz__figure_changed(p->fig);
    return VZ_OK;
}

int vz_graph_walk_step(const vz_panel *p)
{
    return p->kind == VZ_PANEL_GRAPH && p->walk != NULL ? p->walk_shown : 0;
}

int vz_graph_set_classes(vz_panel *p, const int *classes, int n, const char *const *names,
                         int n_names)
{
    if (p->kind != VZ_PANEL_GRAPH || p->nodes == NULL)
        return vz_fail(VZ_EINVAL, "classes: set the graph's nodes first");
    if (classes != NULL && n != p->n_nodes)
        return vz_fail(VZ_EINVAL, "classes: %d values for %d nodes", n, p->n_nodes);
    if (n_names < 0 || n_names > 256 || (names == NULL && n_names > 0))
        return vz_fail(VZ_EINVAL, "classes: %d names (must be 0..256)", n_names);
    for (int i = 0; classes != NULL && i < n; i++)
        if (classes[i] < -1 || classes[i] > 255)
            return vz_fail(VZ_EINVAL, "classes: node %d has class %d (classes are 0..255, or -1)",
                           i + 1, classes[i]);
    int *c = NULL, fail = 0;
    if (classes != NULL) {
        c = malloc((size_t)n * sizeof *c);
        if (c == NULL) return vz_fail(VZ_ENOMEM, "classes: out of memory");
        memcpy(c, classes, (size_t)n * sizeof *c);
    }
    char **nm = n_names > 0 ? vz__labels_dup(names, n_names, &fail) : NULL;
    if (fail) {
        free(c);
        return vz_fail(VZ_ENOMEM, "classes: out of memory");
    }
    free(p->node_class);
    vz__labels_free(p->class_names, p->n_class_names);
    p->node_class = c, p->class_names = nm, p->n_class_names = nm ? n_names : 0;
    vz__figure_changed(p->fig);
    return VZ_OK;
}

vz_color vz_graph_class_color(int c)
{
    return c < 0 ? (vz_color){222, 235, 247, 255} : vz_palette(c);
}

int vz_graph_node_pixel(const vz_panel *p, int i, float *px, float *py)
{
    if (p->kind != VZ_PANEL_GRAPH || i < 0 || i >= p->n_nodes || !p->rendered)
        return vz_fail(VZ_EINVAL, "graph: no node %d (render first)", i + 1);
    *px = p->node_px[2 * i], *py = p->node_px[2 * i + 1];
    return VZ_OK;
}

void vz__draw_graph(vz_dlist *dl, vz_panel *p, const vz__style *st)
{
    float r = 11 * st->scale;
    vz__layout(dl, p, st, r + 4, r + 4, r + 4, r + 4);
    if (p->nodes == NULL) return;
    SDL_Rect a = p->area;
    /* the layout's bounding box, scaled to fill the area keeping its aspect */
    float x0 = p->nodes[0], x1 = x0, y0 = p->nodes[1], y1 = y0;
    for (int i = 1; i < p->n_nodes; i++) {
        x0 = fminf(x0, p->nodes[2 * i]), x1 = fmaxf(x1, p->nodes[2 * i]);
        y0 = fminf(y0, p->nodes[2 * i + 1]), y1 = fmaxf(y1, p->nodes[2 * i + 1]);
    }
    float sx = x1 > x0 ? (float)a.w / (x1 - x0) : 1e30f,
          sy = y1 > y0 ? (float)a.h / (y1 - y0) : 1e30f;
    float scale = fminf(sx, sy);
    if (scale > 1e29f) /* one node, or all at one place */
        scale = 0;
    float cx = (float)a.x + (float)a.w / 2, cy = (float)a.y + (float)a.h / 2;
    for (int i = 0; i < p->n_nodes; i++) {
        p->node_px[2 * i] = cx + (p->nodes[2 * i] - (x0 + x1) / 2) * scale;
        p->node_px[2 * i + 1] = cy + (p->nodes[2 * i + 1] - (y0 + y1) / 2) * scale;
    }
    const float *q = p->node_px;
    vz__dl_group(dl, "edges", NULL);
    for (int e = 0; e < p->n_edges; e++) {
        int u = p->edges[2 * e], v = p->edges[2 * e + 1];
        vz__dl_segment(dl, q[2 * u], q[2 * u + 1], q[2 * v], q[2 * v + 1], 1.5f * st->scale,
                       (vz_color){150, 150, 150, 255});
    }
    vz__dl_end_group(dl);
    /* the walk's colour: vermillion, or near-black when classes colour the nodes */
    vz_color walk_col = p->node_class != NULL ? vz_graph_walk_dark : vz_palette(3);
    int shown = p->walk_len > 1 ? p->walk_shown : 0; /* steps drawn */
    if (shown > 0) {
        vz__dl_group(dl, "walk", NULL);
        size_t line = vz__dl_line_begin(dl, 4 * st->scale, walk_col);
        for (int i = 0; i <= shown; i++)
            vz__dl_point(dl, line, q[2 * p->walk[i]], q[2 * p->walk[i] + 1]);
        vz__dl_end_group(dl);
    }
    vz__dl_group(dl, "nodes", NULL);
    for (int i = 0; i < p->n_nodes; i++) {
        int on_walk = 0;
        for (int k = 0; k <= shown && k < p->walk_len && !on_walk; k++)
            on_walk = p->walk[k] == i;
        vz_color fill;
        if (p->node_class != NULL)
            fill = vz_graph_class_color(p->node_class[i]);
        else
            fill = on_walk ? (vz_color){250, 220, 190, 255} : (vz_color){222, 235, 247, 255};
        vz_color ring = on_walk ? walk_col : (p->node_class != NULL ? vz__ink : vz_palette(0));
        float rw = (on_walk ? 3.0f : (p->node_class != NULL ? 1.0f : 2.0f)) * st->scale;
        vz__dl_circle(dl, q[2 * i], q[2 * i + 1], r, fill, rw, ring);
        char num[16];
        snprintf(num, sizeof num, "%d", i + 1);
        const char *lab = p->node_labels ? p->node_labels[i] : num;
        int w, h;
        vz__text_size(lab[0] ? lab : " ", st->tick_size, 0, &w, &h);
        if ((float)w <= 2 * r - 4)
            vz__text_at(dl, lab, q[2 * i], q[2 * i + 1], 1, 1, st->tick_size, 0, vz__ink);
        else
            vz__text_at(dl, lab, q[2 * i], q[2 * i + 1] + r + 2, 1, 0, st->tick_size, 0, vz__ink);
    }
    vz__dl_end_group(dl);
    /* step numbers at the middle of each walked edge, and a ring on the node reached last */
    if (shown > 0) {
        vz__dl_group(dl, "steps", NULL);
        char num[16];
        for (int i = 0; i < shown; i++) {
            int u = p->walk[i], v = p->walk[i + 1];
            float mx = (q[2 * u] + q[2 * v]) / 2, my = (q[2 * u + 1] + q[2 * v + 1]) / 2;
            vz__dl_circle(dl, mx, my, 8 * st->scale, walk_col, 0, walk_col);
            snprintf(num, sizeof num, "%d", i + 1);
            vz__text_at(dl, num, mx, my, 1, 1, st->tick_size - 1, 1, vz__white);
        }
        int at = p->walk[shown];
        vz__dl_circle(dl, q[2 * at], q[2 * at + 1], r + 4 * st->scale, (vz_color){0, 0, 0, 0},
                      2 * st->scale, walk_col);
        vz__dl_end_group(dl);
    }
    if (p->n_class_names > 0) {
        vz_color cols[256];
        for (int c = 0; c < p->n_class_names; c++)
            cols[c] = vz_graph_class_color(c);
        vz__legend(dl, p, st, (const char *const *)p->class_names, cols, p->n_class_names);
    }
}

void vz__graph_hover(const vz_panel *p, int x, int y, char *buf, size_t size)
{
    for (int i = 0; p->nodes && i < p->n_nodes; i++) {
        float dx = p->node_px[2 * i] - (float)x, dy = p->node_px[2 * i + 1] - (float)y;
        if (dx * dx + dy * dy > 14 * 14) continue;
        int deg = 0;
        for (int e = 0; e < 2 * p->n_edges; e++)
            deg += p->edges[e] == i;
        char num[16];
        snprintf(num, sizeof num, "node %d", i + 1);
        int c = p->node_class != NULL ? p->node_class[i] : -1;
        if (c >= 0 && c < p->n_class_names)
            snprintf(buf, size, "%s: degree %d, %s", p->node_labels ? p->node_labels[i] : num, deg,
                     p->class_names[c]);
        else
            snprintf(buf, size, "%s: degree %d", p->node_labels ? p->node_labels[i] : num, deg);
        return;
    }
}

