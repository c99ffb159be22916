/* A real window, under X (run through xvfb-run by ctest): the figure opens a
 * window on the first pump, the X server's copy of the window (read back
 * with XGetImage, a screenshot) equals the PNG the figure saves, events pushed
 * into SDL's queue reach the figure (resize re-renders, keys), closing the
 * window hides the figure without ending the process, and SDL never takes
 * SIGINT. Exits 77 (skipped) without a display. */
#include "vizcheck.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <SDL_image.h>
#include <SDL_syswm.h>
#include <X11/Xlib.h>
#include <X11/Xutil.h>

/* Pumps for 0.3 s: the window maps, resizes and draws in that time on Xvfb. */
static void settle(void)
{
    for (int i = 0; i < 15; i++) {
        vz_pump();
        SDL_Delay(20);
    }
}

/* The window of f as the X server holds it, compared with the surface. */
static int screen_diff(vz_figure *f, SDL_Window *win)
{
    SDL_SysWMinfo info;
    SDL_VERSION(&info.version);
    if (!SDL_GetWindowWMInfo(win, &info) || info.subsystem != SDL_SYSWM_X11) return -1;
    Display *dpy = info.info.x11.display;
    Window xw = info.info.x11.window;
    XSync(dpy, False);
    SDL_Surface *s = vz_figure_surface(f);
    XImage *img = XGetImage(dpy, xw, 0, 0, (unsigned)s->w, (unsigned)s->h, AllPlanes, ZPixmap);
    if (img == NULL) return -1;
    int diff = 0;
    for (int y = 0; y < s->h; y++)
        for (int x = 0; x < s->w; x++) {
            unsigned long v = XGetPixel(img, x, y);
            vz_color c = {(Uint8)((v & img->red_mask) >> 16), (Uint8)((v & img->green_mask) >> 8),
                          (Uint8)(v & img->blue_mask), 255};
            if (color_diff(c, px_at(s, x, y)) != 0 && diff++ < 3) {
                vz_color d = px_at(s, x, y);
                fprintf(stderr, "screen (%d, %d) = %d %d %d, figure %d %d %d\n", x, y, c.r, c.g,
                        c.b, d.r, d.g, d.b);
            }
        }
    if (diff)
        fprintf(stderr, "%d pixels differ of %d x %d (image %d x %d, depth %d)\n", diff, s->w, s->h,
                img->width, img->height, img->depth);
    XDestroyImage(img);
    return diff;
}

/* The SDL window of the figure: the only one SDL knows in this process. */
static SDL_Window *the_window(void)
{
    for (Uint32 id = 1; id < 16; id++) {
        SDL_Window *w = SDL_GetWindowFromID(id);
        if (w != NULL) return w;
    }
    return NULL;
}

static void push(SDL_Event *e, SDL_Window *w)
{
    Uint32 id = SDL_GetWindowID(w);
    if (e->type == SDL_WINDOWEVENT)
        e->window.windowID = id;
    else if (e->type == SDL_KEYDOWN)
        e->key.windowID = id;
    SDL_PushEvent(e);
}

