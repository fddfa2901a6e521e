/*
** ty_pool.c: the worker pool of ty_pool.h.
**
** One job at a time: the caller fills job[], left and the claim flags,
** and publishes the job number and the count of workers wanted in one
** word (ticket = gen << 8 | want, so a worker never pairs one job's
** number with another's count).  Worker k (1 <= k < want) claims piece k
** and runs it; the caller runs piece 0 and then claims and runs every
** piece no worker has taken yet, so a worker that is asleep or preempted
** (other processes on the cores) never holds the caller up: it waits only
** for pieces already being run.  Whoever runs a piece counts left down.  A worker that finds no new job spins for SPIN_NS and
** then sleeps on `wake` (while spinning it yields the core every 16
** turns, so that BLAS's own workers, which may want it right after a pass
** of ours, get it); the caller broadcasts only when one sleeps.  The
** sleeper announces itself (sleeping++) before it looks at the ticket one
** last time, and the caller publishes it before it looks at sleeping, in
** sequentially consistent order, so a wake-up cannot be lost.
*/
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "ty_pool.h"

#define SPIN_NS 100000L           /* a worker waits this long awake */

typedef struct piece {
  ty_par_fn fn;
  void *arg;
  size_t lo, hi;
  int tid;
} piece;

static struct {
  pthread_mutex_t mu;
  pthread_cond_t wake;
  int workers;                    /* started: ids 1..workers */
  int atfork;                     /* the fork handler is registered */
  unsigned long long ticket;      /* job number << 8 | want (atomic) */
  unsigned long long start[TY_POOL_MAX];   /* ticket when k started */
  int left;                       /* pieces 1.. not yet done (atomic) */
  int claim[TY_POOL_MAX];         /* 1: piece k taken (atomic) */
  int sleeping;                   /* workers parked on wake (atomic) */
  int busy;                       /* a job is running (atomic) */
  piece job[TY_POOL_MAX];
} P = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, {0},
       0, {0}, 0, 0, {{0, 0, 0, 0, 0}}};

static void run (const piece *p) {
  p->fn(p->arg, p->lo, p->hi, p->tid);
}

static void *run_thread (void *p) {
  run((const piece *)p);
  return NULL;
}

static void relax (void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

static long since (const struct timespec *t0) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long)(t.tv_sec - t0->tv_sec) * 1000000000L +
         (t.tv_nsec - t0->tv_nsec);
}

