/* rec.tags and rec.Tags: tag recall (engine/retrieval/tags.h) -- the decay,
 * TF and IDF formulas, a catalogue of tagged items with its inverted index,
 * user tag weights from behaviour events, and recall with per-tag quotas.
 * rec.tags.movielens (lua/recall_lua.c) builds a catalogue and the events
 * from MovieLens. */
#include "rec.h"
#include "host.h"
#include "rec_aux.h"

#include "error.h"
#include "index.h"
#include "retrieval/tags.h"

#include <lauxlib.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define REC_TAGS "rec.Tags"

typedef struct {
    rn_tags *tg; /* NULL once closed */
} tags_ud;

static rn_tags *check_tags(lua_State *L, int i)
{
    return ((tags_ud *)rec_check_open(L, i, REC_TAGS, "tags"))->tg;
}

/* The decay options shared by rec.tags.decay and t:profile. */
static rn_tags_decay_cfg opt_decay(lua_State *L, int i)
{
    rn_tags_decay_cfg c = RN_TAGS_DECAY_NOTES;
    c.scale = rec_opt_positive(L, i, "scale", c.scale);
    c.offset = rec_opt_range(L, i, "offset", c.offset, 0, 1e9);
    c.decay = rec_opt_range(L, i, "decay", c.decay, 1e-12, 1);
    return c;
}

/* The tag named by the string at i, or an error with the nearest name. */
static int check_tag(lua_State *L, rn_tags *tg, int i, const char *fn)
{
    const char *name = luaL_checkstring(L, i);
    int t;
    if (rn_tags_find(tg, name, &t) == RN_OK) return t;
    int n = rn_tags_n_tags(tg);
    const char **names = lua_newuserdatauv(L, ((size_t)n + 1) * sizeof *names, 0);
    for (int s = 0; s < n; s++)
        names[s] = rn_tags_name(tg, s);
    names[n] = NULL;
    const char *hint = rec_did_you_mean(L, name, names);
    return luaL_error(L, "%s: unknown tag '%s'%s", fn, name, hint);
}

/* ---- the formulas ---------------------------------------------------------------- */

/* rec.tags.decay(days [, {scale = 90, offset = 7, decay = 0.5}]) */
static int l_decay(lua_State *L)
{
    double days = luaL_checknumber(L, 1);
    static const char *const known[] = {"scale", "offset", "decay", NULL};
    rec_check_options(L, 2, "rec.tags.decay", known);
    rn_tags_decay_cfg c = opt_decay(L, 2);
    double out;
    if (rn_tags_decay(days, &c, &out) != RN_OK) return rec_engine_error(L);
    lua_pushnumber(L, out);
    return 1;
}

/* rec.tags.tf(count, n_tags) */
static int l_tf(lua_State *L)
{
    double out;
    if (rn_tags_tf(luaL_checknumber(L, 1), luaL_checknumber(L, 2), &out) != RN_OK)
        return rec_engine_error(L);
    lua_pushnumber(L, out);
    return 1;
}

/* rec.tags.idf(n_items, n_with_tag) */
static int l_idf(lua_State *L)
{
    double out;
    if (rn_tags_idf(luaL_checknumber(L, 1), luaL_checknumber(L, 2), &out) != RN_OK)
        return rec_engine_error(L);
    lua_pushnumber(L, out);
    return 1;
}

/* rec.tags.quotas(weights, k) -> list of integers summing to k */
static int l_quotas(lua_State *L)
{
    size_t n;
    float *wf = rec_floats(L, 1, "rec.tags.quotas", "weights", &n, 0);
    int k = rec_check_int(L, 2, 0, 1000000);
    if (n == 0) return luaL_error(L, "rec.tags.quotas: no weights");
    double *w = lua_newuserdatauv(L, n * sizeof *w, 0);
    int *q = lua_newuserdatauv(L, n * sizeof *q, 0);
    for (size_t t = 0; t < n; t++)
        w[t] = wf[t];
    if (rn_tags_quotas(w, (int)n, k, q) != RN_OK) return rec_engine_error(L);
    lua_createtable(L, (int)n, 0);
    for (size_t t = 0; t < n; t++) {
        lua_pushinteger(L, q[t]);
        lua_rawseti(L, -2, (lua_Integer)t + 1);
    }
    return 1;
}

