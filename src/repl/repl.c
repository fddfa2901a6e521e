/*
** repl.c: the interactive loop.  Read a line (readline at a terminal,
** plain reads otherwise), compile it first as "return <line>" so an
** expression's values come back, else as a statement, reading
** continuation lines while the chunk is incomplete; call it with Ctrl-C
** armed; print the values through the replaceable pretty printer
** tycho.repl.printer; keep the first value in `_`.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

#include <readline/readline.h>
#include <readline/history.h>

#include <lua.h>
#include <lauxlib.h>

#include "tycho.h"
#include "repl.h"

#define PROMPT1   "> "
#define PROMPT2   ">> "
#define EOFMARK   "<eof>"
#define CHUNKNAME "=stdin"

static int interactive = 0;    /* standard input is a terminal */
static int history_done = 0;   /* this statement is already in history */

/* ====================================================================== */
/* colour, errors, calls                                                  */
/* ====================================================================== */

int ty_color_enabled (lua_State *L) {
  const char *term = getenv("TERM");
  int on;
  if (!isatty(STDOUT_FILENO) || !isatty(STDERR_FILENO)) return 0;
  if (getenv("NO_COLOR") != NULL) return 0;
  if (term == NULL || strcmp(term, "dumb") == 0) return 0;
  lua_getfield(L, LUA_REGISTRYINDEX, "tycho.nocolor");
  on = !lua_toboolean(L, -1);
  lua_pop(L, 1);
  if (on && lua_getglobal(L, "tycho") == LUA_TTABLE) {  /* tycho.repl.color */
    if (lua_getfield(L, -1, "repl") == LUA_TTABLE) {
      lua_getfield(L, -1, "color");
      if (lua_isboolean(L, -1)) on = lua_toboolean(L, -1);
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  return on;
}

/* Message handler: add a traceback to string messages; use __tostring
** for other error objects. */
static int msghandler (lua_State *L) {
  const char *msg = lua_tostring(L, 1);
  if (msg == NULL) {
    if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
      return 1;
    msg = lua_pushfstring(L, "(error object is a %s value)",
                          luaL_typename(L, 1));
  }
  luaL_traceback(L, L, msg, 1);
  return 1;
}

int ty_docall (lua_State *L, int narg, int nres) {
  int status, base = lua_gettop(L) - narg;
  lua_pushcfunction(L, msghandler);
  lua_insert(L, base);
  ty_interrupt_enter();
  status = lua_pcall(L, narg, nres, base);
  ty_interrupt_leave();
  lua_remove(L, base);
  return status;
}

/* Drop the traceback lines that belong to the host itself (the final
** "[C]: in ?"), so a person sees only their own frames. */
static void trim_traceback (lua_State *L) {
  size_t len;
  const char *msg = lua_tolstring(L, -1, &len);
  const char *tail = "\n\t[C]: in ?";
  size_t tl = strlen(tail);
  if (msg != NULL && len >= tl && strcmp(msg + len - tl, tail) == 0) {
    lua_pushlstring(L, msg, len - tl);
    lua_remove(L, -2);
  }
}

void ty_report (lua_State *L, int status) {
  if (status != LUA_OK) {
    const char *msg;
    int color;
    trim_traceback(L);
    msg = lua_tostring(L, -1);
    if (msg == NULL) msg = "(error object is not a string)";
    color = interactive && ty_color_enabled(L);
    fflush(stdout);
    fprintf(stderr, "%s%s%s\n", color ? "\033[31m" : "",
            msg, color ? "\033[0m" : "");
    fflush(stderr);
    lua_pop(L, 1);
  }
}

/* ====================================================================== */
/* reading lines                                                          */
/* ====================================================================== */

static char *rl_result;
static int rl_finished;

static void on_line (char *line) {
  rl_result = line;
  rl_finished = 1;
  rl_callback_handler_remove();
}

/* Read one line with readline's callback interface, so that Ctrl-C at the
** prompt can abandon the line: returns a malloc'd line, NULL at end of
** input, and sets *cancelled when Ctrl-C was pressed. */
static char *read_terminal (const char *prompt, int *cancelled) {
  *cancelled = 0;
  rl_finished = 0;
  rl_result = NULL;
  rl_callback_handler_install(prompt, on_line);
  while (!rl_finished) {
    fd_set fds;
    int r;
    FD_ZERO(&fds);
    FD_SET(fileno(rl_instream), &fds);
    r = select(fileno(rl_instream) + 1, &fds, NULL, NULL, NULL);
    if (ty_interrupt_flag) {          /* Ctrl-C: drop the line */
      ty_interrupt_flag = 0;
      rl_free_line_state();
      rl_callback_sigcleanup();
      rl_cleanup_after_signal();
      rl_callback_handler_remove();
      fputs("^C\n", stdout);
      fflush(stdout);
      *cancelled = 1;
      return NULL;
    }
    if (r < 0) {
      if (errno == EINTR) continue;
      rl_callback_handler_remove();
      return NULL;
    }
    rl_callback_read_char();
  }
  return rl_result;
}

/* Read one line from a pipe or file (no prompt); malloc'd, or NULL. */
static char *read_plain (void) {
  char *line = NULL;
  size_t cap = 0;
  ssize_t n = getline(&line, &cap, stdin);
  if (n < 0) {
    free(line);
    return NULL;
  }
  if (n > 0 && line[n - 1] == '\n') line[n - 1] = '\0';
  return line;
}

/* Push the next line; 0 at end of input, -1 when Ctrl-C cancelled it. */
static int pushline (lua_State *L, int first) {
  char *line;
  int cancelled = 0;
  if (interactive)
    line = read_terminal(first ? PROMPT1 : PROMPT2, &cancelled);
  else
    line = read_plain();
  if (cancelled) return -1;
  if (line == NULL) return 0;
  if (first && line[0] == '?') {          /* ?x is help(x) */
    if (interactive) {                     /* history keeps what was typed */
      ty_history_add(line);
      history_done = 1;
    }
    char *what = line + 1;
    while (*what == ' ' || *what == '\t') what++;
    if (*what == '\0') lua_pushliteral(L, "help()");
    else {                                 /* ?A:t means help(A.t) */
      char *colon = strrchr(what, ':');
      if (colon != NULL && strpbrk(colon, "()\"'") == NULL) *colon = '.';
      lua_pushfstring(L, "help(%s)", what);
    }
  }
  else lua_pushstring(L, line);
  free(line);
  return 1;
}

/* ====================================================================== */
/* compiling and running a statement                                      */
/* ====================================================================== */

/* Is the syntax error on the stack the mark of an incomplete chunk? */
static int incomplete (lua_State *L, int status) {
  if (status == LUA_ERRSYNTAX) {
    size_t lmsg;
    const char *msg = lua_tolstring(L, -1, &lmsg);
    size_t lmark = sizeof(EOFMARK) - 1;
    if (lmsg >= lmark && strcmp(msg + lmsg - lmark, EOFMARK) == 0) {
      lua_pop(L, 1);
      return 1;
    }
  }
  return 0;
}

/* Does the text end with ';' (ignoring trailing blanks and a comment-free
** line end)?  Then the values are not printed. */
static int ends_with_semicolon (const char *s, size_t len) {
  while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' ||
                     s[len - 1] == '\r' || s[len - 1] == '\n'))
    len--;
  return len > 0 && s[len - 1] == ';';
}

