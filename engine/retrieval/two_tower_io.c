/* Saving and loading a two-tower model: a text header (the config, the
 * sizes of the split it was trained on, each parameter's name and length),
 * a line "end", then every parameter's float32 values, little-endian, in
 * header order. The split is not stored: loading rebuilds it from the same
 * data set, and the sizes must agree. Written atomically
 * (common/atomic_file.h); read as hostile (regular files only, lengths
 * checked against the file before anything is copied). */
#include "two_tower.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"
#include "../alloc.h"
#include "../error.h"
#include "../interrupt.h"

#define MAGIC      "recnote two_tower 1\n"
#define HEADER_MAX (64 * 1024)

static int put(af_file *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int put(af_file *a, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    return n < 0 || (size_t)n >= sizeof line ? -1 : af_write(a, line, (size_t)n);
}

int rn_two_tower_save(rn_two_tower *m, const char *path)
{
    const rn_two_tower_config *c = rn_two_tower_config_of(m);
    rn_params *ps = rn_two_tower_params(m);
    af_file a;
    char msg[AF_MSG_MAX];
    if (af_open(&a, path, 0, msg, sizeof msg) != 0) return rn_fail(RN_EIO, "save: %s", msg);
    char hidden[128] = "";
    for (int i = 0; i < c->n_hidden; i++)
        snprintf(hidden + strlen(hidden), sizeof hidden - strlen(hidden), "%s%d", i ? "," : "",
                 c->hidden[i]);
    int bad = af_write(&a, MAGIC, strlen(MAGIC)) != 0;
    bad |= put(&a, "dim %d\nout_dim %d\nhidden %s\ntemperature %.9g\nloss %s\nlogq %d\n", c->dim,
               c->out_dim, c->n_hidden ? hidden : "none", (double)c->temperature,
               rn_two_tower_loss_name(c->loss), c->logq) != 0;
    bad |= put(&a, "n_neg %d\nmax_history %d\nuser_id %d\nlr %.9g\ninit_std %.9g\nseed %llu\n",
               c->n_neg, c->max_history, c->user_id, (double)c->lr, (double)c->init_std,
               (unsigned long long)c->seed) != 0;
    bad |= put(&a, "users %d\nitems %d\nparams %zu\n", rn_two_tower_n_users(m),
               rn_two_tower_n_items(m), rn_params_count(ps)) != 0;
    for (size_t i = 0; i < rn_params_count(ps); i++)
        bad |= put(&a, "%s %zu\n", rn_params_at(ps, i)->name, rn_params_at(ps, i)->n) != 0;
    bad |= af_write(&a, "end\n", 4) != 0;
    unsigned char buf[4096];
    for (size_t i = 0; i < rn_params_count(ps) && !bad; i++) {
        const rn_tensor *t = rn_params_at(ps, i);
        for (size_t j = 0; j < t->n && !bad; j += sizeof buf / 4) {
            size_t k = t->n - j < sizeof buf / 4 ? t->n - j : sizeof buf / 4;
            for (size_t e = 0; e < k; e++) {
                uint32_t u;
                memcpy(&u, &t->data[j + e], 4);
                for (int b = 0; b < 4; b++)
                    buf[4 * e + (size_t)b] = (unsigned char)(u >> (8 * b));
            }
            bad |= af_write(&a, buf, 4 * k) != 0;
        }
        if (rn_interrupted()) {
            af_abort(&a);
            return rn_fail(RN_EINTR, "save %s: interrupted (Ctrl-C), nothing written", path);
        }
    }
    if (bad) {
        af_abort(&a);
        return rn_fail(RN_EIO, "save %s: write failed (%s)", path, a.err ? strerror(a.err) : "a line too long");
    }
    if (af_commit(&a, msg, sizeof msg) != 0) return rn_fail(RN_EIO, "save: %s", msg);
    return RN_OK;
}

/* ---- loading --------------------------------------------------------------------------------- */

/* The next header line of text[*at..n) into line (without '\n'). */
static int next_line(const char *text, size_t n, size_t *at, char *line, size_t size)
{
    size_t s = *at;
    while (*at < n && text[*at] != '\n')
        (*at)++;
    if (*at >= n || *at - s >= size) return -1;
    memcpy(line, text + s, *at - s);
    line[*at - s] = '\0';
    (*at)++;
    return 0;
}

static int field(const char *path, const char *line, const char *key, char *value, size_t size)
{
    size_t k = strlen(key);
    if (strncmp(line, key, k) != 0 || line[k] != ' ' || strlen(line + k + 1) >= size)
        return rn_fail(RN_EPARSE, "load %s: expected '%s ...' in the header, got \"%.40s\"", path,
                       key, line);
    strcpy(value, line + k + 1);
    return RN_OK;
}

static int int_field(const char *path, const char *line, const char *key, long lo, long hi, long *out)
{
    char v[64], *end;
    int rc = field(path, line, key, v, sizeof v);
    if (rc != RN_OK) return rc;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (*v == '\0' || *end != '\0' || errno || x < lo || x > hi)
        return rn_fail(RN_EPARSE, "load %s: %s must be an integer in %ld..%ld, got \"%s\"", path,
                       key, lo, hi, v);
    *out = x;
    return RN_OK;
}

static int float_field(const char *path, const char *line, const char *key, float *out)
{
    char v[64], *end;
    int rc = field(path, line, key, v, sizeof v);
    if (rc != RN_OK) return rc;
    double x = strtod(v, &end);
    if (*v == '\0' || *end != '\0' || !isfinite(x))
        return rn_fail(RN_EPARSE, "load %s: %s must be a number, got \"%s\"", path, key, v);
    *out = (float)x;
    return RN_OK;
}

static unsigned char *read_all(const char *path, size_t *n)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        rn_fail(RN_EIO, "load %s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        rn_fail(RN_EIO, "load %s: not a regular file", path);
        return NULL;
    }
    if ((uint64_t)st.st_size > ((uint64_t)1 << 32)) {
        close(fd);
        rn_fail(RN_EIO, "load %s: too large (%lld bytes)", path, (long long)st.st_size);
        return NULL;
    }
    size_t size = (size_t)st.st_size, got = 0;
    unsigned char *buf = rn_malloc(size ? size : 1, "two_tower file");
    while (buf != NULL && got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r <= 0) {
            rn_free(buf);
            buf = NULL;
            rn_fail(RN_EIO, "load %s: read failed", path);
        } else {
            got += (size_t)r;
        }
    }
    close(fd);
    *n = size;
    return buf;
}