/* ---- the catalogue ----------------------------------------------------------------- */

/* rec.tags.new{items = {ids}, tags = {{names}, ...}, levels = {{numbers}, ...}} */
static int l_new(lua_State *L)
{
    const char *fn = "rec.tags.new";
    static const char *const known[] = {"items", "tags", "levels", NULL};
    luaL_checktype(L, 1, LUA_TTABLE);
    rec_check_options(L, 1, fn, known);
    if (lua_getfield(L, 1, "items") != LUA_TTABLE)
        return luaL_error(L, "%s: items must be a list of item ids", fn);
    if (lua_getfield(L, 1, "tags") != LUA_TTABLE)
        return luaL_error(L, "%s: tags must be a list (one list of tag names per item)", fn);
    int has_levels = lua_getfield(L, 1, "levels") != LUA_TNIL;
    if (has_levels && !lua_istable(L, -1))
        return luaL_error(L, "%s: levels must be a list of lists of numbers", fn);
    int items = lua_gettop(L) - 2, tagl = items + 1, levl = items + 2;
    size_t n = (size_t)luaL_len(L, items);
    if (n == 0) return luaL_error(L, "%s: items is empty", fn);
    if ((size_t)luaL_len(L, tagl) != n)
        return luaL_error(L, "%s: %I items but %I tag lists", fn, (lua_Integer)(n),
                          (lua_Integer)((size_t)luaL_len(L, tagl)));
    int64_t *ids = lua_newuserdatauv(L, n * sizeof *ids, 0);
    size_t *off = lua_newuserdatauv(L, (n + 1) * sizeof *off, 0);
    off[0] = 0;
    /* tag names -> indices, in order of first appearance */
    lua_newtable(L);
    int index = lua_gettop(L);
    int n_tags = 0;
    for (size_t r = 0; r < n; r++) {
        if (lua_rawgeti(L, items, (lua_Integer)r + 1) != LUA_TNUMBER || !lua_isinteger(L, -1))
            return luaL_error(L, "%s: items[%I] must be an integer id, got %s", fn,
                              (lua_Integer)(r + 1), luaL_typename(L, -1));
        ids[r] = (int64_t)lua_tointeger(L, -1);
        lua_pop(L, 1);
        if (lua_rawgeti(L, tagl, (lua_Integer)r + 1) != LUA_TTABLE)
            return luaL_error(L, "%s: tags[%I] must be a list of tag names, got %s", fn,
                              (lua_Integer)(r + 1), luaL_typename(L, -1));
        size_t m = (size_t)luaL_len(L, -1);
        off[r + 1] = off[r] + m;
        for (size_t j = 1; j <= m; j++) {
            if (lua_rawgeti(L, -1, (lua_Integer)j) != LUA_TSTRING)
                return luaL_error(L, "%s: tags[%I][%I] must be a tag name, got %s", fn,
                                  (lua_Integer)(r + 1), (lua_Integer)(j), luaL_typename(L, -1));
            if (lua_rawget(L, index) == LUA_TNIL) {
                lua_pop(L, 1);
                lua_rawgeti(L, -1, (lua_Integer)j);
                lua_pushinteger(L, n_tags++);
                lua_rawset(L, index);
            } else {
                lua_pop(L, 1);
            }
        }
        lua_pop(L, 1);
    }
    if (n_tags == 0) return luaL_error(L, "%s: no item has a tag", fn);
    size_t nnz = off[n];
    int32_t *tags = lua_newuserdatauv(L, (nnz ? nnz : 1) * sizeof *tags, 0);
    float *levels = has_levels ? lua_newuserdatauv(L, (nnz ? nnz : 1) * sizeof *levels, 0) : NULL;
    const char **names = lua_newuserdatauv(L, (size_t)n_tags * sizeof *names, 0);
    for (size_t r = 0; r < n; r++) {
        lua_rawgeti(L, tagl, (lua_Integer)r + 1);
        if (has_levels) {
            if (lua_rawgeti(L, levl, (lua_Integer)r + 1) != LUA_TTABLE ||
                (size_t)luaL_len(L, -1) != off[r + 1] - off[r])
                return luaL_error(L, "%s: levels[%I] must be a list of %I numbers, one per tag", fn,
                                  (lua_Integer)(r + 1), (lua_Integer)(off[r + 1] - off[r]));
        }
        for (size_t j = 0; j < off[r + 1] - off[r]; j++) {
            lua_rawgeti(L, has_levels ? -2 : -1, (lua_Integer)j + 1);
            lua_pushvalue(L, -1);
            lua_rawget(L, index);
            int t = (int)lua_tointeger(L, -1);
            tags[off[r] + j] = t;
            names[t] = lua_tostring(L, -2); /* anchored in the tags table */
            lua_pop(L, 2);
            if (has_levels) {
                if (lua_rawgeti(L, -1, (lua_Integer)j + 1) != LUA_TNUMBER)
                    return luaL_error(L, "%s: levels[%I][%I] must be a number", fn,
                                      (lua_Integer)(r + 1), (lua_Integer)(j + 1));
                levels[off[r] + j] = rec_to_float(lua_tonumber(L, -1));
                lua_pop(L, 1);
            }
        }
        lua_pop(L, has_levels ? 2 : 1);
    }
    tags_ud *u = lua_newuserdatauv(L, sizeof *u, 0);
    u->tg = NULL;
    luaL_setmetatable(L, REC_TAGS);
    u->tg = rn_tags_new(n, ids, off, tags, levels, n_tags, names);
    if (u->tg == NULL) return luaL_error(L, "%s: %s", fn, rn_error());
    return 1;
}

