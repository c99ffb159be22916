/* Figure-level tests, headless: line pixels at data coordinates, log-y, text
 * in the title box, PNG round trip, SVG structure, resize, decimation against
 * the full polyline, interaction (hover, zoom, pan, keys), and the errors. */
#include "vizcheck.h"
#include "vz_internal.h" /* the tick helpers */

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <SDL_image.h>

static const vz_color white = {255, 255, 255, 255};

/* A 640 x 400 figure with two series: "flat" at y = 1 and "rise" y = x. */
static vz_figure *two_series(vz_panel **out)
{
    vz_figure *f = vz_figure_new(1, 1, 640, 400);
    vz_panel *p = vz_figure_add_panel(f, VZ_PANEL_LINE);
    float flat[11], rise[11];
    for (int i = 0; i <= 10; i++)
        flat[i] = 1, rise[i] = (float)i;
    int a = vz_line_add_series(p, "flat"), b = vz_line_add_series(p, "rise");
    vz_line_append(p, a, NULL, flat, 11);
    vz_line_append(p, b, NULL, rise, 11);
    vz_panel_set_title(p, "Two series");
    vz_panel_set_xlabel(p, "step");
    vz_panel_set_ylabel(p, "value");
    *out = p;
    return f;
}

static void test_line_pixels(void)
{
    vz_panel *p;
    vz_figure *f = two_series(&p);
    CHECK(vz_figure_render(f) == VZ_OK);
    SDL_Surface *s = vz_figure_surface(f);
    CHECK(s != NULL && s->w == 640 && s->h == 400);
    float x, y;
    /* on each series, away from the crossing at x = 1 */
    for (int i = 3; i <= 9; i += 2) {
        CHECK(vz_panel_data_to_pixel(p, i, 1, &x, &y) == VZ_OK);
        CHECK(color_diff(px_at(s, (int)x, (int)y), vz_palette(0)) <= 12);
        CHECK(vz_panel_data_to_pixel(p, i, i, &x, &y) == VZ_OK);
        CHECK(color_diff(px_at(s, (int)x, (int)y), vz_palette(1)) <= 12);
    }
    /* and nothing coloured where there is no data */
    CHECK(vz_panel_data_to_pixel(p, 8, 4, &x, &y) == VZ_OK);
    CHECK(!color_near(s, x, y, 3, vz_palette(0), 60) && !color_near(s, x, y, 3, vz_palette(1), 60));
    CHECK(vz_figure_save(f, "line.png") == VZ_OK);
    vz_figure_free(f);
}

static void test_logy(void)
{
    vz_figure *f = vz_figure_new(1, 1, 640, 400);
    vz_panel *p = vz_figure_add_panel(f, VZ_PANEL_LINE);
    float y[50];
    for (int i = 0; i < 50; i++)
        y[i] = powf(10.0f, -(float)i / 10.0f); /* 1 down to 1e-4.9 */
    int s = vz_line_add_series(p, "loss");
    vz_line_append(p, s, NULL, y, 50);
    vz_line_set_logy(p, 1);
    vz_panel_set_title(p, "Log-y loss");
    CHECK(vz_figure_render(f) == VZ_OK);
    float px0, py0, px1, py1, pxm, pym;
    CHECK(vz_panel_data_to_pixel(p, 0, 1, &px0, &py0) == VZ_OK);
    CHECK(vz_panel_data_to_pixel(p, 49, y[49], &px1, &py1) == VZ_OK);
    CHECK(vz_panel_data_to_pixel(p, 20, 0.01, &pxm, &pym) == VZ_OK);
    /* on a log axis an exponential decay is a straight line: y(20) sits 20/49 of the way */
    CHECK_NEAR(pym, py0 + (py1 - py0) * 20.0f / 49.0f, 1.0);
    SDL_Surface *surf = vz_figure_surface(f);
    CHECK(color_diff(px_at(surf, (int)pxm, (int)pym), vz_palette(0)) <= 12);
    CHECK(vz_panel_data_to_pixel(p, 3, 0, &pxm, &pym) == VZ_EINVAL);
    CHECK(vz_figure_save(f, "logy.png") == VZ_OK);
    vz_figure_free(f);
}

