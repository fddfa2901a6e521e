/*
** ty_io.c: CSV and NumPy .npy files for matrices (see ty_io.h).
**
** Readers never trust a file: every size read from it is checked for
** overflow and against the file's length before the caller allocates, and
** every failure becomes a message, never a crash.
*/
#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ty_io.h"
#include "ty_interrupt.h"

/* ====================================================================== */
/* errors, files, bytes                                                   */
/* ====================================================================== */

/* Format a message into err; returns TY_IO_FAIL. */
static int fail (char *err, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, TY_IO_ERRLEN, fmt, ap);
  va_end(ap);
  return TY_IO_FAIL;
}

/* "path: <strerror(errno)>" */
static int sysfail (char *err, const char *path) {
  return fail(err, "%s: %s", path, strerror(errno));
}

/* Open path for reading and check that it is a regular file; *size gets
** its length.  NULL (message in err) on failure. */
static FILE *open_regular (const char *path, size_t *size, char *err) {
  struct stat st;
  FILE *f = fopen(path, "rb");
  if (f == NULL) { sysfail(err, path); return NULL; }
  if (fstat(fileno(f), &st) != 0) {
    sysfail(err, path);
    fclose(f);
    return NULL;
  }
  if (S_ISDIR(st.st_mode)) {
    fail(err, "%s: is a directory", path);
    fclose(f);
    return NULL;
  }
  if (!S_ISREG(st.st_mode) || st.st_size < 0 ||
      (uintmax_t)st.st_size > (uintmax_t)(SIZE_MAX / 2)) {
    fail(err, "%s: not a regular file", path);
    fclose(f);
    return NULL;
  }
  *size = (size_t)st.st_size;
  return f;
}

int ty_io_filesize (const char *path, size_t *size, char *err) {
  FILE *f = open_regular(path, size, err);
  if (f == NULL) return TY_IO_FAIL;
  fclose(f);
  return 0;
}

int ty_io_readfile (const char *path, char *buf, size_t cap, size_t *len,
                    char *err) {
  size_t size;
  FILE *f = open_regular(path, &size, err);
  if (f == NULL) return TY_IO_FAIL;
  *len = fread(buf, 1, cap, f);
  if (ferror(f)) {
    sysfail(err, path);
    fclose(f);
    return TY_IO_FAIL;
  }
  fclose(f);
  return 0;
}

static int host_little_endian (void) {
  const uint16_t one = 1;
  unsigned char c;
  memcpy(&c, &one, 1);
  return c == 1;
}