/* t:tags() -> names in index order */
static int l_t_tags(lua_State *L)
{
    rn_tags *tg = check_tags(L, 1);
    int n = rn_tags_n_tags(tg);
    lua_createtable(L, n, 0);
    for (int t = 0; t < n; t++) {
        lua_pushstring(L, rn_tags_name(tg, t));
        lua_rawseti(L, -2, t + 1);
    }
    return 1;
}

/* t:items() -> ids in row order */
static int l_t_items(lua_State *L)
{
    rn_tags *tg = check_tags(L, 1);
    size_t n = rn_tags_n_items(tg);
    lua_createtable(L, (int)n, 0);
    for (size_t r = 0; r < n; r++) {
        lua_pushinteger(L, (lua_Integer)rn_tags_item_id(tg, r));
        lua_rawseti(L, -2, (lua_Integer)r + 1);
    }
    return 1;
}

/* t:idf(tag) -> idf, n_t, N */
static int l_t_idf(lua_State *L)
{
    rn_tags *tg = check_tags(L, 1);
    int t = check_tag(L, tg, 2, "t:idf");
    lua_pushnumber(L, rn_tags_idf_of(tg, t));
    lua_pushinteger(L, (lua_Integer)rn_tags_df(tg, t));
    lua_pushinteger(L, (lua_Integer)rn_tags_n_tagged(tg));
    return 3;
}

/* t:item(id) -> {{tag =, tf =, idf =, weight =}, ...} */
static int l_t_item(lua_State *L)
{
    rn_tags *tg = check_tags(L, 1);
    lua_Integer id = luaL_checkinteger(L, 2);
    size_t row;
    if (rn_tags_find_item(tg, (int64_t)id, &row) != RN_OK)
        return luaL_error(L, "t:item: %s", rn_error());
    int m = rn_tags_item(tg, row, 0, NULL, NULL, NULL);
    int *tags = lua_newuserdatauv(L, (size_t)(m ? m : 1) * sizeof *tags, 0);
    double *tf = lua_newuserdatauv(L, (size_t)(m ? m : 1) * sizeof *tf, 0);
    double *v = lua_newuserdatauv(L, (size_t)(m ? m : 1) * sizeof *v, 0);
    rn_tags_item(tg, row, m, tags, tf, v);
    lua_createtable(L, m, 0);
    for (int j = 0; j < m; j++) {
        lua_createtable(L, 0, 4);
        lua_pushstring(L, rn_tags_name(tg, tags[j]));
        lua_setfield(L, -2, "tag");
        lua_pushnumber(L, tf[j]);
        lua_setfield(L, -2, "tf");
        lua_pushnumber(L, rn_tags_idf_of(tg, tags[j]));
        lua_setfield(L, -2, "idf");
        lua_pushnumber(L, v[j]);
        lua_setfield(L, -2, "weight");
        lua_rawseti(L, -2, j + 1);
    }
    return 1;
}

