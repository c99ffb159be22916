/* Internal header of rec.models, shared by its three files:
 *
 *   ctrdata.c  rec.CtrData (rows of CTR data, an rn_samples) and rec.models.batch
 *   models.c   rec.Model: constructors, load, inspection, save
 *   fit.c      m:fit: options, optimizers, progress bar, callbacks, history
 *
 * (The synthetic generators rec.data.synthetic_ctr / synthetic_seq, which
 * make rec.CtrData, live in data_synth.c with the other generators.)
 *
 * A userdata in use by a running fit has busy > 0: closing it is an error,
 * never a use-after-free, and a second fit on a busy model is refused. */
#ifndef REC_MODELS_LUA_H
#define REC_MODELS_LUA_H

#include <lauxlib.h>
#include <lua.h>

#include "host.h"

#include "rec_engine.h"

#include "data/dataset.h"
#include "models/from_dataset.h"
#include "models/model.h"
#include "models/train.h"

#define REC_MODEL "rec.Model"
#define REC_DATA  "rec.CtrData"

/* The label columns a model reads from a rec.Dataset: label = 'like' or
 * label = {'click', 'conversion'} (batch label column k is name[k]). */
typedef struct {
    int n; /* names given; 0: the data set's only label column; -1: every one, in order */
    char name[RN_MODEL_MAX_TASKS][32];
} rec_labels;

typedef struct {
    rec_params_ud pud; /* first: the owner of the parameter tensors handed to Lua */
    rn_model *m;       /* NULL once closed */
    rec_labels labels; /* the label columns read from a rec.Dataset */
    int n_cols;        /* built from a rec.Dataset (its user value 1): the column of each */
    int col[RN_MODEL_MAX_FIELDS]; /* field, so m:embeddings names rows by its vocabulary */
    int busy;          /* > 0 while fit trains it */
} model_ud;

typedef struct {
    rn_samples *b; /* first (rec_check_open): NULL once closed */
    int busy;      /* > 0 while fit reads it */
} data_ud;

/* ---- ctrdata.c ---- */

/* The open rec.CtrData at i (an argument error otherwise). */
data_ud *rec_ctrdata_check(lua_State *L, int i);

/* Pushes b as a new rec.CtrData (the userdata owns it). */
void rec_ctrdata_push(lua_State *L, rn_samples *b);

/* The map of the rec.Dataset at i (sequences padded to T when T > 0, else to
 * the longest list, at most 50), reading the label columns lab names. */
const rn_dataset *rec_dataset_map(lua_State *L, int i, const rec_labels *lab, int T,
                                  rn_data_map *map, const size_t **rows, size_t *start,
                                  size_t *n);

/* Reads label = 'name' | {'name', ...} of the config table at i into lab (n = 0
 * when absent). */
void rec_read_labels(lua_State *L, int i, const char *fn, rec_labels *lab);

/* The samples at i: a rec.CtrData as it is, or a rec.Dataset read through
 * its inferred map into a new rec.CtrData that replaces it at i (a copy: the
 * data set may be closed afterwards). T: the model's sequence length. */
rn_samples *rec_samples_arg(lua_State *L, int i, const rec_labels *lab, int T);

/* Pushes d:schema() of b: {fields = {cardinality...}, dense, seq_len, seq_field}. */
void rec_ctrdata_schema(lua_State *L, const rn_samples *b, int seq_field);

/* Registers the rec.CtrData metatable and rec.models.batch in the table at
 * models (with its docstring). */
void rec_ctrdata_open(lua_State *L, int models);

/* ---- models.c ---- */

/* The open rec.Model at i. */
model_ud *rec_model_check(lua_State *L, int i);

/* m:embeddings(field) (model_embed.c). */
int rec_model_embeddings(lua_State *L);
extern const char rec_embeddings_doc[];
extern const char rec_embeddings_example[];

/* Pushes an evaluation {auc, logloss [, gauc]}. */
void rec_push_eval(lua_State *L, const rn_metrics *e);

/* ---- model_gates.c ---- */

/* m:gate_mean and m:gate_entropy, which the gated kinds' metatables add
 * (models.c), and their docstrings. */
extern const luaL_Reg rec_gate_methods[];
extern const rec_doc_entry rec_gate_docs[];

/* Pushes st as {values = {{...}, ...} (tasks x experts), rows = {task names},
 * cols = {expert labels}}: the options of a rec.plot.heatmap. */
void rec_push_gate_mean(lua_State *L, const rn_model *m, const rn_gate_stats *st);

/* ---- fit.c ---- */

/* m:fit(data, opts) -> history. */
int rec_model_fit(lua_State *L);

/* Its docstring (m:fit), registered by models.c with the other methods. */
extern const char rec_fit_doc[];
extern const char rec_fit_example[];

#endif
