/*
 * demo_process.c - child daemons of the demo and their clean-up; see
 * demo_process.h. Owns every child it started until demo_process_stop.
 */
#include "cli/demo_process.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/sleep.h"

extern char **environ;

/* environ plus the extra entries, in one allocation of pointers. */
static char **build_environment(const char *const *extra)
{
    size_t base_count = 0, extra_count = 0;
    while (environ && environ[base_count])
        base_count++;
    while (extra && extra[extra_count])
        extra_count++;
    char **combined = calloc(base_count + extra_count + 1, sizeof *combined);
    if (!combined)
        return NULL;
    size_t used = 0;
    for (size_t i = 0; i < extra_count; i++)
        combined[used++] = (char *)extra[i];
    for (size_t i = 0; i < base_count; i++) {
        /* An extra entry replaces the inherited one of the same name. */
        const char *equals = strchr(environ[i], '=');
        size_t name_length = equals ? (size_t)(equals - environ[i]) : strlen(environ[i]);
        bool replaced = false;
        for (size_t k = 0; k < extra_count; k++)
            if (strncmp(extra[k], environ[i], name_length) == 0 && extra[k][name_length] == '=')
                replaced = true;
        if (!replaced)
            combined[used++] = environ[i];
    }
    return combined;
}

cv_result demo_process_start(demo_process *process, const char *name, char *const *argv,
                             const char *const *extra_environment, const char *log_path,
                             strbuf *error)
{
    memset(process, 0, sizeof *process);
    process->name = name;
    snprintf(process->log_path, sizeof process->log_path, "%s", log_path);
    int log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (log_fd < 0) {
        strbuf_printf(error, "cannot create %s: %s", log_path, strerror(errno));
        return CV_ERR_IO;
    }
    char **environment = build_environment(extra_environment);
    if (!environment) {
        close(log_fd);
        return CV_ERR_NO_MEMORY;
    }
    pid_t parent = getpid();
    fflush(NULL);
    pid_t child = fork();
    if (child < 0) {
        strbuf_printf(error, "cannot start %s: %s", name, strerror(errno));
        free(environment);
        close(log_fd);
        return CV_ERR_IO;
    }
    if (child == 0) {
        /* Only async-signal-safe calls from here on. */
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
            _exit(127); /* the demo died before we could ask to follow it */
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGPIPE, SIG_DFL);
        int null_fd = open("/dev/null", O_RDONLY);
        if (null_fd >= 0)
            dup2(null_fd, STDIN_FILENO);
        dup2(log_fd, STDOUT_FILENO);
        dup2(log_fd, STDERR_FILENO);
        execve(argv[0], argv, environment);
        static const char message[] = "exec failed\n";
        ssize_t ignored = write(STDERR_FILENO, message, sizeof message - 1);
        (void)ignored;
        _exit(127);
    }
    setpgid(child, child); /* also from here, so there is no window either way */
    free(environment);
    close(log_fd);
    process->pid = child;
    return CV_OK;
}

bool demo_process_alive(demo_process *process)
{
    if (process->pid <= 0)
        return false;
    int status;
    pid_t done = waitpid(process->pid, &status, WNOHANG);
    if (done == process->pid) {
        process->wait_status = status;
        process->exited = true;
        process->pid = 0;
        return false;
    }
    return true;
}

void demo_process_stop(demo_process *process, int grace_ms)
{
    if (!demo_process_alive(process))
        return;
    kill(process->pid, SIGTERM);
    for (int waited = 0; waited < grace_ms; waited += 20) {
        if (!demo_process_alive(process))
            return;
        sleep_milliseconds(20);
    }
    kill(process->pid, SIGKILL);
    int status;
    while (waitpid(process->pid, &status, 0) < 0 && errno == EINTR) {
    }
    process->wait_status = status;
    process->exited = true;
    process->pid = 0;
}

void demo_process_describe_exit(const demo_process *process, char *out, size_t size)
{
    if (!process->exited)
        snprintf(out, size, "is running");
    else if (WIFEXITED(process->wait_status))
        snprintf(out, size, "exited with status %d", WEXITSTATUS(process->wait_status));
    else if (WIFSIGNALED(process->wait_status))
        snprintf(out, size, "was killed by signal %d", WTERMSIG(process->wait_status));
    else
        snprintf(out, size, "stopped");
}

void demo_process_print_log_tail(const demo_process *process, int lines, FILE *out)
{
    FILE *log = fopen(process->log_path, "r");
    if (!log)
        return;
    char **ring = calloc((size_t)lines, sizeof *ring);
    if (!ring) {
        fclose(log);
        return;
    }
    char *line = NULL;
    size_t capacity = 0;
    long count = 0;
    while (getline(&line, &capacity, log) >= 0) {
        size_t slot = (size_t)(count % lines);
        free(ring[slot]);
        ring[slot] = strdup(line);
        count++;
    }
    free(line);
    fclose(log);
    long first = count > lines ? count - lines : 0;
    if (count > 0)
        fprintf(out, "  last lines of %s's log:\n", process->name);
    for (long i = first; i < count; i++) {
        const char *text = ring[i % lines];
        if (text)
            fprintf(out, "    %s%s", text, text[strlen(text) - 1] == '\n' ? "" : "\n");
    }
    for (int i = 0; i < lines; i++)
        free(ring[i]);
    free(ring);
}

static int remove_entry(const char *path, const struct stat *status, int type, struct FTW *where)
{
    (void)status;
    (void)where;
    int result = type == FTW_DP ? rmdir(path) : unlink(path);
    return result == 0 || errno == ENOENT ? 0 : -1;
}

cv_result demo_remove_tree(const char *path)
{
    if (nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0 && errno != ENOENT)
        return CV_ERR_IO;
    return CV_OK;
}