static void test_text(void)
{
    vz_panel *p;
    vz_figure *f = two_series(&p);
    CHECK(vz_figure_render(f) == VZ_OK);
    SDL_Rect a = vz_panel_area(p);
    /* the title box: the band above the plot area, centred */
    int with = ink_in(vz_figure_surface(f), 200, 0, 240, a.y - 2);
    CHECK(with > 100);
    vz_panel_set_title(p, NULL);
    CHECK(vz_figure_render(f) == VZ_OK);
    a = vz_panel_area(p);
    CHECK(ink_in(vz_figure_surface(f), 200, 0, 240, a.y - 2) == 0);
    /* the y label is drawn turned: ink in a narrow column left of the ticks */
    CHECK(ink_in(vz_figure_surface(f), 0, a.y, 24, a.h) > 50);
    vz_figure_free(f);
}

static void test_png_roundtrip(void)
{
    vz_panel *p;
    vz_figure *f = two_series(&p);
    CHECK(vz_figure_save(f, "roundtrip.png") == VZ_OK);
    SDL_Surface *loaded = IMG_Load("roundtrip.png");
    CHECK(loaded != NULL);
    if (loaded != NULL) {
        SDL_Surface *conv = SDL_ConvertSurfaceFormat(loaded, SDL_PIXELFORMAT_ARGB8888, 0);
        SDL_Surface *s = vz_figure_surface(f);
        CHECK(conv != NULL && conv->w == s->w && conv->h == s->h);
        int diff = 0;
        for (int y = 0; conv && y < s->h; y++)
            for (int x = 0; x < s->w; x++)
                diff += color_diff(px_at(conv, x, y), px_at(s, x, y)) != 0;
        CHECK(diff == 0);
        /* and every pixel is opaque: what a window shows, no translucent text */
        int translucent = 0;
        for (int y = 0; conv && y < conv->h; y++)
            for (int x = 0; x < conv->w; x++)
                translucent += (((Uint32 *)((Uint8 *)conv->pixels + (size_t)y * conv->pitch))[x] >>
                                24) != 0xFF;
        CHECK(translucent == 0);
        SDL_FreeSurface(conv);
        SDL_FreeSurface(loaded);
    }
    /* no temporary file is left beside it */
    struct stat st;
    char tmp[64];
    snprintf(tmp, sizeof tmp, "roundtrip.png.tmp%ld", (long)getpid());
    CHECK(stat(tmp, &st) != 0);
    vz_figure_free(f);
}

/* Counts occurrences of needle in the file at path. */
static int count_in_file(const char *path, const char *needle)
{
    FILE *in = fopen(path, "r");
    if (in == NULL) return -1;
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, in);
    fclose(in);
    buf[n] = '\0';
    int k = 0;
    for (char *p = buf; (p = strstr(p, needle)) != NULL; p++)
        k++;
    return k;
}

static void test_svg(void)
{
    vz_panel *p;
    vz_figure *f = two_series(&p);
    /* a name that needs escaping */
    int s = vz_line_add_series(p, "a<b & \"c\"");
    float y[3] = {2, 3, 4};
    vz_line_append(p, s, NULL, y, 3);
    CHECK(vz_figure_save(f, "line.svg") == VZ_OK);
    CHECK(vz_figure_save(f, "line_svg.png") == VZ_OK); /* the same state, for the rsvg test */
    CHECK(count_in_file("line.svg", "<g class=\"series\"") == 3);
    CHECK(count_in_file("line.svg", "data-name=\"a&lt;b &amp; &quot;c&quot;\"") == 1);
    CHECK(count_in_file("line.svg", "<svg ") == 1);
    CHECK(count_in_file("line.svg", "</svg>") == 1);
    CHECK(count_in_file("line.svg", ">Two series</text>") == 1);
    /* every <g opened is closed */
    CHECK(count_in_file("line.svg", "<g ") == count_in_file("line.svg", "</g>"));
    vz_figure_free(f);
}

