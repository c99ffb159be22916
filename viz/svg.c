/* SVG export of a display list: the same commands the rasteriser draws, as
 * SVG 1.1 elements. A polyline is one <polyline> (one element per series),
 * groups become <g class=".." data-name="..">, clips become <clipPath> plus a
 * <g clip-path>. Text keeps the layout measured with the shipped font: its
 * box's left edge and baseline, in "DejaVu Sans". Strings were cleaned to
 * valid UTF-8 when they entered a panel; here they are escaped for XML. */
#include "vz_internal.h"

#include <string.h>

static void put_escaped(FILE *out, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        case '\'':
            fputs("&apos;", out);
            break;
        default:
            fputc(*s, out);
        }
    }
}

static void put_color(FILE *out, const char *attr, vz_color c)
{
    fprintf(out, " %s=\"#%02x%02x%02x\"", attr, c.r, c.g, c.b);
    if (c.a != 255) fprintf(out, " %s-opacity=\"%.3f\"", attr, (double)c.a / 255.0);
}

int vz__svg_write(FILE *out, const vz_dlist *dl, int width, int height)
{
    fprintf(out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" "
            "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, sans-serif\">\n",
            width, height, width, height);
    int clip_open = 0, n_clip = 0, groups = 0;
    for (size_t i = 0; i < dl->n_cmds; i++) {
        const vz_cmd *c = &dl->cmds[i];
        switch (c->kind) {
        case VZ_CMD_RECT:
            fprintf(out, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\"", (double)c->x,
                    (double)c->y, (double)c->w, (double)c->h);
            put_color(out, "fill", c->fill);
            fputs("/>\n", out);
            break;
        case VZ_CMD_LINE:
            fputs("<polyline points=\"", out);
            for (size_t k = 0; k < c->n; k++) {
                const float *p = dl->pts + 2 * (c->pt + k);
                fprintf(out, "%s%.2f,%.2f", k ? " " : "", (double)p[0], (double)p[1]);
            }
            fputs("\" fill=\"none\"", out);
            put_color(out, "stroke", c->color);
            fprintf(out,
                    " stroke-width=\"%.2f\" stroke-linejoin=\"round\" "
                    "stroke-linecap=\"round\"/>\n",
                    (double)c->width);
            break;
        case VZ_CMD_CIRCLE:
            fprintf(out, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"%.2f\"", (double)c->x, (double)c->y,
                    (double)c->r);
            if (c->fill.a > 0)
                put_color(out, "fill", c->fill);
            else
                fputs(" fill=\"none\"", out);
            if (c->width > 0 && c->color.a > 0) {
                put_color(out, "stroke", c->color);
                fprintf(out, " stroke-width=\"%.2f\"", (double)c->width);
            }
            fputs("/>\n", out);
            break;
        case VZ_CMD_TEXT: {
            double x = (double)(c->x - c->w / 2), y = (double)(c->y - c->h / 2 + c->ascent);
            fprintf(out, "<text x=\"%.2f\" y=\"%.2f\" font-size=\"%d\"", x, y, c->size);
            if (c->bold) fputs(" font-weight=\"bold\"", out);
            put_color(out, "fill", c->color);
            if (c->angle != 0)
                fprintf(out, " transform=\"rotate(%d %.2f %.2f)\"", c->angle, (double)c->x,
                        (double)c->y);
            fputs(">", out);
            put_escaped(out, dl->chars + c->text);
            fputs("</text>\n", out);
            break;
        }
        case VZ_CMD_CLIP:
            /* groups never straddle a clip change (the builders nest them inside) */
            for (; groups > 0; groups--)
                fputs("</g>\n", out);
            if (clip_open) fputs("</g>\n", out);
            clip_open = 0;
            if (c->w > 0) {
                n_clip++;
                fprintf(out,
                        "<clipPath id=\"clip%d\"><rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
                        "height=\"%.2f\"/></clipPath>\n<g clip-path=\"url(#clip%d)\">\n",
                        n_clip, (double)c->x, (double)c->y, (double)c->w, (double)c->h, n_clip);
                clip_open = 1;
            }
            break;
        case VZ_CMD_GROUP: {
            const char *s = dl->chars + c->text;
            const char *colon = strchr(s, ':');
            fputs("<g class=\"", out);
            fwrite(s, 1, colon ? (size_t)(colon - s) : strlen(s), out);
            fputs("\"", out);
            if (colon && colon[1]) {
                fputs(" data-name=\"", out);
                put_escaped(out, colon + 1);
                fputs("\"", out);
            }
            fputs(">\n", out);
            groups++;
            break;
        }
        case VZ_CMD_END_GROUP:
            if (groups > 0) {
                fputs("</g>\n", out);
                groups--;
            }
            break;
        }
    }
    for (; groups > 0; groups--)
        fputs("</g>\n", out);
    if (clip_open) fputs("</g>\n", out);
    fputs("</svg>\n", out);
    return ferror(out) ? VZ_EIO : VZ_OK;
}
