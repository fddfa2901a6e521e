/*
** main.c: the tycho command.  Options, state creation, protected main;
** the shape of Lua's own lua.c.
**
**   tycho                      interactive prompt
**   tycho script.lua a b       run a script with arguments
**   tycho -e stat | -i | -l name | - | -v | -h
**   tycho publish f.lua [-o out.html|out.md] [--keep-going]
*/
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

#include "tycho.h"
#include "repl/repl.h"
#include "mod/modules.h"

static const char *progname = "tycho";

static void print_usage (const char *badoption) {
  if (badoption != NULL) {
    if (badoption[1] == 'e' || badoption[1] == 'l')
      fprintf(stderr, "%s: '%s' needs an argument\n", progname, badoption);
    else
      fprintf(stderr, "%s: unrecognized option '%s'\n", progname, badoption);
  }
  fprintf(badoption ? stderr : stdout,
    "usage: %s [options] [script [args]]\n"
    "       %s publish script.lua [-o out.html|out.md] [--keep-going]\n"
    "Available options are:\n"
    "  -e stat     execute string 'stat' (may repeat)\n"
    "  -i          enter the interactive prompt after running the script\n"
    "  -l name     require module 'name' into global 'name'\n"
    "  -v          show version information\n"
    "  -h          show this help\n"
    "  --no-color  never write colour escapes\n"
    "  --          stop handling options\n"
    "  -           run the program read from standard input and stop\n",
    progname, progname);
}

static void print_version (void) {
  printf("tycho %s (%s)\n", TY_VERSION, LUA_RELEASE);
}

/* ====================================================================== */
/* finding the Lua layer and loading the modules                          */
/* ====================================================================== */

/* Is this binary the uninstalled one in the build tree? */
static int is_uninstalled (void) {
  static char built[PATH_MAX], self[PATH_MAX];
  ssize_t k = readlink("/proc/self/exe", self, sizeof self - 1);
  if (k <= 0) return 0;
  self[k] = '\0';
  return realpath(TY_BUILDDIR "/tycho", built) != NULL &&
         strcmp(built, self) == 0;
}

/* The folder holding the Lua layer (tycho/<module>.lua): $TYCHO_LUADIR,
** else the source tree when uninstalled, else pkgdatadir. */
static const char *lua_dir (int uninstalled) {
  const char *env = getenv("TYCHO_LUADIR");
  if (env != NULL && *env != '\0') return env;
  return uninstalled ? TY_SRCDIR "/lua" : TY_PKGDATADIR "/lua";
}

/* Prepend the Lua layer's folder to package.path. */
static void set_path (lua_State *L, const char *dir) {
  lua_getglobal(L, "package");
  lua_pushfstring(L, "%s/?.lua;%s/?/init.lua;", dir, dir);
  lua_getfield(L, -2, "path");
  lua_concat(L, 2);
  lua_setfield(L, -2, "path");
  lua_pop(L, 1);
}

/* The module library: $TYCHO_MODULES, else the one in the build tree when
** this binary is the uninstalled one, else the installed one. */
static const char *modules_path (int uninstalled) {
  const char *env = getenv("TYCHO_MODULES");
  if (env != NULL && *env != '\0') return env;
  return uninstalled ? TY_BUILDDIR "/.libs/tycho_modules.so"
                     : TY_PKGLIBDIR "/tycho_modules.so";
}

/* The modules, loaded on first use: Lua name and global name.  Each
** native part is luaopen_tycho_<short> in the module library. */
static const char *const lazy_modules[][2] = {
  {"tycho.mat", "mat"}, {"tycho.rand", "rand"}, {"tycho.linalg", "linalg"},
  {"tycho.fft", "fft"}, {"tycho.sparse", "sparse"}, {"tycho.plot", "plot"},
  {"tycho.linsolve", "linsolve"}, {"tycho.ot", "ot"},
  {"tycho.optim", "optim"}, {"tycho.nn", "nn"},
  {"tycho.debug", NULL},
  {NULL, NULL}
};

