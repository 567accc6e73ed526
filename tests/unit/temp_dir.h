/*
 * temp_dir.h - a fresh temporary directory for each cmocka test that
 * touches files: temp_dir_set_up makes it (mkdtemp), temp_dir_tear_down
 * removes it with everything below it. Included by the unit tests that
 * need it (each is its own program, so the one static directory name is
 * theirs). Owns no production code.
 */
#ifndef CONVENE_TEST_TEMP_DIR_H
#define CONVENE_TEST_TEMP_DIR_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The current test's directory; valid between set-up and tear-down. */
static char temp_dir[] = "/tmp/convene-unit-test-XXXXXX";

static int temp_dir_set_up(void **state)
{
    (void)state;
    strcpy(temp_dir, "/tmp/convene-unit-test-XXXXXX");
    return mkdtemp(temp_dir) ? 0 : -1;
}

static int temp_dir_remove_one(const char *path, const struct stat *status, int type,
                               struct FTW *position)
{
    (void)status;
    (void)type;
    (void)position;
    return remove(path);
}

static int temp_dir_tear_down(void **state)
{
    (void)state;
    /* Depth first (FTW_DEPTH), not following links out (FTW_PHYS). */
    return nftw(temp_dir, temp_dir_remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
