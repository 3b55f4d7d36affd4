/*
 * learner.h — retraining and rescoring in a background thread, so requests never wait for them.
 *
 * The thread has its own library connection (SQLite in WAL mode lets it read and store a model
 * while requests write labels). Asked to retrain, it trains as `cull train` does (storing the
 * model in the library), scores every image once with the new model and installs the new
 * snapshot in the session; asked to rescore (after an apply moved files), it only rescores with
 * the stored model. Requests that arrive while it works are merged into one more round.
 *
 * The prompts follow the library: at the start of every round, and every few seconds while idle,
 * the thread reads them again when they changed (cull prompt in another terminal; review/words.h)
 * and then retrains, since the model's prompt columns no longer match them; with too few labels
 * the zero-shot model of the new prompts scores instead.
 */
#ifndef CULL_REVIEW_LEARNER_H
#define CULL_REVIEW_LEARNER_H

#include <stddef.h>
#include "review/session.h"

typedef struct learner learner;

/* NULL with err when its library connection or thread cannot be made. */
learner *learner_start(review_session *s, char *err, size_t errlen);
/* retrain: 1 train then rescore; 0 rescore only. Never blocks on the work itself. */
void learner_request(learner *l, int retrain);
/* 1 while a round is running or waiting. */
int learner_busy(learner *l);
/* Waits for the round in progress (if any), then ends the thread and frees l. */
void learner_stop(learner *l);

#endif