rn_two_tower *rn_two_tower_load(const char *path, const rn_dataset *ds)
{
    size_t n, at = 0;
    unsigned char *file = read_all(path, &n);
    if (file == NULL) return NULL;
    const char *text = (const char *)file;
    rn_two_tower *m = NULL;
    char line[512], v[128];
    long x, users = 0, items = 0, n_params = 0;
    rn_two_tower_config c = rn_two_tower_defaults();
    size_t limit = n < HEADER_MAX ? n : HEADER_MAX;
    int rc = RN_OK;
    if (n < strlen(MAGIC) || memcmp(file, MAGIC, strlen(MAGIC)) != 0) {
        rn_fail(RN_EPARSE, "load %s: not a recnote two-tower file (it should start with \"%.19s\")",
                path, MAGIC);
        goto done;
    }
    at = strlen(MAGIC);
#define LINE()                                                                                     \
    do {                                                                                           \
        if (next_line(text, limit, &at, line, sizeof line) != 0) {                                \
            rn_fail(RN_EPARSE, "load %s: the header ends early", path);                            \
            goto done;                                                                             \
        }                                                                                          \
    } while (0)
#define TRY(e)                                                                                     \
    do {                                                                                           \
        if ((rc = (e)) != RN_OK) goto done;                                                        \
    } while (0)
    LINE(); TRY(int_field(path, line, "dim", 1, 1024, &x)); c.dim = (int)x;
    LINE(); TRY(int_field(path, line, "out_dim", 1, 1024, &x)); c.out_dim = (int)x;
    LINE(); TRY(field(path, line, "hidden", v, sizeof v));
    c.n_hidden = 0;
    if (strcmp(v, "none") != 0) {
        char *s = v, *end;
        while (c.n_hidden < RN_TT_MAX_HIDDEN) {
            long h = strtol(s, &end, 10);
            if (end == s || h < 1 || h > 4096) break;
            c.hidden[c.n_hidden++] = (int)h;
            if (*end != ',') break;
            s = end + 1;
        }
        if (c.n_hidden == 0) {
            rn_fail(RN_EPARSE, "load %s: hidden must be widths such as 64,32, got \"%s\"", path, v);
            goto done;
        }
    }
    LINE(); TRY(float_field(path, line, "temperature", &c.temperature));
    LINE(); TRY(field(path, line, "loss", v, sizeof v));
    if ((c.loss = rn_two_tower_loss_from(v)) < 0) {
        rn_fail(RN_EPARSE, "load %s: unknown loss \"%s\"", path, v);
        goto done;
    }
    LINE(); TRY(int_field(path, line, "logq", 0, 1, &x)); c.logq = (int)x;
    LINE(); TRY(int_field(path, line, "n_neg", 1, 100000, &x)); c.n_neg = (int)x;
    LINE(); TRY(int_field(path, line, "max_history", 1, 1000, &x)); c.max_history = (int)x;
    LINE(); TRY(int_field(path, line, "user_id", 0, 1, &x)); c.user_id = (int)x;
    LINE(); TRY(float_field(path, line, "lr", &c.lr));
    LINE(); TRY(float_field(path, line, "init_std", &c.init_std));
    LINE(); TRY(field(path, line, "seed", v, sizeof v));
    c.seed = strtoull(v, NULL, 10);
    LINE(); TRY(int_field(path, line, "users", 1, INT32_MAX, &users));
    LINE(); TRY(int_field(path, line, "items", 1, INT32_MAX, &items));
    LINE(); TRY(int_field(path, line, "params", 1, 1000, &n_params));
    if ((m = rn_two_tower_new(ds, &c)) == NULL) goto done;
    if (rn_two_tower_n_users(m) != users || rn_two_tower_n_items(m) != items) {
        rn_fail(RN_EARG, "load %s: the model was trained on %ld users x %ld items, the data set "
                         "gives %d x %d (load it with the data set it was trained on)",
                path, users - 1, items - 1, rn_two_tower_n_users(m) - 1, rn_two_tower_n_items(m) - 1);
        goto fail;
    }
    rn_params *ps = rn_two_tower_params(m);
    if ((size_t)n_params != rn_params_count(ps)) {
        rn_fail(RN_EPARSE, "load %s: %ld parameters, the model has %zu", path, n_params,
                rn_params_count(ps));
        goto fail;
    }
    size_t total = 0;
    for (size_t i = 0; i < rn_params_count(ps); i++) {
        const rn_tensor *t = rn_params_at(ps, i);
        char want[256];
        snprintf(want, sizeof want, "%s %zu", t->name, t->n);
        if (next_line(text, limit, &at, line, sizeof line) != 0 || strcmp(line, want) != 0) {
            rn_fail(RN_EPARSE, "load %s: parameter %zu should be \"%s\", got \"%.60s\"", path,
                    i + 1, want, line);
            goto fail;
        }
        total += t->n;
    }
    if (next_line(text, limit, &at, line, sizeof line) != 0 || strcmp(line, "end") != 0) {
        rn_fail(RN_EPARSE, "load %s: the header should end with \"end\"", path);
        goto fail;
    }
    if (n - at != 4 * total) {
        rn_fail(RN_EPARSE, "load %s: %zu bytes of values, expected %zu (%zu floats)", path, n - at,
                4 * total, total);
        goto fail;
    }
    for (size_t i = 0; i < rn_params_count(ps); i++) {
        rn_tensor *t = rn_params_at(ps, i);
        for (size_t j = 0; j < t->n; j++, at += 4) {
            uint32_t u = 0;
            for (int b = 0; b < 4; b++)
                u |= (uint32_t)file[at + (size_t)b] << (8 * b);
            memcpy(&t->data[j], &u, 4);
            if (!isfinite(t->data[j])) {
                rn_fail(RN_EPARSE, "load %s: %s[%zu] is not finite", path, t->name, j);
                goto fail;
            }
        }
    }
    goto done;
fail:
    rn_two_tower_free(m);
    m = NULL;
done:
    (void)rc;
    rn_free(file);
    return m;
#undef LINE
#undef TRY
}