/* Run the Lua layer of a native module, if it has one: the file
** <dir>/tycho/<short>.lua (tycho/init.lua for "tycho") is called with the
** native table and may return a replacement.  Leaves the module on top. */
static void load_layer (lua_State *L, const char *dir, const char *name) {
  const char *file;
  if (strcmp(name, "tycho") == 0)
    file = lua_pushfstring(L, "%s/tycho/init.lua", dir);
  else
    file = lua_pushfstring(L, "%s/tycho/%s.lua", dir, name + strlen("tycho."));
  if (luaL_loadfile(L, file) != LUA_OK) {
    if (access(file, F_OK) != 0) {   /* no layer: the native table is it */
      lua_pop(L, 2);
      return;
    }
    lua_error(L);
  }
  lua_remove(L, -2);                 /* file name */
  lua_pushvalue(L, -2);              /* the native table */
  lua_pushstring(L, name);
  lua_call(L, 2, 1);
  if (lua_istable(L, -1)) lua_remove(L, -2);
  else lua_pop(L, 1);
}

/* Set package.loaded[name] to the value on top (left there). */
static void set_loaded (lua_State *L, const char *name) {
  lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
  lua_pushvalue(L, -2);
  lua_setfield(L, -2, name);
  lua_pop(L, 1);
}

/* require(name) into the stack top */
static void require (lua_State *L, const char *name) {
  lua_getglobal(L, "require");
  lua_pushstring(L, name);
  lua_call(L, 1, 1);
}

/* The package.preload loader of a module (upvalues: Lua layer folder,
** module library path).  Every module needs matrices, so "tycho.mat" is
** loaded first.  Two modules add functions to another one's table, so they
** load with it: "tycho.rand" with "tycho.mat" (mat.rand, mat.randn) and
** "tycho.nn" with "tycho.optim" (optim.kfac, optim.mkor). */
static int load_module (lua_State *L) {
  const char *name = luaL_checkstring(L, 1);
  const char *dir = lua_tostring(L, lua_upvalueindex(1));
  const char *lib = lua_tostring(L, lua_upvalueindex(2));
  if (strcmp(name, "tycho.mat") != 0) {
    require(L, "tycho.mat");
    lua_pop(L, 1);
    lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    if (lua_getfield(L, -1, name) != LUA_TNIL) return 1;  /* loaded by mat */
    lua_pop(L, 2);
  }
  lua_getglobal(L, "package");
  lua_getfield(L, -1, "loadlib");
  lua_pushstring(L, lib);
  lua_pushfstring(L, "luaopen_tycho_%s", name + strlen("tycho."));
  lua_call(L, 2, 2);
  if (lua_isnil(L, -2))
    return luaL_error(L, "cannot load module '%s' from %s: %s", name, lib,
                      lua_tostring(L, -1));
  lua_pop(L, 1);
  lua_pushstring(L, name);
  lua_call(L, 1, 1);                 /* the native table */
  load_layer(L, dir, name);
  set_loaded(L, name);
  if (strcmp(name, "tycho.mat") == 0) {        /* mat.rand, mat.randn */
    require(L, "tycho.rand");
    lua_pop(L, 1);
  }
  else if (strcmp(name, "tycho.optim") == 0) { /* optim.kfac, optim.mkor */
    require(L, "tycho.nn");
    lua_pop(L, 1);
  }
  return 1;
}

/* Open the host's own module (tycho, with its Lua layer: help, the
** prompt's helpers and the lazy globals) and register every other module
** in package.preload.  Runs in protected mode (from pmain). */
static void open_modules (lua_State *L, const char *dir, const char *lib) {
  int i;
  lua_getglobal(L, "package");
  lua_getfield(L, -1, "preload");
  for (i = 0; lazy_modules[i][0] != NULL; i++) {
    lua_pushstring(L, dir);
    lua_pushstring(L, lib);
    lua_pushcclosure(L, load_module, 2);
    lua_setfield(L, -2, lazy_modules[i][0]);
  }
  lua_pop(L, 2);
  if (access(lua_pushfstring(L, "%s/tycho/init.lua", dir), R_OK) != 0)
    luaL_error(L, "cannot find tycho's Lua files in %s (is tycho installed? "
               "TYCHO_LUADIR names another folder)", dir);
  lua_pop(L, 1);
  luaL_requiref(L, "tycho", luaopen_tycho, 0);
  lua_createtable(L, 0, 12);         /* tycho.lazy: global -> module */
  for (i = 0; lazy_modules[i][0] != NULL; i++)
    if (lazy_modules[i][1] != NULL) {
      lua_pushstring(L, lazy_modules[i][0]);
      lua_setfield(L, -2, lazy_modules[i][1]);
    }
  lua_setfield(L, -2, "lazy");
  load_layer(L, dir, "tycho");
  set_loaded(L, "tycho");
  lua_setglobal(L, "tycho");
}

