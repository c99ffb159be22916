/* The rec module's aux layer (what lauxlib is to Lua): the one place that
 * checks option tables and reads typed options and arguments, and the one
 * idiom for raising an engine error. Every binding in lua/ uses it; it
 * includes no other lua/ header, so nothing here can call back up into the
 * bindings (tests/arch/check_includes.sh keeps that true).
 *
 *   static const char *const known[] = {"epochs", "lr", "shuffle", NULL};
 *   rec_check_options(L, 3, "fit", known);            // unknown key: did you mean?
 *   int epochs = (int)rec_opt_integer(L, 3, "epochs", 1, 1, 1000000);
 *   double lr = rec_opt_positive(L, 3, "lr", 0.005);  // NaN, <= 0, inf: an error
 *   int shuffle = rec_opt_bool(L, 3, "shuffle", 1);
 *   if (rn_something(...) != RN_OK) return rec_engine_error(L);
 *
 * Messages name the function and the key: "fit: option 'epochs' must be an
 * integer in 1..1000000, got 0.5". The getters take no function name: they
 * use the one rec_check_options (or rec_check_keys) recorded for that table,
 * so check an options table first, then read it. An unchecked table gives
 * "option 'x' ..." without the function.
 */
#ifndef REC_AUX_H
#define REC_AUX_H

#include <stddef.h>

#include <lua.h>

/* ---- option tables ------------------------------------------------------------ */

/* Checks that every key of the options table at index i is a string in known
 * (NULL-terminated); else raises "fn: unknown option 'x' (did you mean 'y'?)".
 * nil or none at i is an empty table; another non-table is an argument error.
 * Records fn as the name the getters below use for this table. */
void rec_check_options(lua_State *L, int i, const char *fn, const char *const *known);

/* Like rec_check_options, but also allows the integer keys 1..positional
 * (a table that is both a list and options: {{1, 2}, {3, 4}, title = "x"}). */
void rec_check_keys(lua_State *L, int i, const char *fn, const char *const *known, int positional);

/* The name in known nearest to name (edit distance), when near enough to
 * suggest ("did you mean"), else NULL. */
const char *rec_nearest(const char *name, const char *const *known);

/* " (did you mean 'y'?)" for the name in known nearest to name, or "" when
 * none is near; the string is pushed on the stack (to end a message). */
const char *rec_did_you_mean(lua_State *L, const char *name, const char *const *known);

/* The function name recorded for the options table at i ("options" if none). */
const char *rec_opts_fn(lua_State *L, int i);

/* ---- typed options ------------------------------------------------------------
 * Each reads field key of the table at i: absent or nil gives def (so does a
 * non-table at i); a value of the wrong type or out of range raises an error
 * naming the function and the key. */

/* Any number (NaN and inf included, as the caller may mean them). */
double rec_opt_number(lua_State *L, int i, const char *key, double def);
/* A number in [lo, hi]; NaN is refused. */
double rec_opt_range(lua_State *L, int i, const char *key, double def, double lo, double hi);
/* A finite number > 0 (learning rates, scales): NaN, <= 0 and inf are refused. */
double rec_opt_positive(lua_State *L, int i, const char *key, double def);
/* An integer (3 or 3.0) in [lo, hi]. */
lua_Integer rec_opt_integer(lua_State *L, int i, const char *key, lua_Integer def, lua_Integer lo,
                            lua_Integer hi);
/* true or false (nothing else). */
int rec_opt_bool(lua_State *L, int i, const char *key, int def);
/* A string (a number is converted); borrowed from the table, valid while it is. */
const char *rec_opt_string(lua_State *L, int i, const char *key, const char *def);
/* One of names (NULL-terminated): its index; def when absent. A wrong name
 * raises "fn: option 'key' must be one of a, b, c, got 'x' (did you mean 'b'?)". */
int rec_opt_enum(lua_State *L, int i, const char *key, const char *const *names, int def);
/* A list of integers in [lo, hi], at most max of them, into out: returns the
 * count, or -1 when the key is absent. */
int rec_opt_int_list(lua_State *L, int i, const char *key, int max, lua_Integer lo, lua_Integer hi,
                     int *out);

/* ---- arrays ---------------------------------------------------------------------
 * Values (not options): fn and what name them in errors ("rec.plot.line", "y"). */

/* The array at idx (a table of numbers, a single number, or a userdata with a
 * totable method such as a rec.Tensor) as floats kept in a userdata pushed on
 * the stack (the GC frees it); *n receives the count. NaN and inf are errors
 * unless allow_nan. */
float *rec_floats(lua_State *L, int idx, const char *fn, const char *what, size_t *n,
                  int allow_nan);

/* A table of rows (each a table of numbers, all the same length) as a
 * rows x cols row-major matrix, pushed as a userdata like rec_floats. */
float *rec_matrix(lua_State *L, int idx, const char *fn, const char *what, int *rows, int *cols,
                  int allow_nan);

/* A table of n strings (numbers are converted) as an array of borrowed
 * pointers, pushed as a userdata; the strings stay valid while the table at
 * idx is on the stack. NULL (nothing pushed) when the value is nil. */
const char **rec_strings(lua_State *L, int idx, const char *fn, const char *what, int n);

/* d as a float, saturating to +-inf beyond the float range (a plain cast of
 * an out-of-range double is undefined behaviour); NaN stays NaN. */
float rec_to_float(double d);

/* ---- arguments ------------------------------------------------------------------ */

/* Argument arg as an integer in [lo, hi], else an argument error. */
int rec_check_int(lua_State *L, int arg, lua_Integer lo, lua_Integer hi);
/* The same, or dflt when the argument is none or nil. */
int rec_opt_int(lua_State *L, int arg, int dflt, lua_Integer lo, lua_Integer hi);

/* The userdata of metatable tname at i, whose struct begins with its handle
 * (the engine object it owns, NULL once closed). Raises "bad argument #i to
 * 'f' (<tname> expected, got x)" or "(the <what> is closed)". */
void *rec_check_open(lua_State *L, int i, const char *tname, const char *what);

/* ---- errors ----------------------------------------------------------------------- */

/* Pushes the registry's weak-keyed table under key, made on first use (side
 * tables keyed by Lua values: options tables, figures). */
void rec_weak_keys(lua_State *L, const char *key);

/* Raises a Lua error carrying the engine's last message, rn_error() (never
 * returns; `return rec_engine_error(L);` reads as the exit it is). */
int rec_engine_error(lua_State *L);

#endif
