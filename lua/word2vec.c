/* rec.word2vec: word2vec (engine/embed/word2vec.h) on Lua token lists, a
 * text file, or a rec.Dataset's per-user histories (item2vec), returning a
 * rec.Embeddings. Options are read through rec_aux.h; the progress bar
 * (words/s, loss, ETA) and an on_progress callback run on the caller's
 * thread after each step of the shared loop, and Ctrl-C stops it between
 * steps with an error.
 *
 * Sequences become int64 ids for the engine: strings are numbered 1..n in
 * order of first appearance (and become the labels); integers are ids as
 * they are (no labels); a data set's item ids are its movie ids when the item
 * column's names are all numbers (MovieLens), labelled with the titles. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>

#include "alloc.h"
#include "embed/word2vec.h"
#include "error.h"
#include "host.h"
#include "rec.h"
#include "rec_aux.h"
#include "rec_data.h"
#include "rec_embed.h"
#include "rec_sequences.h"

/* ---- progress ---------------------------------------------------------------------------- */

typedef struct {
    lua_State *L;
    int on_progress; /* stack index of the callback, or 0 */
    int progress, tty;
    int failed; /* the callback raised: its message is at the top of the stack */
    double last_draw;
} w2v_state;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* "word2vec epoch 1/5 [=====>    ] 1.20M/5.00M words  412.3k words/s  loss 2.3100  ETA 0:03" */
static void bar(char *buf, size_t size, const rn_w2v_progress *p)
{
    char cells[31];
    int w = 30, filled = p->words_total
                             ? (int)((double)w * (double)p->words_done / (double)p->words_total)
                             : w;
    for (int i = 0; i < w; i++)
        cells[i] = i < filled ? '=' : (i == filled ? '>' : ' ');
    cells[w] = '\0';
    int done = p->words_done >= p->words_total;
    double eta = p->words_per_sec > 0
                     ? (double)(p->words_total - p->words_done) / p->words_per_sec
                     : 0,
           t = done ? p->elapsed : eta;
    snprintf(buf, size, "word2vec epoch %d/%d [%s] %.2fM/%.2fM words  %.1fk words/s  loss %.4f  "
                        "%s %d:%02d",
             p->epoch, p->epochs, cells, (double)p->words_done / 1e6,
             (double)p->words_total / 1e6, p->words_per_sec / 1000.0, p->loss,
             done ? "took" : "ETA", (int)t / 60, (int)t % 60);
}

static int on_progress(void *ud, const rn_w2v_progress *p)
{
    w2v_state *s = ud;
    lua_State *L = s->L;
    if (s->failed) return 0;
    int done = p->words_done >= p->words_total;
    if (s->progress && (s->tty || done)) {
        double t = now();
        if (t - s->last_draw > 0.1 || done) {
            char line[200];
            bar(line, sizeof line, p);
            fprintf(stdout, s->tty ? "\r%s%s" : "%s%s", line, done ? "\n" : "");
            fflush(stdout);
            s->last_draw = t;
        }
    }
    if (s->on_progress == 0) return 1;
    lua_pushvalue(L, s->on_progress);
    lua_createtable(L, 0, 8);
    lua_pushinteger(L, p->epoch);
    lua_setfield(L, -2, "epoch");
    lua_pushinteger(L, p->epochs);
    lua_setfield(L, -2, "epochs");
    lua_pushinteger(L, (lua_Integer)p->words_done);
    lua_setfield(L, -2, "words");
    lua_pushinteger(L, (lua_Integer)p->words_total);
    lua_setfield(L, -2, "total");
    lua_pushnumber(L, p->words_per_sec);
    lua_setfield(L, -2, "words_per_sec");
    lua_pushnumber(L, p->loss);
    lua_setfield(L, -2, "loss");
    lua_pushnumber(L, p->alpha);
    lua_setfield(L, -2, "alpha");
    lua_pushnumber(L, p->elapsed);
    lua_setfield(L, -2, "elapsed");
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
        s->failed = 1;
        return 0;
    }
    int go = !(lua_isboolean(L, -1) && !lua_toboolean(L, -1));
    lua_pop(L, 1);
    return go;
}

/* ---- the sequences ------------------------------------------------------------------------- */

static void *buffer(lua_State *L, size_t bytes)
{
    return lua_newuserdatauv(L, bytes ? bytes : 1, 0); /* on the stack until we return */
}

/* sentences = {{"a", "b"}, {"c"}} or {{3, 1}, {2}}: strings numbered by a
 * Lua table name -> id (at index map), integers as they are. */
