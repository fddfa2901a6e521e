/*
** lmatio.c: mat.load(path [, opts]) and A:save(path [, opts]), CSV and
** NumPy .npy files (the formats themselves are in src/core/ty_io.c).
**
** Like Lua's io library, a file that cannot be read or written gives
** nil and a message; bad arguments raise errors.
*/
#include <ctype.h>
#include <string.h>

#include "tycho.h"
#include "mod/modules.h"
#include "ty_io.h"

enum { FMT_CSV, FMT_NPY };

/* ====================================================================== */
/* options                                                                */
/* ====================================================================== */

/* Push nil and "msg" (or "prefix: msg"); returns 2. */
static int push_failure (lua_State *L, const char *prefix, const char *msg) {
  lua_pushnil(L);
  if (prefix) lua_pushfstring(L, "%s: %s", prefix, msg);
  else lua_pushstring(L, msg);
  return 2;
}

/* Turn the status of a core call into a result: 0 continues, an
** interrupt raises, a failure pushes nil, message.  Returns the number of
** results pushed (0 when status is 0). */
static int check_status (lua_State *L, int status, const char *prefix,
                         const char *err) {
  if (status == TY_EINTR) ty_raise_interrupt(L);
  if (status != 0) return push_failure(L, prefix, err);
  return 0;
}

/* The lowercase extension of path (after the last '.' of the last
** component) into ext[8]; "" when there is none. */
static void extension (const char *path, char *ext) {
  const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
  size_t k;
  ext[0] = '\0';
  if (dot == NULL || (slash != NULL && dot < slash) || strlen(dot + 1) > 7)
    return;
  for (k = 0; dot[1 + k] != '\0'; k++)
    ext[k] = (char)tolower((unsigned char)dot[1 + k]);
  ext[k] = '\0';
}

/* the field `name` of the options table at arg pushed; its type returned
** (LUA_TNIL when there is no table) */
static int get_opt (lua_State *L, int arg, const char *name) {
  if (lua_isnoneornil(L, arg)) { lua_pushnil(L); return LUA_TNIL; }
  return lua_getfield(L, arg, name);
}

/* Raise "bad argument #arg to 'f' (opts.<name> <what>)". */
static int opt_error (lua_State *L, int arg, const char *name,
                      const char *what) {
  return luaL_argerror(L, arg, lua_pushfstring(L, "opts.%s %s", name, what));
}

/* The file format: opts.format, else the extension of path. */
static int file_format (lua_State *L, const char *path, int optarg,
                        int patharg) {
  char ext[8];
  int fmt = -1;
  if (get_opt(L, optarg, "format") != LUA_TNIL) {
    const char *s = lua_tostring(L, -1);
    if (s == NULL || (strcmp(s, "csv") != 0 && strcmp(s, "npy") != 0))
      opt_error(L, optarg, "format", "must be \"csv\" or \"npy\"");
    fmt = (strcmp(s, "npy") == 0) ? FMT_NPY : FMT_CSV;
  }
  lua_pop(L, 1);
  if (fmt >= 0) return fmt;
  extension(path, ext);
  if (strcmp(ext, "npy") == 0) return FMT_NPY;
  if (strcmp(ext, "csv") == 0 || strcmp(ext, "tsv") == 0 ||
      strcmp(ext, "txt") == 0 || strcmp(ext, "dat") == 0)
    return FMT_CSV;
  return luaL_argerror(L, patharg, lua_pushfstring(L,
         "cannot tell the format of '%s' from its extension (.csv, .tsv, "
         ".txt, .dat or .npy; or set opts.format)", path));
}

/* A one-character option (opts.<name>), or dflt when absent; "\t" and
** "tab" give a tab.  With allow_false, false gives 0. */
static char char_opt (lua_State *L, int arg, const char *name, char dflt,
                      int allow_false) {
  char c = dflt;
  int t = get_opt(L, arg, name);
  if (t == LUA_TBOOLEAN && allow_false && !lua_toboolean(L, -1)) c = 0;
  else if (t == LUA_TSTRING) {
    size_t len;
    const char *s = lua_tolstring(L, -1, &len);
    if (strcmp(s, "tab") == 0) c = '\t';
    else if (len == 1 && s[0] != '\n' && s[0] != '\r' && s[0] != '"') c = s[0];
    else opt_error(L, arg, name, "must be one character");
  }
  else if (t != LUA_TNIL)
    opt_error(L, arg, name, allow_false ? "must be one character or false"
                                        : "must be one character");
  lua_pop(L, 1);
  return c;
}

