/* The REPL's shared state and the functions its files offer one another.
 *
 * One REPL per process (signal handlers need to find it), held in the
 * global `the_repl`. Files:
 *   main.c      command line, modes, exit status
 *   state.c     the Lua state: libraries, host keys, print, Out, _, lazy rec
 *   eval.c      compiling and running cells, errors with short tracebacks
 *   pretty.c    the pretty printer for values
 *   loop.c      the interactive loop (readline callback + select) and piped input
 *   sigint.c    Ctrl-C: interrupting cells, clearing the prompt, offering to quit
 *   complete.c  tab completion
 *   history.c   history persisted under the XDG state folder
 *   commands.c  the `:` commands
 *   notebook.c  the session's cells, for :save
 *   idle.c      idle hooks run while the REPL waits for input
 */
#ifndef REPL_REPL_H
#define REPL_REPL_H

#include <signal.h>
#include <stdio.h>

#include <lua.h>

#include "strbuf.h"

typedef struct {
    char *code;    /* the cell's source, as typed */
    char *output;  /* everything it printed (values, print(), errors) */
    char *figures; /* paths of the PNG files of the figures it drew, one per line; or NULL */
    int number;    /* its [n] */
    int failed;    /* it raised an error: :save writes it as ```lua failed (not run again) */
} repl_cell;

typedef struct {
    lua_State *L;
    int next_cell;            /* the number the next cell gets */
    int interactive;          /* readline on a terminal */
    int color;                /* ANSI colours on (a terminal, NO_COLOR unset) */
    int headless;             /* --headless */
    const char *figure_dir;   /* where cells' figures go (--run); NULL: a temporary folder */
    int no_figures;           /* do not save cells' figures (--run without -o) */
    int quiet;                /* outputs are captured, not shown (recnote --run) */
    const char *start_lesson; /* --lesson NAME */
    int quit;                 /* set by :quit and Ctrl-D */
    int failed_cells;         /* cells that raised an error (exit status of piped input) */
    strbuf pending;           /* an incomplete chunk waiting for more lines */
    strbuf *capture;          /* while a cell runs, its output is also appended here */
    repl_cell *cells;         /* the session, for :save */
    int n_cells, cap_cells;
    char exe_dir[4096]; /* folder of the recnote binary (finds rec.so) */
    char history_path[4200];
} repl;

extern repl the_repl;

/* ---- state.c */
/* Creates the Lua state with everything the REPL offers; NULL on failure
 * (message on stderr). */
lua_State *repl_state_new(repl *r);
/* :reset: closes the state and opens a fresh one. */
int repl_state_reset(repl *r);

/* ---- output: everything a cell shows goes through these (stdout/stderr and
 * the cell's capture for the notebook). */
void repl_out(const char *s, size_t n);
void repl_outf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void repl_errf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- eval.c */
enum { CHUNK_OK = 0, CHUNK_INCOMPLETE = 1, CHUNK_ERROR = 2 };
/* Compiles code as a cell: first as `return <code>`, then as statements.
 * Pushes the function (CHUNK_OK) or the error message (CHUNK_ERROR); pushes
 * nothing for CHUNK_INCOMPLETE. */
int repl_compile(lua_State *L, const char *code, const char *chunkname);
/* Calls the function at the top with nargs arguments below it... under the
 * traceback handler and Ctrl-C; leaves results (LUA_MULTRET) or the message. */
int repl_pcall(lua_State *L, int nargs, int nresults);
/* Runs a complete cell: compiles, runs, prints values (unless the code ends
 * with ';'), sets _ and Out[n], logs it for :save. 0 ok, -1 error (printed). */
int repl_run_cell(repl *r, const char *code);
/* Runs a lesson's check cell: not numbered, not logged, no traceback. 0 when
 * it passed; -1 with what failed, in words for the student, appended to msg. */
int repl_run_check(repl *r, const char *code, strbuf *msg);
/* Prints the error message at the top of the stack (popped). */
void repl_report_error(lua_State *L);
/* Nonzero when the code ends with ';' (print nothing). */
int repl_is_silent(const char *code);

/* ---- pretty.c */
typedef struct {
    int max_depth; /* nesting shown before {...} */
    int max_items; /* entries shown per table before "... (n more)" */
    int width;     /* columns a one-line table may use */
} pretty_opts;
pretty_opts pretty_defaults(void);
/* Appends the readable form of the value at idx to out. May call __tostring:
 * run it under lua_pcall. */
