/*
 * demo_command.c - the `convene demo` command around the story (demo.c):
 * its options and --help, finding the two daemons' programs, the signal
 * handlers while it runs, and its exit status.
 *
 * Owns: the `demo` record of a run (on command_demo's stack) and the
 * guarantee that every exit path (also SIGINT, SIGTERM, SIGHUP) goes
 * through demo_release. Does not own: the story's steps (demo.c), the
 * daemons, paths and clean-up (demo_daemons.c).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/demo.h"
#include "cli/demo_process.h"

static void install_signal_handlers(struct sigaction *saved)
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = demo_remember_signal;
    sigemptyset(&action.sa_mask);
    int signals[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < 3; i++)
        sigaction(signals[i], &action, &saved[i]);
}

static void restore_signal_handlers(const struct sigaction *saved)
{
    int signals[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < 3; i++)
        sigaction(signals[i], &saved[i], NULL);
}

/* `demo --help`: the synopsis, what it does, and the notes after the options. */
static const char DEMO_USAGE[] =
    "demo [--bridge-binary FILE] [--scheduler-binary FILE] [--work-dir DIR] "
    "[--keep-console [--console-dir DIR]]";
static const char DEMO_ABOUT[] =
    "Plays the story of the Cisco guide \"Cisco Meeting Server (Acano) / TMS integration\"\n"
    "with Convene instead of TMS, on this machine: it starts a two-node convene-bridge\n"
    "cluster (CallBridge-Core1, CallBridge-Core2) and convened on 127.0.0.1 with\n"
    "temporary data directories, then through convened's API adds the bridge, fixes\n"
    "its tickets, shows the reserved spaces, books a meeting a few seconds ahead with\n"
    "two dial-out participants, follows its start, extends and ends it, and prints the\n"
    "bridge's API trace. Every step is checked on the bridge itself.";
static const char DEMO_NOTES[] =
    "The daemons are looked for next to this program (same directory, ../sbin, or the\n"
    "build tree's src/bridge and src/scheduler), then on $PATH. Takes under a minute;\n"
    "exits 0 on success, 1 when a step fails (with the reason and the daemon's log),\n"
    "130 when interrupted. The daemons are always stopped and the temporary directory\n"
    "removed.";

/* Finds both daemons (--bridge-binary, --scheduler-binary, or the usual
 * places); complains naming the missing one and returns false otherwise. */
static bool find_daemons(demo *story)
{
    if (demo_find_binary(story->options.bridge_binary, "convene-bridge", "../bridge",
                         story->bridge_binary, sizeof story->bridge_binary) &&
        demo_find_binary(story->options.scheduler_binary, "convened", "../scheduler",
                         story->scheduler_binary, sizeof story->scheduler_binary))
        return true;
    bool bridge_missing = !story->bridge_binary[0];
    const char *given =
        bridge_missing ? story->options.bridge_binary : story->options.scheduler_binary;
    cli_error("demo: cannot find %s%s%s; give --%s FILE",
              bridge_missing ? "convene-bridge" : "convened", given ? " at " : "",
              given ? given : "", bridge_missing ? "bridge-binary" : "scheduler-binary");
    return false;
}

/* The exit status of a failed or interrupted demo, after saying why and
 * showing the daemons' logs. */
static int report_failure(demo *story)
{
    if (demo_signal_received) {
        cli_error("demo: interrupted; stopping the daemons");
        return 128 + (int)demo_signal_received;
    }
    cli_error("demo: step %d failed: %s", story->step + 1,
              story->failure.length ? strbuf_str(&story->failure) : "unknown reason");
    demo_process_print_log_tail(&story->scheduler, 15, stderr);
    demo_process *bridges[] = {&story->core1, &story->core2};
    for (size_t i = 0; i < 2; i++)
        if (bridges[i]->exited)
            demo_process_print_log_tail(bridges[i], 15, stderr);
    return CLI_EXIT_REFUSED;
}

int command_demo(cli_context *context, int argc, char **argv)
{
    demo story;
    memset(&story, 0, sizeof story);
    strbuf_init(&story.failure);
    const option_spec specs[] = {
        {"bridge-binary", OPTION_STRING, &story.options.bridge_binary, "FILE",
         "the convene-bridge to run (default: found next to convene)", 0, 0},
        {"scheduler-binary", OPTION_STRING, &story.options.scheduler_binary, "FILE",
         "the convened to run (default: found next to convene)", 0, 0},
        {"work-dir", OPTION_STRING, &story.options.work_dir, "DIR",
         "keep data, logs and API traces in DIR instead of a removed temporary directory", 0, 0},
        {"keep-console", OPTION_FLAG, &story.options.keep_console, NULL,
         "at the end, leave the daemons running with convened's web console open until Ctrl-C", 0,
         0},
        {"console-dir", OPTION_STRING, &story.options.console_dir, "DIR",
         "the web console's files for convened (default: convened's own default)", 0, 0},
    };
    const size_t spec_count = sizeof specs / sizeof specs[0];
    const command_syntax syntax = {DEMO_USAGE, DEMO_ABOUT, specs, spec_count, 0, 0, DEMO_NOTES};
    positional_arguments positional;
    int status = CLI_EXIT_OK;
    if (!cli_parse_arguments(context, "demo", &syntax, argc, argv, &positional, &status)) {
        config_free(specs, spec_count);
        return status;
    }
    if (!find_daemons(&story)) {
        config_free(specs, spec_count);
        return CLI_EXIT_USAGE;
    }

    struct sigaction saved[3];
    demo_signal_received = 0;
    install_signal_handlers(saved);
    clock_gettime(CLOCK_MONOTONIC, &story.started);
    setvbuf(stdout, NULL, _IOLBF, 0);
    bool ok = demo_play(&story);
    if (ok && story.options.keep_console)
        demo_keep_console(&story);
    if (!ok)
        status = report_failure(&story);
    demo_release(&story);
    if (ok)
        printf("Done in %.1f s: the daemons are stopped%s.\n", demo_seconds_since(&story.started),
               story.remove_work_dir
                   ? " and their temporary files removed"
                   : "; their data, logs and traces are kept in the work directory");
    restore_signal_handlers(saved);
    strbuf_free(&story.failure);
    config_free(specs, spec_count);
    return status;
}
