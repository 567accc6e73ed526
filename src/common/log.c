/* log.c - operational log to stderr; see log.h. */
#include "common/log.h"

#include <stdarg.h>
#include <stdbool.h>
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
    bool plain = true; /* the usual case: nothing to escape, no copy */
    for (const unsigned char *c = (const unsigned char *)line; *c && plain; c++)
        plain = *c >= 0x20 && *c != 0x7F && *c != 0xC2; /* 0xC2: maybe a C1 control */
    if (!plain)
        text_append_escaped(&escaped, line, strlen(line));
    const char *shown = plain                              ? line
                        : strbuf_status(&escaped) == CV_OK ? strbuf_str(&escaped)
                                                           : "(out of memory)";
    /* One fprintf per line: stdio locks the stream, so lines never interleave. */
    fprintf(stderr, "%s.%03ldZ %s %s: %s\n", stamp, now.tv_nsec / 1000000L, program_name,
            level_names[level], shown);
    strbuf_free(&escaped);
}
