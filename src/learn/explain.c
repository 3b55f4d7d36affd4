/*
 * explain.c — a score split into the features that made it (explain.h).
 */
#include "learn/explain.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn/lbfgs.h"

/* The column groups of one row, in the order the terms are first listed. */
typedef struct {
    explain_term *terms;
    int n, cap;
} term_list;

static explain_term *add_term(term_list *l, explain_kind kind, const char *name, int len)
{
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 32;
        explain_term *grown = realloc(l->terms, (size_t)cap * sizeof *grown);
        if (!grown) return NULL;
        l->terms = grown, l->cap = cap;
    }
    explain_term *t = &l->terms[l->n++];
    memset(t, 0, sizeof *t);
    t->kind = kind;
    if (len > FEATURE_TOKEN_MAX) len = FEATURE_TOKEN_MAX;
    memcpy(t->name, name, (size_t)len);
    return t;
}

/* Each distinct token of the name once, with its occurrences. */
typedef struct {
    term_list *list;
    int failed;
} token_ctx;

static void collect_token(const char *tok, int len, void *ctx)
{
    token_ctx *c = ctx;
    for (int i = 0; i < c->list->n; i++) {
        explain_term *t = &c->list->terms[i];
        if (t->kind == EXPLAIN_TOKEN && (int)strlen(t->name) == len && memcmp(t->name, tok, (size_t)len) == 0) {
            t->count++;
            return;
        }
    }
    explain_term *t = add_term(c->list, EXPLAIN_TOKEN, tok, len);
    if (t) t->count = 1;
    else c->failed = 1;
}

static double log_odds(const cull_model *m, const float *x)
{
    return m->kind == MODEL_MLP ? mlp_log_odds(&m->mlp, x) : logreg_log_odds(&m->lr, x);
}

/* Logistic regression: each term the sum of its columns' terms. */
static void exact_values(const cull_model *m, const float *x, term_list *l)
{
    const logreg_model *lr = &m->lr;
    int E = m->embed_dim, tok0 = features_token_start(E, m->prompts.n), p0 = features_prompt_start(E);
    for (int i = 0; i < l->n; i++) {
        explain_term *t = &l->terms[i];
        switch (t->kind) {
        case EXPLAIN_INTERCEPT: t->value = lr->b; break;
        case EXPLAIN_EMBEDDING:
            for (int j = 0; j < E; j++) t->value += logreg_term(lr, x, j);
            break;
        case EXPLAIN_META: {
            const feature_group *g = &feature_meta_groups[t->count];
            for (int j = E + g->start; j < E + g->start + g->count; j++) t->value += logreg_term(lr, x, j);
            t->count = 0;
            break;
        }
        case EXPLAIN_PROMPT: t->value = logreg_term(lr, x, p0 + t->count), t->count = 0; break;
        case EXPLAIN_TOKEN: {
            int col = tok0 + features_token_bucket(t->name, (int)strlen(t->name));
            t->value = logreg_term(lr, x, col) * t->count / x[col];
            break;
        }
        case EXPLAIN_OTHER_TOKENS:
            for (int j = tok0; j < lr->dim; j++)
                if (x[j] == 0) t->value += logreg_term(lr, x, j);
            break;
        }
    }
}

/* MLP: the log-odds lost when a term is taken away (x is restored after each). */
static void occlusion_values(const cull_model *m, float *x, term_list *l)
{
    const mlp_model *net = &m->mlp;
    int E = m->embed_dim, tok0 = features_token_start(E, m->prompts.n), p0 = features_prompt_start(E);
    double base = mlp_log_odds(net, x);
    for (int i = 0; i < l->n; i++) {
        explain_term *t = &l->terms[i];
        int j0 = 0, j1 = 0;
        if (t->kind == EXPLAIN_EMBEDDING) j0 = 0, j1 = E;
        else if (t->kind == EXPLAIN_META) {
            const feature_group *g = &feature_meta_groups[t->count];
            j0 = E + g->start, j1 = j0 + g->count;
            t->count = 0;
        } else if (t->kind == EXPLAIN_PROMPT) {
            j0 = p0 + t->count, j1 = j0 + 1;
            t->count = 0;
        }
        if (t->kind == EXPLAIN_TOKEN) {
            int col = tok0 + features_token_bucket(t->name, (int)strlen(t->name));
            float kept = x[col];
            x[col] -= (float)t->count;
            t->value = base - mlp_log_odds(net, x);
            x[col] = kept;
        } else if (j1 > j0) {
            float *kept = malloc(sizeof(float) * (size_t)(j1 - j0));
            if (!kept) continue;
            memcpy(kept, x + j0, sizeof(float) * (size_t)(j1 - j0));
            for (int j = j0; j < j1; j++) x[j] = net->mean[j];
            t->value = base - mlp_log_odds(net, x);
            memcpy(x + j0, kept, sizeof(float) * (size_t)(j1 - j0));
            free(kept);
        }
    }
}

