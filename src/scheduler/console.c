/*
 * console.c - the web console's static files; see console.h.
 *
 * Owns: the console-or-API decision, safe path resolution inside the
 * console directory, Content-Type by extension, ETag revalidation and the
 * security headers of every console answer.
 * Does not own: the files themselves (console/ in the source tree,
 * installed under share/convene/console) or any data (the JSON API).
 */
#include "scheduler/console.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"

/* The largest console file served; the console's files are far smaller. */
#define CONSOLE_MAX_FILE_SIZE (8 * 1024 * 1024)

/* Scripts, styles, images and fonts only from convened itself; no inline
 * script or style, no plug-ins, no framing, forms only to ourselves. */
#define CONSOLE_CSP                                                                                \
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "              \
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "                 \
    "frame-ancestors 'none'"

/* Top-level path names that are never the console's: the API and the
 * daemon's other machine endpoints. */
static const char *const reserved_prefixes[] = {"api", "metrics"};

typedef struct {
    const char *extension; /* with the dot */
    const char *content_type;
} content_type_entry;

static const content_type_entry content_types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".map", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".txt", "text/plain; charset=utf-8"},
};

bool console_claims(const scheduler *daemon, const char *method, const char *path)
{
    if (daemon->options.no_console || path[0] != '/')
        return false;
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return false;
    for (size_t i = 0; i < sizeof reserved_prefixes / sizeof reserved_prefixes[0]; i++) {
        size_t length = strlen(reserved_prefixes[i]);
        if (strncmp(path + 1, reserved_prefixes[i], length) == 0 &&
            (path[1 + length] == '/' || path[1 + length] == '\0'))
            return false;
    }
    return true;
}

static const char *content_type_of(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (dot)
        for (size_t i = 0; i < sizeof content_types / sizeof content_types[0]; i++)
            if (strcmp(dot, content_types[i].extension) == 0)
                return content_types[i].content_type;
    return "application/octet-stream";
}

/* True when every segment of PATH (percent-decoded, starting with '/') is
 * a plain name: no "." or ".." segment, no hidden file, no backslash and no
 * control character. Such a path can only name something under the root. */
static bool path_is_plain(const char *path)
{
    bool segment_start = true;
    for (const char *c = path; *c; c++) {
        if ((unsigned char)*c < 0x20 || *c == 0x7f || *c == '\\')
            return false;
        if (*c == '/') {
            segment_start = true;
            continue;
        }
        if (segment_start && *c == '.')
            return false;
        segment_start = false;
    }
    return true;
}

/* True when the last segment of PATH looks like a file name (has a dot). */
static bool looks_like_file(const char *path)
{
    const char *last = strrchr(path, '/');
    return strchr(last ? last + 1 : path, '.') != NULL;
}

static void answer_text(http_response *response, int status, const char *text)
{
    response->status = status;
    response->content_type = "text/plain; charset=utf-8";
    strbuf_append_str(&response->body, text);
}

/* Opens ROOT/RELATIVE as a regular file that really lies under ROOT (no
 * symbolic link leads out). Returns the descriptor or -1 (errno set:
 * ENOENT for anything that is not such a file). */
static int open_under(const char *root, const char *relative, struct stat *info)
{
    char joined[PATH_MAX], resolved_root[PATH_MAX], resolved[PATH_MAX];
    if (snprintf(joined, sizeof joined, "%s/%s", root, relative) >= (int)sizeof joined ||
        !realpath(root, resolved_root) || !realpath(joined, resolved)) {
        errno = ENOENT;
        return -1;
    }
    size_t root_length = strlen(resolved_root);
    if (strncmp(resolved, resolved_root, root_length) != 0 || resolved[root_length] != '/') {
        errno = ENOENT;
        return -1;
    }
    int fd = open(resolved, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -1;
    if (fstat(fd, info) != 0 || !S_ISREG(info->st_mode)) {
        close(fd);
        errno = ENOENT;
        return -1;
    }
    return fd;
}

static void add_security_headers(http_response *response)
{
    http_response_add_header(response, "Content-Security-Policy", CONSOLE_CSP);
    http_response_add_header(response, "X-Content-Type-Options", "nosniff");
    http_response_add_header(response, "Referrer-Policy", "no-referrer");
}

/* Reads the whole file FD of SIZE bytes into the response body. */
static bool read_body(int fd, off_t size, http_response *response)
{
    if (strbuf_reserve(&response->body, (size_t)size + 1) != CV_OK)
        return false;
    char chunk[16384];
    ssize_t got;
    while ((got = read(fd, chunk, sizeof chunk)) > 0)
        if (strbuf_append(&response->body, chunk, (size_t)got) != CV_OK)
            return false;
    return got == 0;
}

void console_serve(const scheduler *daemon, const http_request *request, http_response *response)
{
    const char *root =
        daemon->options.console_dir ? daemon->options.console_dir : CONVENE_CONSOLE_DIR;
    add_security_headers(response);
    struct stat root_info;
    if (stat(root, &root_info) != 0 || !S_ISDIR(root_info.st_mode)) {
        answer_text(response, 503, "the console is not installed (see convened --console-dir)\n");
        return;
    }
    const char *path = request->path;
    if (!path_is_plain(path)) {
        answer_text(response, 404, "not found\n");
        return;
    }
    const char *relative = path + strspn(path, "/");
    bool index = relative[0] == '\0' || path[strlen(path) - 1] == '/';
    struct stat info;
    int fd = index ? -1 : open_under(root, relative, &info);
    const char *served = relative;
    if (fd < 0 && !looks_like_file(path)) {
        served = "index.html"; /* the console's own routes */
        fd = open_under(root, served, &info);
    }
    if (fd < 0) {
        answer_text(response, 404, "not found\n");
        return;
    }
    if (info.st_size > CONSOLE_MAX_FILE_SIZE) {
        close(fd);
        answer_text(response, 404, "not found\n");
        return;
    }
    /* The ETag changes whenever the file does (size, modification time). */
    char etag[96];
    snprintf(etag, sizeof etag, "\"%llx-%llx-%lx\"", (unsigned long long)info.st_size,
             (unsigned long long)info.st_mtim.tv_sec, (long)info.st_mtim.tv_nsec);
    http_response_add_header(response, "ETag", etag);
    http_response_add_header(response, "Cache-Control", "no-cache");
    const char *given =
        request->connection
            ? MHD_lookup_connection_value(request->connection, MHD_HEADER_KIND, "If-None-Match")
            : NULL;
    if (given && strcmp(given, etag) == 0) {
        close(fd);
        response->status = 304;
        return;
    }
    response->status = 200;
    response->content_type = content_type_of(served);
    if (!read_body(fd, info.st_size, response)) {
        strbuf_reset(&response->body);
        log_warning("console: cannot read a file of %s", root);
        answer_text(response, 500, "cannot read the file\n");
    }
    close(fd);
}