/* ====================================================================== */
/* running chunks                                                         */
/* ====================================================================== */

static int dochunk (lua_State *L, int status) {
  if (status == LUA_OK) status = ty_docall(L, 0, 0);
  if (status != LUA_OK) ty_report(L, status);
  return status;
}

static int dostring (lua_State *L, const char *s, const char *name) {
  return dochunk(L, luaL_loadbuffer(L, s, strlen(s), name));
}

/* require module `name` into the global of the same name */
static int dolibrary (lua_State *L, const char *name) {
  int status;
  lua_getglobal(L, "require");
  lua_pushstring(L, name);
  status = ty_docall(L, 1, 1);
  if (status == LUA_OK) {
    const char *dot = strrchr(name, '.');
    lua_setglobal(L, dot ? dot + 1 : name);
  }
  else ty_report(L, status);
  return status;
}

/* Build the global `arg`: arg[0] = script, arg[1..] = its arguments,
** negative indices for what came before (as lua.c does). */
static void create_arg_table (lua_State *L, char **argv, int argc,
                              int script) {
  int i, narg;
  if (script == argc) script = 0;    /* no script: arg[0] is the program */
  narg = argc - (script + 1);
  lua_createtable(L, narg > 0 ? narg : 0, script + 1);
  for (i = 0; i < argc; i++) {
    lua_pushstring(L, argv[i]);
    lua_rawseti(L, -2, i - script);
  }
  lua_setglobal(L, "arg");
}

static int push_script_args (lua_State *L) {
  int i, n;
  if (lua_getglobal(L, "arg") != LUA_TTABLE)
    luaL_error(L, "'arg' is not a table");
  n = (int)luaL_len(L, -1);
  luaL_checkstack(L, n + 3, "too many arguments to script");
  for (i = 1; i <= n; i++) lua_rawgeti(L, -i, i);
  lua_remove(L, -i);
  return n;
}

static int handle_script (lua_State *L, char **argv) {
  const char *fname = argv[0];
  int status;
  if (strcmp(fname, "-") == 0 && strcmp(argv[-1], "--") != 0) fname = NULL;
  status = luaL_loadfile(L, fname);
  if (status == LUA_OK) {
    int n = push_script_args(L);
    status = ty_docall(L, n, LUA_MULTRET);
  }
  if (status != LUA_OK) ty_report(L, status);
  return status;
}

/* ====================================================================== */
/* options                                                                */
/* ====================================================================== */

#define has_error 1
#define has_i     2
#define has_v     4
#define has_e     8
#define has_h     16

/* Scan options; return a bit mask and set *first to the script's index
** (argc when there is none). */
static int collect_args (char **argv, int *first) {
  int args = 0, i;
  for (i = 1; argv[i] != NULL; i++) {
    *first = i;
    if (argv[i][0] != '-') return args;
    switch (argv[i][1]) {
      case '-':
        if (strcmp(argv[i], "--no-color") == 0) break;
        if (strcmp(argv[i], "--version") == 0) { args |= has_v; break; }
        if (strcmp(argv[i], "--help") == 0) { args |= has_h; break; }
        if (argv[i][2] != '\0') return has_error;
        *first = i + 1;
        return args;
      case '\0': return args;          /* '-': script from stdin */
      case 'i': args |= has_i;         /* -i implies -v at a terminal */
        if (argv[i][2] != '\0') return has_error;
        break;
      case 'v': if (argv[i][2] != '\0') return has_error;
        args |= has_v; break;
      case 'h': if (argv[i][2] != '\0') return has_error;
        args |= has_h; break;
      case 'e': args |= has_e;  /* fall through */
      case 'l':
        if (argv[i][2] == '\0') {
          i++;
          if (argv[i] == NULL || argv[i][0] == '-') return has_error;
        }
        break;
      default: return has_error;
    }
  }
  *first = i;
  return args;
}

