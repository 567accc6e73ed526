/*
 * secrets.h - reading a password from a file given on the command line
 * (the CLI's --password-file, convened's --smtp-password-file), so it never
 * has to appear in the process list.
 *
 * Owns: reading the first line of the file into a buffer the caller wipes
 * and frees (secret_free). Does not own: where the password goes.
 */
#ifndef CONVENE_COMMON_SECRETS_H
#define CONVENE_COMMON_SECRETS_H

#include "common/result.h"
#include "common/strbuf.h"

/* The file's first line without its line ending. CV_ERR_IO / CV_ERR_INVALID
 * (empty) with one line in `error`. */
cv_result secret_read_file(const char *path, char **out, strbuf *error);
/* Overwrites and frees; NULL-safe. */
void secret_free(char *secret);
/* The whole file (a PEM certificate), at most 1 MiB. */
cv_result text_read_file(const char *path, char **out, strbuf *error);

#endif
