/* Lessons in the REPL: :lesson, :next, :prev, :run, :hint, :check, :answer,
 * :solution, :reset-lesson.
 *
 * A lesson (lessons/NN-slug.md, see nbdoc.h) is a list of steps. A step ends
 * at a stop — a cell to run, an exercise to solve or an interview question —
 * and shows the prose before it. Progress (the step reached and which steps
 * are done) is kept per lesson in $XDG_DATA_HOME/recnote/progress (else
 * ~/.local/share/recnote/progress), rewritten atomically on every change.
 *
 * The study flow: a cell is done once it ran, an exercise once its check
 * passed, a question once its answer was shown. :next past an unsolved
 * exercise asks first (a second :next confirms) and marks it skipped. A
 * failed :check says what is wrong, never the hint; :hint climbs the
 * exercise's hints one level at a time (the idea first, code last). */
#include "repl.h"
#include "files.h"
#include "nbdoc.h"
#include "render.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <lauxlib.h>

#define MAX_LESSONS 100

typedef struct {
    nb_doc *doc;
    char slug[128];
    int *stops; /* item index of each step's stop */
    int n_steps;
    int step;   /* the step shown; n_steps when past the end */
    char *done; /* per step: '1' done, 's' skipped, '0' neither */
    int hints_shown; /* hints of the current step shown so far */
    int skip_armed;  /* 1 + the step whose :next was refused once (unsolved exercise) */
} lesson;

static lesson cur;

/* ---- finding lessons ------------------------------------------------------------ */

static const char *data_dir(void)
{
    const char *d = getenv("RECNOTE_DATA_DIR");
    return d && *d ? d : RECNOTE_DATA_DIR;
}

static int is_lesson_file(const char *name)
{
    size_t n = strlen(name);
    return n > 6 && name[0] >= '0' && name[0] <= '9' && name[1] >= '0' && name[1] <= '9' &&
           name[2] == '-' && strcmp(name + n - 3, ".md") == 0;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted lesson file names; caller frees each and the array. */
static int list_lessons(char ***names_out)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/lessons", data_dir());
    char **names = calloc(MAX_LESSONS + 1, sizeof *names);
    int n = 0;
    DIR *d = opendir(dir);
    if (d != NULL && names != NULL) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL && n < MAX_LESSONS)
            if (is_lesson_file(e->d_name)) names[n++] = strdup(e->d_name);
        closedir(d);
    }
    if (names != NULL) qsort(names, (size_t)n, sizeof *names, compare_names);
    *names_out = names;
    return n;
}

