/* Internal header of the rec.plot binding, shared by lua/plot.c (the module,
 * the figure userdata and its methods) and lua/plot_panels.c (reading option
 * tables into panels of each kind). */
#ifndef REC_PLOT_H
#define REC_PLOT_H

#include <lua.h>

#include "vz.h"

/* The figure userdata, metatable "rec.Figure". Its user value is a table
 * that keeps alive what the figure's panels borrow (curve callbacks). */
typedef struct {
    vz_figure *fig; /* owned; NULL once closed */
} plot_figure;

/* Nonzero while a Lua curve function runs (its figure must not be freed). */
int plot_in_curve_fn(void);

/* Registers the metatable of curve callbacks (plot_panels.c). */
void plot_panels_open(lua_State *L);

/* Checks that arg is an open figure. */
plot_figure *plot_check(lua_State *L, int arg);

/* ---- reading option tables (plot.c) -------------------------------------- */

/* Raises "fname: unknown option 'k' (did you mean 'x'?)" for a string key of
 * the table at idx not in known (NULL-terminated); integer keys 1..n are
 * allowed when positional is nonzero. */
void plot_check_keys(lua_State *L, int idx, const char *fname, const char *const *known,
                     int positional);

/* Field key of table idx as a number / integer / string / boolean; dflt when
 * absent; an error naming fname and key for a wrong type. */
double plot_opt_number(lua_State *L, int idx, const char *key, double dflt, const char *fname);
int plot_opt_int(lua_State *L, int idx, const char *key, int dflt, const char *fname);
const char *plot_opt_string(lua_State *L, int idx, const char *key, const char *dflt,
                            const char *fname);
int plot_opt_bool(lua_State *L, int idx, const char *key, int dflt, const char *fname);

/* Reads the array (a table of numbers, or a userdata with a totable method)
 * at stack index idx into floats kept in a userdata pushed on the stack (the
 * GC frees it). what names it in errors ("y", "values"). NaN is an error
 * unless allow_nan. Returns the floats; *n receives the count. */
float *plot_floats(lua_State *L, int idx, const char *fname, const char *what, size_t *n,
                   int allow_nan);

/* Reads a table of rows (each a table of numbers) into rows x cols floats,
 * pushed as a userdata like plot_floats. */
float *plot_matrix(lua_State *L, int idx, const char *fname, const char *what, int *rows, int *cols,
                   int allow_nan);

/* Reads a table of n strings (numbers are converted) into an array of
 * borrowed pointers, pushed as a userdata; the strings stay valid while the
 * table at idx is on the stack. NULL when the value is nil. */
const char **plot_strings(lua_State *L, int idx, const char *fname, const char *what, int n);

/* d as a float, saturating to +-inf beyond the float range (a plain cast of
 * an out-of-range double is undefined behaviour); NaN stays NaN. */
float plot_to_float(double d);

/* Argument arg as an integer in [lo, hi] (or dflt when absent and dflt_ok),
 * raising a clear argument error otherwise. */
int plot_check_int(lua_State *L, int arg, lua_Integer lo, lua_Integer hi);
int plot_opt_arg_int(lua_State *L, int arg, int dflt, lua_Integer lo, lua_Integer hi);

/* Raises "fname: <vz_error()>". */
int plot_vz_error(lua_State *L, const char *fname);

/* ---- panels (plot_panels.c) ---------------------------------------------- */

/* The panel kind named s ("line", "heatmap", ...), or VZ_PANEL_EMPTY. */
vz_kind plot_kind(const char *s);

/* Option keys every panel accepts, and those of kind k (NULL-terminated). */
const char *const *plot_panel_keys(vz_kind k);

/* Fills panel p of kind from the options table at opts (absolute index),
 * anchoring what it borrows in the user value of the figure at fig_idx.
 * Raises a Lua error naming fname on bad input. */
void plot_fill(lua_State *L, int fig_idx, vz_panel *p, int opts, const char *fname);

/* Applies fig:set{...} options that concern panel p. */
void plot_panel_set(lua_State *L, int fig_idx, vz_panel *p, int opts, const char *fname);

#endif
