/*
** complete.c: tab completion at the prompt.
**
** Completes, from the word under the cursor:
**   - globals and Lua keywords                       (`ma` -> `mat`)
**   - fields of tables along a dotted path           (`mat.ze` -> `mat.zeros`)
**   - methods after ':' on any value whose metatable's __index is a table,
**     or, when __index is a function, whose metatable has a __methods
**     table (tycho's matrices and objects publish their methods there)
**   - file names inside a string literal             (`mat.load("da` ...)
**
** It never runs user code: tables are read with lua_rawget and lua_next
** (both ignore metamethods) and metatables with lua_getmetatable (raw).
*/
#include <stdlib.h>
#include <string.h>
#include <ctype.h>

#include <readline/readline.h>

#include <lua.h>
#include <lauxlib.h>

#include "repl.h"

static lua_State *cL = NULL;

static const char *const keywords[] = {
  "and", "break", "do", "else", "elseif", "end", "false", "for",
  "function", "goto", "if", "in", "local", "nil", "not", "or", "repeat",
  "return", "then", "true", "until", "while", NULL
};

/* The candidates of the current completion, built once per attempt. */
static char **cands = NULL;
static size_t ncands = 0, capcands = 0;

static void cands_clear (void) {
  size_t i;
  for (i = 0; i < ncands; i++) free(cands[i]);
  ncands = 0;
}

static void cands_add (const char *prefix, size_t plen, const char *name,
                       const char *suffix) {
  size_t nlen = strlen(name), slen = strlen(suffix), i;
  char *s;
  for (i = 0; i < ncands; i++)      /* no duplicates (chains may repeat) */
    if (strncmp(cands[i] + plen, name, nlen) == 0 &&
        (cands[i][plen + nlen] == '\0' || strcmp(cands[i] + plen + nlen, suffix) == 0))
      return;
  if (ncands == capcands) {
    size_t cap = capcands ? 2 * capcands : 64;
    char **p = realloc(cands, cap * sizeof *p);
    if (p == NULL) return;
    cands = p;
    capcands = cap;
  }
  s = malloc(plen + nlen + slen + 1);
  if (s == NULL) return;
  memcpy(s, prefix, plen);
  memcpy(s + plen, name, nlen);
  memcpy(s + plen + nlen, suffix, slen + 1);
  cands[ncands++] = s;
}

static int is_identifier (const char *s) {
  if (!isalpha((unsigned char)*s) && *s != '_') return 0;
  for (s++; *s; s++)
    if (!isalnum((unsigned char)*s) && *s != '_') return 0;
  return 1;
}

/* Add the string keys of the table on top that start with `part`
** (methods_only: keys whose values are functions). */
static void add_keys (const char *prefix, size_t plen, const char *part,
                      int methods_only) {
  size_t partlen = strlen(part);
  lua_pushnil(cL);
  while (lua_next(cL, -2) != 0) {
    if (lua_type(cL, -2) == LUA_TSTRING) {
      const char *key = lua_tostring(cL, -2);
      int t = lua_type(cL, -1);
      if (strncmp(key, part, partlen) == 0 && is_identifier(key) &&
          (strncmp(key, "__", 2) != 0 || strncmp(part, "__", 2) == 0) &&
          (!methods_only || t == LUA_TFUNCTION))
        cands_add(prefix, plen, key,
                  t == LUA_TFUNCTION ? "(" : (t == LUA_TTABLE ? "." : ""));
    }
    lua_pop(cL, 1);
  }
}

/* Push the table that the metatable of the value on top offers for
** lookups: __index when it is a table, else __methods.  Returns 1 if one
** was pushed, 0 (nothing pushed) otherwise. */
static int push_index_table (void) {
  if (!lua_getmetatable(cL, -1)) return 0;
  lua_pushliteral(cL, "__index");
  if (lua_rawget(cL, -2) == LUA_TTABLE) {
    lua_remove(cL, -2);
    return 1;
  }
  lua_pop(cL, 1);
  lua_pushliteral(cL, "__methods");
  if (lua_rawget(cL, -2) == LUA_TTABLE) {
    lua_remove(cL, -2);
    return 1;
  }
  lua_pop(cL, 2);
  return 0;
}

/* Raw lookup of field `name` in the value on top, replacing it with the
** result (nil if none): the table itself, then its __index tables. */
static void raw_field (const char *name, size_t len) {
  int depth;
  for (depth = 0; depth < 8; depth++) {
    if (lua_type(cL, -1) == LUA_TTABLE) {
      lua_pushlstring(cL, name, len);
      if (lua_rawget(cL, -2) != LUA_TNIL) {
        lua_remove(cL, -2);
        return;
      }
      lua_pop(cL, 1);
    }
    if (!push_index_table()) break;
    lua_remove(cL, -2);
  }
  lua_pop(cL, 1);
  lua_pushnil(cL);
}

/* Add the fields of the value on top starting with `part`, following the
** chain of __index tables; methods_only after ':'. */
static void add_fields (const char *prefix, size_t plen, const char *part,
                        int methods_only) {
  int depth;
  lua_pushvalue(cL, -1);
  for (depth = 0; depth < 8; depth++) {
    if (lua_type(cL, -1) == LUA_TTABLE)
      add_keys(prefix, plen, part, methods_only);
    if (!push_index_table()) break;
    lua_remove(cL, -2);
  }
  lua_pop(cL, 1);
}