static void free_names(char **names, int n)
{
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* "03-fm.md" -> "fm" */
static void slug_of(const char *file, char *slug, size_t n)
{
    snprintf(slug, n, "%.*s", (int)(strlen(file) - 6), file + 3);
}

int repl_lessons_available(void)
{
    char **names;
    int n = list_lessons(&names);
    free_names(names, n);
    return n;
}

char **repl_lesson_slugs(void)
{
    char **names;
    int n = list_lessons(&names);
    for (int i = 0; i < n; i++) {
        char slug[128];
        slug_of(names[i], slug, sizeof slug);
        free(names[i]);
        names[i] = strdup(slug);
    }
    return names; /* NULL-terminated: calloc'd with room to spare */
}

/* ---- progress ---------------------------------------------------------------------- */

static int progress_path(char *out, size_t n)
{
    char dir[4096];
    if (files_xdg_dir("XDG_DATA_HOME", ".local/share", dir, sizeof dir) == NULL) return -1;
    if (files_mkdirs(dir) != 0) return -1;
    snprintf(out, n, "%s/progress", dir);
    return 0;
}

/* Reads "slug step done" for slug; returns 1 if found. */
static int progress_read(const char *slug, int *step, char *done, size_t done_len)
{
    char path[4200];
    if (progress_path(path, sizeof path) != 0) return 0;
    FILE *f = fopen(path, "r");
    if (f == NULL) return 0;
    char line[1024];
    int found = 0;
    while (!found && fgets(line, sizeof line, f)) {
        char s[128], d[512];
        int st;
        if (sscanf(line, "%127s %d %511s", s, &st, d) == 3 && strcmp(s, slug) == 0) {
            *step = st;
            snprintf(done, done_len, "%s", d);
            found = 1;
        }
    }
    fclose(f);
    return found;
}

static void progress_write(void)
{
    char path[4200];
    if (cur.doc == NULL || progress_path(path, sizeof path) != 0) return;
    strbuf b = {0};
    FILE *f = fopen(path, "r");
    if (f != NULL) {
        char line[1024], s[128];
        while (fgets(line, sizeof line, f))
            if (sscanf(line, "%127s", s) == 1 && strcmp(s, cur.slug) != 0) sb_puts(&b, line);
        fclose(f);
    }
    sb_printf(&b, "%s %d %s\n", cur.slug, cur.step, cur.n_steps > 0 ? cur.done : "-");
    char err[512];
    if (files_write_state(path, sb_str(&b), b.len, err, sizeof err) != 0)
        repl_errf("cannot save lesson progress: %s\n", err);
    sb_free(&b);
}

/* ---- showing steps ------------------------------------------------------------------- */

static int term_width(void)
{
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
        return ws.ws_col < 100 ? ws.ws_col : 100;
    return 80;
}

static int is_stop(nb_kind k)
{
    return k == NB_CODE || k == NB_EXERCISE || k == NB_QUESTION;
}

static int count_marked(char mark)
{
    int n = 0;
    for (int i = 0; i < cur.n_steps; i++)
        n += cur.done[i] == mark;
    return n;
}

/* Moves to step (clamped), forgetting the hints shown and a pending skip. */
static void go_to_step(int step)
{
    cur.step = step < 0 ? 0 : step > cur.n_steps ? cur.n_steps : step;
    cur.hints_shown = 0;
    cur.skip_armed = 0;
}

static void show_step(repl *r)
{
    strbuf b = {0};
    int w = term_width();
    int from = cur.step == 0 ? 0 : cur.stops[cur.step - 1] + 1;
    int to = cur.step < cur.n_steps ? cur.stops[cur.step] : cur.doc->n_items;
    if (cur.step == 0) {
        sb_printf(&b, "%s%s%s\n", r->color ? "\033[1;34m" : "", cur.doc->title,
                  r->color ? "\033[0m" : "");
        if (cur.doc->topics[0]) sb_printf(&b, "Topics: %s\n", cur.doc->topics);
        if (cur.doc->prerequisites[0]) sb_printf(&b, "Prerequisites: %s\n", cur.doc->prerequisites);
        if (cur.doc->minutes > 0) sb_printf(&b, "About %d minutes.\n", cur.doc->minutes);
        sb_putc(&b, '\n');
    }
    for (int i = from; i < to; i++)
        if (cur.doc->items[i].kind == NB_PROSE)
            render_markdown(cur.doc->items[i].node, w, r->color, &b);
    if (cur.step < cur.n_steps) {
        const nb_item *it = &cur.doc->items[to];
        char label[128];
        snprintf(label, sizeof label, "step %d/%d", cur.step + 1, cur.n_steps);
        if (it->kind == NB_CODE) {
            strbuf l = {0};
            sb_printf(&l, "%s · cell — :run runs it, :next runs it and goes on", label);
            render_code(it->text, sb_str(&l), r->color, &b);
            sb_free(&l);
        } else if (it->kind == NB_EXERCISE) {
            strbuf l = {0};
            sb_printf(&l,
                      "%s · exercise%s — write your answer at the prompt, then :check "
                      "(:hint, :solution)",
                      label, cur.done[cur.step] == 's' ? " (skipped before)" : "");
            render_code(it->text, sb_str(&l), r->color, &b);
            sb_free(&l);
        } else {
            sb_printf(&b, "%s%s · interview question%s\n", r->color ? "\033[1m" : "", label,
                      r->color ? "\033[0m" : "");
            render_text(it->text, w, "  Q: ", "     ", &b);
            sb_puts(&b, "  (:answer shows the answer)\n");
        }
    } else {
        int skipped = count_marked('s');
        sb_printf(&b, "End of the lesson: %d of %d steps done", count_marked('1'), cur.n_steps);
        if (skipped > 0)
            sb_printf(&b, ", %d exercise%s skipped (:prev goes back to %s)", skipped,
                      skipped == 1 ? "" : "s", skipped == 1 ? "it" : "them");
        sb_puts(&b, ". :lesson lists the lessons.\n");
    }
    repl_out(sb_str(&b), b.len);
    sb_free(&b);
}

/* ---- opening and closing ----------------------------------------------------------- */

static void close_lesson(void)
{
    nb_doc_free(cur.doc);
    free(cur.stops);
    free(cur.done);
    memset(&cur, 0, sizeof cur);
}

void repl_lesson_free(void)
{
    close_lesson();
}

/* Finds the lesson file for a number ("3", "03"), a slug ("fm") or a slug prefix. */
static char *find_lesson(const char *name)
{
    char **names;
    int n = list_lessons(&names);
    char *found = NULL;
    int num = atoi(name);
    for (int pass = 0; pass < 3 && found == NULL; pass++) {
        for (int i = 0; i < n && found == NULL; i++) {
            char slug[128];
            slug_of(names[i], slug, sizeof slug);
            int hit = pass == 0   ? (num > 0 && atoi(names[i]) == num)
                      : pass == 1 ? strcmp(slug, name) == 0
                                  : strncmp(slug, name, strlen(name)) == 0;
            if (hit) found = strdup(names[i]);
        }
    }
    free_names(names, n);
    return found;
}

static int open_lesson(repl *r, const char *file)
{
    char path[4200], err[512];
    snprintf(path, sizeof path, "%s/lessons/%s", data_dir(), file);
    nb_doc *doc = nb_doc_load(path, err, sizeof err);
    if (doc == NULL) {
        repl_errf("%s\n", err);
        return -1;
    }
    close_lesson();
    cur.doc = doc;
    slug_of(file, cur.slug, sizeof cur.slug);
    cur.stops = calloc((size_t)doc->n_items + 1, sizeof *cur.stops);
    for (int i = 0; i < doc->n_items; i++)
        if (is_stop(doc->items[i].kind)) cur.stops[cur.n_steps++] = i;
    cur.done = malloc((size_t)cur.n_steps + 1);
    if (cur.stops == NULL || cur.done == NULL) {
        repl_errf("out of memory opening the lesson\n");
        close_lesson();
        return -1;
    }
    memset(cur.done, '0', (size_t)cur.n_steps);
    cur.done[cur.n_steps] = '\0';
    char saved[512];
    int step = 0;
    if (progress_read(cur.slug, &step, saved, sizeof saved)) {
        if (strlen(saved) == (size_t)cur.n_steps && strspn(saved, "01s") == strlen(saved))
            memcpy(cur.done, saved, (size_t)cur.n_steps);
        if (step >= 0 && step <= cur.n_steps) go_to_step(step);
    }
    if (cur.step > 0)
        repl_outf("%s — resuming at step %d of %d (:reset-lesson starts over)\n\n",
                  cur.doc->title, cur.step + 1, cur.n_steps);
    show_step(r);
    progress_write();
    return 0;
}

static int need_lesson(void)
{
    if (cur.doc != NULL) return 1;
    repl_errf("no lesson is open: :lesson lists them, :lesson NAME starts one\n");
    return 0;
}

/* The current step's stop item, or NULL past the end. */
static const nb_item *stop_item(void)
{
    return cur.step < cur.n_steps ? &cur.doc->items[cur.stops[cur.step]] : NULL;
}

/* Items of kind k that belong to the current exercise (between it and the next stop). */
static const nb_item *exercise_part(nb_kind k, int nth)
{
    if (cur.step >= cur.n_steps) return NULL;
    int end = cur.step + 1 < cur.n_steps ? cur.stops[cur.step + 1] : cur.doc->n_items;
    for (int i = cur.stops[cur.step] + 1; i < end; i++)
        if (cur.doc->items[i].kind == k && nth-- == 0) return &cur.doc->items[i];
    return NULL;
}

/* The bytes of s that fit in max bytes without splitting a UTF-8 character. */
static int utf8_prefix(const char *s, size_t max)
{
    size_t n = strlen(s) < max ? strlen(s) : max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return (int)n;
}

/* Prints text wrapped to the terminal, after a label. */
static void out_wrapped(const char *text, const char *first, const char *rest)
{
    strbuf b = {0};
    render_text(text, term_width(), first, rest, &b);
    repl_out(sb_str(&b), b.len);
    sb_free(&b);
}

/* ---- the commands ---------------------------------------------------------------------- */

void repl_cmd_lesson(repl *r, const char *args)
{
    if (*args != '\0') {
        char *file = find_lesson(args);
        if (file == NULL) {
            repl_errf("no lesson matches '%s' (:lesson lists them)\n", args);
            return;
        }
        open_lesson(r, file);
        free(file);
        return;
    }
    char **names;
    int n = list_lessons(&names);
    if (n == 0) {
        repl_outf("No lessons are installed in %s/lessons.\n", data_dir());
        free_names(names, n);
        return;
    }
    repl_outf("Lessons (:lesson NAME or NUMBER starts one; progress is kept):\n");
    nb_doc **docs = calloc((size_t)n, sizeof *docs);
    char(*errs)[256] = calloc((size_t)n, sizeof *errs);
    if (docs == NULL || errs == NULL) {
        repl_errf("out of memory listing the lessons\n");
        free(docs);
        free(errs);
        free_names(names, n);
        return;
    }
    int longest = 0;
    for (int i = 0; i < n; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/lessons/%s", data_dir(), names[i]);
        docs[i] = nb_doc_load(path, errs[i], sizeof errs[i]);
        const char *t = docs[i] ? docs[i]->title : errs[i];
        int w = render_width(t, strlen(t));
        if (w > longest) longest = w;
    }
    /* Whole titles when they fit: on a terminal the title column gets what the
     * other columns leave (at least 20); off a terminal, nothing is cut. */
    struct winsize ws;
    int room = longest;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
        room = (int)ws.ws_col - 23 - 14 - 14; /* mark, number, slug | done, minutes | skipped */
        if (room < 20) room = 20;
        if (room > longest) room = longest;
    }
    for (int i = 0; i < n; i++) {
        char slug[128], done[512];
        slug_of(names[i], slug, sizeof slug);
        const nb_doc *d = docs[i];
        int steps = 0, finished = 0, skipped = 0, step = 0;
        if (d != NULL)
            for (int k = 0; k < d->n_items; k++)
                steps += is_stop(d->items[k].kind);
        if (progress_read(slug, &step, done, sizeof done))
            for (const char *c = done; *c; c++) {
                finished += *c == '1';
                skipped += *c == 's';
            }
        const char *mark = steps > 0 && finished == steps ? "✓"
                           : finished + skipped > 0       ? "▸"
                                                          : " ";
        const char *t = d ? d->title : errs[i];
        int tw = render_width(t, strlen(t));
        int shown = (int)strlen(t);
        int cut = tw > room; /* cut at a character boundary and mark the cut */
        if (cut) {
            shown = utf8_prefix(t, (size_t)(room - 3));
            while (shown > 0 && render_width(t, (size_t)shown) > room - 3)
                shown = utf8_prefix(t, (size_t)shown - 1);
        }
        int pad = room - (cut ? render_width(t, (size_t)shown) + 3 : tw);
        char extra[40] = "";
        if (skipped > 0) snprintf(extra, sizeof extra, "  (%d skipped)", skipped);
        repl_outf("  %s %2d  %-14s %.*s%s%*s %2d/%-2d %2d min%s\n", mark, atoi(names[i]), slug,
                  shown, t, cut ? "..." : "", pad > 0 ? pad : 0, "", finished, steps,
                  d ? d->minutes : 0, extra);
    }
    for (int i = 0; i < n; i++)
        nb_doc_free(docs[i]);
    free(docs);
    free(errs);
    free_names(names, n);
}