static void test_resize(void)
{
    vz_panel *p;
    vz_figure *f = two_series(&p);
    CHECK(vz_figure_render(f) == VZ_OK);
    float x0, y0;
    vz_panel_data_to_pixel(p, 7, 7, &x0, &y0);
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_WINDOWEVENT;
    e.window.event = SDL_WINDOWEVENT_SIZE_CHANGED;
    e.window.data1 = 900, e.window.data2 = 520;
    CHECK(vz_figure_handle_event(f, &e) == VZ_OK);
    CHECK(vz_figure_dirty(f));
    CHECK(vz_figure_render(f) == VZ_OK);
    SDL_Surface *s = vz_figure_surface(f);
    CHECK(s->w == 900 && s->h == 520);
    float x1, y1;
    vz_panel_data_to_pixel(p, 7, 7, &x1, &y1);
    CHECK(x1 > x0 + 100 && y1 > y0);
    CHECK(color_diff(px_at(s, (int)x1, (int)y1), vz_palette(1)) <= 12);
    CHECK(vz_figure_save(f, "resized.png") == VZ_OK);
    CHECK(vz_figure_resize(f, 10, 10) == VZ_EINVAL);
    vz_figure_free(f);
}

/* Over pixel columns x-r..x+r, the rows where the series colour shows. */
static void column_extent(SDL_Surface *s, SDL_Rect a, int x, int r, int *lo, int *hi)
{
    *lo = 1 << 30, *hi = -1;
    for (int c = x - r; c <= x + r; c++)
        for (int y = a.y; y < a.y + a.h; y++)
            if (color_diff(px_at(s, c, y), vz_palette(0)) <= 40) {
                *lo = y < *lo ? y : *lo;
                *hi = y > *hi ? y : *hi;
            }
}

static void test_decimation(void)
{
    /* 20000 noisy points: sorted x decimates, the same data unsorted draws all */
    enum { N = 20000 };
    static float x[N], y[N], xr[N], yr[N];
    unsigned seed = 7;
    for (int i = 0; i < N; i++) {
        seed = seed * 1103515245u + 12345u;
        x[i] = (float)i;
        y[i] = sinf((float)i / 1500.0f) + (float)((seed >> 16) % 1000) / 2500.0f;
    }
    for (int i = 0; i < N; i++) /* same polyline, drawn from the other end */
        xr[i] = x[N - 1 - i], yr[i] = y[N - 1 - i];
    vz_figure *fa = vz_figure_new(1, 1, 500, 300), *fb = vz_figure_new(1, 1, 500, 300);
    vz_panel *pa = vz_figure_add_panel(fa, VZ_PANEL_LINE),
             *pb = vz_figure_add_panel(fb, VZ_PANEL_LINE);
    vz_line_append(pa, vz_line_add_series(pa, NULL), x, y, N);
    vz_line_append(pb, vz_line_add_series(pb, NULL), xr, yr, N);
    CHECK(vz_figure_render(fa) == VZ_OK && vz_figure_render(fb) == VZ_OK);
    /* the decimated list is small: at most 4 points per column */
    const vz_dlist *dl = vz_figure_dlist(fa);
    size_t biggest = 0;
    for (size_t i = 0; i < dl->n_cmds; i++)
        if (dl->cmds[i].kind == VZ_CMD_LINE && dl->cmds[i].n > biggest) biggest = dl->cmds[i].n;
    SDL_Rect a = vz_panel_area(pa);
    CHECK(biggest <= (size_t)(4 * a.w + 8));
    CHECK(biggest > (size_t)a.w);
    /* The decimated line puts a column's points on the column's centre, the full
     * one at their exact x, so a steep flank or a round cap can land one column
     * over. Each picture's extent over 3 columns must lie within the other's over
     * 5 columns; losing a column's min or max breaks that by tens of rows. */
    int bad = 0;
    for (int xx = a.x + 3; xx < a.x + a.w - 3; xx++) {
        int lo1, hi1, lo2, hi2, lo3, hi3, lo4, hi4;
        column_extent(vz_figure_surface(fa), a, xx, 1, &lo1, &hi1);
        column_extent(vz_figure_surface(fb), a, xx, 2, &lo2, &hi2);
        column_extent(vz_figure_surface(fb), a, xx, 1, &lo3, &hi3);
        column_extent(vz_figure_surface(fa), a, xx, 2, &lo4, &hi4);
        if (lo1 < lo2 - 1 || hi1 > hi2 + 1 || lo3 < lo4 - 1 || hi3 > hi4 + 1) {
            bad++;
            fprintf(stderr, "column %d: rows %d..%d decimated, %d..%d in full\n", xx, lo1, hi1, lo3,
                    hi3);
        }
    }
    CHECK(bad == 0);
    vz_figure_save(fa, "decimated.png");
    vz_figure_free(fa);
    vz_figure_free(fb);
}

