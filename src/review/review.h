/*
 * review.h — `cull review`: a local web page to triage images one key at a time, learning as the
 * person works. Binds 127.0.0.1 (or the address given with listen), prints the page's URL with a
 * random per-run token, serves until SIGINT or SIGTERM, then stops cleanly.
 */
#ifndef CULL_REVIEW_REVIEW_H
#define CULL_REVIEW_REVIEW_H

typedef struct {
    const char *db_path;
    const char *encoder_name; /* whose text tower gives the page its words (search, prompts), if any */
    const char *encoder_id;
    char **roots;             /* absolute, normalised, malloc'd (taken over); none = all images */
    int n_roots;
    int port;                 /* 0: any free port */
    const char *listen;       /* a numeric address to listen on instead of 127.0.0.1, or NULL */
    int open_browser;         /* start the desktop browser on the URL (xdg-open) */
    int retrain_every;        /* decisions between background retrainings */
} review_options;

/* Runs the review until a signal. 0 after a clean stop; 1 when it could not start (said why). */
int review_run(const review_options *o);

#endif
