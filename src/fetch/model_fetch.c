/*
 * model_fetch.c — staging, proving and installing a model, whatever its source (model_fetch.h).
 */
#include "fetch/model_fetch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "encoders/encoder.h"
#include "fetch/hf_fetch.h"
#include "fetch/npm_fetch.h"
#include "util/fsutil.h"

int model_fetchable(const model_entry *m)
{
    return m && (m->npm || m->hf);
}

int model_fetch_check(const model_entry *m, const char *folder, char *why, size_t cap)
{
    if (m->npm) return npm_check(m->npm, folder, why, cap);
    if (m->hf) return hf_check(folder, why, cap);
    return 0;
}

/* fsync of every file in folder, then of the folder: the rename that installs it must not reach
   the disk before the bytes it names. */
static void sync_folder(const char *folder)
{
    DIR *d = opendir(folder);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            char path[FS_PATH_MAX];
            if (e->d_name[0] != '.' && snprintf(path, sizeof path, "%s/%s", folder, e->d_name) < (int)sizeof path)
                fs_sync(path);
        }
        closedir(d);
    }
    fs_sync(folder);
}

/* Puts staged in place of dest: dest moves aside first and goes only once staged is in. */
static int install(const char *staged, const char *dest, const char *models, char *err, size_t errlen)
{
    char old[FS_PATH_MAX];
    int had_old = access(dest, F_OK) == 0;
    if (had_old) {
        if (snprintf(old, sizeof old, "%s/.old-XXXXXX", models) >= (int)sizeof old || !mkdtemp(old) ||
            rmdir(old) != 0 || rename(dest, old) != 0) {
            snprintf(err, errlen, "%s: cannot move the old copy aside: %s", dest, strerror(errno));
            return -1;
        }
    }
    if (rename(staged, dest) != 0) {
        snprintf(err, errlen, "%s: cannot install: %s", dest, strerror(errno));
        if (had_old && rename(old, dest) != 0)
            snprintf(err + strlen(err), errlen - strlen(err), " (the old copy is left in %s)", old);
        return -1;
    }
    fs_sync(models);
    if (had_old) fs_remove_tree(old);
    return 0;
}

/* Steps 3 to 5, with the models folder locked. add_text: dest is a whole vision-only install, whose
   vision tower hf_fetch keeps when it is cut from the file the hub serves now. */
static int stage_and_install(const model_entry *m, const char *models, const char *dest, int add_text, char *err,
                             size_t errlen)
{
    char staged[FS_PATH_MAX], why[1024];
    if (snprintf(staged, sizeof staged, "%s/.tmp-%s", models, m->name) >= (int)sizeof staged) {
        snprintf(err, errlen, "%s: path too long", models);
        return -1;
    }
    int resumes = m->hf != NULL;
    if (!resumes) fs_remove_tree(staged);
    if (mkdir(staged, 0755) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "%s: %s", staged, strerror(errno));
        return -1;
    }
    if (add_text && hf_carry_over(dest, staged) != 0)
        fprintf(stderr, "cull: cannot link %s's vision tower into %s (%s): fetching it again\n", m->name, staged,
                strerror(errno));
    int rc = m->npm ? npm_fetch(m->name, m->npm, staged, err, errlen) : hf_fetch(m->name, m->hf, staged, err, errlen);
    if (rc == 0 && model_fetch_check(m, staged, why, sizeof why) != 0) {
        snprintf(err, errlen, "the downloaded %s does not check out (%s); removed it, try again", m->name, why);
        fs_remove_tree(staged);
        return -1;
    }
    if (rc != 0) {
        if (!resumes) fs_remove_tree(staged);
        return -1;
    }
    sync_folder(staged);
    if (install(staged, dest, models, err, errlen)) return -1;
    fprintf(stderr, "installed %s in %s\n", m->name, dest);
    return 0;
}

int model_fetch(const model_entry *m, int force, char *err, size_t errlen)
{
    if (!model_fetchable(m)) {
        snprintf(err, errlen, "%s is built in: there is nothing to fetch", m ? m->name : "?");
        return -1;
    }
    char buf[FS_PATH_MAX], models[FS_PATH_MAX], dest[FS_PATH_MAX], why[1024];
    /* Absolute: the npm steps run in a scratch folder of their own. */
    if (fs_absolute(encoder_models_dir(buf, sizeof buf), models, sizeof models) ||
        snprintf(dest, sizeof dest, "%s/%s", models, m->name) >= (int)sizeof dest) {
        snprintf(err, errlen, "%s: path too long", buf);
        return -1;
    }
    int add_text = 0;
    if (!force && access(dest, F_OK) == 0) {
        int check = model_fetch_check(m, dest, why, sizeof why);
        if (check == 0) {
            fprintf(stderr, "%s is installed in %s and intact; nothing to do (--force fetches it anew)\n", m->name, dest);
            return 0;
        }
        add_text = check == HF_NO_TEXT_TOWER;
        if (add_text) fprintf(stderr, "%s in %s has no text tower yet: adding it\n", m->name, dest);
        else fprintf(stderr, "cull: %s in %s is damaged (%s): fetching it again\n", m->name, dest, why);
    }
    if (fs_make_dirs(models) != 0) {
        snprintf(err, errlen, "cannot create the models folder %s: %s", models, strerror(errno));
        return -1;
    }
    int lock = open(models, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (lock < 0 || flock(lock, LOCK_EX | LOCK_NB) != 0) {
        if (lock < 0) snprintf(err, errlen, "%s: %s", models, strerror(errno));
        else snprintf(err, errlen, "another cull is fetching a model into %s right now; try again when it is done", models);
        if (lock >= 0) close(lock);
        return -1;
    }
    int rc = stage_and_install(m, models, dest, add_text, err, errlen);
    close(lock);
    return rc;
}
