/*
** ty_proc.c: a child process with pipes both ways (see ty_proc.h).
**
** posix_spawn starts the child (glibc reports a failed exec, such as a
** missing program, as the call's result).  Its stdin is one end of a
** socket pair so writes can use MSG_NOSIGNAL: a child that died gives
** EPIPE, never a SIGPIPE that would end tycho.  Its stdout and stderr are
** pipes.  Our ends are nonblocking; every wait is a poll() in slices of at
** most 50 ms, checking the interrupt flag between slices.
*/
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ty_interrupt.h"
#include "ty_proc.h"

extern char **environ;

#define SLICE_MS 50            /* longest single poll() */

static int nchildren = 0;      /* spawned and not yet reaped */

/* ====================================================================== */
/* small helpers                                                          */
/* ====================================================================== */

static double now_ms (void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return 1e3 * (double)ts.tv_sec + 1e-6 * (double)ts.tv_nsec;
}

static void sleep_ms (int ms) {
  struct timespec ts;
  ts.tv_sec = ms / 1000;
  ts.tv_nsec = (long)(ms % 1000) * 1000000L;
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) { }
}

static void close_fd (int *fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

/* Mark fd close-on-exec and move it above 2, so that dup2 onto the
** child's 0, 1, 2 always makes a fresh descriptor.  Returns the (maybe
** new) descriptor, or -1 with errno set. */
static int private_fd (int fd) {
  if (fd <= 2) {
    int moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    int e = errno;
    close(fd);
    errno = e;
    return moved;
  }
  if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) return -1;
  return fd;
}

static int set_nonblock (int fd) {
  int flags = fcntl(fd, F_GETFL);
  return (flags < 0) ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/* Append n bytes to b, keeping it NUL-terminated.  0 or TY_PROC_NOMEM. */
static int buf_append (ty_procbuf *b, const char *s, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    char *data;
    while (cap < b->len + n + 1) {
      if (cap > ((size_t)-1) / 2) return TY_PROC_NOMEM;
      cap *= 2;
    }
    data = realloc(b->data, cap);
    if (data == NULL) return TY_PROC_NOMEM;
    b->data = data;
    b->cap = cap;
  }
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = '\0';
  return 0;
}

void ty_procbuf_consume (ty_procbuf *b, size_t n) {
  if (n >= b->len) n = b->len;
  if (b->data == NULL) return;
  memmove(b->data, b->data + n, b->len - n);
  b->len -= n;
  if (b->data) b->data[b->len] = '\0';
}

/* Read everything available on *fd into b; close *fd at end of file.
** Returns bytes read (>= 0) or TY_PROC_NOMEM. */
static long drain (int *fd, ty_procbuf *b) {
  char chunk[8192];
  long total = 0;
  while (*fd >= 0) {
    ssize_t k = read(*fd, chunk, sizeof chunk);
    if (k > 0) {
      if (buf_append(b, chunk, (size_t)k) != 0) return TY_PROC_NOMEM;
      total += (long)k;
    }
    else if (k == 0) close_fd(fd);                   /* end of file */
    else if (errno == EINTR) continue;
    else if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    else close_fd(fd);                               /* broken stream */
  }
  return total;
}

/* Reap the child if it has exited; 1 if it is gone (now or before). */
static int try_reap (ty_proc *p) {
  int st;
  pid_t r;
  if (p->pid <= 0) return 1;
  do r = waitpid(p->pid, &st, WNOHANG); while (r < 0 && errno == EINTR);
  if (r == 0) return 0;
  if (r == p->pid) p->status = st;
  p->pid = 0;                        /* reaped (or not ours any more) */
  nchildren--;
  return 1;
}

/* ====================================================================== */
/* starting                                                               */
/* ====================================================================== */

void ty_proc_init (ty_proc *p) {
  p->pid = 0;
  p->in = p->out = p->err = -1;
  p->status = -1;
  p->outbuf.data = p->errbuf.data = NULL;
  p->outbuf.len = p->outbuf.cap = 0;
  p->errbuf.len = p->errbuf.cap = 0;
}

