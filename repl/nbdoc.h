/* A notebook document: a lesson (lessons/NN-slug.md) or a saved session,
 * parsed with cmark into the pieces the runners use.
 *
 * The format:
 *   # Title                                  the first level-1 heading
 *   - Topics: ...                            an optional list right below it
 *   - Prerequisites: ...
 *   - Minutes: 20
 *   prose                                    Markdown
 *   ```lua            a cell that runs
 *   ```lua exercise   a cell the student completes
 *   ```lua solution   the reference solution of the exercise before it
 *   ```lua check      asserts on what the exercise produced (check(cond, msg))
 *   ```text           the output of the cell before it (written by --run, :save)
 *   ```lua failed     a cell that failed when the session ran (written by :save):
 *                     kept as a record, shown as text, never run
 *   > **Hint:** ...   a hint for the exercise before it; several hint quotes
 *                     form a ladder, shown one per :hint in order: write the
 *                     first to name the idea and keep code for the last
 *   > **Q:** ...      an interview question; its answer follows in the same
 *   > **A:** ...      quote, revealed on request
 */
#ifndef REPL_NBDOC_H
#define REPL_NBDOC_H

#include <stddef.h>

typedef enum {
    NB_PROSE,    /* Markdown to show */
    NB_CODE,     /* ```lua */
    NB_EXERCISE, /* ```lua exercise */
    NB_SOLUTION, /* ```lua solution */
    NB_CHECK,    /* ```lua check */
    NB_HINT,     /* > **Hint:** */
    NB_QUESTION, /* > **Q:** ... **A:** ... */
} nb_kind;

typedef struct {
    nb_kind kind;
    int first_line, last_line; /* 1-based lines of the block in the source */
    int output_last_line;      /* a ```text output block after a cell ends here; else 0 */
    char *text;                /* code of a cell; hint; question */
    char *answer;              /* NB_QUESTION: the answer */
    void *node;                /* the cmark node (prose rendering); owned by the doc */
} nb_item;

typedef struct {
    char *path;
    char *source; /* the file's bytes, NUL-terminated */
    char *title, *topics, *prerequisites;
    int minutes;
    nb_item *items;
    int n_items;
    void *root; /* cmark document */
} nb_doc;

/* Reads and parses path. NULL on failure with a message in err. */
nb_doc *nb_doc_load(const char *path, char *err, size_t errlen);
void nb_doc_free(nb_doc *d);

/* The Markdown source of lines [first, last] (1-based), malloc'd. */
char *nb_doc_lines(const nb_doc *d, int first, int last);

/* The plain text of a cmark node (emphasis and code spans flattened), malloc'd. */
char *nb_node_text(void *node);

#endif
