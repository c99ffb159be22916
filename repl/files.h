/* File helpers for the REPL: folders made on demand, files replaced atomically. */
#ifndef REPL_FILES_H
#define REPL_FILES_H

#include <stddef.h>

#include "strbuf.h"

/* mkdir -p path (mode 0700 for new folders). 0 on success, -1 with errno. */
int files_mkdirs(const char *path);

/* Replaces path with data through common/atomic_file.h: a unique temporary
 * file beside it, fsync, rename, fsync of the folder, so a reader never sees
 * half a file and a failure (a full disk) keeps the old one. A target that is
 * not a regular file (a folder, FIFO, device, symbolic link) is refused.
 * 0 on success; -1 with a message in err (errlen bytes). */
int files_write_atomic(const char *path, const char *data, size_t n, char *err, size_t errlen);

/* The same for the REPL's own state files (lesson progress): a symbolic link
 * to a regular file (dotfiles kept elsewhere) is followed and its target
 * replaced. */
int files_write_state(const char *path, const char *data, size_t n, char *err, size_t errlen);

/* An XDG folder joined with "recnote": $<env>/recnote, else $HOME/<fallback>/recnote.
 * Writes into out (outlen bytes); returns out, or NULL without HOME. */
char *files_xdg_dir(const char *env, const char *fallback, char *out, size_t outlen);

/* Copies src to dst (atomically, as files_write_atomic). 0 or -1 with err. */
int files_copy(const char *src, const char *dst, char *err, size_t errlen);

/* The folder of files that belong to the notebook md_path ("out.md" ->
 * "out_files") into dir, and its name relative to the notebook's folder
 * plus a slash ("out_files/") into rel. Both are appended to. */
void files_companion_dir(const char *md_path, strbuf *dir, strbuf *rel);

#endif
