/* time_text.c - RFC 3339 parsing and formatting; see time_text.h. */
#include "cli/time_text.h"

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

/* Reads exactly `count` digits. */
static bool read_digits(const char **cursor, int count, int *out)
{
    int value = 0;
    for (int i = 0; i < count; i++) {
        char digit = (*cursor)[i];
        if (digit < '0' || digit > '9')
            return false;
        value = value * 10 + (digit - '0');
    }
    *cursor += count;
    *out = value;
    return true;
}

static bool expect(const char **cursor, char wanted)
{
    if (**cursor != wanted)
        return false;
    (*cursor)++;
    return true;
}

static int days_in_month(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days[month - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant). */
static int64_t days_from_civil(int64_t year, int month, int day)
{
    year -= month <= 2;
    int64_t era = (year >= 0 ? year : year - 399) / 400;
    int64_t year_of_era = year - era * 400;
    int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

cv_result time_parse_rfc3339(const char *text, int64_t *unix_seconds)
{
    const char *cursor = text;
    int year, month, day, hour, minute, second;
    if (!read_digits(&cursor, 4, &year) || !expect(&cursor, '-') ||
        !read_digits(&cursor, 2, &month) || !expect(&cursor, '-') || !read_digits(&cursor, 2, &day))
        return CV_ERR_INVALID;
    if (*cursor != 'T' && *cursor != 't' && *cursor != ' ')
        return CV_ERR_INVALID;
    cursor++;
    if (!read_digits(&cursor, 2, &hour) || !expect(&cursor, ':') ||
        !read_digits(&cursor, 2, &minute) || !expect(&cursor, ':') ||
        !read_digits(&cursor, 2, &second))
        return CV_ERR_INVALID;
    if (*cursor == '.') {
        cursor++;
        if (*cursor < '0' || *cursor > '9')
            return CV_ERR_INVALID;
        while (*cursor >= '0' && *cursor <= '9')
            cursor++;
    }
    int offset_seconds = 0;
    if (*cursor == 'Z' || *cursor == 'z') {
        cursor++;
    } else if (*cursor == '+' || *cursor == '-') {
        int sign = *cursor == '-' ? -1 : 1;
        int offset_hours, offset_minutes;
        cursor++;
        if (!read_digits(&cursor, 2, &offset_hours) || !expect(&cursor, ':') ||
            !read_digits(&cursor, 2, &offset_minutes) || offset_hours > 23 || offset_minutes > 59)
            return CV_ERR_INVALID;
        offset_seconds = sign * (offset_hours * 3600 + offset_minutes * 60);
    } else {
        return CV_ERR_INVALID;
    }
    if (*cursor != '\0' || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) ||
        hour > 23 || minute > 59 || second > 60)
        return CV_ERR_INVALID;
    if (second == 60)
        second = 59; /* a leap second reads as the second before it */
    *unix_seconds = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second -
                    offset_seconds;
    return CV_OK;
}

void time_format_utc(int64_t unix_seconds, char *out, size_t size)
{
    time_t moment = (time_t)unix_seconds;
    struct tm broken;
    if (!gmtime_r(&moment, &broken) || strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &broken) == 0)
        snprintf(out, size, "@%lld", (long long)unix_seconds);
}
