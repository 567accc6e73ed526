/*
 * demo_process.h - the throw-away daemons of `convene demo`: starting a
 * program with its output in a log file, noticing when it died, stopping
 * it (SIGTERM, then SIGKILL after a grace period), and removing the
 * temporary directory tree afterwards.
 *
 * Owns: the child processes (each in its own process group, so that a
 * Ctrl-C reaches only the demo, which then stops them in order, and each
 * asks the kernel for SIGTERM should the demo itself die) and their log
 * files. Does not own: what the daemons are (demo.c decides their options).
 */
#ifndef CONVENE_CLI_DEMO_PROCESS_H
#define CONVENE_CLI_DEMO_PROCESS_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "common/result.h"
#include "common/strbuf.h"

typedef struct {
    const char *name; /* for messages, e.g. "CallBridge-Core1" */
    pid_t pid;        /* 0 when not running */
    int wait_status;  /* valid once exited */
    bool exited;
    char log_path[PATH_MAX];
} demo_process;

/* Starts argv[0] with stdout and stderr appended to `log_path` and the
 * current environment plus `extra_environment` ("NAME=value" strings,
 * NULL-terminated; may hold secrets, which never reach argv). */
cv_result demo_process_start(demo_process *process, const char *name, char *const *argv,
                             const char *const *extra_environment, const char *log_path,
                             strbuf *error);
/* False once the process has exited (it is reaped then). */
bool demo_process_alive(demo_process *process);
/* SIGTERM, wait up to `grace_ms`, then SIGKILL; always reaps. */
void demo_process_stop(demo_process *process, int grace_ms);
/* "exited with status 1" / "killed by signal 11" */
void demo_process_describe_exit(const demo_process *process, char *out, size_t size);
/* The last `lines` lines of its log, each indented, to `out`. */
void demo_process_print_log_tail(const demo_process *process, int lines, FILE *out);
/* rm -r without following symbolic links. */
cv_result demo_remove_tree(const char *path);

#endif