/* claim piece k of the current job: 1 for the one thread that gets it */
static int take (int k) {
  int free = 0;
  return __atomic_compare_exchange_n(&P.claim[k], &free, 1, 0,
                                     __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

static void *worker (void *arg) {
  int id = (int)(intptr_t)arg;
  unsigned long long seen = P.start[id], g;
  for (;;) {
    struct timespec t0;
    unsigned spins = 0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while ((g = __atomic_load_n(&P.ticket, __ATOMIC_SEQ_CST)) == seen) {
      if ((++spins & 15) == 0) {        /* let another thread (BLAS's */
        sched_yield();                  /* own workers) have the core */
        if (since(&t0) <= SPIN_NS) continue;
        pthread_mutex_lock(&P.mu);
        __atomic_add_fetch(&P.sleeping, 1, __ATOMIC_SEQ_CST);
        while ((g = __atomic_load_n(&P.ticket, __ATOMIC_SEQ_CST)) == seen)
          pthread_cond_wait(&P.wake, &P.mu);
        __atomic_sub_fetch(&P.sleeping, 1, __ATOMIC_SEQ_CST);
        pthread_mutex_unlock(&P.mu);
        break;
      }
      relax();
    }
    seen = g;
    if (id < (int)(g & 0xff) && take(id)) {
      run(&P.job[id]);
      __atomic_sub_fetch(&P.left, 1, __ATOMIC_RELEASE);
    }
  }
  return NULL;
}

/* a forked child has none of the parent's workers */
static void after_fork (void) {
  pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
  pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
  P.mu = mu;
  P.wake = wake;
  P.workers = 0;
  P.sleeping = 0;
  P.busy = 0;
}

/* start workers up to id want - 1 (SIGINT blocked); returns how many run */
static int grow (int want) {
  sigset_t sigs, old;
  if (!P.atfork) P.atfork = pthread_atfork(NULL, NULL, after_fork) == 0;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  pthread_sigmask(SIG_BLOCK, &sigs, &old);
  while (P.workers + 1 < want) {
    pthread_t t;
    pthread_attr_t at;
    int id = P.workers + 1, ok;
    P.start[id] = __atomic_load_n(&P.ticket, __ATOMIC_SEQ_CST);
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    ok = pthread_create(&t, &at, worker, (void *)(intptr_t)id) == 0;
    pthread_attr_destroy(&at);
    if (!ok) break;
    P.workers = id;
  }
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  return P.workers;
}

/* without the pool: a thread per piece, as when it is busy */
static void spawn (piece *job, int nt) {
  pthread_t tid[TY_POOL_MAX];
  int started[TY_POOL_MAX], t;
  sigset_t sigs, old;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  pthread_sigmask(SIG_BLOCK, &sigs, &old);
  for (t = 1; t < nt; t++)
    started[t] = pthread_create(&tid[t], NULL, run_thread, &job[t]) == 0;
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  run(&job[0]);
  for (t = 1; t < nt; t++) {
    if (started[t]) pthread_join(tid[t], NULL);
    else run(&job[t]);
  }
}

void ty_par_for (int nt, size_t n, ty_par_fn fn, void *arg) {
  piece mine[TY_POOL_MAX], *job;
  int t, want, pooled;
  if (nt > TY_POOL_MAX) nt = TY_POOL_MAX;
  if ((size_t)nt > n) nt = n > 0 ? (int)n : 1;
  if (nt < 1) nt = 1;
  pooled = nt > 1 && !__atomic_exchange_n(&P.busy, 1, __ATOMIC_ACQUIRE);
  job = pooled ? P.job : mine;
  for (t = 0; t < nt; t++) {
    job[t].fn = fn;
    job[t].arg = arg;
    job[t].lo = n * (size_t)t / (size_t)nt;
    job[t].hi = n * (size_t)(t + 1) / (size_t)nt;
    job[t].tid = t;
  }
  if (nt == 1) {
    run(&job[0]);
    return;
  }
  if (!pooled) {
    spawn(job, nt);
    return;
  }
  want = grow(nt) + 1;
  if (want > nt) want = nt;
  __atomic_store_n(&P.left, nt - 1, __ATOMIC_SEQ_CST);
  for (t = 1; t < TY_POOL_MAX; t++)      /* the pieces, after job[] */
    __atomic_store_n(&P.claim[t], t < nt ? 0 : 1, __ATOMIC_SEQ_CST);
  __atomic_store_n(&P.ticket, ((P.ticket >> 8) + 1) << 8 | (unsigned)want,
                   __ATOMIC_SEQ_CST);
  if (__atomic_load_n(&P.sleeping, __ATOMIC_SEQ_CST) > 0) {
    pthread_mutex_lock(&P.mu);
    pthread_cond_broadcast(&P.wake);
    pthread_mutex_unlock(&P.mu);
  }
  run(&job[0]);
  for (t = 1; t < nt; t++)               /* pieces no worker has taken yet */
    if (take(t)) {
      run(&job[t]);
      __atomic_sub_fetch(&P.left, 1, __ATOMIC_RELEASE);
    }
  for (t = 0; __atomic_load_n(&P.left, __ATOMIC_ACQUIRE) != 0; t++)
    if ((t & 15) == 15) sched_yield();   /* a worker that was preempted */
    else relax();
  __atomic_store_n(&P.busy, 0, __ATOMIC_RELEASE);
}

int ty_pool_cpus (void) {
  static int ncpu = 0;
  if (ncpu == 0) {
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    ncpu = c < 1 ? 1 : c > TY_POOL_MAX ? TY_POOL_MAX : (int)c;
  }
  return ncpu;
}
