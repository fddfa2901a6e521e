/*
** ty_io.h: matrix files, CSV and NumPy .npy (no Lua here).
**
** Every function returns 0 on success, TY_IO_FAIL after writing a message
** (at most TY_IO_ERRLEN bytes, NUL included) into err, or TY_EINTR when
** Ctrl-C stopped it.  Nothing is allocated for the caller: readers work in
** two steps, first the sizes (so the caller can allocate the matrix where
** it likes, in tycho a Lua userdata), then the data into that buffer.
** Files are opened and closed inside each call; no call leaves one open.
**
** CSV (text):
**   ty_io_filesize + ty_io_readfile   the whole file into a caller buffer
**   ty_csv_scan                       rows, columns, complex?, header line
**   ty_csv_parse                      the numbers, column-major
**   ty_csv_field                      one field of a line (header names)
**   ty_csv_write                      a matrix to a file
** NPY (binary, NumPy's format 1.0, 2.0 and 3.0):
**   ty_npy_header                     parse and check the header
**   ty_npy_read                       the data, converted to double
**   ty_npy_write                      '<f8' or '<c16', Fortran order
*/
#ifndef TY_IO_H
#define TY_IO_H

#include <stddef.h>

#include "ty_mat.h"

#define TY_IO_FAIL   (-1)
#define TY_IO_ERRLEN 320

/* ---- whole files ----------------------------------------------------- */

/* the size in bytes of the regular file at path */
int ty_io_filesize (const char *path, size_t *size, char *err);

/* Read at most cap bytes of the file at path into buf; *len gets the
** number read. */
int ty_io_readfile (const char *path, char *buf, size_t cap, size_t *len,
                    char *err);

/* ---- CSV ------------------------------------------------------------- */

typedef struct ty_csv_opts {
  char delim;          /* field separator; ' ' means runs of blanks */
  char comment;        /* a line's text from this character on is ignored
                          (outside quotes); 0: no comments */
  int header;          /* 1: the first line is a header; 0: it is not;
                          -1: a header when it is not all numbers */
  int has_missing;     /* empty fields become `missing` (else an error) */
  double missing;
} ty_csv_opts;

typedef struct ty_csv_info {
  size_t rows, cols;
  int cplx;            /* some field looks complex ("1+2j") */
  int has_header;
  size_t header_pos, header_len;   /* the header line within the text */
  size_t header_line;              /* its line number (1-based) */
} ty_csv_info;

/* First pass over text[0..len-1]: count the data rows and the fields per
** row (all rows must have the same count), find the header.  Blank and
** comment-only lines are skipped; a UTF-8 byte order mark is ignored. */
int ty_csv_scan (const char *text, size_t len, const ty_csv_opts *o,
                 ty_csv_info *info, char *err);

/* Second pass: the numbers into out, column-major, rows x cols elements
** (pairs when info->cplx).  Numbers are C's strtod syntax (with '.' as the
** decimal point in any locale), including nan, inf, -inf; complex fields
** are "re+imj", "re-imj", "imj", optionally in parentheses. */
int ty_csv_parse (const char *text, size_t len, const ty_csv_opts *o,
                  const ty_csv_info *info, double *out, char *err);

/* Extract the field starting at *pos of line[0..len-1] into out (capacity
** at least len + 1), unquoted and trimmed of blanks; *pos moves past the
** delimiter.  Returns the field length, or -1 at the end of the line. */
long ty_csv_field (const char *line, size_t len, size_t *pos,
                   const ty_csv_opts *o, char *out);

/* Write A to path: header (may be NULL) as the first line, then one line
** per row.  precision 0 writes each number with the fewest digits that
** read back exactly (at most 17); 1..17 uses "%.<precision>g".  Complex
** elements are written as re+imj (re-imj), NumPy's notation. */
int ty_csv_write (const char *path, const ty_mat *A, char delim,
                  const char *header, int precision, char *err);

/* ---- NPY ------------------------------------------------------------- */

typedef struct ty_npy {
  int major, minor;    /* format version */
  int ndim;            /* 0, 1 or 2 */
  size_t shape[2];
  size_t rows, cols;   /* as a matrix: 0-D 1x1, 1-D n x 1, 2-D m x n */
  int fortran;         /* fortran_order */
  char kind;           /* 'f' float, 'c' complex, 'i' int, 'u' unsigned,
                          'b' bool */
  int itemsize;        /* bytes per element */
  int cplx;            /* the matrix is complex */
  size_t offset;       /* bytes before the data */
  char descr[24];      /* as written in the file */
} ty_npy;

/* Read and check the header of the .npy file at path: magic, version,
** dictionary, dtype ('<f8', '<c16', '<f4', '<c8', integers of 1, 2, 4, 8
** bytes signed or not, '|b1'; little-endian), at most 2 dimensions, sizes
** without overflow and data present in full. */
int ty_npy_header (const char *path, ty_npy *h, char *err);

/* Read the data described by h (from ty_npy_header on the same path) into
** out: rows x cols doubles (pairs when h->cplx), column-major. */
int ty_npy_read (const char *path, const ty_npy *h, double *out, char *err);

/* Write A as a 2-D array (rows, cols), dtype '<f8' or '<c16',
** fortran_order True; format 1.0 (2.0 if the header would not fit). */
int ty_npy_write (const char *path, const ty_mat *A, char *err);

#endif