static int by_influence(const void *a, const void *b)
{
    const explain_term *x = a, *y = b;
    double ax = fabs(x->value), ay = fabs(y->value);
    if (ax != ay) return ax < ay ? 1 : -1;
    if (x->kind != y->kind) return (int)x->kind - (int)y->kind;
    if (x->prompt_id != y->prompt_id) return x->prompt_id < y->prompt_id ? -1 : 1;
    return strcmp(x->name, y->name);
}

int explain_score(const cull_model *m, const float *embedding, const image_meta *meta, const char *basename,
                  explanation *out)
{
    memset(out, 0, sizeof *out);
    float *x = malloc(sizeof(float) * (size_t)cull_model_dim(m));
    term_list l = {0};
    if (!x) return -1;
    features_build(embedding, m->embed_dim, m->prompts.u, m->prompts.n, meta, basename ? basename : "", x);
    int exact = m->kind != MODEL_MLP;
    int ok = (!exact || add_term(&l, EXPLAIN_INTERCEPT, "", 0)) && add_term(&l, EXPLAIN_EMBEDDING, "", 0);
    for (int g = 0; ok && g < FEATURE_META_GROUPS; g++) {
        explain_term *t = add_term(&l, EXPLAIN_META, feature_meta_groups[g].name,
                                   (int)strlen(feature_meta_groups[g].name));
        if (t) t->count = g; /* the group, until its value is known */
        ok = t != NULL;
    }
    for (int k = 0; ok && k < m->prompts.n; k++) {
        explain_term *t = add_term(&l, EXPLAIN_PROMPT, "", 0);
        if (t) {
            t->count = k; /* the column, until its value is known */
            t->prompt_id = m->prompts.id[k], t->prompt_label = m->prompts.label[k], t->text = m->prompts.text[k];
        }
        ok = t != NULL;
    }
    token_ctx tc = {&l, 0};
    if (ok) features_tokens(basename ? basename : "", collect_token, &tc);
    ok = ok && !tc.failed && (!exact || add_term(&l, EXPLAIN_OTHER_TOKENS, "", 0));
    if (!ok) {
        free(x), free(l.terms);
        return -1;
    }
    if (exact) exact_values(m, x, &l);
    else occlusion_values(m, x, &l);
    out->log_odds = log_odds(m, x);
    out->p_delete = logistic_sigmoid(out->log_odds);
    out->exact = exact;
    /* An unused bucket's column is 0 and unstandardised, so this term is 0 unless a model
       standardised the token columns: listed only when it counts. */
    if (exact && l.terms[l.n - 1].value == 0) l.n--;
    qsort(l.terms, (size_t)l.n, sizeof *l.terms, by_influence);
    out->terms = l.terms;
    out->n_terms = l.n;
    free(x);
    return 0;
}

const char *explain_kind_name(explain_kind k)
{
    switch (k) {
    case EXPLAIN_INTERCEPT: return "intercept";
    case EXPLAIN_EMBEDDING: return "embedding";
    case EXPLAIN_META: return "metadata";
    case EXPLAIN_PROMPT: return "prompt";
    case EXPLAIN_TOKEN: return "token";
    case EXPLAIN_OTHER_TOKENS: return "other tokens";
    }
    return "?";
}

void explanation_free(explanation *e)
{
    free(e->terms);
    memset(e, 0, sizeof *e);
}
