/*
 * demo_daemons.c - the daemons of `convene demo` and everything around
 * them: finding the programs, the work directory, free loopback ports, a
 * random throw-away password, starting the two convene-bridge nodes and
 * convened and waiting until each answers, noticing a daemon that died or
 * a signal, and the clean-up on every exit path; see demo.h.
 *
 * Owns: the daemons' command lines and environment (passwords only ever in
 * the environment, never in argv), the temporary directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/demo.h"
#include "common/sleep.h"

/* Set by the signal handler; every wait loop checks it. */
volatile sig_atomic_t demo_signal_received;

void demo_remember_signal(int signal_number)
{
    demo_signal_received = signal_number;
}

double demo_seconds_since(const struct timespec *since)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - since->tv_sec) + (double)(now.tv_nsec - since->tv_nsec) / 1e9;
}

bool demo_fail(demo *story, const char *format, ...)
{
    if (story->failure.length == 0) {
        va_list arguments;
        va_start(arguments, format);
        strbuf_vprintf(&story->failure, format, arguments);
        va_end(arguments);
    }
    return false;
}

/* Sleeps in short slices; false when a signal asked us to stop. */
bool demo_pause_ms(long milliseconds)
{
    while (milliseconds > 0 && !demo_signal_received) {
        long slice = milliseconds > 50 ? 50 : milliseconds;
        sleep_milliseconds(slice);
        milliseconds -= slice;
    }
    return !demo_signal_received;
}

bool demo_daemons_alive(demo *story)
{
    demo_process *processes[] = {&story->core1, &story->core2, &story->scheduler};
    for (size_t i = 0; i < 3; i++) {
        demo_process *process = processes[i];
        if (process->exited || (process->pid > 0 && !demo_process_alive(process))) {
            char how[64];
            demo_process_describe_exit(process, how, sizeof how);
            return demo_fail(story, "%s %s unexpectedly", process->name, how);
        }
    }
    return true;
}

bool demo_interrupted(demo *story)
{
    if (demo_signal_received)
        return !demo_fail(story, "interrupted by signal %d", (int)demo_signal_received);
    return false;
}

static bool is_executable(const char *path)
{
    struct stat status;
    return stat(path, &status) == 0 && S_ISREG(status.st_mode) && access(path, X_OK) == 0;
}

/* The daemon next to our own executable: installed (same bindir, or
 * ../sbin), or in the build tree (src/cli -> src/bridge, src/scheduler),
 * else on $PATH. */
bool demo_find_binary(const char *given, const char *program, const char *build_dir, char *out,
                      size_t size)
{
    if (given) {
        if (!is_executable(given))
            return false;
        snprintf(out, size, "%s", given);
        return true;
    }
    char self[PATH_MAX];
    ssize_t length = readlink("/proc/self/exe", self, sizeof self - 1);
    if (length > 0) {
        self[length] = '\0';
        char *slash = strrchr(self, '/');
        if (slash)
            *slash = '\0';
        const char *relative[] = {".", "../sbin", "../bin", build_dir, NULL};
        for (size_t i = 0; relative[i]; i++) {
            char candidate[PATH_MAX + 64];
            snprintf(candidate, sizeof candidate, "%s/%s/%s", self, relative[i], program);
            char *resolved = realpath(candidate, NULL);
            if (resolved && is_executable(resolved) && strlen(resolved) < size) {
                snprintf(out, size, "%s", resolved);
                free(resolved);
                return true;
            }
            free(resolved);
        }
    }
    const char *path = getenv("PATH");
    while (path && *path) {
        size_t part = strcspn(path, ":");
        char candidate[PATH_MAX + 64];
        snprintf(candidate, sizeof candidate, "%.*s/%s", (int)part, path, program);
        if (part > 0 && is_executable(candidate)) {
            snprintf(out, size, "%s", candidate);
            return true;
        }
        path += part + (path[part] == ':');
    }
    return false;
}

/* `count` distinct loopback ports that were free a moment ago (the probing
 * sockets stay open until all are chosen, so no port is handed out twice). */
