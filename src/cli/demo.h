/*
 * demo.h - what the parts of `convene demo` share: the story's fixed
 * names, the state carried from step to step, and the helpers that start,
 * watch and stop the throw-away daemons.
 *
 * Owns: the `demo` record (one per run, on the stack of command_demo) and
 * the signal flag below. demo.c owns the story; demo_command.c the command
 * (options, signals, exit status); demo_daemons.c the daemons, ports,
 * paths and clean-up.
 */
#ifndef CONVENE_CLI_DEMO_H
#define CONVENE_CLI_DEMO_H

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "cli/client.h"
#include "cli/demo_process.h"
#include "common/cms_client.h"
#include "common/strbuf.h"

#define DEMO_USER            "admin"
#define DEMO_DOMAIN          "video.example.com"
#define DEMO_SYSTEM_NAME     "CMS Core Primary"
#define DEMO_TITLE           "Convene Demo Meeting"
#define DEMO_CORE1           "CallBridge-Core1"
#define DEMO_CORE2           "CallBridge-Core2"
#define DEMO_SLOT_PREFIX     "TMS_Scheduled_Meeting_"
#define DEMO_SLOT_COUNT      5
#define DEMO_LEAD_SECONDS    5
#define DEMO_MEETING_MINUTES 30
#define DEMO_EXTEND_MINUTES  15
#define DEMO_STOP_GRACE_MS   10000

typedef struct {
    char *bridge_binary;
    char *scheduler_binary;
    char *work_dir;
    /* --keep-console: after the story, leave the daemons running with
     * convened's web console open until Ctrl-C; --console-dir: its files. */
    bool keep_console;
    char *console_dir;
} demo_options;

typedef struct {
    demo_options options;
    char bridge_binary[PATH_MAX];
    char scheduler_binary[PATH_MAX];
    char work_dir[PATH_MAX];
    bool remove_work_dir;
    char cluster_dir[PATH_MAX];
    char scheduler_dir[PATH_MAX];
    char core1_trace[PATH_MAX];
    char bridge_ca[PATH_MAX];
    char scheduler_ca[PATH_MAX];
    int core1_port, core2_port, scheduler_port;
    char core1_url[64], core2_url[64], scheduler_url[64];
    char password[40];
    demo_process core1, core2, scheduler;
    client *convened;   /* convened's JSON API */
    client *bridge_api; /* CallBridge-Core1's CMS API: is it up? */
    /* the same API through the shared CMS client library, for what the
     * demo reads there (demo_bridge.h); the registry owns the client */
    cms_registry *cms;
    cms_client *bridge_cms;
    struct timespec started;
    strbuf failure; /* why the demo stopped */
    int step;
    /* what the story carries from one step to the next */
    char bridge_id[64];
    char booking_id[64];
    char space_id[64];
    char space_name[128];
    char call_id[64];
    char live_secret[128];
    int64_t slot;
    int64_t booking_start;
} demo;

/* The signal (SIGINT, SIGTERM, SIGHUP) that asked the demo to stop, or 0.
 * Written only by demo_remember_signal (a signal handler), read by the
 * wait loops; sig_atomic_t needs no lock. */
extern volatile sig_atomic_t demo_signal_received;
void demo_remember_signal(int signal_number);

/* Records the first reason the demo fails (later ones are dropped);
 * always returns false so callers can `return demo_fail(...)`. */
bool demo_fail(demo *story, const char *format, ...) __attribute__((format(printf, 2, 3)));
double demo_seconds_since(const struct timespec *since);
/* Sleeps in short slices; false when a signal asked us to stop. */
bool demo_pause_ms(long milliseconds);
/* False (with the reason recorded) once any daemon has exited. */
bool demo_daemons_alive(demo *story);
/* True (with the reason recorded) once a signal asked us to stop. */
bool demo_interrupted(demo *story);

/* The program given, else next to /proc/self/exe (same directory, ../sbin,
 * ../bin, or `build_dir` relative to it), else on $PATH. */
bool demo_find_binary(const char *given, const char *program, const char *build_dir, char *out,
                      size_t size);
/* The work directory (--work-dir, kept; or a fresh temporary one, removed
 * by demo_release) and the paths inside it. */
bool demo_make_paths(demo *story);
/* CallBridge-Core1, CallBridge-Core2 and convened, each answering. */
bool demo_start_daemons(demo *story);
void demo_stop_daemons(demo *story);
/* Starts the daemons and plays every step of the story (demo.c); false at
 * the first that fails (story->failure says why). */
bool demo_play(demo *story);
/* --keep-console: prints the console's address and sign-in, then waits
 * until a signal (Ctrl-C) or a daemon exits. */
void demo_keep_console(demo *story);
/* Stops the daemons, closes the clients, removes a temporary work
 * directory. Safe to call at any point. */
void demo_release(demo *story);

#endif
