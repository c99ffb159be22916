/* Replacing a file safely: the one writer every layer uses (header-only).
 *
 * engine/ (models), viz/ (PNG, SVG) and repl/ (notebooks, :save, history,
 * lesson progress) may not include each other's headers (tests/arch), so the
 * writer lives here, in plain POSIX C with no allocation and no knowledge of
 * any layer: each caller turns the message into its own error convention.
 *
 *     af_file a;
 *     char msg[AF_MSG_MAX];
 *     if (af_open(&a, path, 0, msg, sizeof msg) != 0) return fail(msg);
 *     if (af_write(&a, data, n) != 0) { af_abort(&a); return fail(...); }
 *     if (af_commit(&a, msg, sizeof msg) != 0) return fail(msg);   // old file intact
 *
 * The discipline:
 * - the target must be absent or a regular file. A directory, a FIFO, a
 *   socket or a device node is refused with a message saying what it is (a
 *   save to /dev/full must not replace the device node). A symbolic link is
 *   refused too, unless the caller passes AF_FOLLOW: then it must lead to a
 *   regular file, which is replaced where it lives (the link stays);
 * - the data goes to a new temporary file beside the target (same folder, so
 *   rename is atomic), created with O_CREAT | O_EXCL under a random name
 *   (NAME.tmp-XXXXXXXX), never a fixed NAME.tmp that two writers would share;
 *   it takes the mode of the file it replaces, else 0666 minus the umask;
 * - af_commit fsyncs the file, checks the target is still replaceable,
 *   renames the temporary over it and fsyncs the folder (best effort: some
 *   file systems refuse to fsync a folder), so after a crash the path holds
 *   either the old bytes or the new ones, never a mix or an empty file;
 * - every failure (a short write on a full disk, fsync, rename) removes the
 *   temporary file and leaves the old file untouched.
 *
 * A kill -9 between af_open and af_commit leaves the old file and a stray
 * NAME.tmp-XXXXXXXX beside it (no process can remove it then).
 *
 * Not thread-safe for one af_file; separate af_files are independent.
 */
#ifndef RECNOTE_ATOMIC_FILE_H
#define RECNOTE_ATOMIC_FILE_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define AF_PATH_MAX 4096
#define AF_MSG_MAX  (AF_PATH_MAX + 200)
#define AF_FOLLOW   1 /* a symbolic link to a regular file: replace that file */

typedef struct {
    int fd;                      /* the temporary file; -1 when closed */
    int err;                     /* the first errno of a failed af_write (0: none) */
    int flags;                   /* AF_FOLLOW or 0 */
    char path[AF_PATH_MAX];      /* the file replaced (a followed link's target) */
    char tmp[AF_PATH_MAX + 24];  /* the temporary file beside it */
    char shown[AF_PATH_MAX];     /* the path as the caller named it, for messages */
} af_file;

/* Copies s into out (n bytes), cut if longer; always terminated. */
static inline void af_copy(char *out, size_t n, const char *s)
{
    size_t k = strlen(s);
    if (k >= n) k = n - 1;
    memcpy(out, s, k);
    out[k] = '\0';
}

/* What a non-regular file is, for messages. */
static inline const char *af_kind(mode_t m)
{
    return S_ISDIR(m)    ? "a directory"
           : S_ISFIFO(m) ? "a FIFO (named pipe)"
           : S_ISSOCK(m) ? "a socket"
           : S_ISCHR(m)  ? "a character device"
           : S_ISBLK(m)  ? "a block device"
           : S_ISLNK(m)  ? "a symbolic link"
                         : "not a regular file";
}

/* 0 when path may be replaced: absent, or a regular file (through a link
 * only with AF_FOLLOW, then the link's target goes to real, else path does).
 * -1 with a message otherwise. *mode gets the mode to give the new file
 * (the old file's, or 0 for the default). */
