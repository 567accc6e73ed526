/*
 * daemon_options.c - the options and start-up steps convened and
 * convene-bridge share; see daemon_options.h.
 *
 * Owns: the shapes of the shared options and the steps named in the
 * header. Does not own: any daemon's help text or defaults.
 */
#include "common/daemon_options.h"

#include <assert.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/data_dir.h"
#include "common/tls_certificate.h"

/* What one shared option is, apart from the daemon's target and words. */
typedef struct {
    const char *name;
    option_kind kind;
    const char *argument;     /* placeholder in --help; NULL for flags */
    const char *help;         /* shared --help line; NULL: each daemon words its own */
    int64_t minimum, maximum; /* OPTION_INTEGER only */
} daemon_option_shape;

/* Indexed by daemon_option_id. */
static const daemon_option_shape daemon_option_shapes[DAEMON_OPTION_COUNT] = {
    [DAEMON_OPTION_LISTEN] = {"listen", OPTION_STRING, "ADDR:PORT", NULL, 0, 0},
    [DAEMON_OPTION_DATA_DIR] = {"data-dir", OPTION_STRING, "DIR", NULL, 0, 0},
    [DAEMON_OPTION_DATABASE] = {"database", OPTION_STRING, "URL", NULL, 0, 0},
    [DAEMON_OPTION_DATABASE_PASSWORD_FILE] = {"database-password-file", OPTION_STRING, "FILE", NULL,
                                              0, 0},
    [DAEMON_OPTION_MIGRATE_ONLY] = {"migrate-only", OPTION_FLAG, NULL, NULL, 0, 0},
    [DAEMON_OPTION_CONFIG] = {"config", OPTION_STRING, "FILE", NULL, 0, 0},
    [DAEMON_OPTION_PLAIN_HTTP] = {"plain-http", OPTION_FLAG, NULL,
                                  "serve plain HTTP instead of HTTPS", 0, 0},
    [DAEMON_OPTION_TLS_CERT] = {"tls-cert", OPTION_STRING, "FILE",
                                "PEM certificate (default: self-signed in DIR)", 0, 0},
    [DAEMON_OPTION_TLS_KEY] = {"tls-key", OPTION_STRING, "FILE", NULL, 0, 0},
    [DAEMON_OPTION_THREADS] = {"threads", OPTION_INTEGER, "N", NULL, 0, 256},
    [DAEMON_OPTION_MAX_CONNECTIONS] = {"max-connections", OPTION_INTEGER, "N", NULL, 1, 100000},
    [DAEMON_OPTION_MAX_CONNECTIONS_PER_ADDRESS] = {"max-connections-per-address", OPTION_INTEGER,
                                                   "N", NULL, 1, 100000},
    [DAEMON_OPTION_REQUEST_TIMEOUT] = {"request-timeout", OPTION_INTEGER, "SECONDS", NULL, 1, 3600},
};

option_spec daemon_option(daemon_option_id which, void *target, const char *help)
{
    assert(which < DAEMON_OPTION_COUNT);
    const daemon_option_shape *shape = &daemon_option_shapes[which];
    assert(help || shape->help); /* --help prints a line for every option */
    return (option_spec){
        .name = shape->name,
        .kind = shape->kind,
        .target = target,
        .argument = shape->argument,
        .help = help ? help : shape->help,
        .minimum = shape->minimum,
        .maximum = shape->maximum,
    };
}

bool daemon_options_append(option_spec *table, size_t capacity, size_t *count,
                           const option_spec *group, size_t n)
{
    if (*count + n > capacity)
        return false;
    memcpy(table + *count, group, n * sizeof *group);
    *count += n;
    return true;
}

cv_result daemon_tls_files(bool plain_http, const char *certificate, const char *key,
                           const char *data_dir, const char *common_name, char **certificate_out,
                           char **key_out, strbuf *error)
{
    *certificate_out = NULL;
    *key_out = NULL;
    if (plain_http)
        return CV_OK;
    if ((certificate || key) && !(certificate && key)) {
        strbuf_printf(error, "--tls-cert and --tls-key go together");
        return CV_ERR_INVALID;
    }
    *certificate_out =
        certificate ? strdup(certificate) : data_dir_path(data_dir, "tls-certificate.pem");
    *key_out = key ? strdup(key) : data_dir_path(data_dir, "tls-key.pem");
    cv_result result = *certificate_out && *key_out ? CV_OK : CV_ERR_NO_MEMORY;
    if (result == CV_OK && !certificate)
        result = tls_ensure_self_signed(*certificate_out, *key_out, common_name, error);
    if (result != CV_OK) {
        free(*certificate_out);
        free(*key_out);
        *certificate_out = NULL;
        *key_out = NULL;
    }
    return result;
}

void daemon_block_stop_signals(sigset_t *stop_signals)
{
    sigemptyset(stop_signals);
    sigaddset(stop_signals, SIGTERM);
    sigaddset(stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, stop_signals, NULL);
    signal(SIGPIPE, SIG_IGN);
}