/* t:postings(tag [, n]) -> the first n ids of the tag's inverted list (all by default) */
static int l_t_postings(lua_State *L)
{
    rn_tags *tg = check_tags(L, 1);
    int t = check_tag(L, tg, 2, "t:postings");
    size_t n;
    const size_t *rows = rn_tags_postings(tg, t, &n);
    size_t m = lua_isnoneornil(L, 3) ? n : (size_t)rec_check_int(L, 3, 0, 1 << 30);
    if (m > n) m = n;
    lua_createtable(L, (int)m, 0);
    for (size_t j = 0; j < m; j++) {
        lua_pushinteger(L, (lua_Integer)rn_tags_item_id(tg, rows[j]));
        lua_rawseti(L, -2, (lua_Integer)j + 1);
    }
    return 1;
}

/* ---- users ------------------------------------------------------------------------ */

/* The type weights option: a table name -> weight; fills names/weights, returns the count. */
static int opt_type_weights(lua_State *L, int opts, const char **names, double *w, int max)
{
    int n = 0;
    if (lua_getfield(L, opts, "weights") == LUA_TNIL) {
        static const char *const dn[] = {"view", "rate_high", "rate_low"};
        static const double dw[] = {1, 3, -1};
        lua_pop(L, 1);
        for (n = 0; n < 3; n++) {
            names[n] = dn[n];
            w[n] = dw[n];
        }
        return n;
    }
    if (!lua_istable(L, -1))
        luaL_error(L, "t:profile: option 'weights' must be a table of behaviour type -> weight");
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        if (lua_type(L, -2) != LUA_TSTRING || !lua_isnumber(L, -1))
            luaL_error(L, "t:profile: option 'weights' must map behaviour type names to numbers");
        if (n == max) luaL_error(L, "t:profile: at most %d behaviour types", max);
        names[n] = lua_tostring(L, -2); /* anchored in the options table */
        w[n] = lua_tonumber(L, -1);
        if (!isfinite(w[n]))
            luaL_error(L, "t:profile: the weight of behaviour type '%s' is not finite", names[n]);
        n++;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    if (n == 0) luaL_error(L, "t:profile: option 'weights' is empty");
    return n;
}

/* Reads events {items =, types =, ages =} at index ev into an array. */
static rn_tags_event *check_events(lua_State *L, int ev, const char *const *tnames, int n_types,
                                   size_t *n_out, const char *fn)
{
    luaL_argexpected(L, lua_istable(L, ev), ev, "events {items =, types =, ages =}");
    lua_getfield(L, ev, "items");
    lua_getfield(L, ev, "types");
    lua_getfield(L, ev, "ages");
    int it = lua_gettop(L) - 2, ty = it + 1, ag = it + 2;
    if (!lua_istable(L, it) || !lua_istable(L, ty) || !lua_istable(L, ag))
        luaL_error(L, "%s: events must hold three lists: items, types and ages (days before now)",
                   fn);
    size_t n = (size_t)luaL_len(L, it);
    if ((size_t)luaL_len(L, ty) != n || (size_t)luaL_len(L, ag) != n)
        luaL_error(L, "%s: events: %I items, %I types and %I ages (the lists must match)", fn,
                   (lua_Integer)(n), (lua_Integer)((size_t)luaL_len(L, ty)),
                   (lua_Integer)((size_t)luaL_len(L, ag)));
    rn_tags_event *e = lua_newuserdatauv(L, (n ? n : 1) * sizeof *e, 0);
    for (size_t j = 0; j < n; j++) {
        if (lua_rawgeti(L, it, (lua_Integer)j + 1) != LUA_TNUMBER || !lua_isinteger(L, -1))
            luaL_error(L, "%s: event %I: the item must be an integer id", fn, (lua_Integer)(j + 1));
        e[j].item = (int64_t)lua_tointeger(L, -1);
        lua_pop(L, 1);
        if (lua_rawgeti(L, ty, (lua_Integer)j + 1) != LUA_TSTRING)
            luaL_error(L, "%s: event %I: the type must be a behaviour type name", fn,
                       (lua_Integer)(j + 1));
        const char *s = lua_tostring(L, -1);
        e[j].type = -1;
        for (int b = 0; b < n_types; b++)
            if (strcmp(s, tnames[b]) == 0) e[j].type = b;
        if (e[j].type < 0) {
            const char **known = lua_newuserdatauv(L, ((size_t)n_types + 1) * sizeof *known, 0);
            for (int b = 0; b < n_types; b++)
                known[b] = tnames[b];
            known[n_types] = NULL;
            const char *hint = rec_did_you_mean(L, s, known);
            luaL_error(L,
                       "%s: event %I: unknown behaviour type '%s'%s (the types are the keys of "
                       "option 'weights')",
                       fn, (lua_Integer)(j + 1), s, hint);
        }
        lua_pop(L, 1);
        if (lua_rawgeti(L, ag, (lua_Integer)j + 1) != LUA_TNUMBER)
            luaL_error(L, "%s: event %I: the age must be a number of days", fn,
                       (lua_Integer)(j + 1));
        e[j].age_days = lua_tonumber(L, -1);
        lua_pop(L, 1);
    }
    *n_out = n;
    return e;
}

