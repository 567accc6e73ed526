/*
 * login_file.h - the API token `convene login` keeps for later commands.
 *
 * Owns: where it is ($XDG_CONFIG_HOME/convene/login, else
 * ~/.config/convene/login), writing it so that no other user can ever read
 * it (directory 0700, file created 0600 under a temporary name, then
 * renamed), reading and removing it. The file is a JSON object: server,
 * user, token id, token. Does not own: making or revoking the token
 * (commands_users.c), sending it (client.h).
 */
#ifndef CONVENE_CLI_LOGIN_FILE_H
#define CONVENE_CLI_LOGIN_FILE_H

#include "common/result.h"
#include "common/strbuf.h"

typedef struct {
    char *server;
    char *user;
    char *token_id;
    char *token; /* the secret; wiped by login_file_clear */
} login_record;

/* The file's path into `path`; CV_ERR_NOT_FOUND when neither
 * $XDG_CONFIG_HOME nor $HOME is set. */
cv_result login_file_path(strbuf *path);
/* Writes `record` (every member set). `error` says what failed. */
cv_result login_file_save(const login_record *record, strbuf *error);
/* Reads the file; CV_ERR_NOT_FOUND when there is none. */
cv_result login_file_load(login_record *record, strbuf *error);
cv_result login_file_remove(void);
void login_file_clear(login_record *record);

#endif
