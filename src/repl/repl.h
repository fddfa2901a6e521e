/*
** repl.h: the interactive loop and its parts (read, complete, history,
** interrupt).  Nothing numeric lives here.
*/
#ifndef TY_REPL_H
#define TY_REPL_H

#include <lua.h>

/* interrupt.c: install the SIGINT handler for state L */
void ty_interrupt_init (lua_State *L);
/* run `f` with the Ctrl-C hook armed (SIGINT raises "interrupted") */
void ty_interrupt_enter (void);
void ty_interrupt_leave (void);

/* repl.c: run the interactive prompt until end of input; returns status */
int ty_repl (lua_State *L);
/* call the function on the stack top with nargs/nres like lua_pcall,
** with a traceback handler and Ctrl-C enabled */
int ty_docall (lua_State *L, int narg, int nres);
/* print the error message on the stack top to stderr (and pop it) */
void ty_report (lua_State *L, int status);

/* complete.c: install readline completion over the globals of L */
void ty_complete_init (lua_State *L);

/* history.c: load / save ~/.tycho_history (or $TYCHO_HISTORY) */
void ty_history_load (void);
void ty_history_add (const char *line);
void ty_history_save (void);

/* colour: nonzero when escape sequences may be written to stdout */
int ty_color_enabled (lua_State *L);

#endif
