/*
** ty_pool.h: a small pool of worker threads for loops split in pieces.
**
** ty_par_for(nt, n, fn, arg) cuts [0, n) into nt contiguous pieces and
** calls fn(arg, lo, hi, t) for piece t, piece 0 in the calling thread,
** the others on pool workers; it returns when all are done.  Workers are
** made on first use (with SIGINT blocked: Ctrl-C belongs to the main
** thread), spin briefly for the next job and then sleep, so a solver that
** runs hundreds of short parallel passes pays microseconds a pass instead
** of a thread start.  A call made while another is running (from another
** thread, or from inside fn) starts threads of its own instead, and a
** worker that cannot be started runs its piece in the caller: the result
** never depends on the pool.  Users: ot (every parallel pass of Sinkhorn
** and SNS), optim (split optimizer steps), fft (the row pass of 2-D
** transforms; FFTW's own threads are separate), ty_mat_allfinite.
*/
#ifndef TY_POOL_H
#define TY_POOL_H

#include <stddef.h>

#define TY_POOL_MAX 8             /* pieces at most */

typedef void (*ty_par_fn) (void *arg, size_t lo, size_t hi, int tid);

void ty_par_for (int nt, size_t n, ty_par_fn fn, void *arg);

/* the processors online, at most TY_POOL_MAX (read once) */
int ty_pool_cpus (void);

#endif