static SDL_Event mouse(Uint32 type, int x, int y)
{
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = type;
    if (type == SDL_MOUSEMOTION)
        e.motion.x = x, e.motion.y = y;
    else
        e.button.x = x, e.button.y = y, e.button.button = SDL_BUTTON_LEFT;
    return e;
}

static SDL_Event key(SDL_Keycode k, Uint16 mod)
{
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_KEYDOWN;
    e.key.keysym.sym = k;
    e.key.keysym.mod = mod;
    return e;
}

static void test_interaction(void)
{
    vz_panel *p;
    vz_figure *f = two_series(&p);
    CHECK(vz_figure_render(f) == VZ_OK);
    float x, y;
    vz_panel_data_to_pixel(p, 6, 6, &x, &y);
    SDL_Event e = mouse(SDL_MOUSEMOTION, (int)x, (int)y);
    vz_figure_handle_event(f, &e);
    CHECK(vz_figure_render(f) == VZ_OK);
    CHECK_STR(vz_figure_hover_text(f), "rise: x = 6, y = 6");
    /* the tooltip is drawn: dark box below-right of the pointer */
    CHECK(color_diff(px_at(vz_figure_surface(f), (int)x + 18, (int)y + 18),
                     (vz_color){40, 40, 40, 255}) <= 20);
    vz_figure_save(f, "hover.png");

    double a0, a1, b0, b1, c0, c1, d0, d1;
    vz_panel_view(p, &a0, &a1, &b0, &b1);
    memset(&e, 0, sizeof e);
    e.type = SDL_MOUSEWHEEL;
    e.wheel.y = 2;
    vz_figure_handle_event(f, &e);
    CHECK(vz_figure_render(f) == VZ_OK);
    vz_panel_view(p, &c0, &c1, &d0, &d1);
    CHECK_NEAR((c1 - c0), (a1 - a0) / 1.5625, 1e-6); /* 1.25^2 */
    /* the point under the pointer stays put, but for the few pixels the new
     * tick labels' width moves the plot area */
    float x2, y2;
    vz_panel_data_to_pixel(p, 6, 6, &x2, &y2);
    CHECK_NEAR(x2, x, 6.0);
    CHECK_NEAR(y2, y, 1.0);
    /* drag 50 pixels right: the view moves left by 50 pixels' worth */
    e = mouse(SDL_MOUSEBUTTONDOWN, 300, 200);
    vz_figure_handle_event(f, &e);
    e = mouse(SDL_MOUSEMOTION, 350, 200);
    vz_figure_handle_event(f, &e);
    e = mouse(SDL_MOUSEBUTTONUP, 350, 200);
    vz_figure_handle_event(f, &e);
    double e0, e1, g0, g1;
    vz_panel_view(p, &e0, &e1, &g0, &g1);
    CHECK_NEAR(e0, c0 - (c1 - c0) * 50 / vz_panel_area(p).w, 1e-6);
    CHECK_NEAR(g0, d0, 1e-9);
    /* r resets to the data's own range */
    e = key(SDLK_r, 0);
    vz_figure_handle_event(f, &e);
    CHECK(vz_figure_render(f) == VZ_OK);
    vz_panel_view(p, &c0, &c1, &d0, &d1);
    CHECK_NEAR(c0, a0, 1e-9);
    CHECK_NEAR(c1, a1, 1e-9);
    /* far zoom in, far out, far pans: every render still succeeds */
    for (int i = 0; i < 300; i++) {
        vz_panel_zoom(p, (float)x, (float)y, i < 150 ? 4.0f : 0.25f);
        vz_panel_pan(p, 1e6f, -1e6f);
        if (i % 25 == 0) CHECK(vz_figure_render(f) == VZ_OK);
    }
    e = key(SDLK_r, 0);
    vz_figure_handle_event(f, &e);
    CHECK(vz_figure_render(f) == VZ_OK);
    /* p: presentation mode draws thicker lines */
    int thin = 0, thick = 0;
    SDL_Surface *s = vz_figure_surface(f);
    for (int i = 0; i < s->w * s->h; i++)
        thin += color_diff(px_at(s, i % s->w, i / s->w), vz_palette(1)) <= 30;
    e = key(SDLK_p, 0);
    vz_figure_handle_event(f, &e);
    CHECK(vz_figure_presentation(f));
    CHECK(vz_figure_render(f) == VZ_OK);
    s = vz_figure_surface(f);
    for (int i = 0; i < s->w * s->h; i++)
        thick += color_diff(px_at(s, i % s->w, i / s->w), vz_palette(1)) <= 30;
    CHECK(thick > thin * 3 / 2);
    vz_figure_save(f, "presentation.png");
    /* s saves where asked */
    remove("pressed-s.png");
    vz_figure_set_save_path(f, "pressed-s.png");
    e = key(SDLK_s, 0);
    CHECK(vz_figure_handle_event(f, &e) == VZ_OK);
    CHECK_STR(vz_figure_last_save(f), "pressed-s.png");
    /* offscreen, no note is drawn over the figure */
    CHECK(vz_figure_render(f) == VZ_OK);
    CHECK(color_diff(px_at(vz_figure_surface(f), 10, vz_figure_surface(f)->h - 10),
                     (vz_color){255, 255, 255, 255}) == 0);
    struct stat st;
    CHECK(stat("pressed-s.png", &st) == 0 && st.st_size > 1000);
    /* h shows the keys over the figure, h again hides them */
    e = key(SDLK_h, 0);
    vz_figure_handle_event(f, &e);
    CHECK(vz_figure_render(f) == VZ_OK);
    s = vz_figure_surface(f);
    CHECK(color_diff(px_at(s, s->w / 2, s->h / 2 - 60), (vz_color){40, 40, 40, 255}) <= 20);
    CHECK(ink_in(s, s->w / 2 - 150, s->h / 2 - 60, 300, 120) > 5000);
    vz_figure_save(f, "keys.png");
    e = key(SDLK_h, 0);
    vz_figure_handle_event(f, &e);
    CHECK(vz_figure_render(f) == VZ_OK);
    CHECK(color_diff(px_at(vz_figure_surface(f), s->w / 2, s->h / 2 - 60),
                     (vz_color){40, 40, 40, 255}) > 20);
    /* Esc and Ctrl-C set the host's interrupt flag */
    volatile sig_atomic_t flag = 0;
    vz_set_interrupt(&flag);
    e = key(SDLK_ESCAPE, 0);
    vz_figure_handle_event(f, &e);
    CHECK(flag == 1);
    flag = 0;
    e = key(SDLK_c, KMOD_LCTRL);
    vz_figure_handle_event(f, &e);
    CHECK(flag == 1);
    vz_set_interrupt(NULL);
    vz_figure_free(f);
}

