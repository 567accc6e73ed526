/*
 * console.h - the web console's static files, served by convened at `/`.
 *
 * Owns: deciding which requests are the console's (GET or HEAD of any path
 * outside the API's `/api/` and the daemon's other reserved top-level
 * names), reading a file from the console directory without ever leaving
 * it, and answering it with its Content-Type, an ETag for revalidation and
 * the security headers (a strict Content-Security-Policy, nosniff, no
 * referrer, no framing). A path that is not a file and does not look like
 * one (no '.' in its last segment) gets index.html, so the console's own
 * client-side routes (/planner, /meetings/ID) load the page.
 * Does not own: any data; the console reads and changes everything through
 * the JSON API (api.c) with the session cookie and CSRF header, like any
 * other client. The files need no credentials: they hold no data.
 */
#ifndef CONVENE_SCHEDULER_CONSOLE_H
#define CONVENE_SCHEDULER_CONSOLE_H

#include <stdbool.h>

#include "common/http_server.h"
#include "scheduler/scheduler.h"

/* The installed console directory, used when --console-dir is not given
 * (set by CMake to PREFIX/share/convene/console). */
#ifndef CONVENE_CONSOLE_DIR
#define CONVENE_CONSOLE_DIR "/usr/local/share/convene/console"
#endif

/* True when METHOD PATH is a console request: the console is on
 * (no --no-console), the method is GET or HEAD and PATH is outside the
 * API. Such requests are public (no credentials asked). */
bool console_claims(const scheduler *daemon, const char *method, const char *path);

/* Answers a request console_claims accepted: the file, 304 when the
 * If-None-Match header matches its ETag, 404 for a missing file-like path,
 * 503 when the console directory itself is missing. */
void console_serve(const scheduler *daemon, const http_request *request, http_response *response);

#endif
