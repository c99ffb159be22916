/* vz_scatter_highlight, headless: the query's colour at its pixel, the
 * neighbours' colour at theirs, the other points faint grey, the caller's
 * note and the labels drawn (in the display list and as ink above the plot),
 * hover names a point, a click leaves the selection alone, errors. Saves
 * highlight.png and highlight.svg for review. */
#include "vizcheck.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Does the display list hold a text command reading s? */
static int has_text(const vz_dlist *dl, const char *s)
{
    for (size_t i = 0; i < dl->n_cmds; i++)
        if (dl->cmds[i].kind == VZ_CMD_TEXT && strcmp(dl->chars + dl->cmds[i].text, s) == 0)
            return 1;
    return 0;
}

static void test_highlight(void)
{
    /* 400 points on a spiral; the query and its neighbours far apart from each other */
    enum { N = 400 };
    float pts[2 * N];
    const char *labels[N];
    static char names[N][24];
    for (int i = 0; i < N; i++) {
        float t = (float)i * 0.05f;
        pts[2 * i] = t * cosf(t * 2.0f);
        pts[2 * i + 1] = t * sinf(t * 2.0f);
        snprintf(names[i], sizeof names[i], "Movie %d (19%02d)", i, i % 100);
        labels[i] = names[i];
    }
    const int query = 390, nbrs[3] = {300, 200, 100};
    vz_figure *f = vz_figure_new(1, 1, 800, 600);
    vz_panel *p = vz_figure_add_panel(f, VZ_PANEL_SCATTER);
    CHECK(vz_scatter_set(p, pts, N, 2, NULL, labels) == VZ_OK);
    const char *note = "3 nearest to Movie 390 (1990) by cosine (32-d); PC1 41%, PC2 17% of variance";
    CHECK(vz_scatter_highlight(p, query, nbrs, 3, note) == VZ_OK);
    vz_panel_set_title(p, "Embedding neighbourhood");
    CHECK(vz_figure_render(f) == VZ_OK);
    SDL_Surface *s = vz_figure_surface(f);
    float px, py;
    /* the query: vermillion at its projected position */
    CHECK(vz_panel_data_to_pixel(p, pts[2 * query], pts[2 * query + 1], &px, &py) == VZ_OK);
    CHECK(color_diff(px_at(s, (int)lroundf(px), (int)lroundf(py)), vz_highlight_query) <= 12);
    /* each neighbour: blue at its position */
    for (int j = 0; j < 3; j++) {
        int i = nbrs[j];
        vz_panel_data_to_pixel(p, pts[2 * i], pts[2 * i + 1], &px, &py);
        CHECK(color_diff(px_at(s, (int)lroundf(px), (int)lroundf(py)), vz_highlight_neighbour) <= 12);
    }
    /* a point outside the highlight is faint grey: light, and no colour cast */
    vz_panel_data_to_pixel(p, pts[2 * 395], pts[2 * 395 + 1], &px, &py);
    vz_color o = px_at(s, (int)lroundf(px), (int)lroundf(py));
    CHECK(luminance(o) > 170 && luminance(o) < 245);
    CHECK(abs(o.r - o.b) <= 3 && abs(o.r - o.g) <= 3);
    /* the link from the query to its nearest neighbour passes through the midpoint */
    float qx, qy, nx, ny;
    vz_panel_data_to_pixel(p, pts[2 * query], pts[2 * query + 1], &qx, &qy);
    vz_panel_data_to_pixel(p, pts[2 * 300], pts[2 * 300 + 1], &nx, &ny);
    vz_color link_blend = {140, 183, 214, 255}; /* blue at alpha 150 over white */
    CHECK(color_near(s, (qx + nx) / 2, (qy + ny) / 2, 2, link_blend, 60));
    /* text: the note, the query's and neighbours' labels, and the legend */
    const vz_dlist *dl = vz_figure_dlist(f);
    CHECK(has_text(dl, note));
    CHECK(has_text(dl, "Movie 390 (1990)"));
    CHECK(has_text(dl, "Movie 300 (1900)") && has_text(dl, "Movie 100 (1900)"));
    CHECK(has_text(dl, "query") && has_text(dl, "3 nearest"));
    CHECK(!has_text(dl, "Movie 395 (1995)")); /* other points stay unnamed */
    /* and the note is ink between the title and the plot */
    SDL_Rect a = vz_panel_area(p);
    CHECK(ink_in(s, a.x + a.w / 4, a.y - 22, a.w / 2, 18) > 100);
    CHECK(vz_figure_save(f, "highlight.png") == VZ_OK);
    CHECK(vz_figure_save(f, "highlight.svg") == VZ_OK);
    FILE *svg = fopen("highlight.svg", "rb");
    char buf[1 << 16];
    size_t len = svg ? fread(buf, 1, sizeof buf - 1, svg) : 0;
    buf[len] = '\0';
    if (svg) fclose(svg);
    CHECK(strstr(buf, "query") != NULL && strstr(buf, "neighbours") != NULL);

    /* hover names the point under the pointer */
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_MOUSEMOTION;
    e.motion.x = (int)lroundf(qx), e.motion.y = (int)lroundf(qy);
    vz_figure_handle_event(f, &e);
    CHECK(vz_figure_render(f) == VZ_OK);
    CHECK(strncmp(vz_figure_hover_text(f), "Movie 390 (1990): ", 18) == 0);
    /* a click on a faint point does not replace the caller's neighbours */
    vz_panel_data_to_pixel(p, pts[2 * 395], pts[2 * 395 + 1], &px, &py);
    memset(&e, 0, sizeof e);
    e.type = SDL_MOUSEBUTTONDOWN;
    e.button.button = SDL_BUTTON_LEFT;
    e.button.x = (int)lroundf(px), e.button.y = (int)lroundf(py);
    vz_figure_handle_event(f, &e);
    e.type = SDL_MOUSEBUTTONUP;
    vz_figure_handle_event(f, &e);
    int got[4];
    CHECK(vz_scatter_neighbours(p, got, 4) == 3 && got[0] == 300 && got[2] == 100);

    /* errors; an ordinary select clears the highlight */
    CHECK(vz_scatter_highlight(p, N, nbrs, 3, NULL) == VZ_EINVAL);
    CHECK_STR(vz_error(), "highlight: point 401 does not exist (the panel has 400)");
    CHECK(vz_scatter_highlight(p, 0, (const int[]){5, 400}, 2, NULL) == VZ_EINVAL);
    CHECK_STR(vz_error(), "highlight: neighbour 2 is point 401, which does not exist (the panel has 400)");
    CHECK(vz_scatter_select(p, 10, 2, VZ_METRIC_EUCLIDEAN) == VZ_OK);
    CHECK(vz_figure_render(f) == VZ_OK);
    CHECK(!has_text(vz_figure_dlist(f), note));
    CHECK(vz_scatter_highlight(p, -1, NULL, 0, NULL) == VZ_OK);
    CHECK(vz_scatter_neighbours(p, got, 4) == 0);
    vz_figure_free(f);
}

int main(void)
{
    RUN(test_highlight);
    vz_shutdown();
    return check_report();
}