/* Runs the current code cell; returns 0 when it ran cleanly. */
static int run_current(repl *r)
{
    const nb_item *it = stop_item();
    if (it == NULL || it->kind != NB_CODE) return 0;
    int rc = repl_run_cell(r, it->text);
    if (rc == 0) {
        cur.done[cur.step] = '1';
        progress_write();
    }
    return rc;
}

void repl_cmd_run(repl *r, const char *args)
{
    (void)args;
    if (!need_lesson()) return;
    const nb_item *it = stop_item();
    if (it == NULL)
        repl_errf("the lesson is over: :prev goes back, :lesson lists the lessons\n");
    else if (it->kind == NB_EXERCISE)
        repl_errf("this step is an exercise: write your answer at the prompt, then :check\n");
    else if (it->kind == NB_QUESTION)
        repl_errf("this step is a question: think, then :answer\n");
    else
        run_current(r);
}

void repl_cmd_next(repl *r, const char *args)
{
    (void)args;
    if (!need_lesson()) return;
    const nb_item *it = stop_item();
    if (it != NULL && it->kind == NB_CODE && cur.done[cur.step] != '1' && run_current(r) != 0) {
        repl_errf("the cell failed: fix what it needs, then :run or :next again\n");
        return;
    }
    if (it != NULL && it->kind == NB_EXERCISE && cur.done[cur.step] != '1') {
        if (cur.skip_armed != cur.step + 1) {
            cur.skip_armed = cur.step + 1;
            repl_errf("this exercise is not solved yet: :check checks your answer, :hint helps; "
                      ":next again skips it (it will show as skipped)\n");
            return;
        }
        cur.done[cur.step] = 's';
    }
    go_to_step(cur.step + 1);
    repl_outf("\n");
    show_step(r);
    progress_write();
}