/* the default delimiter for the extension of path */
static char default_delim (const char *path) {
  char ext[8];
  extension(path, ext);
  if (strcmp(ext, "tsv") == 0) return '\t';
  if (strcmp(ext, "txt") == 0 || strcmp(ext, "dat") == 0) return ' ';
  return ',';
}

/* ====================================================================== */
/* mat.load                                                               */
/* ====================================================================== */

/* Read an .npy file; pushes A, or nil and a message. */
static int load_npy (lua_State *L, const char *path) {
  char err[TY_IO_ERRLEN];
  ty_npy h;
  ty_mat *A;
  int n = check_status(L, ty_npy_header(path, &h, err), NULL, err);
  if (n) return n;
  A = ty_newmat(L, h.rows, h.cols, h.cplx);
  n = check_status(L, ty_npy_read(path, &h, A->data, err), NULL, err);
  return n ? n : 1;
}

/* Push the names of the header line as a table of strings. */
static void push_names (lua_State *L, const char *text,
                        const ty_csv_info *info, const ty_csv_opts *o) {
  const char *line = text + info->header_pos;
  size_t pos = 0;
  char *buf = (char *)ty_newbuf(L, info->header_len + 1);
  long len;
  lua_Integer k = 0;
  lua_createtable(L, (int)info->cols, 0);
  while ((len = ty_csv_field(line, info->header_len, &pos, o, buf)) >= 0) {
    lua_pushlstring(L, buf, (size_t)len);
    lua_rawseti(L, -2, ++k);
  }
  lua_remove(L, -2);                           /* the buffer */
}

/* Read a CSV file: pushes A [, names], or nil and a message. */
static int load_csv (lua_State *L, const char *path, int optarg) {
  char err[TY_IO_ERRLEN];
  ty_csv_opts o;
  ty_csv_info info;
  size_t size, len;
  char *text;
  ty_mat *A;
  int n, t;
  o.delim = char_opt(L, optarg, "delimiter", default_delim(path), 0);
  o.comment = char_opt(L, optarg, "comment", o.delim == '#' ? 0 : '#', 1);
  if (o.comment != 0 && o.comment == o.delim)
    opt_error(L, optarg, "comment", "must differ from opts.delimiter");
  t = get_opt(L, optarg, "header");
  if (t != LUA_TNIL && t != LUA_TBOOLEAN)
    opt_error(L, optarg, "header", "must be true, false or nil");
  o.header = (t == LUA_TNIL) ? -1 : lua_toboolean(L, -1);
  lua_pop(L, 1);
  t = get_opt(L, optarg, "missing");
  if (t != LUA_TNIL && t != LUA_TNUMBER)
    opt_error(L, optarg, "missing", "must be a number");
  o.has_missing = (t == LUA_TNUMBER);
  o.missing = o.has_missing ? lua_tonumber(L, -1) : 0.0;
  lua_pop(L, 1);

  if ((n = check_status(L, ty_io_filesize(path, &size, err), NULL, err)))
    return n;
  text = (char *)ty_newbuf(L, size + 1);
  if ((n = check_status(L, ty_io_readfile(path, text, size, &len, err),
                        NULL, err)))
    return n;
  if ((n = check_status(L, ty_csv_scan(text, len, &o, &info, err), path,
                        err)))
    return n;
  A = ty_newmat(L, info.rows, info.cols, info.cplx);
  if ((n = check_status(L, ty_csv_parse(text, len, &o, &info, A->data, err),
                        path, err)))
    return n;
  if (!info.has_header) return 1;
  push_names(L, text, &info, &o);
  return 2;
}

/* mat.load(path [, opts]) -> A [, names] | nil, message */
static int mat_load (lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  if (!lua_isnoneornil(L, 2)) luaL_checktype(L, 2, LUA_TTABLE);
  lua_settop(L, 2);
  if (file_format(L, path, 2, 1) == FMT_NPY) return load_npy(L, path);
  return load_csv(L, path, 2);
}

