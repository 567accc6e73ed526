/* log.c - operational log to stderr; see log.h. */
#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/strbuf.h"
#include "common/text.h"

/* Written once during start-up, before any thread exists; read-only after. */
static log_level minimum_level = LOG_LEVEL_INFO;
static const char *program_name = "convene";

void log_set_level(log_level level)
{
    minimum_level = level;
}

void log_set_program(const char *program)
{
    program_name = program;
}

void log_message(log_level level, const char *format, ...)
{
    static const char *const level_names[] = {"debug", "info", "warning", "error"};
    if (level < minimum_level)
        return;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct tm utc;
    gmtime_r(&now.tv_sec, &utc);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);
    char line[2048];
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(line, sizeof line, format, arguments);
    va_end(arguments);
    /* Text from requests (paths, names) may hold line breaks or terminal
     * escapes; one event stays one line that cannot forge another. */
    strbuf escaped = STRBUF_INIT;
    text_append_escaped(&escaped, line, strlen(line));
    /* One fprintf per line: stdio locks the stream, so lines never interleave. */
    fprintf(stderr, "%s.%03ldZ %s %s: %s\n", stamp, now.tv_nsec / 1000000L, program_name,
            level_names[level],
            strbuf_status(&escaped) == CV_OK ? strbuf_str(&escaped) : "(out of memory)");
    strbuf_free(&escaped);
}
