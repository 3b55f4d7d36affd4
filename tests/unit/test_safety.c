/*
 * Unit tests for safety/: the Trash slot's life (pick, claim, move, restore, release) in a scratch
 * $XDG_DATA_HOME, and the rule that decides which path of an exact copy stays. End-to-end moves,
 * logging and crashes are in tests/e2e/apply.sh and crash.sh.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "media/media.h"
#include "safety/apply.h"
#include "safety/trash.h"
#include "util/fsutil.h"

static char root[64];

static int make_root(void **state)
{
    snprintf(root, sizeof root, "/tmp/cull-test-safety.XXXXXX");
    if (!mkdtemp(root)) return -1;
    char data[128];
    snprintf(data, sizeof data, "%s/data", root);
    setenv("XDG_DATA_HOME", data, 1);
    return 0;
}

static int remove_root(void **state)
{
    fs_remove_tree(root);
    return 0;
}

static void write_text(const char *path, const char *text, uint8_t sha[32])
{
    assert_int_equal(fs_write_file(path, text, strlen(text)), 0);
    media_sha256(text, strlen(text), sha);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = calloc(1, 4096);
    fread(buf, 1, 4095, f);
    fclose(f);
    return buf;
}

static void test_trash_slot_life(void **state)
{
    char a[128], b[128], err[512];
    snprintf(a, sizeof a, "%s/shot.png", root);
    uint8_t sha_a[32], sha_other[32];
    write_text(a, "first picture", sha_a);
    media_sha256("something else", 14, sha_other);

    trash_slot s1;
    assert_int_equal(trash_pick(a, &s1, err, sizeof err), 0);
    assert_non_null(strstr(s1.files, "/data/Trash/files/shot.png"));
    assert_false(trash_exists(s1.info));                     /* picked, not yet claimed */
    assert_int_equal(trash_claim(a, &s1, err, sizeof err), 0);
    char *info = slurp(s1.info);
    assert_non_null(info);
    assert_non_null(strstr(info, "[Trash Info]\n"));
    assert_non_null(strstr(info, "\nDeletionDate="));
    assert_true(trash_owns(&s1, a));
    free(info);

    assert_int_equal(trash_move(a, &s1, sha_other, err, sizeof err), -1);   /* not the content meant */
    assert_true(trash_exists(a));
    assert_false(trash_exists(s1.files));
    assert_int_equal(trash_pick(a, &s1, err, sizeof err), 0);
    assert_int_equal(trash_claim(a, &s1, err, sizeof err), 0);
    assert_int_equal(trash_move(a, &s1, sha_a, err, sizeof err), 0);
    assert_false(trash_exists(a));
    char *moved = slurp(s1.files);
    assert_string_equal(moved, "first picture");
    free(moved);

    /* A second file of the same name gets a name of its own; the first stays untouched. */
    snprintf(b, sizeof b, "%s/shot.png", root);
    uint8_t sha_b[32];
    write_text(b, "second picture", sha_b);
    trash_slot s2;
    assert_int_equal(trash_pick(b, &s2, err, sizeof err), 0);
    assert_string_not_equal(s2.files, s1.files);
    assert_int_equal(trash_claim(b, &s2, err, sizeof err), 0);
    /* Releasing s1's name on behalf of another path does nothing: the name is the first file's. */
    trash_release(&s1, "/elsewhere/shot.png");
    assert_true(trash_exists(s1.info));
    trash_release(&s2, b);                                   /* s2's move never happened */
    assert_false(trash_exists(s2.info));
    assert_true(trash_exists(b));

    /* Restore needs the place free and the content right. */
    assert_int_equal(trash_restore(a, &s1, sha_other, err, sizeof err), -1);
    assert_true(trash_exists(s1.files));
    char c[128];
    snprintf(c, sizeof c, "%s/restored.png", root);
    assert_int_equal(trash_restore(c, &s1, sha_a, err, sizeof err), 0);
    char *back = slurp(c);
    assert_string_equal(back, "first picture");
    free(back);
    assert_false(trash_exists(s1.files));
    assert_false(trash_exists(s1.info));
}

/* Which path of an exact copy stays: a name that does not look like a copy, then the older file,
   then the shorter path, then byte order. */
static void test_copy_keep_rule(void **state)
{
    assert_true(apply_copy_keep_first("/p/IMG_1003.JPG", 200, "/p/copy of IMG_1003.JPG", 100));
    assert_false(apply_copy_keep_first("/p/IMG_1003 (2).JPG", 100, "/p/IMG_1003.JPG", 200));
    /* both look like copies: the older, then the shorter decides */
    assert_true(apply_copy_keep_first("/p/Copy_IMG.jpg", 100, "/p/other/IMG (3).jpg", 100));
    assert_true(apply_copy_keep_first("/p/other/IMG (3).jpg", 50, "/p/Copy_IMG.jpg", 100));
    assert_true(apply_copy_keep_first("/p/a.jpg", 100, "/p/b.jpg", 200));           /* older */
    assert_true(apply_copy_keep_first("/p/x/a.jpg", 100, "/p/xx/a.jpg", 100));      /* shorter */
    assert_true(apply_copy_keep_first("/p/a.jpg", 100, "/p/b.jpg", 100));           /* byte order */
    assert_false(apply_copy_keep_first("/p/b.jpg", 100, "/p/a.jpg", 100));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_trash_slot_life, make_root, remove_root),
        cmocka_unit_test(test_copy_keep_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