/* little-endian loads and stores, independent of the host's order */
static uint64_t load64 (const unsigned char *p) {
  return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
         (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 |
         (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

static uint32_t load32 (const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

static void store64 (unsigned char *p, uint64_t x) {
  int k;
  for (k = 0; k < 8; k++) p[k] = (unsigned char)(x >> (8 * k));
}

static double bits_to_double (uint64_t u) {
  double d;
  memcpy(&d, &u, sizeof d);
  return d;
}

static float bits_to_float (uint32_t u) {
  float x;
  memcpy(&x, &u, sizeof x);
  return x;
}

/* the locale's decimal point (strtod and printf use it) */
static char decimal_point (void) {
  const char *dp = localeconv()->decimal_point;
  return (dp != NULL && dp[0] != '\0') ? dp[0] : '.';
}

/* ====================================================================== */
/* CSV: lines and fields                                                  */
/* ====================================================================== */

#define POLL_LINES 65536          /* lines between interrupt checks */
#define NUMBER_MAX 512            /* longest field read as a number */

static int is_blank (int c) { return c == ' ' || c == '\t'; }

/* The line starting at *pos: its start and length (without "\r\n");
** *pos moves to the next line.  Returns 0 at the end of the text. */
static int next_line (const char *text, size_t len, size_t *pos,
                      const char **line, size_t *linelen) {
  const char *start, *eol;
  size_t n;
  if (*pos >= len) return 0;
  start = text + *pos;
  eol = memchr(start, '\n', len - *pos);
  n = eol ? (size_t)(eol - start) : len - *pos;
  *pos += n + (eol != NULL);
  if (n > 0 && start[n - 1] == '\r') n--;
  *line = start;
  *linelen = n;
  return 1;
}

/* 1 when the line is empty, blank, or only a comment */
static int skip_line (const char *line, size_t len, const ty_csv_opts *o) {
  size_t i = 0;
  while (i < len && is_blank((unsigned char)line[i])) i++;
  return i == len || (o->comment != 0 && line[i] == o->comment);
}

/* The span of the next field of line[0..len-1] from *pos: *beg, *flen
** (blanks trimmed; for a quoted field, the text between the quotes with
** "" escapes left in) and *quoted.  *pos moves past the delimiter, or to
** len + 1 after the last field.  Returns 0 when there are no more. */
static int next_field (const char *line, size_t len, size_t *pos,
                       const ty_csv_opts *o, size_t *beg, size_t *flen,
                       int *quoted) {
  size_t i = *pos, end;
  int ws = (o->delim == ' ');
  if (i > len) return 0;
  while (i < len && is_blank((unsigned char)line[i]) &&
         (ws || line[i] != o->delim))
    i++;
  if (ws && (i == len || (o->comment && line[i] == o->comment))) {
    *pos = len + 1;
    return 0;
  }
  *quoted = (i < len && line[i] == '"');
  if (*quoted) {                               /* "...", "" is a quote */
    *beg = ++i;
    while (i < len && !(line[i] == '"' && (i + 1 >= len ||
                                           line[i + 1] != '"')))
      i += (line[i] == '"') ? 2 : 1;
    *flen = i - *beg;
    if (i < len) i++;                          /* closing quote */
    while (i < len && line[i] != o->delim && !(ws && is_blank(line[i])) &&
           !(o->comment && line[i] == o->comment))
      i++;                                     /* ignore text after it */
  }
  else {
    *beg = i;
    while (i < len && line[i] != o->delim && !(ws && is_blank(line[i])) &&
           !(o->comment && line[i] == o->comment))
      i++;
    end = i;
    while (end > *beg && is_blank((unsigned char)line[end - 1])) end--;
    *flen = end - *beg;
  }
  if (i < len && !(o->comment && line[i] == o->comment) &&
      (line[i] == o->delim || ws))
    *pos = i + 1;                              /* past the delimiter */
  else
    *pos = len + 1;                            /* that was the last */
  return 1;
}

long ty_csv_field (const char *line, size_t len, size_t *pos,
                   const ty_csv_opts *o, char *out) {
  size_t beg, flen, k, n = 0;
  int quoted;
  if (!next_field(line, len, pos, o, &beg, &flen, &quoted)) return -1;
  for (k = 0; k < flen; k++) {
    out[n++] = line[beg + k];
    if (quoted && line[beg + k] == '"') k++;   /* "" -> " */
  }
  out[n] = '\0';
  return (long)n;
}

/* The number of fields of a line; *cplx is set when one of them contains
** a 'j' (it will read as a complex number). */
static size_t count_fields (const char *line, size_t len,
                            const ty_csv_opts *o, int *cplx) {
  size_t pos = 0, beg, flen, n = 0;
  int quoted;
  while (next_field(line, len, &pos, o, &beg, &flen, &quoted)) {
    n++;
    if (memchr(line + beg, 'j', flen) || memchr(line + beg, 'J', flen))
      *cplx = 1;
  }
  return n;
}

/* ====================================================================== */
/* CSV: numbers                                                           */
/* ====================================================================== */

enum { NUM_REAL, NUM_COMPLEX, NUM_EMPTY, NUM_BAD };

/* Parse the field text s[0..n-1] as a real or complex number: C's strtod
** syntax, "re+imj", "re-imj", "imj", optionally inside parentheses. */
static int parse_number (const char *s, size_t n, char dp, double *re,
                         double *im) {
  char buf[NUMBER_MAX];
  char *p = buf, *end, *end2;
  size_t k;
  if (n == 0) return NUM_EMPTY;
  if (n >= NUMBER_MAX) return NUM_BAD;
  for (k = 0; k < n; k++) {
    char c = s[k];
    if (c == '.' && dp != '.') c = dp;
    else if (c == dp && dp != '.') return NUM_BAD;
    buf[k] = c;
  }
  buf[n] = '\0';
  if (buf[0] == '(' && n >= 2 && buf[n - 1] == ')') {
    buf[n - 1] = '\0';
    p++;
  }
  if (*p == '\0' || is_blank((unsigned char)*p)) return NUM_BAD;
  *re = strtod(p, &end);
  *im = 0.0;
  if (end == p) return NUM_BAD;
  if (*end == '\0') return NUM_REAL;
  if ((*end == 'j' || *end == 'J') && end[1] == '\0') {
    *im = *re;
    *re = 0.0;
    return NUM_COMPLEX;
  }
  if (*end != '+' && *end != '-') return NUM_BAD;
  *im = strtod(end, &end2);
  if (end2 == end || (*end2 != 'j' && *end2 != 'J') || end2[1] != '\0')
    return NUM_BAD;
  return NUM_COMPLEX;
}

/* 1 when some field of the line does not parse as a number */
static int has_text_field (const char *line, size_t len,
                           const ty_csv_opts *o, char dp) {
  size_t pos = 0, beg, flen;
  int quoted;
  double re, im;
  while (next_field(line, len, &pos, o, &beg, &flen, &quoted))
    if (parse_number(line + beg, flen, dp, &re, &im) == NUM_BAD) return 1;
  return 0;
}

/* ====================================================================== */
/* CSV: reading                                                           */
/* ====================================================================== */

/* the offset of the text after a UTF-8 byte order mark, if any */
static size_t skip_bom (const char *text, size_t len) {
  return (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) ? 3 : 0;
}

int ty_csv_scan (const char *text, size_t len, const ty_csv_opts *o,
                 ty_csv_info *info, char *err) {
  size_t pos = skip_bom(text, len), linelen, lineno = 0, n;
  size_t header_fields = 0;
  const char *line;
  int first = 1, cplx = 0;
  char dp = decimal_point();
  memset(info, 0, sizeof *info);
  while (next_line(text, len, &pos, &line, &linelen)) {
    if (++lineno % POLL_LINES == 0 && ty_interrupted()) return TY_EINTR;
    if (skip_line(line, linelen, o)) continue;
    n = count_fields(line, linelen, o, &cplx);
    if (first) {
      first = 0;
      if (o->header == 1 ||
          (o->header < 0 && has_text_field(line, linelen, o, dp))) {
        info->has_header = 1;
        info->header_pos = (size_t)(line - text);
        info->header_len = linelen;
        info->header_line = lineno;
        header_fields = n;
        cplx = 0;                      /* a 'j' in a name is no number */
        continue;
      }
    }
    if (info->rows == 0) info->cols = n;
    else if (n != info->cols)
      return fail(err, "line %zu has %zu field%s, expected %zu", lineno, n,
                  n == 1 ? "" : "s", info->cols);
    info->rows++;
  }
  info->cplx = cplx;
  if (info->has_header) {
    if (info->rows == 0) info->cols = header_fields;
    else if (header_fields != info->cols)
      return fail(err, "the header (line %zu) has %zu names, the data "
                  "%zu columns", info->header_line, header_fields,
                  info->cols);
  }
  return 0;
}

/* Show at most 40 characters of a field in a message. */
static void excerpt (char *dst, const char *s, size_t n) {
  size_t k = n > 40 ? 40 : n;
  memcpy(dst, s, k);
  strcpy(dst + k, n > 40 ? "..." : "");
}

int ty_csv_parse (const char *text, size_t len, const ty_csv_opts *o,
                  const ty_csv_info *info, double *out, char *err) {
  size_t pos = skip_bom(text, len), linelen, lineno = 0, row = 0;
  size_t m = info->rows;
  const char *line;
  char dp = decimal_point();
  while (next_line(text, len, &pos, &line, &linelen)) {
    size_t fpos = 0, beg, flen, col = 0;
    int quoted;
    if (++lineno % POLL_LINES == 0 && ty_interrupted()) return TY_EINTR;
    if (skip_line(line, linelen, o) ||
        (info->has_header && lineno == info->header_line))
      continue;
    if (row >= m) return fail(err, "the file changed while being read");
    while (next_field(line, linelen, &fpos, o, &beg, &flen, &quoted)) {
      double re, im;
      int kind;
      if (col >= info->cols)
        return fail(err, "line %zu has too many fields", lineno);
      kind = parse_number(line + beg, flen, dp, &re, &im);
      if (kind == NUM_EMPTY) {
        if (!o->has_missing)
          return fail(err, "line %zu, field %zu is empty (opts.missing "
                      "fills empty fields)", lineno, col + 1);
        re = o->missing;
        im = 0.0;
      }
      else if (kind == NUM_BAD) {
        char shown[48];
        excerpt(shown, line + beg, flen);
        return fail(err, "line %zu, field %zu: '%s' is not a number",
                    lineno, col + 1, shown);
      }
      if (info->cplx) {
        out[2 * (col * m + row)] = re;
        out[2 * (col * m + row) + 1] = im;
      }
      else out[col * m + row] = re;
      col++;
    }
    if (col != info->cols)
      return fail(err, "line %zu has %zu fields, expected %zu", lineno, col,
                  info->cols);
    row++;
  }
  if (row != m) return fail(err, "the file changed while being read");
  return 0;
}

/* ====================================================================== */
/* CSV: writing                                                           */
/* ====================================================================== */

/* Drop the last digit of the significand of the %g string s (rounding
** half up) when it is a fraction digit, then trailing zeros and a bare
** decimal point dp.  Returns 1 when done, -1 when the significand has no
** fraction digit (s unchanged), 0 when the rounding carries into a new
** leading digit (s unusable). */
static int drop_digit (char *s, char dp) {
  char *end = strpbrk(s, "eE"), *point, *q, *z;
  int up;
  if (end == NULL) end = s + strlen(s);
  point = memchr(s, dp, (size_t)(end - s));
  if (point == NULL || end - 1 <= point) return -1;
  up = (end[-1] >= '5');
  memmove(end - 1, end, strlen(end) + 1);
  end--;
  for (q = end - 1; up; q--) {               /* carry */
    if (q < s || *q == '-') return 0;
    if (*q == dp) continue;
    if (*q == '9') *q = '0';
    else { (*q)++; up = 0; }
  }
  for (z = end; z - 1 > point && z[-1] == '0'; z--) ;
  if (z - 1 == point) z--;
  memmove(z, end, strlen(end) + 1);
  return 1;
}

/* Format x into buf (at least 40 bytes): nan, inf, -inf, "%.<precision>g",
** or (precision 0) "%.17g" shortened digit by digit while it still reads
** back as x: exact, and short for numbers like 0.1.  Always with '.' as
** the decimal point. */
static void format_number (char *buf, double x, int precision, char dp) {
  char *c;
  if (isnan(x)) { strcpy(buf, "nan"); return; }
  if (isinf(x)) { strcpy(buf, x > 0 ? "inf" : "-inf"); return; }
  if (precision > 0) snprintf(buf, 40, "%.*g", precision, x);
  else {
    char shorter[40];
    int digits = 17;
    snprintf(buf, 40, "%.17g", x);
    for (; digits > 1; digits--) {
      int done;
      strcpy(shorter, buf);
      done = drop_digit(shorter, dp);
      if (done < 0) break;                   /* an integer: keep it */
      if (done == 0)                         /* a carry into a new digit */
        snprintf(shorter, 40, "%.*g", digits - 1, x);
      if (strtod(shorter, NULL) != x) break;
      strcpy(buf, shorter);
    }
  }
  if (dp != '.' && (c = strchr(buf, dp)) != NULL) *c = '.';
}

int ty_csv_write (const char *path, const ty_mat *A, char delim,
                  const char *header, int precision, char *err) {
  size_t i, j, m = A->rows, n = A->cols;
  char dp = decimal_point();
  char re[48], im[48];
  FILE *f = fopen(path, "w");
  if (f == NULL) return sysfail(err, path);
  if (header != NULL) {
    fputs(header, f);
    fputc('\n', f);
  }
  for (i = 0; i < m; i++) {
    if (i % 4096 == 4095 && ty_interrupted()) {
      fclose(f);
      return TY_EINTR;
    }
    for (j = 0; j < n; j++) {
      size_t k = j * m + i;
      if (j > 0) fputc(delim, f);
      if (A->cplx) {
        double y = A->data[2 * k + 1];
        format_number(re, A->data[2 * k], precision, dp);
        format_number(im, y, precision, dp);
        fprintf(f, "%s%s%sj", re, (im[0] == '-') ? "" : "+", im);
      }
      else {
        format_number(re, A->data[k], precision, dp);
        fputs(re, f);
      }
    }
    fputc('\n', f);
  }
  if (ferror(f)) {
    int e = errno;
    fclose(f);
    errno = e;
    return sysfail(err, path);
  }
  if (fclose(f) != 0) return sysfail(err, path);
  return 0;
}

/* ====================================================================== */
/* NPY: the header                                                        */
/* ====================================================================== */

#define NPY_MAGIC "\x93NUMPY"
#define NPY_HEADER_MAX (1 << 20)    /* longest header we accept */
#define NPY_MAXDIM 32

/* a cursor over the header text */
typedef struct hdr {
  const char *s;
  size_t n, i;
} hdr;

static void hdr_ws (hdr *h) {
  while (h->i < h->n && (h->s[h->i] == ' ' || h->s[h->i] == '\t' ||
                         h->s[h->i] == '\n' || h->s[h->i] == '\r'))
    h->i++;
}

/* expect character c (after blanks) */
static int hdr_char (hdr *h, char c) {
  hdr_ws(h);
  if (h->i < h->n && h->s[h->i] == c) { h->i++; return 1; }
  return 0;
}

/* a Python string literal ('...' or "...") into out[cap] */
static int hdr_string (hdr *h, char *out, size_t cap) {
  char q;
  size_t k = 0;
  hdr_ws(h);
  if (h->i >= h->n || (h->s[h->i] != '\'' && h->s[h->i] != '"')) return 0;
  q = h->s[h->i++];
  while (h->i < h->n && h->s[h->i] != q) {
    if (h->s[h->i] == '\\') h->i++;
    if (h->i >= h->n || k + 1 >= cap) return 0;
    out[k++] = h->s[h->i++];
  }
  if (h->i >= h->n) return 0;
  h->i++;
  out[k] = '\0';
  return 1;
}

/* True or False */
static int hdr_bool (hdr *h, int *value) {
  hdr_ws(h);
  if (h->n - h->i >= 4 && memcmp(h->s + h->i, "True", 4) == 0) {
    h->i += 4; *value = 1; return 1;
  }
  if (h->n - h->i >= 5 && memcmp(h->s + h->i, "False", 5) == 0) {
    h->i += 5; *value = 0; return 1;
  }
  return 0;
}

/* A tuple of nonnegative integers: (), (n,), (m, n), ...  Returns 1, 0
** on a syntax error, -1 on an integer overflow. */
static int hdr_shape (hdr *h, size_t *dims, int *ndim) {
  *ndim = 0;
  if (!hdr_char(h, '(')) return 0;
  for (;;) {
    size_t v = 0;
    int digits = 0;
    if (hdr_char(h, ')')) return 1;
    hdr_ws(h);
    while (h->i < h->n && h->s[h->i] >= '0' && h->s[h->i] <= '9') {
      size_t d = (size_t)(h->s[h->i++] - '0');
      if (v > (SIZE_MAX - d) / 10) return -1;
      v = v * 10 + d;
      digits++;
    }
    if (digits == 0) return 0;
    if (h->i < h->n && h->s[h->i] == 'L') h->i++;    /* Python 2 longs */
    if (*ndim < NPY_MAXDIM) dims[*ndim] = v;
    (*ndim)++;
    if (hdr_char(h, ')')) return 1;
    if (!hdr_char(h, ',')) return 0;
  }
}

/* Decode descr into kind and itemsize; returns 0 or a message in err. */
static int decode_dtype (ty_npy *np, const char *path, char *err) {
  const char *d = np->descr;
  char order = d[0], *end;
  long size;
  if (order != '<' && order != '>' && order != '|' && order != '=')
    return fail(err, "%s: unsupported dtype '%s'", path, d);
  np->kind = d[1];
  size = strtol(d + 2, &end, 10);
  if (d[1] == '\0' || end == d + 2 || *end != '\0')
    return fail(err, "%s: unsupported dtype '%s'", path, d);
  np->itemsize = (int)size;
  switch (np->kind) {
    case 'f': if (size != 4 && size != 8) goto unsupported; break;
    case 'c': if (size != 8 && size != 16) goto unsupported; break;
    case 'i': case 'u':
      if (size != 1 && size != 2 && size != 4 && size != 8) goto unsupported;
      break;
    case 'b': if (size != 1) goto unsupported; break;
    default: goto unsupported;
  }
  if (order == '=' && !host_little_endian()) order = '>';
  if (order == '>' && size > 1)
    return fail(err, "%s: big-endian data ('%s') is not supported; save "
                "it little-endian (NumPy: a.astype('<f8'))", path, d);
  np->cplx = (np->kind == 'c');
  return 0;
unsupported:
  return fail(err, "%s: unsupported dtype '%s' (float64, complex128, "
              "float32, complex64, integers and bool can be read)", path, d);
}

/* Parse the header dictionary text[0..n-1] into np. */
static int parse_header (const char *text, size_t n, ty_npy *np,
                         const char *path, char *err) {
  hdr h;
  int have_descr = 0, have_order = 0, have_shape = 0, r;
  size_t dims[NPY_MAXDIM];
  h.s = text; h.n = n; h.i = 0;
  if (!hdr_char(&h, '{')) goto bad;
  for (;;) {
    char key[32];
    if (hdr_char(&h, '}')) break;
    if (!hdr_string(&h, key, sizeof key) || !hdr_char(&h, ':')) goto bad;
    if (strcmp(key, "descr") == 0) {
      hdr_ws(&h);
      if (h.i < h.n && h.s[h.i] == '[')
        return fail(err, "%s: unsupported dtype (a structured array)",
                    path);
      if (!hdr_string(&h, np->descr, sizeof np->descr)) goto bad;
      have_descr = 1;
    }
    else if (strcmp(key, "fortran_order") == 0) {
      if (!hdr_bool(&h, &np->fortran)) goto bad;
      have_order = 1;
    }
    else if (strcmp(key, "shape") == 0) {
      r = hdr_shape(&h, dims, &np->ndim);
      if (r < 0) return fail(err, "%s: array size overflows", path);
      if (r == 0) goto bad;
      have_shape = 1;
    }
    else
      return fail(err, "%s: unexpected key '%s' in the header", path, key);
    if (!hdr_char(&h, ',')) {
      if (hdr_char(&h, '}')) break;
      goto bad;
    }
  }
  if (!have_descr || !have_order || !have_shape)
    return fail(err, "%s: the header lacks '%s'", path,
                !have_descr ? "descr" : !have_order ? "fortran_order"
                                                    : "shape");
  if (np->ndim > 2)
    return fail(err, "%s: %d-D arrays are not supported (a matrix has 2 "
                "dimensions)", path, np->ndim);
  np->shape[0] = np->ndim > 0 ? dims[0] : 1;
  np->shape[1] = np->ndim > 1 ? dims[1] : 1;
  return 0;
bad:
  return fail(err, "%s: malformed .npy header", path);
}

int ty_npy_header (const char *path, ty_npy *np, char *err) {
  unsigned char pre[12];
  size_t filesize, hlen, prelen, got, numel, bytes;
  char *text;
  int status;
  FILE *f = open_regular(path, &filesize, err);
  if (f == NULL) return TY_IO_FAIL;
  memset(np, 0, sizeof *np);
  got = fread(pre, 1, sizeof pre, f);
  if (got < 6 || memcmp(pre, NPY_MAGIC, 6) != 0) {
    fclose(f);
    return fail(err, "%s: not a .npy file (bad magic string)", path);
  }
  if (got < 10) {
    fclose(f);
    return fail(err, "%s: truncated .npy header", path);
  }
  np->major = pre[6];
  np->minor = pre[7];
  if (np->major < 1 || np->major > 3 || np->minor != 0) {
    fclose(f);
    return fail(err, "%s: unsupported .npy format version %d.%d", path,
                np->major, np->minor);
  }
  if (np->major == 1) { hlen = (size_t)pre[8] | (size_t)pre[9] << 8;
                        prelen = 10; }
  else {
    if (got < 12) { fclose(f); return fail(err, "%s: truncated .npy "
                                           "header", path); }
    hlen = load32(pre + 8);
    prelen = 12;
  }
  if (hlen > NPY_HEADER_MAX) {
    fclose(f);
    return fail(err, "%s: .npy header too long (%zu bytes)", path, hlen);
  }
  if (prelen + hlen > filesize) {
    fclose(f);
    return fail(err, "%s: truncated .npy header", path);
  }
  text = (char *)malloc(hlen + 1);
  if (text == NULL) { fclose(f); return fail(err, "not enough memory"); }
  if (fseek(f, (long)prelen, SEEK_SET) != 0 ||
      fread(text, 1, hlen, f) != hlen) {
    free(text);
    fclose(f);
    return fail(err, "%s: truncated .npy header", path);
  }
  fclose(f);
  text[hlen] = '\0';
  status = parse_header(text, hlen, np, path, err);
  free(text);
  if (status != 0) return status;
  if ((status = decode_dtype(np, path, err)) != 0) return status;
  if (np->shape[1] != 0 && np->shape[0] > SIZE_MAX / np->shape[1])
    return fail(err, "%s: array size overflows", path);
  numel = np->shape[0] * np->shape[1];
  if (numel > SIZE_MAX / 16)
    return fail(err, "%s: array size overflows", path);
  bytes = numel * (size_t)np->itemsize;
  np->offset = prelen + hlen;
  if (bytes > filesize - np->offset)
    return fail(err, "%s: truncated file (the data needs %zu bytes, %zu "
                "are present)", path, bytes, filesize - np->offset);
  np->rows = np->shape[0];
  np->cols = np->ndim == 2 ? np->shape[1] : 1;
  return 0;
}

/* ====================================================================== */
/* NPY: data                                                              */
/* ====================================================================== */

#define CHUNK 32768               /* bytes converted at a time */
#define DIRECT_CHUNK (1 << 23)    /* bytes read or written in place */

/* Convert the item at p to (re, im). */
static void convert_item (const ty_npy *np, const unsigned char *p,
                          double *re, double *im) {
  *im = 0.0;
  switch (np->kind) {
    case 'f':
      *re = np->itemsize == 8 ? bits_to_double(load64(p))
                              : (double)bits_to_float(load32(p));
      break;
    case 'c':
      if (np->itemsize == 16) {
        *re = bits_to_double(load64(p));
        *im = bits_to_double(load64(p + 8));
      }
      else {
        *re = (double)bits_to_float(load32(p));
        *im = (double)bits_to_float(load32(p + 4));
      }
      break;
    case 'b':
      *re = p[0] != 0;
      break;
    case 'u':
      switch (np->itemsize) {
        case 1: *re = p[0]; break;
        case 2: *re = (double)((unsigned)p[0] | (unsigned)p[1] << 8); break;
        case 4: *re = (double)load32(p); break;
        default: *re = (double)load64(p); break;
      }
      break;
    default:                                   /* 'i', two's complement */
      switch (np->itemsize) {
        case 1: *re = (double)(int8_t)p[0]; break;
        case 2: *re = (double)(int16_t)(uint16_t)((unsigned)p[0] |
                                                  (unsigned)p[1] << 8);
                break;
        case 4: *re = (double)(int32_t)load32(p); break;
        default: *re = (double)(int64_t)load64(p); break;
      }
      break;
  }
}

int ty_npy_read (const char *path, const ty_npy *np, double *out,
                 char *err) {
  unsigned char buf[CHUNK];
  size_t numel = np->rows * np->cols, m = np->rows, n = np->cols;
  size_t k = 0, i = 0, j = 0;
  size_t per = CHUNK / (size_t)np->itemsize;
  int corder = (np->ndim == 2 && !np->fortran && m > 1 && n > 1);
  int direct = host_little_endian() && !corder && np->itemsize == 8 *
               (np->kind == 'c' ? 2 : 1) && (np->kind == 'f' ||
                                             np->kind == 'c');
  FILE *f = fopen(path, "rb");
  if (f == NULL) return sysfail(err, path);
  if (np->offset > LONG_MAX || fseek(f, (long)np->offset, SEEK_SET) != 0) {
    fclose(f);
    return fail(err, "%s: cannot seek to the data", path);
  }
  while (k < numel) {
    size_t want = numel - k < per ? numel - k : per, got, t;
    if (ty_interrupted()) { fclose(f); return TY_EINTR; }
    if (direct) {                  /* the file's bytes are our doubles */
      size_t el = (size_t)np->itemsize, most = DIRECT_CHUNK / el;
      want = numel - k < most ? numel - k : most;
      got = fread((char *)out + k * el, el, want, f);
      k += got;
      if (got < want) break;
      continue;
    }
    got = fread(buf, (size_t)np->itemsize, want, f);
    for (t = 0; t < got; t++, k++) {
      double re, im;
      size_t at;
      convert_item(np, buf + t * (size_t)np->itemsize, &re, &im);
      if (corder) {               /* item k is (i, j), j varying fastest */
        at = j * m + i;
        if (++j == n) { j = 0; i++; }
      }
      else at = k;
      if (np->cplx) { out[2 * at] = re; out[2 * at + 1] = im; }
      else out[at] = re;
    }
    if (got < want) break;
  }
  if (k < numel) {
    int bad = ferror(f);
    fclose(f);
    if (bad) return sysfail(err, path);
    return fail(err, "%s: truncated file (the data ended early)", path);
  }
  fclose(f);
  return 0;
}

int ty_npy_write (const char *path, const ty_mat *A, char *err) {
  char dict[160];
  unsigned char head[256];
  size_t dlen, total, hlen, pre, numel = TY_NUMEL(A), k = 0;
  size_t nd = numel * (A->cplx ? 2 : 1);      /* doubles to write */
  int little = host_little_endian();
  FILE *f;
  snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': True, "
           "'shape': (%zu, %zu), }", A->cplx ? "<c16" : "<f8", A->rows,
           A->cols);
  dlen = strlen(dict);
  pre = 10;                                   /* magic, version, 2 bytes */
  total = pre + dlen + 1;
  total += (64 - total % 64) % 64;            /* data aligned to 64 */
  hlen = total - pre;
  if (hlen > 65535) {                         /* format 2.0: 4 bytes */
    pre = 12;
    total = pre + dlen + 1;
    total += (64 - total % 64) % 64;
    hlen = total - pre;
  }
  memcpy(head, NPY_MAGIC, 6);
  head[6] = (unsigned char)(pre == 10 ? 1 : 2);
  head[7] = 0;
  head[8] = (unsigned char)(hlen & 0xff);
  head[9] = (unsigned char)((hlen >> 8) & 0xff);
  if (pre == 12) {
    head[10] = (unsigned char)((hlen >> 16) & 0xff);
    head[11] = (unsigned char)((hlen >> 24) & 0xff);
  }
  memcpy(head + pre, dict, dlen);
  memset(head + pre + dlen, ' ', total - pre - dlen - 1);
  head[total - 1] = '\n';
  f = fopen(path, "wb");
  if (f == NULL) return sysfail(err, path);
  if (fwrite(head, 1, total, f) != total) goto writefail;
  while (k < nd) {
    size_t most = (little ? DIRECT_CHUNK : CHUNK) / 8;
    size_t want = nd - k < most ? nd - k : most;
    if (ty_interrupted()) { fclose(f); return TY_EINTR; }
    if (little) {
      if (fwrite(A->data + k, sizeof(double), want, f) != want)
        goto writefail;
    }
    else {
      unsigned char buf[CHUNK];
      size_t t;
      for (t = 0; t < want; t++) {
        uint64_t u;
        memcpy(&u, A->data + k + t, 8);
        store64(buf + 8 * t, u);
      }
      if (fwrite(buf, 8, want, f) != want) goto writefail;
    }
    k += want;
  }
  if (fclose(f) != 0) return sysfail(err, path);
  return 0;
writefail: {
    int e = errno;
    fclose(f);
    errno = e;
    return sysfail(err, path);
  }
}