static void read_sentences(lua_State *L, int list, rec_sequences *q)
{
    const char *fn = "rec.word2vec";
    if (!lua_istable(L, list))
        luaL_error(L, "%s: sentences must be a list of lists of tokens, got a %s", fn,
                   luaL_typename(L, list));
    size_t n_seq = lua_rawlen(L, list), n_tok = 0;
    if (n_seq == 0) luaL_error(L, "%s: sentences is empty", fn);
    for (size_t s = 1; s <= n_seq; s++) {
        if (lua_rawgeti(L, list, (lua_Integer)s) != LUA_TTABLE)
            luaL_error(L, "%s: sentence %d must be a list of tokens, got a %s", fn, (int)s,
                       luaL_typename(L, -1));
        n_tok += lua_rawlen(L, -1);
        lua_pop(L, 1);
    }
    q->n_seq = n_seq;
    q->offsets = buffer(L, (n_seq + 1) * sizeof *q->offsets);
    q->tokens = buffer(L, n_tok * sizeof *q->tokens);
    lua_newtable(L); /* name -> id */
    int map = lua_gettop(L);
    lua_newtable(L); /* id -> name, keeps the strings alive */
    int names = lua_gettop(L);
    int kind = 0; /* 1 strings, 2 integers */
    size_t n = 0, n_names = 0;
    for (size_t s = 1; s <= n_seq; s++) {
        q->offsets[s - 1] = n;
        lua_rawgeti(L, list, (lua_Integer)s);
        size_t len = lua_rawlen(L, -1);
        for (size_t i = 1; i <= len; i++) {
            int t = lua_rawgeti(L, -1, (lua_Integer)i);
            int k = t == LUA_TSTRING ? 1 : lua_isinteger(L, -1) ? 2 : 0;
            if (k == 0 || (kind != 0 && k != kind))
                luaL_error(L, "%s: sentence %d, token %d is a %s; tokens must be all strings "
                              "or all integer ids",
                           fn, (int)s, (int)i, luaL_typename(L, -1));
            kind = k;
            if (k == 2) {
                lua_Integer id = lua_tointeger(L, -1);
                if (id < 0)
                    luaL_error(L, "%s: sentence %d, token %d: ids must be >= 0, got %d", fn,
                               (int)s, (int)i, (int)id);
                q->tokens[n++] = id;
            } else {
                lua_pushvalue(L, -1);
                if (lua_rawget(L, map) == LUA_TNIL) {
                    lua_pop(L, 1);
                    lua_pushvalue(L, -1);
                    lua_pushinteger(L, (lua_Integer)++n_names);
                    lua_rawset(L, map);
                    lua_pushvalue(L, -1);
                    lua_rawseti(L, names, (lua_Integer)n_names);
                    lua_pushinteger(L, (lua_Integer)n_names);
                }
                q->tokens[n++] = lua_tointeger(L, -1);
                lua_pop(L, 1);
            }
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    q->offsets[n_seq] = n;
    q->n_tok = n;
    if (kind == 1) {
        q->n_labels = n_names + 1;
        q->labels = buffer(L, q->n_labels * sizeof *q->labels);
        q->labels[0] = "";
        for (size_t i = 1; i <= n_names; i++) {
            lua_rawgeti(L, names, (lua_Integer)i);
            q->labels[i] = lua_tostring(L, -1); /* kept alive by the names table */
            lua_pop(L, 1);
        }
    }
    /* map and names stay on the stack (under the buffers) until we return */
}

/* data = ds: per-user histories in time order (rec_sequences.h); also
 * rec.graph.from_sequences's reader. */
void rec_dataset_sequences(lua_State *L, int idx, int opts, const char *fn, rec_sequences *q)
{
    const size_t *rows;
    size_t start, n;
    const rn_dataset *ds = rec_check_dataset(L, idx, &rows, &start, &n);
    const char *item_name = rec_opt_string(L, opts, "item", "item");
    const char *rating_name = rec_opt_string(L, opts, "rating", "rating");
    lua_getfield(L, opts, "min_rating");
    int thresh = !lua_isnil(L, -1);
    lua_pop(L, 1);
    double min_rating = rec_opt_number(L, opts, "min_rating", 0);
    int item = rn_dataset_find(ds, item_name);
    if (item < 0 || ds->cols[item].kind != RN_COL_CAT)
        luaL_error(L, "%s: the data set has no categorical column '%s' (item =)", fn, item_name);
    if (ds->group < 0 || ds->time < 0)
        luaL_error(L, "%s: the data set needs a group (user) and a time column to order "
                      "each user's items",
                   fn);
    int rating = -1;
    if (thresh) {
        rating = rn_dataset_find(ds, rating_name);
        if (rating < 0 || ds->cols[rating].f == NULL)
            luaL_error(L, "%s: min_rating needs a numeric column '%s' (rating =)", fn,
                       rating_name);
    }
    rn_subset sub = {buffer(L, n * sizeof(size_t)), 0};
    for (size_t i = 0; i < n; i++) {
        size_t r = rows ? rows[i] : start + i;
        if (rating < 0 || (double)ds->cols[rating].f[r] >= min_rating) sub.rows[sub.n++] = r;
    }
    if (sub.n == 0) {
        char v[32];
        snprintf(v, sizeof v, "%g", min_rating);
        luaL_error(L, "%s: no row has %s >= %s", fn, rating_name, v);
    }
    rn_histories h;
    if (rn_dataset_histories(ds, &sub, ds->group, item, ds->time, &h) != RN_OK)
        rec_engine_error(L);
    q->n_seq = h.n_users;
    q->n_tok = h.off[h.n_users];
    q->offsets = buffer(L, (q->n_seq + 1) * sizeof *q->offsets);
    q->tokens = buffer(L, q->n_tok * sizeof *q->tokens);
    memcpy(q->offsets, h.off, (q->n_seq + 1) * sizeof *q->offsets);
    /* ids: the item names when they are all integers (movie ids), else the
     * column's own ids; labels: the vocabulary's labels (titles) or names */
    const rn_column *c = &ds->cols[item];
    size_t nv = c->vocab ? rn_vocab_size(c->vocab) : 0;
    int64_t *id_of = NULL;
    int numeric = nv > 0;
    if (nv > 0) {
        id_of = buffer(L, nv * sizeof *id_of);
        id_of[0] = 0;
        for (size_t v = 1; v < nv && numeric; v++) {
            const char *name = rn_vocab_name(c->vocab, (int32_t)v);
            char *end;
            errno = 0;
            long long x = strtoll(name, &end, 10);
            numeric = *name != '\0' && *end == '\0' && errno == 0 && x >= 0;
            id_of[v] = x;
        }
    }
    int64_t max_id = 0;
    for (size_t t = 0; t < q->n_tok; t++) {
        int32_t v = h.items[t];
        q->tokens[t] = numeric ? id_of[v] : v;
        if (q->tokens[t] > max_id) max_id = q->tokens[t];
    }
    rn_histories_free(&h);
    if (nv > 0 && max_id < 100000000) {
        q->n_labels = (size_t)max_id + 1;
        q->labels = buffer(L, q->n_labels * sizeof *q->labels);
        for (size_t i = 0; i < q->n_labels; i++)
            q->labels[i] = "";
        for (size_t v = 1; v < nv; v++) {
            const char *l = rn_vocab_label(c->vocab, (int32_t)v);
            q->labels[numeric ? (size_t)id_of[v] : v] = l ? l : rn_vocab_name(c->vocab, (int32_t)v);
        }
    }
}

/* ---- rec.word2vec ------------------------------------------------------------------------- */

static const char *const w2v_known[] = {
    "sentences", "file",    "data",      "item",      "rating",  "min_rating",
    "dim",       "window",  "negative",  "hs",        "sg",      "model",
    "min_count", "epochs",  "threads",   "sample",    "alpha",   "min_alpha",
    "seed",      "progress", "on_progress", NULL};

static int l_word2vec(lua_State *L)
{
    rec_check_options(L, 1, "rec.word2vec", w2v_known);
    rn_w2v_config c = rn_w2v_defaults();
    static const char *const models[] = {"cbow", "skipgram", NULL};
    c.sg = rec_opt_enum(L, 1, "model", models, 1);
    lua_getfield(L, 1, "sg");
    if (!lua_isnil(L, -1)) c.sg = rec_opt_bool(L, 1, "sg", 1);
    lua_pop(L, 1);
    c.dim = (int)rec_opt_integer(L, 1, "dim", c.dim, 1, RN_EMB_MAX_DIM);
    c.window = (int)rec_opt_integer(L, 1, "window", c.window, 1, 1000);
    c.negative = (int)rec_opt_integer(L, 1, "negative", c.negative, 0, 1000);
    c.hs = rec_opt_bool(L, 1, "hs", 0);
    c.min_count = (int)rec_opt_integer(L, 1, "min_count", c.min_count, 1, 1000000000);
    c.epochs = (int)rec_opt_integer(L, 1, "epochs", c.epochs, 1, 100000);
    c.threads = (int)rec_opt_integer(L, 1, "threads", c.threads, 1, 64);
    c.sample = rec_opt_range(L, 1, "sample", c.sample, 0, 1);
    c.alpha = rec_opt_range(L, 1, "alpha", c.alpha, 1e-12, 10);
    c.min_alpha = rec_opt_range(L, 1, "min_alpha", c.min_alpha, 0, 10);
    c.seed = (uint64_t)rec_opt_integer(L, 1, "seed", 1, 0, LUA_MAXINTEGER);
    if (rn_w2v_check_config(&c) != RN_OK) return rec_engine_error(L);

    w2v_state s = {.L = L};
    s.progress = rec_opt_bool(L, 1, "progress", 1);
    s.tty = isatty(fileno(stdout));
    lua_getfield(L, 1, "on_progress");
    if (!lua_isnil(L, -1)) {
        if (!lua_isfunction(L, -1))
            return luaL_error(L, "rec.word2vec: on_progress must be a function(progress)");
        s.on_progress = lua_gettop(L);
    }
    int have = 0;
    for (const char *const *k = (const char *const[]){"sentences", "file", "data", NULL}; *k; k++) {
        lua_getfield(L, 1, *k);
        have += !lua_isnil(L, -1);
        lua_pop(L, 1);
    }
    if (have != 1)
        return luaL_error(L, "rec.word2vec: give exactly one of sentences = {{...}}, file = "
                             "'corpus.txt' or data = <rec.Dataset>");
    rn_w2v_hooks hooks = {on_progress, &s};
    s.last_draw = now() - 1;
    rn_embeddings *e;
    lua_getfield(L, 1, "file");
    if (!lua_isnil(L, -1)) {
        const char *path = rec_opt_string(L, 1, "file", NULL);
        e = rn_w2v_train_text(path, &c, &hooks);
    } else {
        rec_sequences q = {0};
        lua_getfield(L, 1, "data");
        if (!lua_isnil(L, -1)) {
            rec_dataset_sequences(L, lua_gettop(L), 1, "rec.word2vec", &q);
        } else {
            lua_getfield(L, 1, "sentences");
            read_sentences(L, lua_gettop(L), &q);
        }
        e = rn_w2v_train_labeled(q.tokens, q.offsets, q.n_seq, q.labels, q.n_labels, &c,
                                 &hooks);
    }
    if (s.failed) { /* the callback's error is at the top */
        rn_emb_free(e);
        return lua_error(L);
    }
    if (e == NULL) {
        if (s.progress && s.tty) fputs("\n", stdout);
        return rec_engine_error(L);
    }
    rec_push_embeddings(L, e);
    return 1;
}

static const char w2v_doc[] =
    "rec.word2vec{sentences = {{tokens}, ...} | file = 'corpus.txt' | data = <rec.Dataset>, "
    "...} trains word2vec and returns a rec.Embeddings (e:neighbors, e:search, e:plot, e:save). "
    "Tokens are strings (they become the labels) or integer ids >= 0; a file holds one sentence "
    "per line, words separated by spaces; a data set gives each user's items in time order "
    "(item2vec): item = 'item' (a categorical column), and with min_rating = 4 only the rows "
    "whose rating column (rating = 'rating') is at least 4; MovieLens items keep their movie ids "
    "and are labelled with their titles. Options: model = 'skipgram' (default) or 'cbow' (or "
    "sg = true/false), dim (100), window (5: each centre draws its window in 1..5), negative "
    "(5 noise words per pair from counts^0.75; 0: none), hs (false: hierarchical softmax on a "
    "Huffman tree; with negative > 0 both train), min_count (5: rarer tokens are dropped), "
    "epochs (5), sample (1e-3: frequent tokens are thinned with word2vec.c's formula; 0: off), "
    "alpha (0.025) falling linearly to min_alpha (0.0001), threads (1: reproducible; more are "
    "faster, lock-free), seed (1), progress (the bar: words/s, loss, ETA; default true), "
    "on_progress(p) (after each step: p.epoch, p.words, p.total, p.words_per_sec, p.loss, "
    "p.alpha; return false to stop early, keeping what was trained). Ctrl-C stops it with an "
    "error.";
static const char w2v_example[] =
    "local s = {}\n"
    "for i = 1, 400 do\n"
    "  local topic = i % 2 == 0 and {'cat', 'dog', 'cow'} or {'red', 'blue', 'green'}\n"
    "  local sent = {}\n"
    "  for j = 1, 8 do sent[j] = topic[(i * j) % 3 + 1] end\n"
    "  s[#s + 1] = sent\n"
    "end\n"
    "local e = rec.word2vec{sentences = s, dim = 8, min_count = 1, progress = false}\n"
    "print(e:neighbors('dog', 2))";

void rec_open_word2vec(lua_State *L)
{
    lua_pushcfunction(L, l_word2vec);
    lua_setfield(L, -2, "word2vec");
    static const rec_doc_entry docs[] = {{"word2vec", w2v_doc, w2v_example}, {NULL, NULL, NULL}};
    rec_doc_fields(L, -1, "rec", 0, docs);
}