void repl_cmd_prev(repl *r, const char *args)
{
    (void)args;
    if (!need_lesson()) return;
    go_to_step(cur.step - 1);
    show_step(r);
    progress_write();
}

/* :hint climbs the exercise's hints: each call shows the next one (the
 * lesson writes them from the idea to the code), then repeats the last. */
void repl_cmd_hint(repl *r, const char *args)
{
    (void)r;
    (void)args;
    if (!need_lesson()) return;
    int n = 0;
    while (exercise_part(NB_HINT, n) != NULL)
        n++;
    if (n == 0) {
        repl_errf("this step has no hint\n");
        return;
    }
    int level = cur.hints_shown < n ? cur.hints_shown : n - 1;
    cur.hints_shown = level + 1;
    char label[64];
    if (n == 1)
        snprintf(label, sizeof label, "Hint: ");
    else
        snprintf(label, sizeof label, "Hint %d/%d: ", level + 1, n);
    char indent[64];
    snprintf(indent, sizeof indent, "%*s", render_width(label, strlen(label)), "");
    out_wrapped(exercise_part(NB_HINT, level)->text, label, indent);
    if (level + 1 < n)
        repl_outf("(:hint again for more)\n");
    else if (n > 1)
        repl_outf("(that was the last hint; :solution shows the answer)\n");
}