void repl_pretty(lua_State *L, int idx, strbuf *out, const pretty_opts *o);
/* repl.pretty(x [, opts]) -> string, a Lua C function. */
int repl_pretty_lua(lua_State *L);
/* Pushes a userdata holding an empty strbuf freed by the GC, so that a Lua
 * error in the middle of printing leaks nothing. */
strbuf *repl_boxed_strbuf(lua_State *L);

/* ---- sigint.c */
extern volatile sig_atomic_t repl_interrupt_flag; /* lent to the engine */
void repl_signals_init(repl *r);
/* repl_set_busy(1) when a command starts (nested calls count), (0) when it
 * ends; the outermost start clears the interrupt flag. */
void repl_set_busy(int busy);
/* Nonzero (and cleared) if Ctrl-C was pressed at the prompt. */
int repl_take_prompt_sigint(void);
/* Restores the terminal as it was at start (before exit). */
void repl_restore_terminal(void);

/* ---- loop.c */
int repl_loop_interactive(repl *r);
int repl_loop_piped(repl *r, FILE *in);
/* Feeds one input line (no newline): runs the chunk when complete. */
void repl_feed_line(repl *r, const char *line);

/* ---- complete.c */
void repl_completion_init(void);
void repl_completion_free(void);

/* ---- history.c */
void repl_history_init(repl *r);
void repl_history_add(repl *r, const char *line);
void repl_history_save(repl *r);
void repl_history_print(repl *r, int last_n);

/* ---- commands.c */
/* Runs a `:command args` line. */
void repl_command(repl *r, const char *line);
/* The command names, NULL-terminated (for completion). */
const char *const *repl_command_names(void);

/* ---- notebook.c */
/* Logs a cell; figures (may be NULL) is taken over. */
void repl_notebook_add(repl *r, int number, const char *code, const char *output, char *figures);
/* Writes the session as a Markdown notebook; 0 ok, -1 (message printed). */
int repl_notebook_save(repl *r, const char *path);
void repl_notebook_free(repl *r);
/* Appends text as a fenced block (```info), with a fence longer than any
 * run of backticks inside it. */
void repl_put_fenced(strbuf *b, const char *info, const char *text);

/* ---- lesson.c: the lesson commands */
void repl_cmd_lesson(repl *r, const char *args);
void repl_cmd_next(repl *r, const char *args);
void repl_cmd_prev(repl *r, const char *args);
void repl_cmd_run(repl *r, const char *args);
void repl_cmd_hint(repl *r, const char *args);
void repl_cmd_check(repl *r, const char *args);
void repl_cmd_answer(repl *r, const char *args);
void repl_cmd_solution(repl *r, const char *args);
void repl_cmd_reset_lesson(repl *r, const char *args);
/* The installed lessons' names, NULL-terminated; caller frees each and the array. */
char **repl_lesson_slugs(void);
/* How many lessons are installed (for the welcome line). */
int repl_lessons_available(void);
void repl_lesson_free(void);

/* ---- runner.c */
typedef struct {
    const char *out_path; /* -o: the notebook with outputs; NULL for none */
    int solutions;        /* run each exercise's solution in its place */
    int unsolved;         /* with solutions: leave exercise n (1-based) as written */
} run_opts;
/* recnote --run: executes a notebook without a terminal. 0 when every cell
 * and check passed; 1 naming the failing cell on stderr. */
int repl_run_notebook(repl *r, const char *path, const run_opts *o);
/* Defines the global check(cond, message) used by check cells. */
void repl_open_check(lua_State *L);

/* ---- figures.c */
/* Calls the cell-end hooks for cell number: the paths of the PNG files they
 * wrote, one per line (caller frees), or NULL. A hook that fails (a full
 * disk) is reported through repl_errf and sets *failed. */
char *repl_cell_figures(repl *r, int number, int *failed);
/* Appends a Markdown image link per path in paths (one per line; may be
 * NULL): rel_dir followed by the file's name. */
void repl_figure_links(const char *paths, const char *rel_dir, strbuf *md);
/* Removes the session's temporary figure folder. */
void repl_figures_cleanup(void);

/* ---- idle.c */
/* Runs every registered idle hook once (errors print and remove the hook). */
void repl_idle_run(repl *r);

/* Monotonic and CPU clocks in seconds. */
double repl_now(void);
double repl_cpu_now(void);

#endif
