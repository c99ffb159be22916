/* m:embeddings(field): a model's embedding rows of one field as a
 * rec.Embeddings (lua/embeddings.c), named by the data set's vocabulary
 * (MovieLens titles) when the model was built from a rec.Dataset. */
#include "rec_models.h"
#include "rec_aux.h"
#include "rec_data.h"
#include "rec_embed.h"

#include "alloc.h"
#include "error.h"
#include "models/model.h"

#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

/* The field (0-based) named by the argument at i: a number (1-based), a
 * column name of the model's data set, or none (the sequence's item field,
 * else field 1). */
static int field_arg(lua_State *L, int i, const model_ud *u, const rn_dataset *ds)
{
    const rn_model_config *c = rn_model_config_of(u->m);
    if (lua_isnoneornil(L, i)) return c->seq_field >= 0 ? c->seq_field : 0;
    if (lua_type(L, i) == LUA_TNUMBER) return rec_check_int(L, i, 1, c->n_fields) - 1;
    const char *name = luaL_checkstring(L, i);
    if (ds == NULL)
        luaL_argerror(L, i, "a field number (the model was not built from a rec.Dataset, whose "
                            "columns name its fields)");
    for (int f = 0; f < u->n_cols; f++)
        if (strcmp(ds->cols[u->col[f]].name, name) == 0) return f;
    char have[256] = "";
    for (int f = 0; f < u->n_cols; f++)
        snprintf(have + strlen(have), sizeof have - strlen(have), "%s'%s'", f ? ", " : "",
                 ds->cols[u->col[f]].name);
    return luaL_error(L, "embeddings: the model has no field '%s' (its fields: %s)", name, have);
}

int rec_model_embeddings(lua_State *L)
{
    model_ud *u = rec_model_check(L, 1);
    const rn_dataset *ds = NULL;
    if (u->n_cols > 0 && lua_getiuservalue(L, 1, 1) == LUA_TUSERDATA) {
        /* the data set the model was built from, while it is open */
        if (rec_dataset_is_open(L, -1)) {
            const size_t *rows;
            size_t start, n;
            ds = rec_check_dataset(L, -1, &rows, &start, &n);
        }
    }
    lua_settop(L, 2);
    int f = field_arg(L, 2, u, ds), off = 0;
    rn_tensor *table = rn_model_field_table(u->m, f, &off);
    if (table == NULL) return rec_engine_error(L);
    int D = table->shape[1];
    size_t n = (size_t)rn_model_config_of(u->m)->cardinality[f];
    const rn_vocab *vocab = NULL;
    if (ds != NULL) {
        const rn_column *col = &ds->cols[u->col[f]];
        vocab = col->vocab_of >= 0 ? ds->cols[col->vocab_of].vocab : col->vocab;
    }
    const char **labels = NULL;
    if (vocab != NULL) {
        labels = lua_newuserdatauv(L, n * sizeof *labels, 0);
        for (size_t i = 0; i < n; i++) {
            const char *s = rn_vocab_label(vocab, (int32_t)i);
            if (s == NULL) s = i < rn_vocab_size(vocab) ? rn_vocab_name(vocab, (int32_t)i) : NULL;
            if (s == NULL || s[0] == '\0') s = i == 0 ? "(missing)" : "(unnamed)";
            labels[i] = s;
        }
    }
    int64_t *ids = lua_newuserdatauv(L, n * sizeof *ids, 0); /* the field's own ids */
    for (size_t i = 0; i < n; i++)
        ids[i] = (int64_t)i;
    rn_embeddings *e = rn_emb_new(table->data + (size_t)off * (size_t)D, n, D, ids, labels);
    if (e == NULL) return rec_engine_error(L);
    rec_push_embeddings(L, e);
    return 1;
}

const char rec_embeddings_doc[] =
    "m:embeddings(field) copies the model's embedding rows of one field into a rec.Embeddings "
    "(ids 0.. as the field's ids): field is a column name of the rec.Dataset the model was built "
    "from ('item'), a field number, or none (the behaviour sequence's item field, else field 1). "
    "Rows are named by the data set's vocabulary (MovieLens: the titles), so "
    "e:neighbors('Toy Story (1995)', 10) and e:plot{around = ...} work by name.";
const char rec_embeddings_example[] =
    "local m = rec.models.fm{fields = {5, 3}, embed_dim = 4}\n"
    "print(#m:embeddings(1))";
