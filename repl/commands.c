/* The `:` commands of the REPL (:help lists them). A command is a name, an
 * argument synopsis, one line of help and a function; unknown names get the
 * nearest known one suggested. */
#include "repl.h"
#include "host.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>

typedef struct {
    const char *name;
    const char *args;
    const char *help;
    void (*run)(repl *r, const char *args);
} command;

double repl_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

double repl_cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* "12.3 ms", "4.56 µs": three significant digits in the fitting unit. */
static void format_seconds(double s, char *out, size_t n)
{
    static const struct {
        double scale;
        const char *unit;
    } units[] = {{1, "s"}, {1e-3, "ms"}, {1e-6, "µs"}, {1e-9, "ns"}};
    size_t i = 0;
    while (i + 1 < sizeof units / sizeof units[0] && s < units[i].scale)
        i++;
    snprintf(out, n, "%.3g %s", s / units[i].scale, units[i].unit);
}

static void cmd_help(repl *r, const char *args);

static void cmd_quit(repl *r, const char *args)
{
    (void)args;
    r->quit = 1;
}

static void cmd_time(repl *r, const char *args)
{
    if (*args == '\0') {
        repl_errf(":time needs code to run, e.g.  :time for i = 1, 1e6 do end\n");
        return;
    }
    double wall = repl_now(), cpu = repl_cpu_now();
    repl_run_cell(r, args);
    wall = repl_now() - wall;
    cpu = repl_cpu_now() - cpu;
    char w[32], c[32];
    format_seconds(wall, w, sizeof w);
    format_seconds(cpu, c, sizeof c);
    repl_outf("wall %s, cpu %s\n", w, c);
}

/* timeit_loop(f, loops) -> seconds: calls f loops times. */
static int timeit_loop(lua_State *L)
{
    lua_Integer loops = lua_tointeger(L, 2);
    double t = repl_now();
    for (lua_Integer i = 0; i < loops; i++) {
        lua_pushvalue(L, 1);
        lua_call(L, 0, 0);
    }
    lua_pushnumber(L, repl_now() - t);
    return 1;
}