/* Pushes a table tag name -> value for the nonzero values. */
static void push_by_tag(lua_State *L, rn_tags *tg, const double *v)
{
    lua_newtable(L);
    for (int t = 0; t < rn_tags_n_tags(tg); t++)
        if (v[t] != 0) {
            lua_pushnumber(L, v[t]);
            lua_setfield(L, -2, rn_tags_name(tg, t));
        }
}

/* t:profile(events [, {weights =, scale =, offset =, decay =, damp =}]) -> weights, raw */
static int l_t_profile(lua_State *L)
{
    const char *fn = "t:profile";
    rn_tags *tg = check_tags(L, 1);
    lua_settop(L, 3);
    static const char *const known[] = {"weights", "scale", "offset", "decay", "damp", NULL};
    rec_check_options(L, 3, fn, known);
    if (lua_isnil(L, 3)) {
        lua_newtable(L);
        lua_replace(L, 3);
    }
    const char *tnames[32];
    double tw[32];
    int n_types = opt_type_weights(L, 3, tnames, tw, 32);
    rn_tags_decay_cfg dc = opt_decay(L, 3);
    static const char *const damps[] = {"none", "log", NULL};
    int damp = rec_opt_enum(L, 3, "damp", damps, RN_TAGS_DAMP_LOG);
    size_t n;
    rn_tags_event *ev = check_events(L, 2, tnames, n_types, &n, fn);
    int nt = rn_tags_n_tags(tg);
    double *w = lua_newuserdatauv(L, 2 * (size_t)nt * sizeof *w, 0);
    if (rn_tags_profile(tg, ev, n, tw, n_types, &dc, damp, w, w + nt) != RN_OK)
        return luaL_error(L, "%s", rn_error());
    push_by_tag(L, tg, w);
    push_by_tag(L, tg, w + nt);
    return 2;
}

/* A profile table (tag name -> weight) at i as n_tags doubles. */
static double *check_profile(lua_State *L, rn_tags *tg, int i, const char *fn)
{
    luaL_argexpected(L, lua_istable(L, i), i, "tag weights {tag = weight, ...}");
    int nt = rn_tags_n_tags(tg);
    double *w = lua_newuserdatauv(L, (size_t)nt * sizeof *w, 0);
    for (int t = 0; t < nt; t++)
        w[t] = 0;
    lua_pushnil(L);
    while (lua_next(L, i)) {
        if (lua_type(L, -2) != LUA_TSTRING || !lua_isnumber(L, -1))
            luaL_error(L, "%s: tag weights must map tag names to numbers", fn);
        int t = check_tag(L, tg, lua_absindex(L, -2), fn);
        double x = lua_tonumber(L, -1);
        if (!(x >= 0) || !isfinite(x))
            luaL_error(L, "%s: the weight of tag '%s' must be finite and >= 0, got %f", fn,
                       lua_tostring(L, -2), x);
        w[t] = x;
        lua_pop(L, 1);
    }
    return w;
}