/* Run -e and -l in order. */
static int run_args (lua_State *L, char **argv, int n) {
  int i;
  for (i = 1; i < n; i++) {
    int option = argv[i][1];
    if (argv[i][0] != '-') continue;
    if (option == 'e' || option == 'l') {
      const char *extra = argv[i] + 2;
      int status;
      if (*extra == '\0') extra = argv[++i];
      status = (option == 'e') ? dostring(L, extra, "=(command line)")
                               : dolibrary(L, extra);
      if (status != LUA_OK) return 0;
    }
  }
  return 1;
}

static int no_color_option (char **argv, int n) {
  int i;
  for (i = 1; i < n; i++)
    if (strcmp(argv[i], "--no-color") == 0) return 1;
  return 0;
}

/* tycho publish ...: hand the arguments to lua/tycho/publish.lua */
static int run_publish (lua_State *L, int argc, char **argv) {
  int i, status;
  lua_getglobal(L, "require");
  lua_pushliteral(L, "tycho.publish");
  status = ty_docall(L, 1, 1);
  if (status == LUA_OK) {
    lua_getfield(L, -1, "main");
    lua_createtable(L, argc - 2, 0);
    for (i = 2; i < argc; i++) {
      lua_pushstring(L, argv[i]);
      lua_rawseti(L, -2, i - 1);
    }
    status = ty_docall(L, 1, 1);
  }
  if (status != LUA_OK) {
    ty_report(L, status);
    return 0;
  }
  return lua_toboolean(L, -1);
}

/* ====================================================================== */
/* protected main                                                         */
/* ====================================================================== */

static int pmain (lua_State *L) {
  int argc = (int)lua_tointeger(L, 1);
  char **argv = (char **)lua_touserdata(L, 2);
  int script = argc, args;
  int uninstalled = is_uninstalled();
  const char *dir = lua_dir(uninstalled);

  luaL_checkversion(L);
  luaL_openlibs(L);
  set_path(L, dir);
  lua_pushboolean(L, no_color_option(argv, argc));
  lua_setfield(L, LUA_REGISTRYINDEX, "tycho.nocolor");
  open_modules(L, dir, modules_path(uninstalled));
  lua_getglobal(L, "tycho");            /* who() ignores what exists now */
  lua_getfield(L, -1, "repl");
  lua_getfield(L, -1, "mark_globals");
  lua_call(L, 0, 0);
  lua_pop(L, 2);
  ty_interrupt_init(L);

  if (argc >= 2 && strcmp(argv[1], "publish") == 0) {
    lua_pushboolean(L, run_publish(L, argc, argv));
    return 1;
  }
  args = collect_args(argv, &script);
  if (args == has_error) {
    print_usage(argv[script]);
    return 0;
  }
  if (args & has_h) {
    print_usage(NULL);
    lua_pushboolean(L, 1);
    return 1;
  }
  if (args & has_v) {
    print_version();
    if (script == argc && !(args & (has_e | has_i))) {
      lua_pushboolean(L, 1);
      return 1;
    }
  }
  create_arg_table(L, argv, argc, script);
  if (!run_args(L, argv, script)) return 0;
  if (script < argc && handle_script(L, argv + script) != LUA_OK) return 0;
  if (args & has_i) {
    if (ty_repl(L) != LUA_OK) return 0;
  }
  else if (script == argc && !(args & (has_e | has_v))) {
    if (ty_repl(L) != LUA_OK) return 0;
  }
  lua_pushboolean(L, 1);
  return 1;
}

int main (int argc, char **argv) {
  int status, result;
  lua_State *L = luaL_newstate();
  if (argv[0] && argv[0][0]) progname = argv[0];
  if (L == NULL) {
    fprintf(stderr, "%s: cannot create state: not enough memory\n", progname);
    return EXIT_FAILURE;
  }
  lua_pushcfunction(L, &pmain);
  lua_pushinteger(L, argc);
  lua_pushlightuserdata(L, argv);
  status = lua_pcall(L, 2, 1, 0);
  result = lua_toboolean(L, -1);
  if (status != LUA_OK) ty_report(L, status);
  fflush(stdout);
  lua_close(L);
  return (result && status == LUA_OK) ? EXIT_SUCCESS : EXIT_FAILURE;
}
