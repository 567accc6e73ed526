/* rfc3339.c - RFC 3339 date-times; see rfc3339.h. */
#include "common/rfc3339.h"

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

/* Days since 1970-01-01 of a Gregorian date (year >= 1970 here). The
 * civil-from-days algorithm of Howard Hinnant, counted in 400-year eras. */
static int64_t days_from_civil(int64_t year, int month, int day)
{
    year -= month <= 2;
    int64_t era = year / 400;
    int64_t year_of_era = year - era * 400;
    int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

/* "Z", or "+HH:MM" / "-HH:MM" into seconds east of UTC. */
static bool read_offset(const char **cursor, int *offset_seconds)
{
    if (**cursor == 'Z' || **cursor == 'z') {
        (*cursor)++;
        *offset_seconds = 0;
        return true;
    }
    if (**cursor != '+' && **cursor != '-')
        return false;
    int sign = **cursor == '-' ? -1 : 1;
    int hours, minutes;
    (*cursor)++;
    if (!read_digits(cursor, 2, &hours) || !expect(cursor, ':') ||
        !read_digits(cursor, 2, &minutes) || hours > 23 || minutes > 59)
        return false;
    *offset_seconds = sign * (hours * 3600 + minutes * 60);
    return true;
}

cv_result rfc3339_parse(const char *text, int64_t *unix_seconds)
{
    if (text == NULL)
        return CV_ERR_INVALID;
    const char *cursor = text;
    int year, month, day, hour, minute, second;
    if (!read_digits(&cursor, 4, &year) || !expect(&cursor, '-') ||
        !read_digits(&cursor, 2, &month) || !expect(&cursor, '-') || !read_digits(&cursor, 2, &day))
        return CV_ERR_INVALID;
    if (*cursor != 'T' && *cursor != 't')
        return CV_ERR_INVALID;
    cursor++;
    if (!read_digits(&cursor, 2, &hour) || !expect(&cursor, ':') ||
        !read_digits(&cursor, 2, &minute) || !expect(&cursor, ':') ||
        !read_digits(&cursor, 2, &second))
        return CV_ERR_INVALID;
    if (*cursor == '.') {
        cursor++;
        int digits = 0;
        while (cursor[digits] >= '0' && cursor[digits] <= '9')
            digits++;
        if (digits == 0 || digits > 9)
            return CV_ERR_INVALID;
        cursor += digits;
    }
    int offset_seconds = 0;
    if (!read_offset(&cursor, &offset_seconds) || *cursor != '\0')
        return CV_ERR_INVALID;
    if (year < RFC3339_YEAR_MIN || year > RFC3339_YEAR_MAX || month < 1 || month > 12 || day < 1 ||
        day > days_in_month(year, month) || hour > 23 || minute > 59 || second > 59)
        return CV_ERR_INVALID;
    *unix_seconds = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second -
                    offset_seconds;
    return CV_OK;
}

void rfc3339_format_utc(int64_t unix_seconds, char *out, size_t size)
{
    time_t moment = (time_t)unix_seconds;
    struct tm broken;
    if (size == 0)
        return;
    if (!gmtime_r(&moment, &broken) || strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &broken) == 0)
        out[0] = '\0';
}
