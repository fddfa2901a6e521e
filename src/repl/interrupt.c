/*
** interrupt.c: Ctrl-C.
**
** The SIGINT handler sets ty_interrupt_flag (see src/core/ty_interrupt.h)
** and, while code runs, arms a Lua hook that fires at the next call, return
** or instruction count; the hook raises "interrupted".  Native loops poll
** the flag with TY_POLL and raise the same error.  At the prompt the reader
** (repl.c) sees the flag when select() is interrupted and clears the line.
**
** lua_sethook is the one Lua call that is safe in a signal handler (lua.c
** relies on the same guarantee).
*/
#include <signal.h>
#include <string.h>

#include <lua.h>
#include <lauxlib.h>

#include "ty_interrupt.h"
#include "repl.h"

/* The one interrupt flag.  The host defines it and exports it
** (--export-dynamic-symbol), so the module library, which also carries a
** definition for its C unit tests, binds to this one when it is loaded. */
volatile sig_atomic_t ty_interrupt_flag = 0;

static lua_State *global_L = NULL;
static volatile sig_atomic_t running = 0;   /* Lua code is running */

/* The hook: disarm and raise if the flag is still pending (a native loop
** may have consumed it already). */
static void interrupt_hook (lua_State *L, lua_Debug *ar) {
  (void)ar;
  lua_sethook(L, NULL, 0, 0);
  if (ty_interrupt_flag) {
    ty_interrupt_flag = 0;
    lua_pushliteral(L, "interrupted");
    lua_error(L);
  }
}

static void on_sigint (int sig) {
  (void)sig;
  ty_interrupt_flag = 1;
  if (running && global_L != NULL)
    lua_sethook(global_L, interrupt_hook,
                LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
}

void ty_interrupt_init (lua_State *L) {
  struct sigaction sa;
  global_L = L;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;                 /* no SA_RESTART: select() sees EINTR */
  sigaction(SIGINT, &sa, NULL);
}

void ty_interrupt_enter (void) {
  ty_interrupt_flag = 0;
  running = 1;
}

void ty_interrupt_leave (void) {
  running = 0;
  if (global_L != NULL) lua_sethook(global_L, NULL, 0, 0);
  ty_interrupt_flag = 0;
}