/* t:recall(weights, {k = 50, exclude = {ids}, metric = "cosine", prior = {per item}}) */
static int l_t_recall(lua_State *L)
{
    const char *fn = "t:recall";
    rn_tags *tg = check_tags(L, 1);
    lua_settop(L, 3);
    static const char *const known[] = {"k", "exclude", "metric", "prior", NULL};
    rec_check_options(L, 3, fn, known);
    if (lua_isnil(L, 3)) {
        lua_newtable(L);
        lua_replace(L, 3);
    }
    int k = (int)rec_opt_integer(L, 3, "k", 50, 1, 1000000);
    static const char *const metrics[] = {"dot", "cosine", NULL};
    int metric = rec_opt_enum(L, 3, "metric", metrics, RN_INDEX_COSINE);
    double *w = check_profile(L, tg, 2, fn);
    size_t n_ex = 0;
    int64_t *ex = NULL;
    if (lua_getfield(L, 3, "exclude") != LUA_TNIL) {
        if (!lua_istable(L, -1)) luaL_error(L, "%s: option 'exclude' must be a list of ids", fn);
        n_ex = (size_t)luaL_len(L, -1);
        ex = lua_newuserdatauv(L, (n_ex ? n_ex : 1) * sizeof *ex, 0);
        for (size_t j = 0; j < n_ex; j++) {
            lua_rawgeti(L, -2, (lua_Integer)j + 1);
            ex[j] = (int64_t)lua_tointeger(L, -1);
            lua_pop(L, 1);
        }
    }
    const float *prior = NULL;
    if (lua_getfield(L, 3, "prior") != LUA_TNIL) {
        size_t np;
        prior = rec_floats(L, lua_gettop(L), fn, "prior", &np, 0);
        if (np != rn_tags_n_items(tg))
            luaL_error(L, "%s: option 'prior' needs one number per item (%I), got %I", fn,
                       (lua_Integer)(rn_tags_n_items(tg)), (lua_Integer)(np));
    }
    int64_t *ids = lua_newuserdatauv(L, (size_t)k * sizeof *ids, 0);
    float *sc = lua_newuserdatauv(L, (size_t)k * sizeof *sc, 0);
    int *via = lua_newuserdatauv(L, (size_t)k * sizeof *via, 0);
    int m = rn_tags_recall(tg, w, ex, n_ex, k, metric, prior, ids, sc, via);
    if (m < 0) return luaL_error(L, "%s", rn_error());
    lua_createtable(L, m, 0);
    lua_createtable(L, m, 0);
    lua_createtable(L, m, 0);
    int tv = lua_gettop(L);
    for (int j = 0; j < m; j++) {
        lua_pushinteger(L, (lua_Integer)ids[j]);
        lua_rawseti(L, tv - 2, j + 1);
        lua_pushnumber(L, sc[j]);
        lua_rawseti(L, tv - 1, j + 1);
        if (via[j] >= 0)
            lua_pushstring(L, rn_tags_name(tg, via[j]));
        else
            lua_pushboolean(L, 0);
        lua_rawseti(L, tv, j + 1);
    }
    return 3;
}

/* t:score(weights, id [, metric]) */
static int l_t_score(lua_State *L)
{
    rn_tags *tg = check_tags(L, 1);
    double *w = check_profile(L, tg, 2, "t:score");
    size_t row;
    if (rn_tags_find_item(tg, (int64_t)luaL_checkinteger(L, 3), &row) != RN_OK)
        return luaL_error(L, "t:score: %s", rn_error());
    static const char *const metrics[] = {"dot", "cosine", NULL};
    int metric = luaL_checkoption(L, 4, "cosine", metrics);
    lua_pushnumber(L, rn_tags_score(tg, w, row, metric));
    return 1;
}

static int l_t_len(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)rn_tags_n_items(check_tags(L, 1)));
    return 1;
}

