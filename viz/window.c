/* Windows: SDL video started on first need, one window per shown figure, and
 * the pump that the REPL's idle hook (and, rate-limited, a training loop)
 * calls to handle events and redraw what changed. A window shows the figure's
 * own surface (the one a PNG saves), blitted to the window surface: no GPU
 * path, so the screen and the file agree pixel for pixel.
 *
 * SDL never installs signal handlers here (SDL_HINT_NO_SIGNAL_HANDLERS), so
 * Ctrl-C stays the REPL's; SDL_QUIT events are ignored, and closing a window
 * only hides its figure. */
#include "vz_internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static vz_figure *shown; /* figures with, or waiting for, a window */
static int forced_headless;
static int video_state; /* 0 not decided, 1 started, -1 offscreen */
static const char *offscreen_why = "";
static char video_error[256];
static int n_windows;

void vz_set_headless(int on)
{
    forced_headless = !!on;
}

int vz_headless(const char **why)
{
    if (forced_headless) {
        if (why) *why = "headless mode";
        return 1;
    }
    if (video_state == 0) {
        const char *drv = getenv("SDL_VIDEODRIVER");
        const char *x11 = getenv("DISPLAY"), *wl = getenv("WAYLAND_DISPLAY");
        if (drv != NULL && (strcmp(drv, "dummy") == 0 || strcmp(drv, "offscreen") == 0)) {
            video_state = -1;
            offscreen_why = "SDL_VIDEODRIVER=dummy";
        } else if ((x11 == NULL || !x11[0]) && (wl == NULL || !wl[0])) {
            video_state = -1;
            offscreen_why = "no display (DISPLAY and WAYLAND_DISPLAY are unset)";
        } else {
            SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
            SDL_SetHint(SDL_HINT_VIDEO_X11_NET_WM_BYPASS_COMPOSITOR, "0");
            if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0) {
                snprintf(video_error, sizeof video_error, "SDL video did not start: %s",
                         SDL_GetError());
                video_state = -1;
                offscreen_why = video_error;
            } else {
                video_state = 1;
            }
        }
    }
    if (why) *why = video_state < 0 ? offscreen_why : "";
    return video_state < 0;
}

static void close_window(vz_figure *f)
{
    if (f->window != NULL) {
        SDL_DestroyWindow(f->window);
        f->window = NULL;
        n_windows--;
    }
    f->want_window = 0;
    f->hovering = 0;
    f->dragging = 0;
}

void vz__window_forget(vz_figure *f)
{
    close_window(f);
    for (vz_figure **pp = &shown; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == f) {
            *pp = f->next;
            break;
        }
    }
    f->next = NULL;
}

int vz_figure_show(vz_figure *f)
{
    if (vz_headless(NULL)) return 0;
    if (!f->want_window) {
        f->want_window = 1;
        f->next = shown;
        shown = f;
    }
    return 1;
}

void vz_figure_hide(vz_figure *f)
{
    vz__window_forget(f);
}

int vz_figure_has_window(const vz_figure *f)
{
    return f->window != NULL || f->want_window;
}

/* Renders f and copies it to its window. */
static void present(vz_figure *f)
{
    /* the user resized the window: the figure follows; the figure was resized
     * (fig:set{width =}): the window is asked to follow. X applies that later
     * (a size event then arrives and, should the window manager decide
     * otherwise, resizes the figure), so the request is trusted here. */
    int w, h;
    SDL_GetWindowSize(f->window, &w, &h);
    if (w != f->win_w || h != f->win_h) {
        vz_figure_resize(f, w, h);
        f->win_w = w, f->win_h = h;
    } else if (w != f->width || h != f->height) {
        SDL_SetWindowSize(f->window, f->width, f->height);
        f->win_w = f->width, f->win_h = f->height;
    }
    if ((f->dirty || vz_figure_surface(f) == NULL) && vz_figure_render(f) != VZ_OK) return;
    f->shown_serial = f->render_serial;
    SDL_Surface *ws = SDL_GetWindowSurface(f->window);
    if (ws == NULL) return;
    SDL_BlitSurface(vz_figure_surface(f), NULL, ws, NULL);
    SDL_UpdateWindowSurface(f->window);
}

static vz_figure *by_window(Uint32 id)
{
    for (vz_figure *f = shown; f != NULL; f = f->next)
        if (f->window != NULL && SDL_GetWindowID(f->window) == id) return f;
    return NULL;
}