static bool free_loopback_ports(int *ports, size_t count)
{
    int probes[8];
    bool ok = count <= 8;
    size_t opened = 0;
    for (; ok && opened < count; opened++) {
        probes[opened] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_in address = {.sin_family = AF_INET,
                                      .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t length = sizeof address;
        ok = probes[opened] >= 0 &&
             bind(probes[opened], (struct sockaddr *)&address, sizeof address) == 0 &&
             getsockname(probes[opened], (struct sockaddr *)&address, &length) == 0;
        ports[opened] = ok ? ntohs(address.sin_port) : -1;
        if (probes[opened] < 0)
            break;
    }
    for (size_t i = 0; i < opened; i++)
        close(probes[i]);
    return ok;
}

static bool random_password(char *out, size_t size)
{
    unsigned char bytes[16];
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t got = read(fd, bytes, sizeof bytes);
    close(fd);
    if (got != (ssize_t)sizeof bytes || size < 2 * sizeof bytes + 1)
        return false;
    for (size_t i = 0; i < sizeof bytes; i++)
        snprintf(out + 2 * i, 3, "%02x", bytes[i]);
    return true;
}

/* DIRECTORY/NAME into `out`; false when it does not fit. */
static bool join_path(char *out, size_t size, const char *directory, const char *name)
{
    int length = snprintf(out, size, "%s/%s", directory, name);
    return length > 0 && (size_t)length < size;
}

bool demo_make_paths(demo *story)
{
    if (story->options.work_dir) {
        if (mkdir(story->options.work_dir, 0700) != 0 && errno != EEXIST)
            return demo_fail(story, "cannot create %s: %s", story->options.work_dir,
                             strerror(errno));
        char *resolved = realpath(story->options.work_dir, NULL);
        if (!resolved)
            return demo_fail(story, "cannot use %s: %s", story->options.work_dir, strerror(errno));
        snprintf(story->work_dir, sizeof story->work_dir, "%s", resolved);
        free(resolved);
    } else {
        const char *temporary = getenv("TMPDIR");
        snprintf(story->work_dir, sizeof story->work_dir, "%s/convene-demo-XXXXXX",
                 temporary && *temporary ? temporary : "/tmp");
        if (!mkdtemp(story->work_dir))
            return demo_fail(story, "cannot create a temporary directory: %s", strerror(errno));
        story->remove_work_dir = true;
    }
    if (strlen(story->work_dir) > PATH_MAX - 64)
        return demo_fail(story, "the work directory's path is too long");
    if (!join_path(story->cluster_dir, sizeof story->cluster_dir, story->work_dir, "cluster") ||
        !join_path(story->scheduler_dir, sizeof story->scheduler_dir, story->work_dir,
                   "convened") ||
        !join_path(story->core1_trace, sizeof story->core1_trace, story->work_dir,
                   "core1-api-trace.log") ||
        !join_path(story->bridge_ca, sizeof story->bridge_ca, story->cluster_dir,
                   "tls-certificate.pem") ||
        !join_path(story->scheduler_ca, sizeof story->scheduler_ca, story->scheduler_dir,
                   "tls-certificate.pem"))
        return demo_fail(story, "the work directory's path is too long");
    if (mkdir(story->cluster_dir, 0700) != 0 && errno != EEXIST)
        return demo_fail(story, "cannot create %s: %s", story->cluster_dir, strerror(errno));
    return true;
}

/* Starts `argv` as `process` (`name` in messages) with the one
 * environment entry NAME=PASSWORD (wiped once the child has it; `entry_size`
 * bytes) and its output in `log_path`; says on failure why (demo_fail). */
static bool start_process(demo *story, demo_process *process, const char *name, char **argv,
                          char *environment_entry, size_t entry_size, const char *log_path)
{
    const char *environment[] = {environment_entry, NULL};
    strbuf error = STRBUF_INIT;
    cv_result result = demo_process_start(process, name, argv, environment, log_path, &error);
    explicit_bzero(environment_entry, entry_size);
    if (result != CV_OK)
        demo_fail(story, "%s", strbuf_str(&error));
    strbuf_free(&error);
    return result == CV_OK;
}

static bool start_bridge(demo *story, demo_process *process, const char *name, int port,
                         const char *peer_name, int peer_port, const char *trace,
                         const char *log_name)
{
    char listen[64], peer[160], log_path[PATH_MAX + 32], environment_entry[96];
    snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
    snprintf(peer, sizeof peer, "%s=https://127.0.0.1:%d", peer_name, peer_port);
    snprintf(log_path, sizeof log_path, "%s/%s", story->work_dir, log_name);
    snprintf(environment_entry, sizeof environment_entry, "CONVENE_BRIDGE_PASSWORD=%s",
             story->password);
    char *argv[] = {story->bridge_binary, "--listen",   listen,        "--data-dir",
                    story->cluster_dir,   "--api-user", DEMO_USER,     "--name",
                    (char *)name,         "--peer",     peer,          "--sip-domain",
                    DEMO_DOMAIN,          "--trace",    (char *)trace, NULL};
    char *argv_without_trace[] = {story->bridge_binary, "--listen",   listen,    "--data-dir",
                                  story->cluster_dir,   "--api-user", DEMO_USER, "--name",
                                  (char *)name,         "--peer",     peer,      "--sip-domain",
                                  DEMO_DOMAIN,          NULL};
    return start_process(story, process, name, trace ? argv : argv_without_trace, environment_entry,
                         sizeof environment_entry, log_path);
}

/* Polls `path` on `connection` until it answers 200. */
static bool wait_until_answering(demo *story, demo_process *process, client *connection,
                                 const char *path, const char *ca_file)
{
    struct timespec since;
    clock_gettime(CLOCK_MONOTONIC, &since);
    while (demo_seconds_since(&since) < 20) {
        if (!demo_daemons_alive(story) || demo_interrupted(story))
            return false;
        if (access(ca_file, R_OK) == 0) {
            client_answer answer;
            strbuf error = STRBUF_INIT;
            cv_result result = client_send(connection, "GET", path, NULL, NULL, 0, &answer, &error);
            long status = answer.status;
            client_answer_free(&answer);
            strbuf_free(&error);
            if (result == CV_OK && status == 200)
                return true;
        }
        demo_pause_ms(50);
    }
    return demo_fail(story, "%s did not answer within 20 seconds", process->name);
}

/* Ports, URLs, the password and the API clients of the story (the
 * bridge's, convened's and the CMS client of Core1). */
static bool prepare_clients(demo *story, client_settings *bridge_settings)
{
    int ports[3];
    if (!free_loopback_ports(ports, 3))
        return demo_fail(story, "no free TCP ports on 127.0.0.1: %s", strerror(errno));
    story->core1_port = ports[0];
    story->core2_port = ports[1];
    story->scheduler_port = ports[2];
    snprintf(story->core1_url, sizeof story->core1_url, "https://127.0.0.1:%d", story->core1_port);
    snprintf(story->core2_url, sizeof story->core2_url, "https://127.0.0.1:%d", story->core2_port);
    snprintf(story->scheduler_url, sizeof story->scheduler_url, "https://127.0.0.1:%d",
             story->scheduler_port);
    if (!random_password(story->password, sizeof story->password))
        return demo_fail(story, "cannot read /dev/urandom");

    *bridge_settings = (client_settings){.base_url = story->core1_url,
                                         .user_name = DEMO_USER,
                                         .password = story->password,
                                         .ca_file = story->bridge_ca,
                                         .timeout_seconds = 15};
    client_settings scheduler_settings = {.base_url = story->scheduler_url,
                                          .user_name = DEMO_USER,
                                          .password = story->password,
                                          .ca_file = story->scheduler_ca,
                                          .timeout_seconds = 30};
    if (client_create(bridge_settings, &story->bridge_api) != CV_OK ||
        client_create(&scheduler_settings, &story->convened) != CV_OK)
        return demo_fail(story, "out of memory");
    cms_client_settings cms_settings = {.max_in_flight = 1, .timeout_ms = 15000};
    cms_endpoint bridge_endpoint = {story->core1_url, DEMO_USER, story->password, true,
                                    story->bridge_ca, NULL};
    if (cms_registry_create(&cms_settings, &story->cms) != CV_OK ||
        cms_registry_client(story->cms, &bridge_endpoint, &story->bridge_cms) != CV_OK)
        return demo_fail(story, "cannot set up the CMS client for %s", story->core1_url);
    return true;
}

/* Starts Core1, then Core2, each answering before the next. */
static bool start_bridges(demo *story, const client_settings *bridge_settings)
{
    /* Core1 first: it creates the cluster's certificate, which Core2 then
     * shares through the common data directory. */
    if (!start_bridge(story, &story->core1, DEMO_CORE1, story->core1_port, DEMO_CORE2,
                      story->core2_port, story->core1_trace, "core1.log") ||
        !wait_until_answering(story, &story->core1, story->bridge_api, "/api/v1/system/status",
                              story->bridge_ca))
        return false;
    char core2_trace[PATH_MAX + 32];
    snprintf(core2_trace, sizeof core2_trace, "%s/core2-api-trace.log", story->work_dir);
    client *core2_api = NULL;
    client_settings core2_settings = *bridge_settings;
    core2_settings.base_url = story->core2_url;
    if (client_create(&core2_settings, &core2_api) != CV_OK)
        return demo_fail(story, "out of memory");
    bool core2_ready = start_bridge(story, &story->core2, DEMO_CORE2, story->core2_port, DEMO_CORE1,
                                    story->core1_port, core2_trace, "core2.log") &&
                       wait_until_answering(story, &story->core2, core2_api,
                                            "/api/v1/system/status", story->bridge_ca);
    client_free(core2_api);
    return core2_ready;
}

/* Starts convened and waits until it answers. */
static bool start_scheduler(demo *story)
{
    char listen[64], log_path[PATH_MAX + 32], environment_entry[96], cms_trace[PATH_MAX + 32];
    snprintf(listen, sizeof listen, "127.0.0.1:%d", story->scheduler_port);
    snprintf(log_path, sizeof log_path, "%s/convened.log", story->work_dir);
    snprintf(cms_trace, sizeof cms_trace, "%s/convened-cms-trace.log", story->work_dir);
    snprintf(environment_entry, sizeof environment_entry, "CONVENED_ADMIN_PASSWORD=%s",
             story->password);
    char *argv[] = {story->scheduler_binary, "--listen", listen, "--data-dir", story->scheduler_dir,
                    "--admin-user", DEMO_USER, "--trace", cms_trace, "--poll-interval", "2",
                    /* --console-dir DIR when given (else convened's default) */
                    story->options.console_dir ? "--console-dir" : NULL, story->options.console_dir,
                    NULL};
    return start_process(story, &story->scheduler, "convened", argv, environment_entry,
                         sizeof environment_entry, log_path) &&
           wait_until_answering(story, &story->scheduler, story->convened, "/api/v1/bridges",
                                story->scheduler_ca);
}

bool demo_start_daemons(demo *story)
{
    client_settings bridge_settings;
    return prepare_clients(story, &bridge_settings) && start_bridges(story, &bridge_settings) &&
           start_scheduler(story);
}

void demo_keep_console(demo *story)
{
    printf("The web console stays open: %s/ (a self-signed certificate: accept it in the "
           "browser)\n   Sign in as %s with the password %s\n   Press Ctrl-C to stop the "
           "daemons.\n",
           story->scheduler_url, DEMO_USER, story->password);
    fflush(stdout);
    while (!demo_signal_received && demo_daemons_alive(story))
        demo_pause_ms(500);
}

void demo_stop_daemons(demo *story)
{
    /* convened first, so it does not see the bridges go away. */
    demo_process_stop(&story->scheduler, DEMO_STOP_GRACE_MS);
    demo_process_stop(&story->core2, DEMO_STOP_GRACE_MS);
    demo_process_stop(&story->core1, DEMO_STOP_GRACE_MS);
}

void demo_release(demo *story)
{
    demo_stop_daemons(story);
    client_free(story->convened);
    client_free(story->bridge_api);
    story->convened = story->bridge_api = NULL;
    if (story->cms != NULL)
        cms_registry_free(story->cms);
    story->cms = NULL;
    story->bridge_cms = NULL;
    if (story->remove_work_dir && story->work_dir[0]) {
        if (demo_remove_tree(story->work_dir) != CV_OK)
            cli_error("demo: could not remove %s: %s", story->work_dir, strerror(errno));
    }
    explicit_bzero(story->password, sizeof story->password);
}
