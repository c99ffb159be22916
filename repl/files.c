/* Folders and atomic writes (see files.h). */
#include "files.h"

#include "atomic_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int files_mkdirs(const char *path)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(tmp, 0700) != 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    if (mkdir(tmp, 0700) != 0 && errno != EEXIST) return -1;
    return 0;
}

int files_write_atomic(const char *path, const char *data, size_t n, char *err, size_t errlen)
{
    return af_write_file(path, 0, data, n, err, errlen);
}

int files_write_state(const char *path, const char *data, size_t n, char *err, size_t errlen)
{
    return af_write_file(path, AF_FOLLOW, data, n, err, errlen);
}

char *files_xdg_dir(const char *env, const char *fallback, char *out, size_t outlen)
{
    const char *base = getenv(env);
    if (base != NULL && base[0] == '/') {
        snprintf(out, outlen, "%s/recnote", base);
        return out;
    }
    const char *home = getenv("HOME");
    if (home == NULL || home[0] == '\0') return NULL;
    snprintf(out, outlen, "%s/%s/recnote", home, fallback);
    return out;
}

int files_copy(const char *src, const char *dst, char *err, size_t errlen)
{
    FILE *f = fopen(src, "rb");
    if (f == NULL) {
        snprintf(err, errlen, "cannot read %s: %s", src, strerror(errno));
        return -1;
    }
    strbuf data = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        sb_append(&data, chunk, n);
    int failed = ferror(f);
    fclose(f);
    int rc = -1;
    if (failed)
        snprintf(err, errlen, "cannot read %s", src);
    else
        rc = files_write_atomic(dst, sb_str(&data), data.len, err, errlen);
    sb_free(&data);
    return rc;
}

void files_companion_dir(const char *md_path, strbuf *dir, strbuf *rel)
{
    const char *dot = strrchr(md_path, '.');
    const char *slash = strrchr(md_path, '/');
    size_t stem =
        dot != NULL && (slash == NULL || dot > slash) ? (size_t)(dot - md_path) : strlen(md_path);
    size_t start = dir->len;
    sb_append(dir, md_path, stem);
    sb_puts(dir, "_files");
    const char *base = strrchr(dir->s + start, '/');
    sb_printf(rel, "%s/", base ? base + 1 : dir->s + start);
}
