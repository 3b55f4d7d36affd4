/*
 * review.c — one review run from start to clean stop; see review.h.
 */
#include "review/review.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "review/api.h"
#include "review/learner.h"
#include "review/server.h"
#include "review/session.h"
#include "review/token.h"
#include "util/fsutil.h"
#include "util/plural.h"

extern char **environ;

static int stop_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
    int saved = errno;
    char c = (char)sig;
    if (write(stop_pipe[1], &c, 1) < 0) {}
    errno = saved;
}

typedef struct {
    struct sigaction old_int, old_term, old_pipe;
} signal_state;

static int catch_signals(signal_state *st)
{
    if (pipe2(stop_pipe, O_CLOEXEC | O_NONBLOCK)) return -1;
    struct sigaction sa = {0}, ign = {0};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    ign.sa_handler = SIG_IGN;
    sigaction(SIGINT, &sa, &st->old_int);
    sigaction(SIGTERM, &sa, &st->old_term);
    sigaction(SIGPIPE, &ign, &st->old_pipe);
    return 0;
}

static void release_signals(signal_state *st)
{
    sigaction(SIGINT, &st->old_int, NULL);
    sigaction(SIGTERM, &st->old_term, NULL);
    sigaction(SIGPIPE, &st->old_pipe, NULL);
    close(stop_pipe[0]);
    close(stop_pipe[1]);
}

/* Blocks until SIGINT or SIGTERM arrives. */
static void wait_for_signal(void)
{
    int fl = fcntl(stop_pipe[0], F_GETFL);
    fcntl(stop_pipe[0], F_SETFL, fl & ~O_NONBLOCK);
    char c;
    while (read(stop_pipe[0], &c, 1) < 0 && errno == EINTR) {}
}

/* A bound, listening socket on addr:port (addr numeric; NULL = 127.0.0.1). Writes the port it
   got, the family and the address as it goes in a URL ("[::1]" for IPv6). -1 with err. */
static int listen_on(const char *addr, int port, int *bound_port, int *ipv6, char *url_host, size_t cap, char *err,
                     size_t errlen)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST | AI_PASSIVE};
    struct addrinfo *ai = NULL;
    char port_s[8];
    snprintf(port_s, sizeof port_s, "%d", port);
    int grc = getaddrinfo(addr ? addr : "127.0.0.1", port_s, &hints, &ai);
    if (grc) {
        snprintf(err, errlen, "--listen wants a numeric IPv4 or IPv6 address, not '%s' (%s)", addr, gai_strerror(grc));
        return -1;
    }
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    if (fd >= 0) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 64)) {
        snprintf(err, errlen, "cannot listen on %s port %d: %s", addr ? addr : "127.0.0.1", port, strerror(errno));
        if (fd >= 0) close(fd);
        freeaddrinfo(ai);
        return -1;
    }
    *ipv6 = ai->ai_family == AF_INET6;
    freeaddrinfo(ai);
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &len);
    char host[INET6_ADDRSTRLEN] = "127.0.0.1";
    if (*ipv6) {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
        *bound_port = ntohs(a6->sin6_port);
        inet_ntop(AF_INET6, &a6->sin6_addr, host, sizeof host);
        snprintf(url_host, cap, IN6_IS_ADDR_UNSPECIFIED(&a6->sin6_addr) ? "127.0.0.1" : "[%s]", host);
    } else {
        struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
        *bound_port = ntohs(a4->sin_port);
        inet_ntop(AF_INET, &a4->sin_addr, host, sizeof host);
        snprintf(url_host, cap, "%s", a4->sin_addr.s_addr == htonl(INADDR_ANY) ? "127.0.0.1" : host);
    }
    return fd;
}

/* A page that sends the browser on to url, in a folder only this user may enter, so the token
   is never on a command line (`ps` shows every process's arguments to every user). Its folder
   goes in dir (remove it when done). 0, or -1 with the reason printed. */
static int write_opener(const char *url, char *dir, size_t cap, char *page, size_t page_cap)
{
    const char *runtime = getenv("XDG_RUNTIME_DIR");
    snprintf(dir, cap, "%s/cull-review-XXXXXX", runtime && runtime[0] == '/' ? runtime : "/tmp");
    if (!mkdtemp(dir)) {    /* mode 0700 */
        fprintf(stderr, "cull review: cannot make a private folder for --open (%s); open the URL yourself\n",
                strerror(errno));
        dir[0] = 0;
        return -1;
    }
    snprintf(page, page_cap, "%s/open.html", dir);
    char html[512];
    int n = snprintf(html, sizeof html,
                     "<!doctype html><meta charset=\"utf-8\"><meta name=\"referrer\" content=\"no-referrer\">"
                     "<meta http-equiv=\"refresh\" content=\"0;url=%s\"><title>cull review</title>"
                     "<a href=\"%s\">Open cull review</a>\n", url, url);
    if (fs_write_file(page, html, (size_t)n) || chmod(page, 0600)) {
        fprintf(stderr, "cull review: cannot write %s (%s); open the URL yourself\n", page, strerror(errno));
        return -1;
    }
    return 0;
}

