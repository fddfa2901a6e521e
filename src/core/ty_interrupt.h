/*
** ty_interrupt.h: the interrupt flag shared by every long-running loop.
**
** How Ctrl-C reaches native code
** ------------------------------
** The SIGINT handler (src/repl/interrupt.c) does two things: it sets
** ty_interrupt_flag and it arms a Lua hook.  Lua code is stopped by the hook,
** which raises the error "interrupted".  Native code never sees the hook, so
** every loop that can run longer than about 50 ms polls the flag:
**
**   - in a binding (src/mod/), call TY_POLL(L) once per iteration or per
**     block of work; it raises "interrupted" through lua_error, which
**     unwinds and lets the garbage collector free every userdata buffer;
**   - in core code (src/core/, no Lua), test ty_interrupted() and return
**     TY_EINTR to the caller, which then calls ty_raise_interrupt(L).
**
** Polling is one load of a volatile int, so it is cheap enough for every
** iteration of a solver or every few thousand elements of a kernel.
** A single BLAS or LAPACK call is atomic: it runs to completion.
*/
#ifndef TY_INTERRUPT_H
#define TY_INTERRUPT_H

#include <signal.h>

/* error code returned by core routines that stopped because of Ctrl-C */
#define TY_EINTR (-1000)

extern volatile sig_atomic_t ty_interrupt_flag;

/* nonzero when Ctrl-C has been pressed and not yet handled */
#define ty_interrupted() (ty_interrupt_flag != 0)

#endif
