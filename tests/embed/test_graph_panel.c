/* The graph panel (viz/graph.c): nodes coloured by class, the walk replayed
 * step by step, errors. Pixels are read from the offscreen render. */
#include "vizcheck.h"

/* A square 1-2-3-4 with a diagonal; classes 0, 0, 1, 1. */
static vz_figure *square(vz_panel **p)
{
    vz_figure *f = vz_figure_new(1, 1, 400, 400);
    *p = vz_figure_add_panel(f, VZ_PANEL_GRAPH);
    float xy[] = {0, 0, 1, 0, 1, 1, 0, 1};
    int edges[] = {0, 1, 1, 2, 2, 3, 3, 0, 0, 2};
    CHECK(vz_graph_set(*p, 4, xy, NULL, edges, 5) == VZ_OK);
    return f;
}

static void test_classes(void)
{
    vz_panel *p;
    vz_figure *f = square(&p);
    int cls[] = {0, 0, 1, 1};
    const char *names[] = {"Mr. Hi", "Officer"};
    CHECK(vz_graph_set_classes(p, cls, 4, names, 2) == VZ_OK);
    CHECK(vz_figure_render(f) == VZ_OK);
    SDL_Surface *s = vz_figure_surface(f);
    for (int i = 0; i < 4; i++) {
        float x, y;
        CHECK(vz_graph_node_pixel(p, i, &x, &y) == VZ_OK);
        /* left of the node's number, inside its disc */
        vz_color c = px_at(s, (int)x - 7, (int)y);
        CHECK(color_diff(c, vz_palette(cls[i])) <= 12);
    }
    /* errors */
    CHECK(vz_graph_set_classes(p, cls, 3, NULL, 0) == VZ_EINVAL);
    CHECK(strcmp(vz_error(), "classes: 3 values for 4 nodes") == 0);
    int bad[] = {0, 0, 300, 1};
    CHECK(vz_graph_set_classes(p, bad, 4, NULL, 0) == VZ_EINVAL);
    CHECK(strcmp(vz_error(), "classes: node 3 has class 300 (classes are 0..255, or -1)") == 0);
    vz_figure_free(f);
}

static void test_walk_steps(void)
{
    vz_panel *p;
    vz_figure *f = square(&p);
    int cls[] = {0, 0, 1, 1};
    CHECK(vz_graph_set_classes(p, cls, 4, NULL, 0) == VZ_OK);
    int walk[] = {0, 1, 2, 3};
    CHECK(vz_graph_set_walk(p, walk, 4) == VZ_OK);
    CHECK(vz_graph_walk_step(p) == 3);
    CHECK(vz_graph_set_walk_step(p, 1) == VZ_OK);
    CHECK(vz_graph_walk_step(p) == 1);
    CHECK(vz_figure_render(f) == VZ_OK);
    SDL_Surface *s = vz_figure_surface(f);
    float x[4], y[4];
    for (int i = 0; i < 4; i++)
        vz_graph_node_pixel(p, i, &x[i], &y[i]);
    /* step 1 (0 -> 1) is drawn dark with its number's disc; step 2 (1 -> 2) is not yet */
    float mx = (x[0] + x[1]) / 2, my = (y[0] + y[1]) / 2;
    CHECK(color_near(s, mx + 10, my, 1, vz_graph_walk_dark, 30));
    float m2x = (x[1] + x[2]) / 2, m2y = (y[1] + y[2]) / 2;
    CHECK(!color_near(s, m2x, m2y + 12, 2, vz_graph_walk_dark, 30));
    CHECK(vz_graph_set_walk_step(p, 2) == VZ_OK);
    CHECK(vz_figure_render(f) == VZ_OK);
    s = vz_figure_surface(f);
    CHECK(color_near(s, m2x, m2y + 12, 2, vz_graph_walk_dark, 30));
    CHECK(vz_graph_set_walk_step(p, -1) == VZ_OK && vz_graph_walk_step(p) == 3);
    vz_figure_free(f);
}

int main(void)
{
    RUN(test_classes);
    RUN(test_walk_steps);
    return check_report();
}
