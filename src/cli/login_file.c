/* login_file.c - the kept API token; see login_file.h. Owns the file's
 * format and modes; does not own the token's life (commands_users.c). */
#include "cli/login_file.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/text.h"

/* The directory the file lives in, into `out`. */
static cv_result login_directory(strbuf *out)
{
    const char *config = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    if (config && config[0] == '/')
        strbuf_printf(out, "%s/convene", config);
    else if (home && *home)
        strbuf_printf(out, "%s/.config/convene", home);
    else
        return CV_ERR_NOT_FOUND;
    return strbuf_status(out);
}

cv_result login_file_path(strbuf *path)
{
    cv_result result = login_directory(path);
    if (result == CV_OK)
        strbuf_append_str(path, "/login");
    return result == CV_OK ? strbuf_status(path) : result;
}

/* mkdir -p of `directory` (its last two levels at most), the last 0700. */
static cv_result make_directory(const char *directory)
{
    char parent[4096];
    snprintf(parent, sizeof parent, "%s", directory);
    char *slash = strrchr(parent, '/');
    if (slash && slash != parent) {
        *slash = '\0';
        if (mkdir(parent, 0700) != 0 && errno != EEXIST)
            return CV_ERR_IO;
    }
    if (mkdir(directory, 0700) != 0 && errno != EEXIST)
        return CV_ERR_IO;
    return chmod(directory, 0700) == 0 ? CV_OK : CV_ERR_IO;
}

/* Writes `text` to `path` through a new 0600 file renamed over it. */
static cv_result write_private(const char *path, const char *text)
{
    char temporary[4200];
    snprintf(temporary, sizeof temporary, "%s.%ld.tmp", path, (long)getpid());
    int fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return CV_ERR_IO;
    size_t length = strlen(text), written = 0;
    while (written < length) {
        ssize_t step = write(fd, text + written, length - written);
        if (step <= 0)
            break;
        written += (size_t)step;
    }
    bool complete = written == length && fsync(fd) == 0;
    if (close(fd) != 0 || !complete || rename(temporary, path) != 0) {
        unlink(temporary);
        return CV_ERR_IO;
    }
    return CV_OK;
}

cv_result login_file_save(const login_record *record, strbuf *error)
{
    strbuf directory = STRBUF_INIT, path = STRBUF_INIT;
    cv_result result = login_directory(&directory);
    if (result == CV_OK)
        result = make_directory(strbuf_str(&directory));
    if (result == CV_OK)
        result = login_file_path(&path);
    json_t *document = json_pack("{s:s, s:s, s:s, s:s}", "server", record->server, "user",
                                 record->user, "tokenId", record->token_id, "token", record->token);
    char *text = document ? json_dumps(document, JSON_INDENT(2)) : NULL;
    json_decref(document);
    if (result == CV_OK)
        result = text ? write_private(strbuf_str(&path), text) : CV_ERR_NO_MEMORY;
    if (result != CV_OK)
        strbuf_printf(error, "cannot write %s: %s",
                      strbuf_str(&path)[0] ? strbuf_str(&path) : "the login file (no $HOME)",
                      result == CV_ERR_IO ? strerror(errno) : cv_result_name(result));
    text_wipe_free(text);
    strbuf_free(&directory);
    strbuf_free(&path);
    return result;
}

static char *member_copy(const json_t *document, const char *name)
{
    const char *value = json_string_value(json_object_get(document, name));
    return value ? strdup(value) : NULL;
}

cv_result login_file_load(login_record *record, strbuf *error)
{
    memset(record, 0, sizeof *record);
    strbuf path = STRBUF_INIT;
    cv_result result = login_file_path(&path);
    json_error_t problem;
    json_t *document = result == CV_OK
                           ? json_load_file(strbuf_str(&path), JSON_REJECT_DUPLICATES, &problem)
                           : NULL;
    if (result == CV_OK && !document)
        result = access(strbuf_str(&path), F_OK) == 0 ? CV_ERR_INVALID : CV_ERR_NOT_FOUND;
    if (document) {
        record->server = member_copy(document, "server");
        record->user = member_copy(document, "user");
        record->token_id = member_copy(document, "tokenId");
        record->token = member_copy(document, "token");
        if (!record->server || !record->user || !record->token_id || !record->token)
            result = CV_ERR_INVALID;
        json_decref(document); /* the token's copy in jansson's memory is freed with it */
    }
    if (result == CV_ERR_INVALID)
        strbuf_printf(error, "%s is not a login file of convene: remove it or run 'convene login'",
                      strbuf_str(&path));
    if (result != CV_OK)
        login_file_clear(record);
    strbuf_free(&path);
    return result;
}

cv_result login_file_remove(void)
{
    strbuf path = STRBUF_INIT;
    cv_result result = login_file_path(&path);
    if (result == CV_OK && unlink(strbuf_str(&path)) != 0)
        result = errno == ENOENT ? CV_ERR_NOT_FOUND : CV_ERR_IO;
    strbuf_free(&path);
    return result;
}

void login_file_clear(login_record *record)
{
    free(record->server);
    free(record->user);
    free(record->token_id);
    text_wipe_free(record->token);
    memset(record, 0, sizeof *record);
}
