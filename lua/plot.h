/* Internal header of the rec.plot binding, shared by lua/plot.c (the module,
 * the figure userdata and its methods) and lua/plot_panels.c (reading option
 * tables into panels of each kind). */
#ifndef REC_PLOT_H
#define REC_PLOT_H

#include <lua.h>

#include "rec_aux.h"
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

/* Option tables, typed options and arrays are read with lua/rec_aux.h. */

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
