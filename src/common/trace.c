/* trace.c - CMS-shaped API trace; see trace.h. */
#include "common/trace.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

#include "common/text.h"

struct trace_log {
    FILE *file;
    bool owns_file;
    char *node_name;
    pthread_mutex_t lock; /* guards file and next_number */
    unsigned long next_number;
};

cv_result trace_open(const char *destination, const char *node_name, trace_log **out)
{
    trace_log *trace = calloc(1, sizeof *trace);
    if (!trace)
        return CV_ERR_NO_MEMORY;
    if (strcmp(destination, "-") == 0) {
        trace->file = stdout;
    } else {
        /* 0600: the trace shows names, addresses and audit lines. */
        int descriptor = open(destination, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        trace->file = descriptor >= 0 ? fdopen(descriptor, "a") : NULL;
        if (descriptor >= 0 && !trace->file)
            close(descriptor);
        trace->owns_file = true;
    }
    trace->node_name = strdup(node_name);
    if (!trace->file || !trace->node_name) {
        if (trace->owns_file && trace->file)
            fclose(trace->file);
        free(trace->node_name);
        free(trace);
        return CV_ERR_IO;
    }
    pthread_mutex_init(&trace->lock, NULL);
    trace->next_number = 1;
    *out = trace;
    return CV_OK;
}

void trace_close(trace_log *trace)
{
    if (!trace)
        return;
    if (trace->owns_file)
        fclose(trace->file);
    else
        fflush(trace->file);
    pthread_mutex_destroy(&trace->lock);
    free(trace->node_name);
    free(trace);
}

unsigned long trace_next_number(trace_log *trace)
{
    pthread_mutex_lock(&trace->lock);
    unsigned long number = trace->next_number++;
    pthread_mutex_unlock(&trace->lock);
    return number;
}

bool trace_field_is_secret(const char *name)
{
    /* A coSpace's or access method's "secret" lets a guest in without the
     * passcode ("regenerateSecret" is only a true/false request). */
    return strcasestr(name, "passcode") != NULL || strcasestr(name, "password") != NULL ||
           strcasecmp(name, "secret") == 0;
}

static void stamp(strbuf *block, const char *facility, const char *node)
{
    time_t now = time(NULL);
    struct tm local;
    localtime_r(&now, &local);
    char text[32];
    strftime(text, sizeof text, "%b %e %H:%M:%S", &local);
    strbuf_printf(block, "%s %s %s host:server: INFO : ", text, facility, node);
}

/* Appends the formatted text with control characters escaped, so text
 * from outside (paths, form values, what a bridge answered) stays on its
 * line, then ends the line. Formats straight into the block; only a line
 * that holds a control character is copied out and escaped. */
static void append_escaped_line(strbuf *block, const char *format, va_list arguments)
{
    size_t start = block->length;
    strbuf_vprintf(block, format, arguments);
    bool plain = true;
    for (size_t i = start; i < block->length && plain; i++) {
        unsigned char c = (unsigned char)block->data[i];
        plain = c >= 0x20 && c != 0x7F && c != 0xC2; /* 0xC2: maybe a C1 control */
    }
    if (!plain) {
        size_t length = block->length - start; /* may hold a NUL: escaped too */
        char *text = malloc(length);
        block->length = start; /* the next append terminates it again */
        if (text) {
            memcpy(text, block->data + start, length);
            text_append_escaped(block, text, length);
            free(text);
        } else {
            strbuf_append_str(block, "(out of memory)");
        }
    }
    strbuf_append_char(block, '\n');
}

void trace_line(trace_log *trace, strbuf *block, unsigned long number, const char *format, ...)
{
    stamp(block, "user.info", trace->node_name);
    strbuf_printf(block, "API trace %lu: ", number);
    va_list arguments;
    va_start(arguments, format);
    append_escaped_line(block, format, arguments);
    va_end(arguments);
}

void trace_audit(trace_log *trace, strbuf *block, const char *client, const char *format, ...)
{
    stamp(block, "local0.info", trace->node_name);
    strbuf_printf(block, "%s: ", client);
    va_list arguments;
    va_start(arguments, format);
    append_escaped_line(block, format, arguments);
    va_end(arguments);
}

void trace_form(trace_log *trace, strbuf *block, unsigned long number, const char *content_type,
                size_t size, const form *fields)
{
    trace_line(trace, block, number, "content data size %zu, type \"%s\":", size,
               content_type ? content_type : "");
    for (size_t i = 0; i < fields->count; i++) {
        const form_field *field = &fields->fields[i];
        bool last = i + 1 == fields->count;
        trace_line(trace, block, number, "%s=%s%s", field->name,
                   trace_field_is_secret(field->name) && field->value[0] ? TRACE_MASK
                                                                         : field->value,
                   last ? "" : "&");
    }
}

/* One body line; "<passcode>value</passcode>" (any secret-named element
 * with text) is written with the value masked. */
static void trace_body_line(trace_log *trace, strbuf *block, unsigned long number, const char *line,
                            size_t length)
{
    const char *name_end =
        length > 2 && line[0] == '<' && line[1] != '/' ? memchr(line, '>', length) : NULL;
    const char *value_end =
        name_end ? memchr(name_end, '<', length - (size_t)(name_end - line)) : NULL;
    if (name_end && value_end && value_end > name_end + 1 && name_end[-1] != '/') {
        char name[64];
        size_t name_length = (size_t)(name_end - line - 1);
        if (name_length < sizeof name && !memchr(line + 1, ' ', name_length)) {
            memcpy(name, line + 1, name_length);
            name[name_length] = '\0';
            if (trace_field_is_secret(name)) {
                trace_line(trace, block, number, "<%s>%s%.*s", name, TRACE_MASK,
                           (int)(length - (size_t)(value_end - line)), value_end);
                return;
            }
        }
    }
    trace_line(trace, block, number, "%.*s", (int)length, line);
}

void trace_body(trace_log *trace, strbuf *block, unsigned long number, const char *body,
                size_t length)
{
    /* Skip the XML declaration; split between elements ("><"). */
    const char *cursor = body;
    const char *end = body + length;
    if (length > 5 && strncmp(cursor, "<?xml", 5) == 0) {
        const char *close = strstr(cursor, "?>");
        cursor = close ? close + 2 : end;
    }
    while (cursor < end && (*cursor == '\n' || *cursor == '\r'))
        cursor++;
    while (cursor < end) {
        const char *split = cursor + 1;
        for (; split < end; split++) {
            if (split[-1] != '>' || split[0] != '<')
                continue;
            /* "<sipDomain></sipDomain>": an empty element stays on one line. */
            bool line_is_open_tag = cursor[0] == '<' && cursor[1] != '/' &&
                                    memchr(cursor, '/', (size_t)(split - cursor)) == NULL;
            if (split + 1 < end && split[1] == '/' && line_is_open_tag)
                continue;
            break;
        }
        trace_body_line(trace, block, number, cursor, (size_t)(split - cursor));
        cursor = split;
    }
}

void trace_emit(trace_log *trace, strbuf *block)
{
    if (block->length == 0)
        return;
    pthread_mutex_lock(&trace->lock);
    fwrite(block->data, 1, block->length, trace->file);
    fflush(trace->file);
    pthread_mutex_unlock(&trace->lock);
    strbuf_reset(block);
}