int main(void)
{
    const char *why;
    if (vz_headless(&why)) {
        printf("skipped: %s\n", why);
        return 77;
    }
    vz_set_data_dir(".");
    vz_figure *f = vz_figure_new(1, 1, 640, 400);
    vz_panel *p = vz_figure_add_panel(f, VZ_PANEL_LINE);
    float y[50];
    for (int i = 0; i < 50; i++)
        y[i] = (float)(i % 10) * 0.1f + (float)i * 0.02f;
    vz_line_append(p, vz_line_add_series(p, "loss"), NULL, y, 50);
    vz_panel_set_title(p, "In a window");
    CHECK(vz_figure_show(f) == 1);
    CHECK(vz_figure_has_window(f));
    settle();
    SDL_Window *win = the_window();
    CHECK(win != NULL);
    if (win == NULL) return check_report();
    CHECK(vz_pump() == 1);
    CHECK_STR(SDL_GetWindowTitle(win), "recnote: In a window");

    /* the screen shows exactly what the PNG holds */
    CHECK(vz_figure_save(f, "window.png") == VZ_OK);
    SDL_Surface *png = IMG_Load("window.png");
    SDL_Surface *conv = png ? SDL_ConvertSurfaceFormat(png, SDL_PIXELFORMAT_ARGB8888, 0) : NULL;
    int png_diff = 0;
    for (int yy = 0; conv && yy < conv->h; yy++)
        for (int x = 0; x < conv->w; x++)
            png_diff += color_diff(px_at(conv, x, yy), px_at(vz_figure_surface(f), x, yy)) != 0;
    CHECK(conv != NULL && png_diff == 0);
    SDL_FreeSurface(conv);
    SDL_FreeSurface(png);
    CHECK(screen_diff(f, win) == 0);

    /* a key through SDL's queue: p toggles presentation mode */
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_KEYDOWN;
    e.key.keysym.sym = SDLK_p;
    push(&e, win);
    settle();
    CHECK(vz_figure_presentation(f));
    CHECK(screen_diff(f, win) == 0);

    /* s saves, and a note says so on screen only: dark in the corner, white in the PNG */
    remove("window-s.png");
    vz_figure_set_save_path(f, "window-s.png");
    memset(&e, 0, sizeof e);
    e.type = SDL_KEYDOWN;
    e.key.keysym.sym = SDLK_s;
    push(&e, win);
    settle();
    CHECK_STR(vz_figure_last_save(f), "window-s.png");
    SDL_Surface *s_png = IMG_Load("window-s.png");
    SDL_Surface *s_conv =
        s_png ? SDL_ConvertSurfaceFormat(s_png, SDL_PIXELFORMAT_XRGB8888, 0) : NULL;
    SDL_Surface *shown = vz_figure_surface(f);
    CHECK(s_conv != NULL &&
          color_diff(px_at(s_conv, 10, s_conv->h - 10), (vz_color){255, 255, 255, 255}) == 0);
    CHECK(color_diff(px_at(shown, 10, shown->h - 10), (vz_color){40, 40, 40, 255}) <= 20);
    CHECK(screen_diff(f, win) == 0);
    SDL_FreeSurface(s_conv);
    SDL_FreeSurface(s_png);

    /* resize: the window and the figure agree, and the screen follows */
    SDL_SetWindowSize(win, 800, 500);
    settle();
    int w, h;
    vz_figure_size(f, &w, &h);
    CHECK(w == 800 && h == 500);
    CHECK(screen_diff(f, win) == 0);

    /* a second figure opens a second window; each closes on its own */
    vz_figure *g = vz_figure_new(1, 1, 300, 200);
    vz_panel *gb = vz_figure_add_panel(g, VZ_PANEL_BAR);
    vz_bar_set(gb, (float[]){1, 2, 3}, 3, NULL);
    CHECK(vz_figure_show(g) == 1);
    settle();
    CHECK(vz_pump() == 2);
    /* cascaded: the second window opens 32 pixels right of and below the
     * first (the review found them exactly on top of each other) */
    {
        int pos[2][2] = {{-1, -1}, {-1, -1}}, found = 0;
        Uint32 fid = SDL_GetWindowID(win);
        for (Uint32 id = 1; id < 64 && found < 2; id++) {
            SDL_Window *sw = SDL_GetWindowFromID(id);
            if (sw == NULL) continue;
            int k = id == fid ? 0 : 1;
            SDL_GetWindowPosition(sw, &pos[k][0], &pos[k][1]);
            found++;
        }
        fprintf(stderr, "windows at (%d, %d) and (%d, %d)\n", pos[0][0], pos[0][1], pos[1][0],
                pos[1][1]);
        CHECK(found == 2);
        CHECK(pos[1][0] - pos[0][0] == 32 && pos[1][1] - pos[0][1] == 32);
    }
    vz_figure_hide(g);
    CHECK(vz_pump() == 1);
    vz_figure_free(g);

    /* the figure resized by the program: the window follows */
    CHECK(vz_figure_resize(f, 500, 320) == VZ_OK);
    settle();
    int ww = 0, wh = 0;
    SDL_GetWindowSize(win, &ww, &wh);
    fprintf(stderr, "window %d x %d\n", ww, wh);
    CHECK(ww == 500 && wh == 320);
    vz_figure_size(f, &w, &h);
    CHECK(w == 500 && h == 320);
    CHECK(screen_diff(f, win) == 0);

    /* SIGINT stays the host's: SDL installed no handler */
    struct sigaction sa;
    sigaction(SIGINT, NULL, &sa);
    CHECK(sa.sa_handler == SIG_DFL);

    /* closing the window hides the figure; the process goes on */
    memset(&e, 0, sizeof e);
    e.type = SDL_WINDOWEVENT;
    e.window.event = SDL_WINDOWEVENT_CLOSE;
    push(&e, win);
    memset(&e, 0, sizeof e);
    e.type = SDL_QUIT;
    SDL_PushEvent(&e);
    CHECK(vz_pump() == 0);
    CHECK(!vz_figure_has_window(f));
    CHECK(vz_figure_save(f, "after_close.png") == VZ_OK);
    /* and can come back */
    CHECK(vz_figure_show(f) == 1);
    settle();
    CHECK(vz_pump() == 1);
    vz_figure_free(f);
    CHECK(vz_pump() == 0);
    /* no vz_shutdown: quitting SDL video unloads the X11 libraries, and their
     * process-lifetime allocations would then look leaked to LeakSanitizer */
    return check_report();
}