static void test_errors(void)
{
    vz_figure *f = vz_figure_new(1, 1, 320, 200);
    vz_panel *p = vz_figure_add_panel(f, VZ_PANEL_LINE);
    int s = vz_line_add_series(p, "loss");
    float y[4] = {1, 2, NAN, 4};
    CHECK(vz_line_append(p, s, NULL, y, 4) == VZ_EINVAL);
    CHECK_STR(vz_error(), "append: series \"loss\": y[3] is nan (not finite)");
    CHECK(vz_line_len(p, s) == 0);
    CHECK(vz_line_append(p, 5, NULL, y, 2) == VZ_EINVAL);
    CHECK_STR(vz_error(), "append: no series 5 (the panel has 1)");
    CHECK(vz_figure_save(f, "/nonexistent-dir/x.png") == VZ_EIO);
    CHECK(strstr(vz_error(), "cannot write /nonexistent-dir/x.png") != NULL);
    CHECK(vz_figure_save(f, "/nonexistent-dir/x.svg") == VZ_EIO);
    CHECK(vz_figure_save(f, "x.jpg") == VZ_EINVAL);
    CHECK_STR(vz_error(), "save: \"x.jpg\" should end in .png or .svg");
    CHECK(vz_figure_add_panel(f, VZ_PANEL_LINE) == NULL);
    CHECK_STR(vz_error(), "figure: all 1 cells (1 x 1) are taken");
    CHECK(vz_figure_new(0, 1, 100, 100) == NULL);
    CHECK(vz_figure_new(1, 1, 10, 100) == NULL);
    /* labels with invalid UTF-8 and control bytes are cleaned, not trusted */
    CHECK(vz_panel_set_title(p, "bad \xff\x01 bytes") == VZ_OK);
    CHECK(vz_figure_save(f, "cleaned.svg") == VZ_OK);
    CHECK(count_in_file("cleaned.svg", ">bad ?? bytes</text>") == 1);
    vz_figure_free(f);
    vz_figure_free(NULL);
}

