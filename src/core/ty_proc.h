/*
** ty_proc.h: a child process with pipes both ways (no Lua here).
**
** tycho talks to one gnuplot process per figure.  The child's standard
** input is a socket we write commands and data to; its standard output and
** standard error are pipes we read without blocking.  Everything the child
** writes is collected in two growable buffers (`out` and `err`) whenever we
** wait or write, so the child can never block on a full pipe while we block
** writing to it.
**
**   ty_proc p;
**   ty_proc_init(&p);
**   if (ty_proc_spawn(&p, "gnuplot", argv) != 0) ... errno-style code
**   ty_proc_write(&p, "print 1\n", 8, 5000);
**   ty_proc_wait_for(&p, "1\n", 5000);      output arrives in p.out
**   ty_proc_close(&p);                      ends and reaps the child
**
** The child runs in its own process group, so Ctrl-C at the terminal is
** seen by tycho only.  All descriptors are close-on-exec, so one child
** never holds another child's pipes open.  Writes never raise SIGPIPE.
** Waiting loops return TY_EINTR when ty_interrupted() (see
** ty_interrupt.h) so the caller can raise "interrupted".
*/
#ifndef TY_PROC_H
#define TY_PROC_H

#include <stddef.h>
#include <sys/types.h>

/* result codes besides 0 and TY_EINTR */
#define TY_PROC_TIMEOUT (-1001)   /* the deadline passed */
#define TY_PROC_GONE    (-1002)   /* the child closed its end or exited */
#define TY_PROC_NOMEM   (-1003)   /* a buffer could not grow */

/* bytes collected from one of the child's output streams */
typedef struct ty_procbuf {
  char *data;              /* malloc'd, NUL-terminated when len > 0 */
  size_t len, cap;
} ty_procbuf;

typedef struct ty_proc {
  pid_t pid;               /* 0 when no child is running */
  int in, out, err;        /* our ends: child's stdin, stdout, stderr */
  int status;              /* wait status once reaped */
  ty_procbuf outbuf, errbuf;
} ty_proc;

/* An empty, not running process (safe for ty_proc_close). */
void ty_proc_init (ty_proc *p);

/* Start `file` (looked up in PATH unless it holds a '/') with argv
** (NULL-terminated, argv[0] the program name).  Returns 0, or an errno
** value (ENOENT when the program does not exist). */
int ty_proc_spawn (ty_proc *p, const char *file, char *const argv[]);

/* Write n bytes to the child's stdin, reading its output meanwhile.
** Returns 0, TY_PROC_GONE, TY_PROC_TIMEOUT (no progress for timeout_ms;
** negative: no limit), TY_PROC_NOMEM or TY_EINTR.  On an error some
** prefix of buf may have been written. */
int ty_proc_write (ty_proc *p, const char *buf, size_t n, int timeout_ms);

/* Wait up to timeout_ms (0: just collect what is there) for output and
** collect it.  Returns the number of bytes collected (>= 0),
** TY_PROC_GONE when both streams are closed, TY_PROC_NOMEM or TY_EINTR. */
long ty_proc_poll (ty_proc *p, int timeout_ms);

/* Collect output until the child's stdout holds `marker` (searched from
** outbuf offset `from`) or timeout_ms passes.  Returns the offset of the
** marker in outbuf (>= 0), or TY_PROC_TIMEOUT, TY_PROC_GONE, TY_PROC_NOMEM,
** TY_EINTR. */
long ty_proc_wait_for (ty_proc *p, const char *marker, int timeout_ms);

/* Drop the first n bytes of a buffer. */
void ty_procbuf_consume (ty_procbuf *b, size_t n);

/* 1 while the child has not been reaped and has not exited. */
int ty_proc_alive (ty_proc *p);

/* End the child: close its stdin (gnuplot exits at end of input), give it
** grace_ms to exit, then SIGKILL; reap it; close every descriptor; free
** the buffers.  Safe to call twice.  Returns the wait status (or -1 when
** there was no child). */
int ty_proc_close (ty_proc *p, int grace_ms);

/* Number of children started by ty_proc_spawn and not yet reaped. */
int ty_proc_count (void);

#endif