/* ====================================================================== */
/* A:save                                                                 */
/* ====================================================================== */

/* Add name to the buffer, quoted when it holds the delimiter, a quote,
** a comment mark, a line break or edge blanks. */
static void add_name (luaL_Buffer *b, const char *s, size_t len,
                      char delim) {
  size_t k;
  int quote = (len > 0 && (s[0] == ' ' || s[len - 1] == ' '));
  for (k = 0; k < len && !quote; k++)
    quote = (s[k] == delim || s[k] == '"' || s[k] == '#' || s[k] == '\n' ||
             s[k] == '\r' || (delim == ' ' && s[k] == '\t'));
  if (!quote) { luaL_addlstring(b, s, len); return; }
  luaL_addchar(b, '"');
  for (k = 0; k < len; k++) {
    if (s[k] == '"') luaL_addchar(b, '"');
    luaL_addchar(b, s[k]);
  }
  luaL_addchar(b, '"');
}

/* Push the header line of opts.header (a string, or a table of names,
** one per column) and return it, or NULL when there is none. */
static const char *header_line (lua_State *L, int optarg, const ty_mat *A,
                                char delim) {
  int t = get_opt(L, optarg, "header");
  if (t == LUA_TSTRING) return lua_tostring(L, -1);
  if (t == LUA_TTABLE) {
    luaL_Buffer b;
    lua_Integer k, n = luaL_len(L, -1);
    int names = lua_gettop(L);
    if ((size_t)n != A->cols)
      luaL_argerror(L, optarg, lua_pushfstring(L, "opts.header has %I "
                    "names for %I columns", n, (lua_Integer)A->cols));
    luaL_buffinit(L, &b);
    for (k = 1; k <= n; k++) {
      size_t len;
      const char *s;
      lua_geti(L, names, k);
      s = lua_tolstring(L, -1, &len);
      if (s == NULL)
        luaL_argerror(L, optarg, lua_pushfstring(L, "opts.header[%I] is "
                      "not a string", k));
      if (k > 1) luaL_addchar(&b, delim);
      add_name(&b, s, len, delim);
      lua_pop(L, 1);
    }
    luaL_pushresult(&b);
    return lua_tostring(L, -1);
  }
  if (t != LUA_TNIL)
    opt_error(L, optarg, "header", "must be a string or a table of names");
  return NULL;
}

/* A:save(path [, opts]) -> true | nil, message */
static int m_save (lua_State *L) {
  char err[TY_IO_ERRLEN];
  ty_mat *A = ty_checkmat(L, 1);
  const char *path = luaL_checkstring(L, 2);
  int n, status;
  if (!lua_isnoneornil(L, 3)) luaL_checktype(L, 3, LUA_TTABLE);
  lua_settop(L, 3);
  if (file_format(L, path, 3, 2) == FMT_NPY)
    status = ty_npy_write(path, A, err);
  else {
    char delim = char_opt(L, 3, "delimiter", default_delim(path), 0);
    int precision = 0;
    const char *header;
    if (get_opt(L, 3, "precision") != LUA_TNIL) {
      int isint;
      lua_Integer p = lua_tointegerx(L, -1, &isint);
      if (!isint || p < 1 || p > 17)
        opt_error(L, 3, "precision", "must be an integer from 1 to 17");
      precision = (int)p;
    }
    lua_pop(L, 1);
    header = header_line(L, 3, A, delim);
    status = ty_csv_write(path, A, delim, header, precision, err);
  }
  if ((n = check_status(L, status, NULL, err))) return n;
  lua_pushboolean(L, 1);
  return 1;
}

/* ====================================================================== */
/* registration                                                           */
/* ====================================================================== */

static const luaL_Reg io_funcs[] = {
  {"load", mat_load},
  {NULL, NULL}
};

static const luaL_Reg io_methods[] = {
  {"save", m_save},
  {NULL, NULL}
};

/* Add mat.load to the library at lib and save to the methods at methods. */
void ty_mat_io_register (lua_State *L, int lib, int methods) {
  lua_pushvalue(L, lib);
  luaL_setfuncs(L, io_funcs, 0);
  lua_pushvalue(L, methods);
  luaL_setfuncs(L, io_methods, 0);
  lua_pop(L, 2);
}