static int l_t_tostring(lua_State *L)
{
    tags_ud *u = luaL_checkudata(L, 1, REC_TAGS);
    if (u->tg == NULL) {
        lua_pushliteral(L, "rec.Tags (closed)");
        return 1;
    }
    lua_pushfstring(L, "rec.Tags: %d items (%d tagged), %d tags", (int)rn_tags_n_items(u->tg),
                    (int)rn_tags_n_tagged(u->tg), rn_tags_n_tags(u->tg));
    return 1;
}

static int l_t_close(lua_State *L)
{
    tags_ud *u = luaL_checkudata(L, 1, REC_TAGS);
    rn_tags_free(u->tg);
    u->tg = NULL;
    return 0;
}

/* ---- docstrings and opening ------------------------------------------------------- */

static const rec_doc_entry tags_docs[] = {
    {"decay",
     "rec.tags.decay(days [, {scale = 90, offset = 7, decay = 0.5}]) is the time decay of the "
     "notes' SQL, exp(ln(decay) / scale * max(0, days - offset)): 1 for the first 7 days, then "
     "half every 90 days. A negative age (an event after now) is an error.",
     "print(rec.tags.decay(3), rec.tags.decay(97), rec.tags.decay(187))  --> 1  0.5  0.25"},
    {"tf",
     "rec.tags.tf(count, n_tags) = count / n_tags: how much of an item's tagging is tag t (the "
     "notes' example: 1 of 4 tags).",
     "print(rec.tags.tf(1, 4))  --> 0.25"},
    {"idf",
     "rec.tags.idf(n_items, n_with_tag) = ln((n_items + 1) / (n_with_tag + 1)), the notes' "
     "log(1000+1/50+1) with its parentheses restored.",
     "print(rec.tags.idf(1000, 50))  --> 2.977..."},
    {"quotas",
     "rec.tags.quotas(weights, k) splits k slots in proportion to the weights (largest "
     "remainders: the quotas sum to k).",
     "print(table.concat(rec.tags.quotas({3, 2, 1}, 10), \" \"))  --> 5 3 2"},
    {"new",
     "rec.tags.new{items = {ids}, tags = {{names}, ...}, levels = {{numbers}, ...}} builds a "
     "rec.Tags catalogue: each item's multi-hot tag vector v_it = tf * idf * level (levels: "
     "the content's tag-level weights, 1 by default) and the tag -> items inverted index.",
     "local t = rec.tags.new{items = {1, 2, 3}, tags = {{\"a\", \"b\"}, {\"a\"}, {\"c\"}}}\n"
     "print(t, t:idf(\"a\"))"},
    {"movielens",
     "rec.tags.movielens{dir =, high = 4, low = 2} reads MovieLens with genres as tags and one "
     "behaviour event per rating (rate_high for >= high stars, rate_low for <= low, view "
     "otherwise), holds out each user's last rating (leave-last-out) and returns a table: "
     "catalogue (a rec.Tags), items, titles, genres, users, train (per user: items, types, "
     "ages in days before the held-out rating, times), test (the held-out item per user), "
     "now (its time), and the quality inputs from the training events only.",
     "local ml = rec.tags.movielens{}\nprint(ml.catalogue, #ml.users, ml.test[1])"},
    {NULL, NULL, NULL}};

