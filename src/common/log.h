/*
 * log.h - the daemons' operational log (stderr, one line per event).
 *
 * Owns: timestamps, levels, the minimum level. Does not own: the CMS-style
 * API trace (trace.h), which is a separate stream with its own format.
 * Never pass a password or passcode to these functions.
 */
#ifndef CONVENE_LOG_H
#define CONVENE_LOG_H

typedef enum { LOG_LEVEL_DEBUG, LOG_LEVEL_INFO, LOG_LEVEL_WARNING, LOG_LEVEL_ERROR } log_level;

/* Set once at start-up, before threads start. */
void log_set_level(log_level level);
void log_set_program(const char *program);
void log_message(log_level level, const char *format, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_message(LOG_LEVEL_DEBUG, __VA_ARGS__)
#define log_info(...) log_message(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_warning(...) log_message(LOG_LEVEL_WARNING, __VA_ARGS__)
#define log_error(...) log_message(LOG_LEVEL_ERROR, __VA_ARGS__)

#endif
