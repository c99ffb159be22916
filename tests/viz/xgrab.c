/* xgrab: compares an X window's pixels (a screenshot, read back with
 * XGetImage) with a PNG, for the REPL window test.
 *
 *     xgrab "recnote: title" reference.png     prints "N pixels differ", exit 0 if none
 *
 * The window is found by name anywhere in the tree under the root. */
#include <stdio.h>
#include <string.h>

#include <SDL.h>
#include <SDL_image.h>
#include <X11/Xlib.h>
#include <X11/Xutil.h>

/* The first window named name at or below w, or 0. */
static Window find(Display *dpy, Window w, const char *name)
{
    /* WM_NAME may be UTF8_STRING or COMPOUND_TEXT: for an ASCII title the bytes match */
    XTextProperty tp;
    if (XGetWMName(dpy, w, &tp) && tp.value != NULL) {
        int same = tp.nitems == strlen(name) && memcmp(tp.value, name, tp.nitems) == 0;
        XFree(tp.value);
        if (same) return w;
    }
    Window root, parent, *kids = NULL;
    unsigned n = 0;
    Window found = 0;
    if (XQueryTree(dpy, w, &root, &parent, &kids, &n)) {
        for (unsigned i = 0; i < n && !found; i++)
            found = find(dpy, kids[i], name);
        if (kids) XFree(kids);
    }
    return found;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: xgrab WINDOW-NAME REFERENCE.png\n");
        return 2;
    }
    Display *dpy = XOpenDisplay(NULL);
    if (dpy == NULL) {
        fprintf(stderr, "xgrab: no display\n");
        return 2;
    }
    Window w = find(dpy, DefaultRootWindow(dpy), argv[1]);
    SDL_Surface *png = IMG_Load(argv[2]);
    SDL_Surface *ref = png ? SDL_ConvertSurfaceFormat(png, SDL_PIXELFORMAT_XRGB8888, 0) : NULL;
    if (w == 0 || ref == NULL) {
        fprintf(stderr, "xgrab: %s\n", w == 0 ? "no such window" : IMG_GetError());
        return 2;
    }
    XWindowAttributes at;
    XGetWindowAttributes(dpy, w, &at);
    if (at.width != ref->w || at.height != ref->h) {
        printf("window %dx%d, png %dx%d\n", at.width, at.height, ref->w, ref->h);
        return 1;
    }
    XImage *img =
        XGetImage(dpy, w, 0, 0, (unsigned)at.width, (unsigned)at.height, AllPlanes, ZPixmap);
    if (img == NULL) {
        fprintf(stderr, "xgrab: XGetImage failed\n");
        return 2;
    }
    long diff = 0;
    for (int y = 0; y < ref->h; y++) {
        const Uint32 *row = (const Uint32 *)((const Uint8 *)ref->pixels + (size_t)y * ref->pitch);
        for (int x = 0; x < ref->w; x++) {
            unsigned long v = XGetPixel(img, x, y);
            Uint32 rgb = (Uint32)(((v & img->red_mask) >> 16) << 16 |
                                  ((v & img->green_mask) >> 8) << 8 | (v & img->blue_mask));
            diff += (row[x] & 0xFFFFFF) != rgb;
        }
    }
    printf("%ld pixels differ\n", diff);
    XDestroyImage(img);
    SDL_FreeSurface(ref);
    SDL_FreeSurface(png);
    XCloseDisplay(dpy);
    return diff == 0 ? 0 : 1;
}