/* Create the three channels: sv (stdin socket pair), o and e (pipes).
** Our ends come first.  Returns 0 or an errno value. */
static int make_channels (int sv[2], int o[2], int e[2]) {
  int i, *all[6];
  sv[0] = sv[1] = o[0] = o[1] = e[0] = e[1] = -1;
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) goto fail;
  if (pipe(o) != 0) goto fail;
  if (pipe(e) != 0) goto fail;
  all[0] = &sv[0]; all[1] = &sv[1]; all[2] = &o[0];
  all[3] = &o[1]; all[4] = &e[0]; all[5] = &e[1];
  for (i = 0; i < 6; i++)
    if ((*all[i] = private_fd(*all[i])) < 0) goto fail;
  return 0;
fail: {
    int err = errno ? errno : EMFILE;
    close_fd(&sv[0]); close_fd(&sv[1]);
    close_fd(&o[0]); close_fd(&o[1]);
    close_fd(&e[0]); close_fd(&e[1]);
    return err;
  }
}

int ty_proc_spawn (ty_proc *p, const char *file, char *const argv[]) {
  int sv[2], o[2], e[2], rc;
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  sigset_t all, none;
  pid_t pid;
  if (p->pid > 0) return EBUSY;
  rc = make_channels(sv, o, e);
  if (rc != 0) return rc;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, sv[1], 0);
  posix_spawn_file_actions_adddup2(&fa, o[1], 1);
  posix_spawn_file_actions_adddup2(&fa, e[1], 2);
  posix_spawnattr_init(&attr);
  sigfillset(&all);
  sigdelset(&all, SIGKILL);
  sigdelset(&all, SIGSTOP);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &all);   /* no inherited SIG_IGN */
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setpgroup(&attr, 0);          /* Ctrl-C stays with us */
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF |
                           POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP);
  if (strchr(file, '/') != NULL)
    rc = posix_spawn(&pid, file, &fa, &attr, argv, environ);
  else
    rc = posix_spawnp(&pid, file, &fa, &attr, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  close_fd(&sv[1]);
  close_fd(&o[1]);
  close_fd(&e[1]);
  if (rc != 0) {
    close_fd(&sv[0]); close_fd(&o[0]); close_fd(&e[0]);
    return rc;
  }
  set_nonblock(sv[0]);
  set_nonblock(o[0]);
  set_nonblock(e[0]);
  p->pid = pid;
  p->in = sv[0];
  p->out = o[0];
  p->err = e[0];
  p->status = -1;
  nchildren++;
  return 0;
}

/* ====================================================================== */
/* talking                                                                */
/* ====================================================================== */

/* One poll() of at most ms milliseconds over the output streams (and
** stdin for writing when want_write).  Collects output.  Returns the
** number of bytes collected, or TY_PROC_NOMEM; *writable tells whether
** stdin can take more. */
static long poll_once (ty_proc *p, int ms, int want_write, int *writable) {
  struct pollfd fds[3];
  int nfds = 0, iout = -1, ierr = -1, iin = -1;
  long got = 0, k;
  if (p->out >= 0) {
    fds[nfds].fd = p->out; fds[nfds].events = POLLIN; iout = nfds++;
  }
  if (p->err >= 0) {
    fds[nfds].fd = p->err; fds[nfds].events = POLLIN; ierr = nfds++;
  }
  if (want_write && p->in >= 0) {
    fds[nfds].fd = p->in; fds[nfds].events = POLLOUT; iin = nfds++;
  }
  if (writable) *writable = 0;
  if (nfds == 0) {
    if (ms > 0) sleep_ms(ms);
    return 0;
  }
  if (poll(fds, (nfds_t)nfds, ms) <= 0) return 0;
  if (iout >= 0 && fds[iout].revents) {
    if ((k = drain(&p->out, &p->outbuf)) < 0) return k;
    got += k;
  }
  if (ierr >= 0 && fds[ierr].revents) {
    if ((k = drain(&p->err, &p->errbuf)) < 0) return k;
    got += k;
  }
  if (iin >= 0 && writable) *writable = (fds[iin].revents != 0);
  return got;
}

