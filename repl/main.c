/* recnote: the command line.
 *
 *   recnote                      the REPL (piped input runs line by line)
 *   recnote FILE.lua [args]      run a script; `arg` as lua.c sets it
 *   recnote -e CODE              run CODE and exit (repeatable)
 *   recnote -i                   the REPL after the script or -e
 *   recnote --headless           never open a window (figures render offscreen)
 *   recnote --lesson NAME        the REPL, starting (or resuming) a lesson
 *   recnote --run NB.md [-o OUT.md] [--solutions] [--unsolved N]
 *                                execute a notebook without a terminal
 *   recnote --version | --help
 *
 * Exit status: 0 ok, 1 a Lua error (message on stderr), 2 a usage error. */
#include "repl.h"

#include <errno.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include <lauxlib.h>

repl the_repl;

static void usage(FILE *f)
{
    fputs("usage: recnote [options] [script.lua [args]]\n"
          "  -e CODE      run CODE (repeatable), then exit unless -i\n"
          "  -i           enter the REPL after running the script or -e\n"
          "  --headless   never open a window: figures render offscreen\n"
          "  --lesson NAME  start the REPL in a lesson (a number or a name; :lesson lists)\n"
          "  --run NB.md  execute a notebook without a terminal (implies --headless)\n"
          "    -o OUT.md      write it with its outputs and figures\n"
          "    --solutions    run each exercise's solution in its place\n"
          "    --unsolved N   ... except exercise N\n"
          "  --version    print the version and exit\n"
          "  --help       print this help and exit\n"
          "With no script, recnote starts the REPL; input from a pipe runs line by line.\n",
          f);
}

static void find_exe_dir(repl *r)
{
    ssize_t n = readlink("/proc/self/exe", r->exe_dir, sizeof r->exe_dir - 1);
    if (n <= 0) {
        strcpy(r->exe_dir, ".");
        return;
    }
    r->exe_dir[n] = '\0';
    char *slash = strrchr(r->exe_dir, '/');
    if (slash != NULL) *slash = '\0';
}

/* arg[0] = script, arg[1..] its arguments, arg[-1..] what came before (lua.c). */
static void set_arg_table(lua_State *L, int argc, char **argv, int script)
{
    lua_createtable(L, argc - script, script + 1);
    for (int i = 0; i < argc; i++) {
        lua_pushstring(L, argv[i]);
        lua_rawseti(L, -2, i - script);
    }
    lua_setglobal(L, "arg");
}

/* Runs the function at the top with its arguments; prints any error. */
static int run_protected(lua_State *L, int nargs)
{
    if (repl_pcall(L, nargs, 0) == LUA_OK) return 0;
    fprintf(stderr, "recnote: %s\n", lua_tostring(L, -1));
    lua_pop(L, 1);
    return 1;
}

static int run_script(lua_State *L, int argc, char **argv, int script)
{
    const char *path = strcmp(argv[script], "-") == 0 ? NULL : argv[script];
    if (luaL_loadfile(L, path) != LUA_OK) {
        fprintf(stderr, "recnote: %s\n", lua_tostring(L, -1));
        lua_pop(L, 1);
        return 1;
    }
    int nargs = argc - script - 1;
    luaL_checkstack(L, nargs, "too many script arguments");
    for (int i = script + 1; i < argc; i++)
        lua_pushstring(L, argv[i]);
    return run_protected(L, nargs);
}

static void cleanup(repl *r)
{
    if (r->L != NULL) lua_close(r->L);
    r->L = NULL;
    repl_notebook_free(r);
    sb_free(&r->pending);
    repl_completion_free();
    repl_lesson_free();
    repl_figures_cleanup();
    clear_history();
    repl_restore_terminal();
}