static inline int af_check_target(const char *path, int flags, char *real, mode_t *mode,
                                  char *msg, size_t msglen)
{
    struct stat st;
    *mode = 0;
    if (strlen(path) >= AF_PATH_MAX) {
        snprintf(msg, msglen, "cannot write %.200s...: the path is too long", path);
        return -1;
    }
    af_copy(real, AF_PATH_MAX, path);
    if (lstat(path, &st) != 0) {
        if (errno == ENOENT) return 0; /* a new file (a missing folder fails at af_open) */
        snprintf(msg, msglen, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    if (S_ISLNK(st.st_mode)) {
        if (!(flags & AF_FOLLOW)) {
            snprintf(msg, msglen,
                     "cannot write %s: it is a symbolic link; refusing to replace it "
                     "(save to the file it points to, or remove the link)",
                     path);
            return -1;
        }
        char buf[PATH_MAX];
        if (realpath(path, buf) == NULL || stat(buf, &st) != 0) {
            snprintf(msg, msglen, "cannot write %s: the symbolic link leads nowhere (%s)", path,
                     strerror(errno));
            return -1;
        }
        if (strlen(buf) >= AF_PATH_MAX) {
            snprintf(msg, msglen, "cannot write %s: the link's target path is too long", path);
            return -1;
        }
        af_copy(real, AF_PATH_MAX, buf);
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(msg, msglen, "cannot write %s: it is %s, not a regular file; refusing to replace it",
                 path, af_kind(st.st_mode));
        return -1;
    }
    *mode = st.st_mode & 07777;
    return 0;
}

/* A random-looking suffix; uniqueness comes from O_EXCL, this only makes
 * collisions rare. */
static inline uint64_t af_mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* Opens a new temporary file for path. 0, or -1 with a message (the target
 * is not replaceable, the folder is missing or not writable). */
static inline int af_open(af_file *a, const char *path, int flags, char *msg, size_t msglen)
{
    static unsigned counter;
    mode_t mode;
    a->fd = -1;
    a->err = 0;
    a->flags = flags;
    a->tmp[0] = '\0';
    af_copy(a->shown, sizeof a->shown, path);
    if (path[0] == '\0') {
        snprintf(msg, msglen, "cannot write an empty path");
        return -1;
    }
    if (af_check_target(path, flags, a->path, &mode, msg, msglen) != 0) return -1;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t seed = ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)ts.tv_nsec ^
                    ((uint64_t)getpid() << 16) ^ (uint64_t)(uintptr_t)a;
    for (int attempt = 0; attempt < 100; attempt++) {
        uint64_t r = af_mix(seed + ++counter);
        snprintf(a->tmp, sizeof a->tmp, "%s.tmp-%08x", a->path, (unsigned)(r & 0xffffffffu));
        a->fd = open(a->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (a->fd >= 0 || errno != EEXIST) break;
    }
    if (a->fd < 0) {
        snprintf(msg, msglen, "cannot write %s: %s", path, strerror(errno));
        a->tmp[0] = '\0';
        return -1;
    }
    if (mode != 0) (void)fchmod(a->fd, mode); /* keep the replaced file's permissions */
    return 0;
}

/* Appends n bytes (retrying short writes and EINTR). 0, or -1 with a->err
 * set; after a failure later writes do nothing and af_commit fails. */
static inline int af_write(af_file *a, const void *data, size_t n)
{
    const char *p = data;
    if (a->err != 0 || a->fd < 0) return -1;
    while (n > 0) {
        ssize_t w = write(a->fd, p, n > ((size_t)1 << 30) ? ((size_t)1 << 30) : n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            a->err = w < 0 ? errno : EIO;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Drops the temporary file; the target is untouched. Safe to call twice. */
static inline void af_abort(af_file *a)
{
    if (a->fd >= 0) close(a->fd);
    a->fd = -1;
    if (a->tmp[0] != '\0') unlink(a->tmp);
    a->tmp[0] = '\0';
}

/* fsync, close, rename over the target, fsync the folder. 0 when the target
 * now holds the new bytes; -1 with a message when it still holds the old
 * ones (the temporary file is removed). */
static inline int af_commit(af_file *a, char *msg, size_t msglen)
{
    int e = a->err;
    if (a->fd < 0 && e == 0) e = EBADF;
    if (e == 0 && fsync(a->fd) != 0) e = errno;
    if (a->fd >= 0 && close(a->fd) != 0 && e == 0) e = errno;
    a->fd = -1;
    if (e != 0) {
        snprintf(msg, msglen, "cannot write %s: %s (the old file, if any, is kept)", a->shown,
                 strerror(e));
        af_abort(a);
        return -1;
    }
    /* the target may have changed since af_open (a FIFO made meanwhile) */
    char real[AF_PATH_MAX];
    mode_t mode;
    if (af_check_target(a->shown, a->flags, real, &mode, msg, msglen) != 0 ||
        strcmp(real, a->path) != 0) {
        if (strcmp(real, a->path) != 0)
            snprintf(msg, msglen, "cannot write %s: it changed while being written", a->shown);
        af_abort(a);
        return -1;
    }
    if (rename(a->tmp, a->path) != 0) {
        snprintf(msg, msglen, "cannot write %s: %s (the old file, if any, is kept)", a->shown,
                 strerror(errno));
        af_abort(a);
        return -1;
    }
    a->tmp[0] = '\0';
    char dir[AF_PATH_MAX];
    af_copy(dir, sizeof dir, a->path);
    char *slash = strrchr(dir, '/');
    if (slash == dir)
        dir[1] = '\0';
    else if (slash != NULL)
        *slash = '\0';
    else
        af_copy(dir, sizeof dir, ".");
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd); /* best effort: the rename is done either way */
        close(dfd);
    }
    return 0;
}

/* The whole discipline for bytes already in memory. 0 or -1 with a message. */
static inline int af_write_file(const char *path, int flags, const void *data, size_t n,
                                char *msg, size_t msglen)
{
    af_file a;
    if (af_open(&a, path, flags, msg, msglen) != 0) return -1;
    (void)af_write(&a, data, n);
    return af_commit(&a, msg, msglen);
}

#endif