/* Runs f (at index f) loops times under Ctrl-C; returns seconds or -1 on error. */
static double time_loops(lua_State *L, int f, lua_Integer loops)
{
    lua_pushcfunction(L, timeit_loop);
    lua_pushvalue(L, f);
    lua_pushinteger(L, loops);
    if (repl_pcall(L, 2, 1) != LUA_OK) {
        repl_report_error(L);
        return -1;
    }
    double t = lua_tonumber(L, -1);
    lua_pop(L, 1);
    return t;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* As IPython's %timeit: the number of loops grows 1, 2, 5, 10, ... until a run
 * takes 0.2 s; then 7 runs, reporting the median time per loop. */
static void cmd_timeit(repl *r, const char *args)
{
    enum { RUNS = 7 };
    lua_State *L = r->L;
    if (*args == '\0') {
        repl_errf(":timeit needs code to run, e.g.  :timeit math.sqrt(2)\n");
        return;
    }
    int top = lua_gettop(L);
    int status = repl_compile(L, args, "=timeit");
    if (status != CHUNK_OK) {
        if (status == CHUNK_ERROR)
            repl_report_error(L);
        else
            repl_errf(":timeit: the code is incomplete\n");
        lua_settop(L, top);
        return;
    }
    int f = lua_gettop(L);
    static const int steps[] = {1, 2, 5};
    lua_Integer loops = 1;
    for (int k = 0;; k++) {
        loops = steps[k % 3];
        for (int j = 0; j < k / 3; j++)
            loops *= 10;
        double t = time_loops(L, f, loops);
        if (t < 0) {
            lua_settop(L, top);
            return;
        }
        if (t >= 0.2 || loops >= 1000000000) break;
    }
    double per_loop[RUNS];
    for (int i = 0; i < RUNS; i++) {
        double t = time_loops(L, f, loops);
        if (t < 0) {
            lua_settop(L, top);
            return;
        }
        per_loop[i] = t / (double)loops;
    }
    lua_settop(L, top);
    qsort(per_loop, RUNS, sizeof per_loop[0], compare_doubles);
    char med[32], best[32], worst[32];
    format_seconds(per_loop[RUNS / 2], med, sizeof med);
    format_seconds(per_loop[0], best, sizeof best);
    format_seconds(per_loop[RUNS - 1], worst, sizeof worst);
    repl_outf("%s per loop (median of %d runs, %lld loops each; fastest %s, slowest %s)\n", med,
              RUNS, (long long)loops, best, worst);
}

static void cmd_load(repl *r, const char *args)
{
    if (*args == '\0') {
        repl_errf(":load needs a file, e.g.  :load experiment.lua\n");
        return;
    }
    /* Run as the cell dofile("<file>") so that a saved notebook replays it. */
    lua_State *L = r->L;
    lua_getglobal(L, "string");
    lua_getfield(L, -1, "format");
    lua_pushliteral(L, "dofile(%q)");
    lua_pushstring(L, args);
    lua_call(L, 2, 1);
    char *code = strdup(lua_tostring(L, -1));
    lua_pop(L, 2);
    if (code != NULL) repl_run_cell(r, code);
    free(code);
}

static void cmd_reset(repl *r, const char *args)
{
    (void)args;
    if (repl_state_reset(r) == 0)
        repl_outf("fresh Lua state: globals, Out and _ cleared (cell numbers go on)\n");
}

static void cmd_save(repl *r, const char *args)
{
    if (*args == '\0') {
        repl_errf(":save needs a file name, e.g.  :save session.md\n");
        return;
    }
    if (repl_notebook_save(r, args) == 0)
        repl_outf("saved %d cells to %s\n", r->n_cells, args);
    else
        r->failed_cells++; /* piped input: the exit status says the save failed */
}

static void cmd_history(repl *r, const char *args)
{
    int n = *args ? atoi(args) : 0;
    repl_history_print(r, n);
}

static const command commands[] = {
    {"help", "[name]", "this list; :help NAME shows help(NAME)", cmd_help},
    {"quit", "", "leave recnote (also :q, :exit, Ctrl-D)", cmd_quit},
    {"q", "", NULL, cmd_quit},
    {"exit", "", NULL, cmd_quit},
    {"time", "CODE", "run CODE as a cell and report wall and CPU time", cmd_time},
    {"timeit", "CODE", "run CODE many times and report the median time per run", cmd_timeit},
    {"load", "FILE.lua", "run a Lua file in this session", cmd_load},
    {"reset", "", "start a fresh Lua state", cmd_reset},
    {"save", "FILE.md", "save this session as a Markdown notebook", cmd_save},
    {"history", "[N]", "show the input history (the last N lines)", cmd_history},
    {"lesson", "[NAME]", "list the lessons, or start (or resume) one", repl_cmd_lesson},
    {"next", "", "lesson: run this step's cell if not yet run, show the next step", repl_cmd_next},
    {"prev", "", "lesson: show the previous step", repl_cmd_prev},
    {"run", "", "lesson: run this step's cell", repl_cmd_run},
    {"hint", "", "lesson: a hint for this exercise", repl_cmd_hint},
    {"check", "", "lesson: check your answer to this exercise", repl_cmd_check},
    {"answer", "", "lesson: reveal the answer to this interview question", repl_cmd_answer},
    {"solution", "[run]", "lesson: show (or run) the reference solution of this exercise",
     repl_cmd_solution},
    {"reset-lesson", "", "lesson: start this lesson over", repl_cmd_reset_lesson},
};
enum { N_COMMANDS = sizeof commands / sizeof commands[0] };

static void cmd_help(repl *r, const char *args)
{
    if (*args != '\0') {
        const char *name = args[0] == ':' ? args + 1 : args;
        for (int i = 0; i < N_COMMANDS; i++) {
            if (strcmp(commands[i].name, name) == 0 && commands[i].help != NULL) {
                repl_outf(":%s %s\n  %s\n", commands[i].name, commands[i].args, commands[i].help);
                return;
            }
        }
        lua_State *L = r->L;
        lua_getglobal(L, "help");
        lua_pushstring(L, args);
        if (repl_pcall(L, 1, 0) != LUA_OK) repl_report_error(L);
        return;
    }
    repl_outf("Commands:\n");
    for (int i = 0; i < N_COMMANDS; i++) {
        if (commands[i].help == NULL) continue;
        char head[40];
        snprintf(head, sizeof head, ":%s %s", commands[i].name, commands[i].args);
        repl_outf("  %-18s %s\n", head, commands[i].help);
    }
    repl_outf("\nLua:\n"
              "  help(x), ?x        the docstring of x (a function, table or \"name\")\n"
              "  _, Out[n]          the last value, the value of cell n\n"
              "  expr;              a trailing ; runs without printing\n"
              "Keys: Tab completes, Ctrl-C interrupts a cell or clears the line, Ctrl-D quits.\n");
}

void repl_command(repl *r, const char *line)
{
    const char *s = line + 1; /* past ':' */
    size_t len = 0;
    while (s[len] && !isspace((unsigned char)s[len]))
        len++;
    const char *args = s + len;
    while (isspace((unsigned char)*args))
        args++;
    char argbuf[4096];
    snprintf(argbuf, sizeof argbuf, "%s", args);
    size_t n = strlen(argbuf);
    while (n > 0 && isspace((unsigned char)argbuf[n - 1]))
        argbuf[--n] = '\0';

    for (int i = 0; i < N_COMMANDS; i++) {
        if (strlen(commands[i].name) == len && strncmp(commands[i].name, s, len) == 0) {
            commands[i].run(r, argbuf);
            return;
        }
    }
    char name[64];
    snprintf(name, sizeof name, "%.*s", (int)(len < 63 ? len : 63), s);
    const char *nearest = NULL;
    int best = 1 << 30;
    for (int i = 0; i < N_COMMANDS; i++) {
        int d = (int)rec_edit_distance(name, commands[i].name);
        if (d < best) {
            best = d;
            nearest = commands[i].name;
        }
    }
    if (nearest != NULL && best <= 3)
        repl_errf("unknown command :%s; did you mean :%s? (:help lists the commands)\n", name,
                  nearest);
    else
        repl_errf("unknown command :%s (:help lists the commands)\n", name);
}

const char *const *repl_command_names(void)
{
    static const char *names[N_COMMANDS + 1];
    for (int i = 0; i < N_COMMANDS; i++)
        names[i] = commands[i].name;
    names[N_COMMANDS] = NULL;
    return names;
}