/* Try to compile "return <text>" for the text on top.  On success the
** text is replaced by the function; otherwise the stack is unchanged and
** *inc tells whether the expression was merely incomplete. */
static int addreturn (lua_State *L, int *inc) {
  const char *line = lua_tostring(L, -1);
  const char *retline = lua_pushfstring(L, "return %s", line);
  int status = luaL_loadbuffer(L, retline, strlen(retline), CHUNKNAME);
  if (status == LUA_OK) {
    lua_remove(L, -2);                  /* the "return" text */
    lua_remove(L, -2);                  /* the text */
    return LUA_OK;
  }
  *inc = incomplete(L, status);         /* pops the message if incomplete */
  lua_pop(L, *inc ? 1 : 2);
  return status;
}

/* Keep reading lines while the text is incomplete, either as an
** expression ("1 +") or as a statement ("for i = 1, 3 do").  Returns the
** status, with the text at index 1 and, on LUA_OK, the function above. */
static int multiline (lua_State *L) {
  for (;;) {
    size_t len;
    const char *line = lua_tolstring(L, 1, &len);
    int status, r, expr_inc = 0;
    lua_pushvalue(L, 1);
    if (addreturn(L, &expr_inc) == LUA_OK) return LUA_OK;
    lua_pop(L, 1);
    status = luaL_loadbuffer(L, line, len, CHUNKNAME);
    if (!incomplete(L, status)) {
      if (status == LUA_OK || !expr_inc) return status;
      lua_pop(L, 1);                     /* incomplete as an expression */
    }
    r = pushline(L, 0);
    if (r <= 0) {                 /* end of input or Ctrl-C inside */
      if (r < 0) {
        lua_settop(L, 0);
        return -1;
      }
      return luaL_loadbuffer(L, line, len, CHUNKNAME);  /* report error */
    }
    lua_pushliteral(L, "\n");
    lua_insert(L, -2);
    lua_concat(L, 3);
  }
}

