/* Internal helpers shared by the data set files (engine/data/): growth,
 * hashing, whole-file reading with line:column tracking, and quoting of
 * offending input in messages. Not part of the API. */
#ifndef RN_DATA_INTERNAL_H
#define RN_DATA_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "data/dataset.h"

/* Grows *p (an array of elem-byte items with *cap allocated) to hold need
 * items, doubling. RN_ENOMEM on failure (*p and *cap then unchanged). */
int rn__grow(void **p, size_t *cap, size_t need, size_t elem, const char *what);

/* 64-bit FNV-1a of len bytes: the hash of hashed categorical columns. */
uint64_t rn__fnv1a(const char *s, size_t len);

/* A whole file in memory and a cursor with its line and column (1-based;
 * columns count characters: UTF-8 continuation bytes do not advance them). */
typedef struct {
    const char *path; /* borrowed, for messages */
    char *buf;        /* len bytes and a NUL */
    size_t len, pos;
    size_t line, col;
} rn__text;

/* Reads the regular file path (at most RN_DATA_MAX_FILE bytes) and skips a
 * UTF-8 byte order mark. Errors: RN_EIO ("path: cannot open: No such file or
 * directory", "path: not a regular file", too large), RN_EPARSE for a UTF-16
 * byte order mark, RN_ENOMEM. */
int rn__text_open(rn__text *t, const char *path);
void rn__text_close(rn__text *t);

/* The byte at the cursor (-1 at the end), and advancing past it. */
static inline int rn__peek(const rn__text *t)
{
    return t->pos < t->len ? (unsigned char)t->buf[t->pos] : -1;
}
void rn__advance(rn__text *t);

/* Writes s (len bytes) into out as a C-style quoted string of at most about
 * 40 bytes ("abc", "a\x01b", "very long...") for messages: control bytes
 * and bytes that are not UTF-8 ("Par\xe9s" of a Latin-1 file) are escaped,
 * so a message never sends raw invalid bytes to a terminal. */
void rn__quote(char *out, size_t size, const char *s, size_t len);

/* The length (1-4) of the well-formed UTF-8 character at s (len bytes
 * available), or 0 when s starts with a byte that is not one: a stray
 * continuation byte, a cut-short sequence, an overlong form, a surrogate, a
 * code point above U+10FFFF. */
size_t rn__utf8_char(const char *s, size_t len);

/* The offset of the first byte of s that is not valid UTF-8, or len when all
 * of s is. Text a data set keeps (vocabulary strings, header names, titles)
 * must be UTF-8: every loader refuses other bytes with a located error. */
size_t rn__utf8_check(const char *s, size_t len);

/* Parses a whole field (spaces and tabs around it allowed) as a finite
 * double / a float in range / an int64, of any length ("000...01" of 201
 * digits is 1). 0 on success, -1 when the text is not such a number, -2 when
 * it is out of range, -3 when out of memory copying a numeral of 128 bytes
 * or more (RN_ENOMEM is recorded: the caller returns it). */
int rn__parse_double(const char *s, size_t len, double *out);
int rn__parse_float(const char *s, size_t len, float *out);
int rn__parse_int64(const char *s, size_t len, int64_t *out);

/* rn_load_csv, also returning the line where each data record starts
 * (*lines: n_rows entries, caller frees with rn_free) when lines != NULL. */
rn_dataset *rn__load_csv(const char *path, const rn_csv_schema *schema, size_t **lines);

/* rn__load_csv with the split between its two threads forced near byte
 * split_at (0: the loader's own choice, one thread below a few MB), for
 * tests that compare the joined halves with a sequential read; *joined (when
 * not NULL) tells whether the two halves were joined or the first thread
 * read on alone. */
rn_dataset *rn__load_csv_split(const char *path, const rn_csv_schema *schema, size_t **lines,
                               size_t split_at, int *joined);

/* Recomputes the checksums of a binary columnar file held in buf (len
 * bytes) in place, and its header's file size, so that a fuzzer's mutations
 * reach the checks behind them (tests/fuzz/fuzz_columnar.c). */
void rn__columnar_reseal(unsigned char *buf, size_t len);

#endif
