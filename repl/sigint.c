/* Ctrl-C.
 *
 * The handler only sets flags and, while a cell runs, a Lua hook (as lua.c
 * does): the hook raises "interrupted!" at the next Lua instruction, and C
 * code called from Lua polls repl_interrupt_flag (lent to the engine through
 * the registry, see lua/host.h). At the prompt the handler asks the loop to
 * clear the line. A second Ctrl-C within a second while still busy means the
 * cell is stuck in C code that does not poll: the handler then restores the
 * terminal and offers to quit, using only async-signal-safe calls. */
#include "repl.h"

#include <signal.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>

volatile sig_atomic_t repl_interrupt_flag;
static volatile sig_atomic_t busy; /* depth of running commands */
static volatile sig_atomic_t prompt_sigint;
static volatile sig_atomic_t have_termios;
static struct termios saved_termios;
static struct timespec last_busy_sigint;

/* Raised from the hook: clears itself and errors out of the running Lua code. */
static void stop_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    lua_sethook(L, NULL, 0, 0);
    luaL_error(L, "interrupted!");
}

static void say(const char *s)
{
    ssize_t ignored = write(STDERR_FILENO, s, strlen(s));
    (void)ignored;
}

static void offer_quit(void)
{
    if (have_termios) tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
    if (!isatty(STDIN_FILENO)) {
        say("\nrecnote: interrupted twice while busy; quitting\n");
        _exit(130);
    }
    say("\nrecnote: the cell is busy in C code that does not check for Ctrl-C.\n"
        "Quit recnote? [y/N] ");
    char c = 0, rest;
    if (read(STDIN_FILENO, &c, 1) == 1 && c != '\n') {
        while (read(STDIN_FILENO, &rest, 1) == 1 && rest != '\n') {
        }
    }
    if (c == 'y' || c == 'Y') {
        say("bye\n");
        _exit(130);
    }
    say("still waiting for the cell (Ctrl-C again to interrupt)\n");
}

static void on_sigint(int sig)
{
    (void)sig;
    if (!busy) {
        prompt_sigint = 1;
        return;
    }
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double since = (double)(now.tv_sec - last_busy_sigint.tv_sec) +
                   (double)(now.tv_nsec - last_busy_sigint.tv_nsec) * 1e-9;
    int again = repl_interrupt_flag && since < 1.0;
    last_busy_sigint = now;
    if (isatty(STDIN_FILENO)) say("\n"); /* the terminal echoed ^C: the message goes below it */
    repl_interrupt_flag = 1;
    if (the_repl.L != NULL)
        lua_sethook(the_repl.L, stop_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
    if (again) offer_quit();
}

void repl_signals_init(repl *r)
{
    (void)r;
    if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved_termios) == 0) have_termios = 1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: select() at the prompt returns EINTR */
    sigaction(SIGINT, &sa, NULL);
}

void repl_set_busy(int b)
{
    if (b) {
        if (busy == 0) repl_interrupt_flag = 0; /* a new command starts uninterrupted */
        busy++;
        return;
    }
    if (--busy == 0 && the_repl.L != NULL)
        lua_sethook(the_repl.L, NULL, 0, 0); /* a hook the cell did not reach */
}

int repl_take_prompt_sigint(void)
{
    if (!prompt_sigint) return 0;
    prompt_sigint = 0;
    return 1;
}

void repl_restore_terminal(void)
{
    if (have_termios) tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
}