/* Read and compile one statement.  Returns a status; -1 for a cancelled
** line, -2 at end of input.  On LUA_OK the function is on top and the
** source text below it. */
static int loadline (lua_State *L) {
  int status, r;
  lua_settop(L, 0);
  history_done = 0;
  r = pushline(L, 1);
  if (r < 0) return -1;
  if (r == 0) return -2;
  status = multiline(L);
  if (status >= 0 && lua_gettop(L) >= 1 && lua_type(L, 1) == LUA_TSTRING) {
    size_t len;
    const char *text = lua_tolstring(L, 1, &len);
    if (interactive && len > 0 && !history_done) ty_history_add(text);
  }
  return status;
}

/* Print the values on the stack above `base` with tycho.repl.printer
** (or print), and set `_` to the first of them. */
static void print_values (lua_State *L, int base, int quiet) {
  int n = lua_gettop(L) - base;
  if (n <= 0) return;
  lua_pushvalue(L, base + 1);
  lua_setglobal(L, "_");
  if (quiet) return;
  luaL_checkstack(L, LUA_MINSTACK, "too many results to print");
  if (lua_getglobal(L, "tycho") == LUA_TTABLE &&
      lua_getfield(L, -1, "repl") == LUA_TTABLE &&
      lua_getfield(L, -1, "printer") == LUA_TFUNCTION) {
    lua_replace(L, -3);
    lua_pop(L, 1);
  }
  else {
    lua_settop(L, base + n);
    lua_getglobal(L, "print");
  }
  lua_insert(L, base + 1);
  if (ty_docall(L, n, 0) != LUA_OK) {
    lua_pushfstring(L, "error calling the printer (%s)", lua_tostring(L, -1));
    lua_remove(L, -2);
    ty_report(L, LUA_ERRRUN);
  }
}

int ty_repl (lua_State *L) {
  int status;
  interactive = isatty(STDIN_FILENO);
  if (interactive) {
    rl_readline_name = "tycho";
    rl_catch_signals = 0;
    ty_history_load();
    ty_complete_init(L);
    printf("tycho %s  (help() for help, Ctrl-D to quit)\n", TY_VERSION);
  }
  while ((status = loadline(L)) != -2) {
    if (status == -1) continue;              /* Ctrl-C at the prompt */
    if (status == LUA_OK) {
      size_t len;
      const char *text = lua_tolstring(L, 1, &len);
      int quiet = ends_with_semicolon(text, len);
      int base = 1;                          /* the source text */
      status = ty_docall(L, 0, LUA_MULTRET);
      if (status == LUA_OK) print_values(L, base, quiet);
    }
    if (status != LUA_OK) {
      const char *msg = lua_tostring(L, -1);
      if (interactive && msg && strncmp(msg, "interrupted", 11) == 0)
        fputs("\n", stderr);             /* after the terminal's ^C */
      ty_report(L, status);
    }
    fflush(stdout);
  }
  lua_settop(L, 0);
  if (interactive) {
    fputs("\n", stdout);
    ty_history_save();
  }
  fflush(stdout);
  return LUA_OK;
}
