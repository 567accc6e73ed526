/*
 * daemon_options.h - what convened and convene-bridge share about their
 * options and their start: the options both have (name, kind, placeholder
 * in --help, allowed range), building an option table from groups, the
 * TLS certificate files and the signals that stop a daemon.
 *
 * Owns: those shared descriptions and steps. Does not own: the help text
 * of an option (each daemon words its own), defaults (each daemon's
 * set_defaults), parsing (config.h) or the certificate itself
 * (tls_certificate.h).
 */
#ifndef CONVENE_DAEMON_OPTIONS_H
#define CONVENE_DAEMON_OPTIONS_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/config.h"
#include "common/result.h"
#include "common/strbuf.h"

/* The options both daemons have; daemon_option_shapes (daemon_options.c)
 * is their one table, in this order. */
typedef enum {
    DAEMON_OPTION_LISTEN,
    DAEMON_OPTION_DATA_DIR,
    DAEMON_OPTION_DATABASE,
    DAEMON_OPTION_DATABASE_PASSWORD_FILE,
    DAEMON_OPTION_MIGRATE_ONLY,
    DAEMON_OPTION_CONFIG,
    DAEMON_OPTION_PLAIN_HTTP,
    DAEMON_OPTION_TLS_CERT,
    DAEMON_OPTION_TLS_KEY,
    DAEMON_OPTION_THREADS,
    DAEMON_OPTION_MAX_CONNECTIONS,
    DAEMON_OPTION_MAX_CONNECTIONS_PER_ADDRESS,
    DAEMON_OPTION_REQUEST_TIMEOUT,
    DAEMON_OPTION_COUNT
} daemon_option_id;

/* The table entry of shared option `which`, storing into `target` (whose
 * type the option's kind names, config.h). `help` is the daemon's own
 * line in --help; NULL takes the shared one, which only the options
 * worded alike in both daemons have (--plain-http, --tls-cert). */
option_spec daemon_option(daemon_option_id which, void *target, const char *help);

/* Appends `group` (n entries) to table[*count..]; false when the table
 * (capacity entries) is full, so no option is ever silently dropped. */
bool daemon_options_append(option_spec *table, size_t capacity, size_t *count,
                           const option_spec *group, size_t n);

/* The certificate and key a daemon serves HTTPS with. Nothing when
 * `plain_http`. Given files (`certificate`, `key`: --tls-cert, --tls-key)
 * must come together; without them both are made self-signed in
 * `data_dir` (subject `common_name`) on first use. *certificate_out and
 * *key_out receive copies the caller frees (NULL with plain HTTP). */
cv_result daemon_tls_files(bool plain_http, const char *certificate, const char *key,
                           const char *data_dir, const char *common_name, char **certificate_out,
                           char **key_out, strbuf *error);

/* Blocks SIGTERM and SIGINT in the calling thread (threads started later
 * inherit the mask, so only the main thread's sigwait sees them) and
 * ignores SIGPIPE; `stop_signals` receives the set to wait on. */
void daemon_block_stop_signals(sigset_t *stop_signals);

#endif
