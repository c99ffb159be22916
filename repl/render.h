/* Markdown for the terminal: headings, emphasis, code (Lua keywords
 * highlighted), lists and quotes, wrapped to the width with East Asian wide
 * characters counted as two columns. Colours only when enabled. */
#ifndef REPL_RENDER_H
#define REPL_RENDER_H

#include "strbuf.h"

/* Appends the rendering of a cmark node (a block or a document) to out. */
void render_markdown(void *node, int width, int color, strbuf *out);

/* Appends plain text wrapped to width: the first line starts with
 * first_prefix, the others with prefix; blank-line paragraph breaks kept. */
void render_text(const char *text, int width, const char *first_prefix, const char *prefix,
                 strbuf *out);

/* Appends Lua code as a block: indented, keywords, strings and comments coloured. */
void render_code(const char *code, const char *label, int color, strbuf *out);

/* Columns the UTF-8 string s (n bytes) occupies on a terminal. */
int render_width(const char *s, size_t n);

#endif
