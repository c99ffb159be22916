/* The one table of model config keys. Every key of rn_model_config lives here
 * once: its name (the JSON key, and the Lua key unless lua names another), its
 * type, range, default, a one-line doc, and the kinds that read it. Defaults
 * (rn_model_defaults), checks (rn_model_new), the saved JSON
 * (rn_model_config_json / _parse), the Lua constructors and their help all
 * read this table, so a key is added in one place.
 *
 *     size_t n;
 *     const rn_config_key *k = rn_model_config_keys(&n);
 *     for (size_t i = 0; i < n; i++)
 *         if (rn_config_key_reads(&k[i], RN_MODEL_FM)) printf("%s: %s\n", k[i].name, k[i].doc);
 *
 * A key that a kind does not read is not part of its model: rn_model_new sets
 * it to the kind's default, JSON holds only the keys the kind reads, and the
 * Lua constructors refuse it, naming the key and the kinds that read it
 * (rn_config_key_readers), so `rec.models.lr{gru = "agru"}` is an error.
 */
#ifndef RN_MODELS_CONFIG_H
#define RN_MODELS_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

enum {
    RN_KEY_INT,    /* int at offset, in [lo, hi] */
    RN_KEY_FLOAT,  /* float at offset, in [lo, hi] */
    RN_KEY_BOOL,   /* int 0/1 at offset */
    RN_KEY_NAME,   /* int at offset: an index into names */
    RN_KEY_INTS,   /* int array at offset, its count at count_offset (<= max_count), each in [lo, hi] */
    RN_KEY_SEED,   /* uint64_t at offset (a decimal string in JSON: doubles lose bits) */
    RN_KEY_PAIRS,  /* int [max_count][2] at offset, count at count_offset (field index pairs) */
    RN_KEY_TASKS   /* rn_task [max_count] at offset, count at count_offset */
};

#define RN_KIND_BIT(k) (1u << (k))
#define RN_ALL_KINDS   ((1u << RN_MODEL_N_KINDS) - 1u)

typedef struct {
    const char *name;          /* "embed_dim": the JSON key (and the Lua key unless lua is set) */
    const char *lua;           /* the Lua key when it differs ("fields", "dense"), or NULL */
    int type;                  /* RN_KEY_* */
    size_t offset;             /* offsetof(rn_model_config, ...) */
    size_t count_offset;       /* INTS, PAIRS, TASKS: offsetof the count */
    int max_count;             /* INTS, PAIRS, TASKS: capacity */
    double lo, hi;             /* range of the value (each element for INTS, PAIRS) */
    double def;                /* default (INT, FLOAT, BOOL, NAME index) */
    const int *def_ints;       /* INTS: default elements (def_count of them) */
    int def_count;
    const char *const *names;  /* NAME: the choices, NULL-terminated */
    int one_based;             /* the Lua value counts from 1 (field numbers) */
    uint32_t kinds;            /* RN_KIND_BIT of each kind that reads it */
    const char *doc;           /* one line for help() */
} rn_config_key;

/* The table (static) and its length. */
const rn_config_key *rn_model_config_keys(size_t *n);

/* The key named name (its JSON or Lua name), or NULL. */
const rn_config_key *rn_config_key_find(const char *name);

/* Whether kind reads key. */
int rn_config_key_reads(const rn_config_key *key, int kind);

/* The names of the kinds that read key, comma-separated, into buf. */
void rn_config_key_readers(const rn_config_key *key, char *buf, size_t size);

/* Whether key holds the same value in a and b. */
int rn_config_key_equal(const rn_config_key *key, const rn_model_config *a,
                        const rn_model_config *b);

/* Checks the range of every key c->kind reads: RN_EARG naming the key and the
 * kind otherwise. */
int rn_config_check_keys(const rn_model_config *c);

/* Sets every key c->kind does not read to the kind's default (rn_model_new
 * does, so a model's config and its saved file hold only what it uses; the
 * Lua constructors refuse such keys outright, naming the key and the kinds
 * that read it). */
void rn_config_normalize(rn_model_config *c);

/* The value of a key as text (for help and messages): "8", "{64, 32}", "'relu'". */
void rn_config_key_format(const rn_config_key *key, const rn_model_config *c, char *buf,
                          size_t size);

#endif