void repl_cmd_check(repl *r, const char *args)
{
    (void)args;
    if (!need_lesson()) return;
    const nb_item *it = stop_item();
    if (it == NULL || it->kind != NB_EXERCISE) {
        repl_errf("this step is not an exercise: nothing to check\n");
        return;
    }
    int failed = 0, n = 0;
    strbuf msg = {0};
    const nb_item *c;
    for (; (c = exercise_part(NB_CHECK, n)) != NULL && !failed; n++)
        failed = repl_run_check(r, c->text, &msg) != 0;
    if (n == 0) {
        repl_errf("this exercise has no check\n");
        sb_free(&msg);
        return;
    }
    if (failed) {
        strbuf b = {0};
        render_text(sb_str(&msg), term_width(), "not yet: ", "  ", &b);
        repl_errf("%s", sb_str(&b));
        repl_errf("%s\n", exercise_part(NB_HINT, 0) != NULL
                               ? (cur.hints_shown > 0 ? ":hint again for more help"
                                                      : ":hint for a hint")
                               : ":solution shows the reference solution");
        sb_free(&b);
        sb_free(&msg);
        return;
    }
    sb_free(&msg);
    cur.done[cur.step] = '1';
    cur.skip_armed = 0;
    progress_write();
    repl_outf("✓ check passed. :next goes on.\n");
}

void repl_cmd_answer(repl *r, const char *args)
{
    (void)r;
    (void)args;
    if (!need_lesson()) return;
    const nb_item *it = stop_item();
    if (it == NULL || it->kind != NB_QUESTION) {
        repl_errf("this step is not a question\n");
        return;
    }
    cur.done[cur.step] = '1';
    progress_write();
    out_wrapped(it->answer[0] ? it->answer : "(no answer written)", "A: ", "   ");
}

/* :solution shows the reference solution as plain code (so that it can be
 * copied); :solution run runs it as a cell. */
void repl_cmd_solution(repl *r, const char *args)
{
    if (!need_lesson()) return;
    const nb_item *s = exercise_part(NB_SOLUTION, 0);
    if (s == NULL) {
        repl_errf("this step has no solution to show\n");
        return;
    }
    if (strcmp(args, "run") == 0) {
        repl_run_cell(r, s->text);
        return;
    }
    if (args[0] != '\0') {
        repl_errf(":solution takes no argument or 'run', got '%s'\n", args);
        return;
    }
    repl_outf("%s-- the reference solution (:solution run runs it, then :check):%s\n%s",
              r->color ? "\033[2m" : "", r->color ? "\033[0m" : "", s->text);
}

void repl_cmd_reset_lesson(repl *r, const char *args)
{
    (void)args;
    if (!need_lesson()) return;
    go_to_step(0);
    memset(cur.done, '0', (size_t)cur.n_steps);
    progress_write();
    show_step(r);
}
