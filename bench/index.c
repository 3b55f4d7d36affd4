/*
 * index.c — benchmark: end-to-end `cull index` throughput.
 *
 *   index CULL CORPUS WORKDIR JOBS REPEATS
 *
 * REPEATS times: deletes the library in WORKDIR, runs
 *   CULL --db WORKDIR/bench.db index --encoder lite --jobs JOBS CORPUS
 * (a fresh library: every image is read, hashed, decoded and embedded), then runs the same command
 * again on the library it just made (the unchanged re-scan: every file is skipped on its stat).
 * Reports the median wall time of each, measured from outside the process (start-up, library
 * creation and the final commit included), and cull's own summary line of the last runs.
 * The corpus files are in the page cache (they were just generated or read).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "timing.h"

extern char **environ;




/* Runs argv with stdout to /dev/null and stderr to log (truncated); returns its wall time, or
   exits when it cannot run or does not exit 0. */
static double run_timed(char *const *argv, const char *log)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid;
    double t0 = now_monotonic();
    int err = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (err) {
        fprintf(stderr, "index: cannot run %s: %s\n", argv[0], strerror(err));
        exit(1);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            perror("index: waitpid");
            exit(1);
        }
    double t = now_monotonic() - t0;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "index: %s failed (status %d); its messages are in %s\n", argv[0], status, log);
        exit(1);
    }
    return t;
}

/* The last non-empty line of a file, without its newline. */
static void last_line(const char *path, char *out, size_t cap)
{
    out[0] = 0;
    FILE *f = fopen(path, "r");
    if (!f) return;
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        if (line[0]) snprintf(out, cap, "%s", line);
    }
    fclose(f);
}

static int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

int main(int argc, char **argv)
{
    if (argc != 6 || atoi(argv[4]) < 1 || atoi(argv[5]) < 1) {
        fprintf(stderr, "usage: index CULL CORPUS WORKDIR JOBS REPEATS\n");
        return 2;
    }
    const char *cull = argv[1], *corpus = argv[2], *work = argv[3], *jobs = argv[4];
    int repeats = atoi(argv[5]);
    int n_files = count_files(corpus);
    if (n_files <= 0) {
        fprintf(stderr, "index: no files in %s\n", corpus);
        return 1;
    }
    char db[4096], side[4200], log_fresh[4096], log_rescan[4096];
    snprintf(db, sizeof db, "%s/bench.db", work);
    snprintf(log_fresh, sizeof log_fresh, "%s/index-fresh.log", work);
    snprintf(log_rescan, sizeof log_rescan, "%s/index-rescan.log", work);
    char *cmd[] = {(char *)cull, "--db", db, "index", "--encoder", "lite", "--jobs", (char *)jobs, (char *)corpus, NULL};

    double *fresh = malloc(sizeof(double) * (size_t)repeats), *rescan = malloc(sizeof(double) * (size_t)repeats);
    if (!fresh || !rescan) return 1;
    for (int r = 0; r < repeats; r++) {
        static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
        for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
            snprintf(side, sizeof side, "%s%s", db, suffixes[i]);
            if (unlink(side) && errno != ENOENT) {
                perror(side);
                return 1;
            }
        }
        fresh[r] = run_timed(cmd, log_fresh);
        rescan[r] = run_timed(cmd, log_rescan);
    }
    char sum_fresh[1024], sum_rescan[1024];
    last_line(log_fresh, sum_fresh, sizeof sum_fresh);
    last_line(log_rescan, sum_rescan, sizeof sum_rescan);
    double mf = median(fresh, repeats), mr = median(rescan, repeats);
    printf("cull index --encoder lite --jobs %s, %d files, fresh library each time, median of %d runs\n", jobs,
           n_files, repeats);
    printf("  fresh index            %7.2f s   %6.1f images/s   (min %.2f s, max %.2f s)\n", mf, n_files / mf,
           fresh[0], fresh[repeats - 1]);
    printf("  unchanged re-scan      %7.3f s   %6.0f files/s   (min %.3f s, max %.3f s)\n", mr, n_files / mr,
           rescan[0], rescan[repeats - 1]);
    printf("  cull's summary, fresh:   %s\n", sum_fresh);
    printf("  cull's summary, re-scan: %s\n", sum_rescan);
    free(fresh);
    free(rescan);
    return 0;
}
