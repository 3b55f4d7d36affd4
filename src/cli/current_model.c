/*
 * current_model.c — the model a command scores with: the stored one, retrained when the labels
 * changed since; for rank and review, the user's prompts while there are too few labels (cli.h).
 */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/text_match.h"
#include "pipeline/trainer.h"
#include "util/fsutil.h"

int cli_current_model(library *lib, const char *named, const char *encoder_id, int need_out_of_fold, cull_model *out,
                      int *retrained)
{
    return cli_model_or_prompts(lib, named, encoder_id, need_out_of_fold, 0, out, retrained);
}

int cli_model_or_prompts(library *lib, const char *named, const char *encoder_id, int need_out_of_fold, int prompts,
                         cull_model *out, int *retrained)
{
    char err[1024], name[FS_PATH_MAX];
    int stale = 0, redone = 0;
    train_report rep = {0};
    if (cli_encoder_name(lib, named, name, sizeof name, NULL)) return -1;
    int rc = trainer_current_model(lib, name, encoder_id, out, &stale, &rep, err, sizeof err);
    if (rc == 1 && prompts) { /* too few labels to train */
        if (retrained) *retrained = 0;
        int z = text_zero_shot(lib, named, encoder_id, out);
        if (z == 0) return 0;
        if (z < 0) cli_error("%s", err); /* and the prompts could not stand in: said above */
        else cli_error("%s; or, with a CLIP encoder, say in words what you keep and delete: cull prompt add delete "
                       "'a screenshot of a chat'", err);
        return -1;
    }
    if (rc == 0 && need_out_of_fold && out->n_oof == 0) { /* from before out-of-fold scores were kept */
        fprintf(stderr, "cull: the stored model has no out-of-fold scores: retraining\n");
        cull_model_free(out);
        rc = trainer_train(lib, name, encoder_id, out, &rep, err, sizeof err);
        redone = 1;
    }
    if (retrained) *retrained = stale || redone;
    if (rc != 0) {
        cli_error("%s", err);
        return -1;
    }
    if (stale)
        fprintf(stderr, "cull: the labels or prompts changed since the model was trained: retrained on %d labels (ROC-AUC %.3f)%s\n",
                out->n_keep + out->n_delete, out->cv.auc, cli_not_saved(lib));
    if (rep.prompts_unused[0]) fprintf(stderr, "cull: prompts left out of the model: %s\n", rep.prompts_unused);
    return 0;
}