/* Push tycho.lazy (global name -> module name), or nothing; returns 1 if
** pushed.  Those globals exist before their module is loaded. */
static int push_lazy (void) {
  lua_pushglobaltable(cL);
  lua_pushliteral(cL, "tycho");
  if (lua_rawget(cL, -2) == LUA_TTABLE) {
    lua_pushliteral(cL, "lazy");
    if (lua_rawget(cL, -2) == LUA_TTABLE) {
      lua_replace(cL, -3);
      lua_pop(cL, 1);
      return 1;
    }
    lua_pop(cL, 1);
  }
  lua_pop(cL, 2);
  return 0;
}

/* If global `name` (len bytes) is a module not loaded yet, load it: this
** runs tycho's own module code, never the person's. */
static void load_lazy (const char *name, size_t len) {
  lua_pushglobaltable(cL);
  lua_pushlstring(cL, name, len);
  if (lua_rawget(cL, -2) == LUA_TNIL && push_lazy()) {
    lua_pushlstring(cL, name, len);
    if (lua_rawget(cL, -2) == LUA_TSTRING) {
      lua_getglobal(cL, "require");
      lua_pushvalue(cL, -2);
      if (lua_pcall(cL, 1, 1, 0) == LUA_OK) {   /* set the global */
        lua_pushlstring(cL, name, len);
        lua_insert(cL, -2);
        lua_rawset(cL, -6);
      }
      else lua_pop(cL, 1);
    }
    lua_pop(cL, 2);
  }
  lua_pop(cL, 2);
}

/* Fill the candidates for `text`, a word such as "mat.ze" or "A:co". */
static void collect (const char *text) {
  const char *sep = NULL, *p;
  int top = lua_gettop(cL);
  for (p = text; *p; p++)
    if (*p == '.' || *p == ':') sep = p;
  if (sep != NULL) load_lazy(text, strcspn(text, ".:"));
  lua_pushglobaltable(cL);
  if (sep == NULL) {
    int i;
    size_t tlen = strlen(text);
    add_fields("", 0, text, 0);
    if (push_lazy()) {
      add_keys("", 0, text, 0);
      lua_pop(cL, 1);
    }
    for (i = 0; keywords[i] != NULL; i++)
      if (strncmp(keywords[i], text, tlen) == 0)
        cands_add("", 0, keywords[i], " ");
  }
  else {
    const char *start = text;
    /* walk the path up to the last separator; ':' may appear only last */
    for (p = text; p < sep; p++) {
      if (*p == ':') goto done;
      if (*p == '.') {
        raw_field(start, (size_t)(p - start));
        start = p + 1;
      }
    }
    raw_field(start, (size_t)(sep - start));
    if (!lua_isnil(cL, -1))
      add_fields(text, (size_t)(sep - text) + 1, sep + 1, *sep == ':');
  }
done:
  lua_settop(cL, top);
}

static size_t gen_index;

static char *generator (const char *text, int state) {
  (void)text;
  if (state == 0) gen_index = 0;
  while (gen_index < ncands) {
    char *c = cands[gen_index++];
    return strdup(c);
  }
  return NULL;
}

static const char *lua_breaks = " \t\n\"'`@$><=;|&{(,+-*/%^~#[]}";

/* Is position `end` of the line inside a string literal?  (Quotes and
** backslash escapes are followed; long strings [[...]] are not.) */
static int in_string (int end) {
  int k, quote = 0;
  for (k = 0; k < end && rl_line_buffer[k] != '\0'; k++) {
    char c = rl_line_buffer[k];
    if (quote) {
      if (c == '\\') k++;
      else if (c == quote) quote = 0;
    }
    else if (c == '"' || c == '\'') quote = c;
    else if (c == '-' && rl_line_buffer[k + 1] == '-') break;  /* comment */
  }
  return quote != 0;
}

/* Inside a string only quotes break words, so a whole path is the word. */
static char *word_breaks (void) {
  return (char *)(in_string(rl_point) ? "\"'" : lua_breaks);
}

/* readline's entry point: file names inside strings, else Lua names. */
static char **attempt (const char *text, int start, int end) {
  char **matches;
  (void)end;
  rl_attempted_completion_over = 1;
  if (in_string(start)) {
    rl_filename_completion_desired = 1;
    return rl_completion_matches(text, rl_filename_completion_function);
  }
  cands_clear();
  collect(text);
  /* a single candidate keeps its suffix; several show bare names */
  rl_completion_append_character = '\0';
  matches = rl_completion_matches(text, generator);
  if (matches != NULL && matches[1] != NULL) {   /* several: trim suffixes */
    size_t i;
    for (i = 1; matches[i] != NULL; i++) {
      size_t n = strlen(matches[i]);
      if (n > 0 && strchr("(. ", matches[i][n - 1])) matches[i][n - 1] = '\0';
    }
  }
  return matches;
}

void ty_complete_init (lua_State *L) {
  cL = L;
  rl_attempted_completion_function = attempt;
  rl_basic_word_break_characters = lua_breaks;
  rl_completer_word_break_characters = lua_breaks;
  rl_completion_word_break_hook = word_breaks;
}