/* xdg-open of the opener page in the background, its output silenced. The pid, or -1. */
static pid_t open_browser(const char *url, char *dir, size_t cap)
{
    char page[FS_PATH_MAX];
    if (write_opener(url, dir, cap, page, sizeof page)) return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    char *argv[] = {"xdg-open", page, NULL};
    int rc = posix_spawnp(&pid, "xdg-open", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc) {
        fprintf(stderr, "cull review: cannot start xdg-open (%s); open the URL yourself\n", strerror(rc));
        return -1;
    }
    return pid;
}

static void print_summary(review_session *s)
{
    pthread_mutex_lock(&s->lock);
    size_t unlabelled = 0;
    for (size_t i = 0; i < s->snap.n; i++) unlabelled += s->snap.items[i].label == LABEL_NONE;
    fprintf(stderr, "cull review: %zu %s (%zu unlabelled)", s->snap.n, plural((long long)s->snap.n, "image", "images"),
            unlabelled);
    if (s->model.has) fprintf(stderr, ", model ROC-AUC %.3f", s->model.auc);
    fprintf(stderr, "\n");
    pthread_mutex_unlock(&s->lock);
}

int review_run(const review_options *o)
{
    char err[1024], token[REVIEW_TOKEN_CHARS + 1], url_host[INET6_ADDRSTRLEN + 2], machine[256] = "";
    signal_state sig;
    review_session s;
    int port = 0, ipv6 = 0, stale = 0, rc = 1;
    learner *learn = NULL;
    review_server *srv = NULL;
    if (review_token_new(token)) {
        fprintf(stderr, "cull review: no randomness from the kernel for the token\n");
        goto free_roots;
    }
    int fd = listen_on(o->listen, o->port, &port, &ipv6, url_host, sizeof url_host, err, sizeof err);
    if (fd < 0) {
        fprintf(stderr, "cull review: %s\n", err);
        goto free_roots;
    }
    if (catch_signals(&sig)) {
        close(fd);
        goto free_roots;
    }
    if (session_open(&s, o->db_path, o->encoder_name, o->encoder_id, o->roots, o->n_roots, o->retrain_every, &stale,
                     err, sizeof err)) {
        fprintf(stderr, "cull review: %s\n", err);
        close(fd);
        session_close(&s);
        release_signals(&sig);
        return 1;
    }
    s.token = token;
    gethostname(machine, sizeof machine - 1);
    review_guard g = {port, o->listen == NULL, o->listen, machine, token};
    if (!(learn = learner_start(&s, err, sizeof err)) ||
        (s.learner = learn, !(srv = server_start(&s, &g, fd, ipv6, err, sizeof err)))) {
        fprintf(stderr, "cull review: %s\n", err);
        close(fd);
        goto stop;
    }
    if (stale) learner_request(learn, 1);
    print_summary(&s);
    if (o->listen)
        fprintf(stderr, "cull review: warning: listening on %s: anyone who can reach it and has the URL can label\n"
                        "  your images and move files to the Trash%s\n", o->listen,
                !strcmp(url_host, "127.0.0.1") && strcmp(o->listen, "127.0.0.1")
                    ? "\n  (from another device, put this machine's address in place of 127.0.0.1)" : "");
    char url[256];
    snprintf(url, sizeof url, "http://%s:%d/?token=%s", url_host, port, token);
    printf("%s\n", url);
    fflush(stdout);
    fprintf(stderr, "cull review: open the URL above; Ctrl-C stops\n");
    char opener_dir[FS_PATH_MAX] = "";
    pid_t browser = o->open_browser ? open_browser(url, opener_dir, sizeof opener_dir) : -1;
    wait_for_signal();
    fprintf(stderr, "cull review: stopping\n");
    if (browser > 0) waitpid(browser, NULL, WNOHANG);
    if (opener_dir[0]) fs_remove_tree(opener_dir);
    rc = 0;
stop:
    server_stop(srv);
    learner_stop(learn);
    api_explain_free(&s);
    session_close(&s);
    release_signals(&sig);
    return rc;
free_roots:
    for (int i = 0; i < o->n_roots; i++) free(o->roots[i]);
    free(o->roots);
    return rc;
}
