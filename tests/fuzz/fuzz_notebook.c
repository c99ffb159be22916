/* libFuzzer: notebooks and lessons (repl/nbdoc.c): cmark's Markdown, the
 * cells (lua, exercise, solution, check, text outputs), hints, questions
 * and the title list, then every item's source lines and text. */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "nbdoc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("recnote-fuzz-nb", MFD_CLOEXEC);
        if (fd < 0) abort();
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0 || (size > 0 && pwrite(fd, data, size, 0) != (ssize_t)size)) abort();
    char err[512];
    nb_doc *d = nb_doc_load(path, err, sizeof err);
    if (d == NULL) return 0;
    for (int i = 0; i < d->n_items; i++) {
        const nb_item *it = &d->items[i];
        char *lines = nb_doc_lines(d, it->first_line, it->last_line);
        free(lines);
        if (it->output_last_line > 0) free(nb_doc_lines(d, it->last_line + 1, it->output_last_line));
        if (it->node != NULL) free(nb_node_text(it->node));
    }
    nb_doc_free(d);
    return 0;
}