static const rec_doc_entry tag_method_docs[] = {
    {"profile",
     "t:profile(events, {weights = {view = 1, rate_high = 3, rate_low = -1}, scale = 90, offset "
     "= 7, decay = 0.5, damp = \"log\"}) returns the user's tag weights {tag = w} and the raw "
     "sums S_t: S_t = sum over events of type weight x decay(age) x tf x idf, w_t = max(0, S_t) "
     "x log(1 + n) / n for n events (damp = \"none\": max(0, S_t)). events = {items =, types =, "
     "ages =}.",
     "local t = rec.tags.new{items = {1, 2}, tags = {{\"a\", \"b\"}, {\"a\"}}}\n"
     "local w = t:profile{items = {1, 2}, types = {\"view\", \"rate_high\"}, ages = {0, 30}}\n"
     "print(w.a, w.b)"},
    {"recall",
     "t:recall(weights, {k = 50, exclude = {ids}, metric = \"cosine\", prior = {per item}}) "
     "recalls up to k items: each tag of the user gets a quota of the k slots in proportion to "
     "its weight, filled with its best items by score (then prior, then id). Returns ids, "
     "scores and the tag whose quota took each (false for a leftover slot).",
     "local t = rec.tags.new{items = {1, 2, 3}, tags = {{\"a\"}, {\"b\"}, {\"a\", \"b\"}}}\n"
     "local ids, scores, via = t:recall({a = 2, b = 1}, {k = 2})\nprint(ids[1], via[1])"},
    {"score", "t:score(weights, id [, \"cosine\" | \"dot\"]) is the user-item score s(u, i).",
     "local t = rec.tags.new{items = {1}, tags = {{\"a\", \"b\"}}}\nprint(t:score({a = 1}, 1))"},
    {"item", "t:item(id) lists the item's tags with tf, idf and weight (tf x idf x level).",
     "local t = rec.tags.new{items = {1, 2}, tags = {{\"a\", \"b\"}, {\"a\"}}}\n"
     "print(t:item(1)[2].tag, t:item(1)[2].weight)"},
    {"postings", "t:postings(tag [, n]) returns the first n ids of tag's inverted list.",
     "local t = rec.tags.new{items = {1, 2}, tags = {{\"a\", \"b\"}, {\"a\"}}}\n"
     "print(#t:postings(\"a\"))  --> 2"},
    {"idf", "t:idf(tag) returns the tag's idf, the items carrying it and the tagged items.",
     "local t = rec.tags.new{items = {1, 2}, tags = {{\"a\", \"b\"}, "
     "{\"a\"}}}\nprint(t:idf(\"b\"))"},
    {"tags", "t:tags() lists the tag names.",
     "print(#rec.tags.new{items = {1}, tags = {{\"a\", \"b\"}}}:tags())  --> 2"},
    {"items", "t:items() lists the item ids in catalogue order.",
     "print(rec.tags.new{items = {7}, tags = {{\"a\"}}}:items()[1])  --> 7"},
    {"close", "t:close() frees the catalogue now.",
     "local t = rec.tags.new{items = {1}, tags = {{\"a\"}}}\nt:close()"},
    {NULL, NULL, NULL}};

void rec_open_tags(lua_State *L)
{
    static const luaL_Reg methods[] = {{"profile", l_t_profile},   {"recall", l_t_recall},
                                       {"score", l_t_score},       {"item", l_t_item},
                                       {"postings", l_t_postings}, {"idf", l_t_idf},
                                       {"tags", l_t_tags},         {"items", l_t_items},
                                       {"close", l_t_close},       {NULL, NULL}};
    static const luaL_Reg meta[] = {{"__gc", l_t_close},
                                    {"__close", l_t_close},
                                    {"__len", l_t_len},
                                    {"__tostring", l_t_tostring},
                                    {NULL, NULL}};
    if (luaL_newmetatable(L, REC_TAGS)) {
        luaL_setfuncs(L, meta, 0);
        luaL_newlib(L, methods);
        rec_doc_fields(L, -1, "t", 1, tag_method_docs);
        lua_setfield(L, -2, "__index");
    }
    lua_pop(L, 1);
    static const luaL_Reg fns[] = {{"decay", l_decay},   {"tf", l_tf},   {"idf", l_idf},
                                   {"quotas", l_quotas}, {"new", l_new}, {NULL, NULL}};
    luaL_newlib(L, fns);
    lua_setfield(L, -2, "tags");
}

void rec_doc_tags(lua_State *L)
{
    lua_getfield(L, -1, "tags");
    rec_doc_set(L, -1, "rec.tags",
                "Tag recall (标签召回, the notes' §4 Q1): multi-hot tag vectors, user tag weights "
                "from behaviour x time decay x TF-IDF, the inverted index and recall with "
                "per-tag quotas. Lesson 20.",
                "help(rec.tags.new)");
    rec_doc_fields(L, -1, "rec.tags", 0, tags_docs);
    lua_pop(L, 1);
}