static void test_ticks(void)
{
    double t[40], step;
    char buf[32];
    int n = vz__ticks(-0.04, 2.04, 6, t, &step);
    CHECK(n == 5 && step == 0.5); /* 0, 0.5, 1, 1.5, 2 */
    CHECK_NEAR(t[0], 0, 0);
    CHECK_NEAR(t[4], 2.0, 1e-12);
    vz__tick_label(buf, sizeof buf, -0.0, 1);
    CHECK_STR(buf, "0");
    vz__tick_label(buf, sizeof buf, 0.30000000000000004, 0.1);
    CHECK_STR(buf, "0.3");
    vz__tick_label(buf, sizeof buf, 2500000, 500000);
    CHECK_STR(buf, "2.5M");
    vz__tick_label(buf, sizeof buf, 4e9, 1e9);
    CHECK_STR(buf, "4G");
    vz__tick_label(buf, sizeof buf, 40000, 20000);
    CHECK_STR(buf, "40k");
    vz__tick_label(buf, sizeof buf, 400000, 200000);
    CHECK_STR(buf, "0.4M");
    vz__tick_label(buf, sizeof buf, 1500, 500);
    CHECK_STR(buf, "1500");
    vz__tick_label(buf, sizeof buf, 0, 200000);
    CHECK_STR(buf, "0");
    n = vz__ticks(0, 10.4, 6, t, &step);
    CHECK(n == 6 && step == 2); /* the finest step with at most 6 ticks */
}

static void test_headless(void)
{
    const char *why = NULL;
    /* the tests run with SDL_VIDEODRIVER=dummy */
    CHECK(vz_headless(&why) == 1);
    CHECK(why != NULL && why[0] != '\0');
    vz_figure *f = vz_figure_new(1, 1, 200, 100);
    CHECK(vz_figure_show(f) == 0);
    CHECK(vz_pump() == 0);
    CHECK(vz_pump_maybe() == 0);
    CHECK(!vz_figure_has_window(f));
    vz_figure_free(f);
}

/* Without the shipped font, rendering fails with a message saying where it looked. */
static void test_missing_font(void)
{
    vz_shutdown(); /* forget the cached fonts */
    const char *env = getenv("RECNOTE_DATA_DIR");
    char *saved = env ? strdup(env) : NULL;
    unsetenv("RECNOTE_DATA_DIR");
    vz_set_data_dir("/nonexistent-recnote");
    vz_figure *f = vz_figure_new(1, 1, 200, 100);
    vz_panel *p = vz_figure_add_panel(f, VZ_PANEL_LINE);
    vz_panel_set_title(p, "needs a font");
    CHECK(vz_figure_render(f) != VZ_OK);
    CHECK(strstr(vz_error(), "cannot open the font /nonexistent-recnote/assets/fonts/DejaVuSans") !=
          NULL);
    vz_figure_free(f);
    if (saved != NULL) setenv("RECNOTE_DATA_DIR", saved, 1);
    free(saved);
    vz_set_data_dir(".");
}

int main(void)
{
    vz_set_data_dir(".");
    RUN(test_line_pixels);
    RUN(test_logy);
    RUN(test_text);
    RUN(test_png_roundtrip);
    RUN(test_svg);
    RUN(test_resize);
    RUN(test_decimation);
    RUN(test_interaction);
    RUN(test_errors);
    RUN(test_ticks);
    RUN(test_headless);
    RUN(test_missing_font);
    vz_shutdown();
    (void)white;
    return check_report();
}
