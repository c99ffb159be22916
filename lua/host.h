/* The contract between the recnote REPL (the host) and Lua code and modules
 * (rec.so, user scripts): what the host keeps in the Lua registry, and the
 * docstring registry behind help().
 *
 * The REPL links only Lua and readline and loads rec.so on first use, so the
 * two sides meet here rather than through C symbols. A plain lua5.4 that does
 * `require "rec"` has no host: every key below is then absent and each
 * helper degrades (no interrupt flag, no idle hooks, not headless).
 */
#ifndef REC_HOST_H
#define REC_HOST_H

#include <signal.h>
#include <stddef.h>

#include <lua.h>

/* Registry keys the host sets. */
#define REC_KEY_INTERRUPT "recnote.interrupt" /* lightuserdata: volatile sig_atomic_t * */
#define REC_KEY_IDLE      "recnote.idle"      /* table: name -> function, run while idle */
#define REC_KEY_HEADLESS  "recnote.headless"  /* boolean: never open a window */
#define REC_KEY_DATA_DIR  "recnote.data_dir"  /* string: folder with lessons/ and assets/ */
#define REC_KEY_DOCS      "recnote.docs"      /* the docstring registry (below) */
#define REC_KEY_CELL_END  "recnote.cell_end"  /* table: name -> function (see below) */

/* Cell-end hooks, for notebooks: when `recnote --run` has run a cell it calls
 * every function in the table REC_KEY_CELL_END as fn(prefix), where prefix is
 * a path without extension ("out_files/cell-7"). A hook that has something to
 * show (the figures drawn or changed by that cell) writes it to prefix plus a
 * suffix of its own ("-1.png") and returns the list of paths it wrote; the
 * runner links them into the output notebook. */

/* The host's Ctrl-C flag, or NULL without a host. Borrowed for the life of
 * the Lua state. */
volatile sig_atomic_t *rec_host_interrupt_flag(lua_State *L);

/* Call after an action that cannot be undone has completed (a save renamed
 * its file into place). If Ctrl-C came meanwhile, the host's hook would say
 * "interrupted!" on return as if nothing had happened; instead this removes
 * the hook and raises "interrupted (Ctrl-C) after <done>" (done: "x.png was
 * saved"), so the user learns both. Returns normally when there was no
 * Ctrl-C. */
void rec_host_completed(lua_State *L, const char *done);

/* Call when the engine stopped for Ctrl-C and its message (RN_EINTR) says
 * where and what remains ("... in fit at epoch 2, step 9 (the model keeps
 * step 8)"): removes the host's hook, whose bare "interrupted!" would
 * otherwise fire at the next call (a __close, the REPL's message handler)
 * and replace that message. Does nothing without a host. */
void rec_host_interrupt_reported(lua_State *L);

/* Nonzero when the host runs headless (--headless, or no display). */
int rec_host_headless(lua_State *L);

/* Registers the function at the top of the stack (popped) as idle hook name,
 * called by the host while it waits for input; replaces an earlier hook of
 * that name. Without a host it is kept and never called. */
void rec_host_idle_add(lua_State *L, const char *name);

/* Creates the registry's idle table if absent and pushes it. */
void rec_host_idle_push(lua_State *L);

/* A table whose metatable has a function __recnote_lazy is a stand-in for a
 * module loaded on first use (the REPL's `rec`). This calls that function,
 * in protected mode, so that the table's fields exist. Tools that must not
 * run metamethods (completion, help) call it explicitly. */
void rec_host_load_lazy(lua_State *L, int idx);

/* The edit distance of two short names, for "did you mean" messages (99 when
 * either is 63 bytes or longer). Shared by the REPL's commands and every
 * binding's option checks. */
size_t rec_edit_distance(const char *a, const char *b);

/* ---- docstrings -------------------------------------------------------------
 *
 * Any Lua value (a C function, a Lua function, a table, a metatable) may carry
 * a docstring: a name ("rec.plot.line"), one paragraph of text and a runnable
 * example. help(x) finds it by value, help("rec.plot.line") by name. The
 * registry lives in the Lua registry, so recnote and every module share it.
 */
typedef struct {
    const char *name;    /* field name within its table */
    const char *doc;     /* one paragraph */
    const char *example; /* runnable Lua, may be NULL */
} rec_doc_entry;

/* Registers a docstring for the value at index idx under full name name. */
void rec_doc_set(lua_State *L, int idx, const char *name, const char *doc, const char *example);

/* For each entry, registers the docstring of field entry.name of the table at
 * index idx under "prefix.name" (or "prefix:name" when method is nonzero).
 * The array ends with an entry whose name is NULL. Missing fields are skipped. */
void rec_doc_fields(lua_State *L, int idx, const char *prefix, int method,
                    const rec_doc_entry *entries);

/* Pushes the docstring record {name=, doc=, example=} of the value at idx,
 * or of the name if the value is a string naming a documented value; pushes
 * nil when there is none. Returns the type pushed. */
int rec_doc_push(lua_State *L, int idx);

/* Opens the `help` global: help(x) prints x's docstring, help.set(x, doc,
 * example, name) registers one, help.get(x) returns doc and example. */
int rec_help_open(lua_State *L);

#endif