int main(int argc, char **argv)
{
    repl *r = &the_repl;
    r->next_cell = 1;
    setlocale(LC_CTYPE, ""); /* UTF-8 input and CJK widths; numbers stay in the C locale */
    find_exe_dir(r);

    const char **chunks = calloc((size_t)argc, sizeof *chunks);
    int n_chunks = 0, then_interactive = 0;
    const char *notebook = NULL, *lesson_name = NULL;
    run_opts ropts = {0};
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (a[0] != '-' || strcmp(a, "-") == 0) break;
        if (strcmp(a, "-e") == 0) {
            if (i + 1 >= argc) {
                fputs("recnote: -e needs code to run\n", stderr);
                usage(stderr);
                free(chunks);
                return 2;
            }
            chunks[n_chunks++] = argv[++i];
        } else if (strcmp(a, "--run") == 0 || strcmp(a, "-o") == 0 ||
                   strcmp(a, "--unsolved") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "recnote: %s needs an argument\n", a);
                usage(stderr);
                free(chunks);
                return 2;
            }
            const char *v = argv[++i];
            if (a[2] == 'r')
                notebook = v;
            else if (a[1] == 'o')
                ropts.out_path = v;
            else if ((ropts.unsolved = atoi(v)) < 1) {
                fprintf(stderr, "recnote: --unsolved needs an exercise number (1, 2, ...)\n");
                free(chunks);
                return 2;
            }
        } else if (strcmp(a, "--lesson") == 0) {
            if (i + 1 >= argc) {
                fputs("recnote: --lesson needs a lesson name or number\n", stderr);
                usage(stderr);
                free(chunks);
                return 2;
            }
            lesson_name = argv[++i];
        } else if (strcmp(a, "--solutions") == 0) {
            ropts.solutions = 1;
        } else if (strcmp(a, "-i") == 0) {
            then_interactive = 1;
        } else if (strcmp(a, "--headless") == 0) {
            r->headless = 1;
        } else if (strcmp(a, "--version") == 0 || strcmp(a, "-v") == 0) {
            printf("recnote %s (%s)\n", RECNOTE_VERSION, LUA_RELEASE);
            free(chunks);
            return 0;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            free(chunks);
            return 0;
        } else {
            fprintf(stderr, "recnote: unknown option '%s'\n", a);
            usage(stderr);
            free(chunks);
            return 2;
        }
    }
    int script = i < argc ? i : 0;
    if (notebook != NULL && (script > 0 || n_chunks > 0 || then_interactive)) {
        fputs("recnote: --run takes no script, -e or -i\n", stderr);
        free(chunks);
        return 2;
    }
    if ((ropts.out_path || ropts.solutions || ropts.unsolved) && notebook == NULL) {
        fputs("recnote: -o, --solutions and --unsolved go with --run\n", stderr);
        free(chunks);
        return 2;
    }
    if (notebook != NULL) r->headless = 1;
    if (r->headless) setenv("RECNOTE_HEADLESS", "1", 1);

    int interactive_tty = isatty(STDIN_FILENO);
    const char *term = getenv("TERM");
    r->color = interactive_tty && isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL &&
               !(term != NULL && strcmp(term, "dumb") == 0);

    r->L = repl_state_new(r);
    if (r->L == NULL) {
        free(chunks);
        return 1;
    }
    set_arg_table(r->L, argc, argv, script);
    repl_signals_init(r);

    int status = 0;
    if (notebook != NULL) status = repl_run_notebook(r, notebook, &ropts);
    for (int k = 0; k < n_chunks && status == 0; k++) {
        if (luaL_loadbuffer(r->L, chunks[k], strlen(chunks[k]), "=(command line)") != LUA_OK) {
            fprintf(stderr, "recnote: %s\n", lua_tostring(r->L, -1));
            lua_pop(r->L, 1);
            status = 1;
        } else {
            status = run_protected(r->L, 0);
        }
    }
    free(chunks);
    if (status == 0 && script > 0) status = run_script(r->L, argc, argv, script);

    if (status == 0 && notebook == NULL &&
        ((script == 0 && n_chunks == 0) || then_interactive || lesson_name)) {
        r->interactive = interactive_tty;
        r->start_lesson = lesson_name;
        if (r->interactive)
            status = repl_loop_interactive(r);
        else
            status = repl_loop_piped(r, stdin);
    }
    fflush(stdout);
    cleanup(r);
    return status;
}