int ty_proc_write (ty_proc *p, const char *buf, size_t n, int timeout_ms) {
  double last = now_ms();
  while (n > 0) {
    ssize_t k;
    int writable;
    long got;
    if (p->in < 0) return TY_PROC_GONE;
    k = send(p->in, buf, n, MSG_NOSIGNAL);
    if (k > 0) {
      buf += k;
      n -= (size_t)k;
      last = now_ms();
      continue;
    }
    if (k < 0 && errno == EINTR) continue;
    if (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
      close_fd(&p->in);                 /* EPIPE: the child is gone */
      return TY_PROC_GONE;
    }
    /* stdin is full: collect output while the child catches up */
    if (ty_interrupted()) return TY_EINTR;
    if (timeout_ms >= 0 && now_ms() - last > timeout_ms)
      return TY_PROC_TIMEOUT;
    got = poll_once(p, SLICE_MS, 1, &writable);
    if (got < 0) return (int)got;
    if (!writable && p->out < 0 && p->err < 0 && try_reap(p))
      return TY_PROC_GONE;
  }
  return 0;
}

long ty_proc_poll (ty_proc *p, int timeout_ms) {
  double end = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
  long total = 0;
  for (;;) {
    double left = end - now_ms();
    int ms = left <= 0 ? 0 : (left < SLICE_MS ? (int)left + 1 : SLICE_MS);
    long got;
    if (p->out < 0 && p->err < 0) return total > 0 ? total : TY_PROC_GONE;
    got = poll_once(p, ms, 0, NULL);
    if (got < 0) return got;
    total += got;
    if (total > 0 || left <= 0) return total;
    if (ty_interrupted()) return TY_EINTR;
  }
}

/* Offset of marker in b at or after from, or -1. */
static long find (const ty_procbuf *b, size_t from, const char *marker) {
  size_t m = strlen(marker), i;
  if (m == 0 || b->len < m) return -1;
  for (i = from; i + m <= b->len; i++)
    if (b->data[i] == marker[0] && memcmp(b->data + i, marker, m) == 0)
      return (long)i;
  return -1;
}

long ty_proc_wait_for (ty_proc *p, const char *marker, int timeout_ms) {
  double end = now_ms() + timeout_ms;
  size_t from = 0;
  for (;;) {
    long at = find(&p->outbuf, from, marker), got;
    size_t m = strlen(marker);
    if (at >= 0) {
      /* the other stream may still hold text written just before */
      got = poll_once(p, 0, 0, NULL);
      return got < 0 ? got : at;
    }
    if (p->outbuf.len >= m) from = p->outbuf.len - m + 1;
    if (p->out < 0) return TY_PROC_GONE;
    if (ty_interrupted()) return TY_EINTR;
    if (timeout_ms >= 0 && now_ms() > end) return TY_PROC_TIMEOUT;
    got = poll_once(p, SLICE_MS, 0, NULL);
    if (got < 0) return got;
  }
}

/* ====================================================================== */
/* ending                                                                 */
/* ====================================================================== */

int ty_proc_alive (ty_proc *p) {
  return p->pid > 0 && !try_reap(p);
}

int ty_proc_close (ty_proc *p, int grace_ms) {
  int waited = 0;
  close_fd(&p->in);                     /* end of input: gnuplot exits */
  close_fd(&p->out);
  close_fd(&p->err);
  if (p->pid > 0) {
    while (!try_reap(p) && waited < grace_ms) {
      sleep_ms(1);
      waited++;
    }
    if (p->pid > 0) {
      int st;
      pid_t r;
      kill(p->pid, SIGKILL);
      do r = waitpid(p->pid, &st, 0); while (r < 0 && errno == EINTR);
      if (r == p->pid) p->status = st;
      p->pid = 0;
      nchildren--;
    }
  }
  free(p->outbuf.data);
  free(p->errbuf.data);
  p->outbuf.data = p->errbuf.data = NULL;
  p->outbuf.len = p->outbuf.cap = p->errbuf.len = p->errbuf.cap = 0;
  return p->status;
}

int ty_proc_count (void) {
  return nchildren;
}
