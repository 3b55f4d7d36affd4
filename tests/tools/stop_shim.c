/*
 * stop_shim.c — an LD_PRELOAD library that stops cull at a step a crash test chooses, so a kill
 * lands at the same point of the run on any machine, however fast, instead of after a sleep.
 *
 * The steps are the calls through which cull changes anything durable: pwrite64 (every page
 * SQLite writes, the WAL and the checkpoint alike), rename and renameat2 (every move), linkat
 * (every .trashinfo claimed). Killing just before step N is, for what is on disk, the same as
 * killing anywhere between steps N-1 and N, so points drawn from 1..total cover every state a
 * kill can leave.
 *
 *   STOP_SHIM_AT=N      at the entry of step N the process stops itself (SIGSTOP): steps 1..N-1
 *                       are done, N is not. The test reads what is committed, then sends SIGKILL.
 *   STOP_SHIM_CALLS=L   count only the calls named in the comma-separated list L (e.g.
 *                       "rename,renameat2": moves alone); all four when unset. unlink is counted
 *                       only when L names it (the removal of a verified original or Trash copy;
 *                       SQLite's own files and cull's scratch files unlink too).
 *   STOP_SHIM_COUNT=F   at exit, the number of steps taken is written to F (an uninterrupted
 *                       run's total, to choose points in).
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static atomic_long steps;

static int counted(const char *call)
{
    const char *list = getenv("STOP_SHIM_CALLS");
    if (!list) return strcmp(call, "unlink") != 0;
    size_t len = strlen(call);
    for (const char *p = list; (p = strstr(p, call)); p += len)
        if ((p == list || p[-1] == ',') && (p[len] == ',' || p[len] == 0)) return 1;
    return 0;
}

static void step(const char *call)
{
    if (!counted(call)) return;
    const char *at = getenv("STOP_SHIM_AT");
    long stop_at = at ? atol(at) : 0;
    long n = atomic_fetch_add(&steps, 1) + 1;
    if (n == stop_at) raise(SIGSTOP); /* once: after SIGCONT the run goes on (a Ctrl-C test) */
}

#define NEXT(name) static __typeof__(name) *next; if (!next) next = (__typeof__(name) *)dlsym(RTLD_NEXT, #name)

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t at)
{
    NEXT(pwrite64);
    step("pwrite64");
    return next(fd, buf, n, at);
}

int rename(const char *from, const char *to)
{
    NEXT(rename);
    step("rename");
    return next(from, to);
}

int renameat2(int fromdir, const char *from, int todir, const char *to, unsigned flags)
{
    NEXT(renameat2);
    step("renameat2");
    return next(fromdir, from, todir, to, flags);
}

int linkat(int fromdir, const char *from, int todir, const char *to, int flags)
{
    NEXT(linkat);
    step("linkat");
    return next(fromdir, from, todir, to, flags);
}

int unlink(const char *path)
{
    NEXT(unlink);
    step("unlink");
    return next(path);
}

__attribute__((destructor)) static void report(void)
{
    const char *f = getenv("STOP_SHIM_COUNT");
    FILE *out = f ? fopen(f, "w") : NULL;
    if (!out) return;
    fprintf(out, "%ld\n", atomic_load(&steps));
    fclose(out);
}