/* The window a pointer or key event belongs to. */
static Uint32 event_window(const SDL_Event *e)
{
    switch (e->type) {
    case SDL_WINDOWEVENT:
        return e->window.windowID;
    case SDL_MOUSEMOTION:
        return e->motion.windowID;
    case SDL_MOUSEBUTTONDOWN:
    case SDL_MOUSEBUTTONUP:
        return e->button.windowID;
    case SDL_MOUSEWHEEL:
        return e->wheel.windowID;
    case SDL_KEYDOWN:
    case SDL_KEYUP:
        return e->key.windowID;
    default:
        return 0;
    }
}

#define VZ_CASCADE 32 /* pixels between cascaded windows */

int vz_pump(void)
{
    if (shown == NULL || video_state != 1) return 0;
    static int counter;
    for (vz_figure *f = shown; f != NULL; f = f->next) {
        if (f->want_window && f->window == NULL) {
            /* the window is named after the first panel title, else numbered */
            char title[160];
            snprintf(title, sizeof title, "recnote figure %d", ++counter);
            for (int i = 0; i < vz_figure_n_panels(f); i++) {
                const vz_panel *p = vz_figure_panel(f, i);
                if (p->title != NULL && p->title[0]) {
                    snprintf(title, sizeof title, "recnote: %s", p->title);
                    break;
                }
            }
            /* cascaded: each window VZ_CASCADE pixels right of and below the
             * one before (the open ones counted, ten steps then round
             * again), inside the display's usable area, so a second figure
             * never hides the first exactly */
            int x = SDL_WINDOWPOS_UNDEFINED, y = SDL_WINDOWPOS_UNDEFINED;
            SDL_Rect area;
            if (SDL_GetDisplayUsableBounds(0, &area) == 0) {
                int k = n_windows % 10;
                x = area.x + 40 + VZ_CASCADE * k, y = area.y + 40 + VZ_CASCADE * k;
                if (x + f->width > area.x + area.w) x = area.x + (area.w > f->width ? area.w - f->width : 0);
                if (y + f->height > area.y + area.h) y = area.y + (area.h > f->height ? area.h - f->height : 0);
            }
            f->window = SDL_CreateWindow(title, x, y, f->width, f->height, SDL_WINDOW_RESIZABLE);
            if (f->window == NULL) {
                vz_fail(VZ_ESDL, "cannot open a window: %s", SDL_GetError());
                f->want_window = 0;
                continue;
            }
            n_windows++;
            f->win_w = f->width, f->win_h = f->height;
            f->dirty = 1;
        }
    }
    SDL_Event e;
    while (SDL_PollEvent(&e)) {
        vz_figure *f = by_window(event_window(&e));
        if (f == NULL) continue; /* SDL_QUIT included: closing windows never ends the REPL */
        if (e.type == SDL_WINDOWEVENT && e.window.event == SDL_WINDOWEVENT_CLOSE) {
            vz__window_forget(f);
            continue;
        }
        vz_figure_handle_event(f, &e);
    }
    double now = vz__now();
    for (vz_figure *f = shown; f != NULL; f = f->next) {
        if (f->toast[0] && now >= f->toast_until) { /* the note has been read */
            f->toast[0] = '\0';
            f->dirty = 1;
        }
        int w = 0, h = 0;
        if (f->window != NULL) SDL_GetWindowSize(f->window, &w, &h);
        if (f->window != NULL &&
            (f->dirty || f->shown_serial != f->render_serial || w != f->win_w || h != f->win_h ||
             w != f->width || h != f->height))
            present(f);
    }
    return n_windows;
}

int vz_pump_maybe(void)
{
    static double next, avg;
    if (shown == NULL) return 0;
    double now = vz__now();
    if (now < next) return n_windows;
    vz_pump();
    /* the next pump waits 30 ms, or 60 times what pumps cost lately (a moving
     * average, so that one slow pump, opening a window, weighs little),
     * whichever is longer, and at most a second: pumping then takes about
     * 2% of the caller's time, however slow a redraw */
    double done = vz__now(), cost = done - now;
    avg = avg == 0 ? cost : 0.8 * avg + 0.2 * cost;
    double wait = avg * 60;
    next = done + (wait < 0.030 ? 0.030 : wait > 1.0 ? 1.0 : wait);
    return n_windows;
}

void vz_shutdown(void)
{
    while (shown != NULL)
        vz__window_forget(shown);
    vz__text_shutdown();
    if (video_state == 1) SDL_QuitSubSystem(SDL_INIT_VIDEO);
    video_state = 0;
}
