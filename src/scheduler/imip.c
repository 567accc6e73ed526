/*
 * imip.c - writing invitation and notice e-mails; see imip.h.
 *
 * Owns: header folding, RFC 2047 encoded subjects, base64 bodies (OpenSSL's
 * encoder) in 76-character lines. Does not own: addresses' syntax
 * (calendar_address_check), the calendar text.
 */
#include "scheduler/imip.h"

#include <openssl/evp.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/ids.h"
#include "common/strbuf.h"

/* Input bytes per base64 line: 57 make the 76 characters MIME allows. */
#define BASE64_LINE_INPUT 57
/* Input bytes per encoded word: 39 make 52 characters; with "=?UTF-8?B?"
 * and "?=" the word stays under RFC 2047's 75, and its line, even the
 * first ("Subject: "), under 78. */
#define ENCODED_WORD_INPUT 39
/* Subjects longer than this are encoded (and so folded) even in ASCII. */
#define PLAIN_SUBJECT_MAX 60
#define SUBJECT_MAX       900

static void append_base64(strbuf *out, const unsigned char *data, size_t length)
{
    unsigned char line[4 * (BASE64_LINE_INPUT / 3) + 1];
    for (size_t offset = 0; offset < length; offset += BASE64_LINE_INPUT) {
        size_t chunk = length - offset < BASE64_LINE_INPUT ? length - offset : BASE64_LINE_INPUT;
        EVP_EncodeBlock(line, data + offset, (int)chunk);
        strbuf_printf(out, "%s\r\n", (const char *)line);
    }
}

static bool is_plain_ascii(const char *text)
{
    for (const unsigned char *c = (const unsigned char *)text; *c; c++)
        if (*c < 0x20 || *c >= 0x7f)
            return false;
    return !strstr(text, "=?");
}

/* The subject with control characters turned into spaces, at most
 * SUBJECT_MAX bytes, never cutting a UTF-8 character. */
static char *clean_subject(const char *subject)
{
    size_t length = strlen(subject);
    if (length > SUBJECT_MAX) {
        length = SUBJECT_MAX;
        while (length > 0 && ((unsigned char)subject[length] & 0xc0) == 0x80)
            length--;
    }
    char *clean = strndup(subject, length);
    if (clean)
        for (char *c = clean; *c; c++)
            if ((unsigned char)*c < 0x20 || *c == 0x7f)
                *c = ' ';
    return clean;
}

/* "Subject: ..." and its CRLF; non-ASCII or long subjects as UTF-8
 * encoded words on folded lines. */
static void append_subject(strbuf *out, const char *subject)
{
    if (strlen(subject) <= PLAIN_SUBJECT_MAX && is_plain_ascii(subject)) {
        strbuf_printf(out, "Subject: %s\r\n", subject);
        return;
    }
    strbuf_append_str(out, "Subject:");
    const unsigned char *text = (const unsigned char *)subject;
    size_t length = strlen(subject);
    for (size_t offset = 0; offset < length;) {
        size_t chunk = length - offset < ENCODED_WORD_INPUT ? length - offset : ENCODED_WORD_INPUT;
        /* a word holds whole characters: back off continuation bytes */
        while (offset + chunk < length && chunk > 1 && (text[offset + chunk] & 0xc0) == 0x80)
            chunk--;
        unsigned char word[4 * ((ENCODED_WORD_INPUT + 2) / 3) + 1];
        EVP_EncodeBlock(word, text + offset, (int)chunk);
        strbuf_printf(out, "%s =?UTF-8?B?%s?=", offset ? "\r\n" : "", (const char *)word);
        offset += chunk;
    }
    strbuf_append_str(out, "\r\n");
}

static void append_date(strbuf *out, int64_t date)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t value = (time_t)date;
    struct tm fields;
    gmtime_r(&value, &fields);
    strbuf_printf(out, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", days[fields.tm_wday],
                  fields.tm_mday, months[fields.tm_mon], fields.tm_year + 1900, fields.tm_hour,
                  fields.tm_min, fields.tm_sec);
}

static void append_part(strbuf *out, const char *boundary, const char *type, const char *body)
{
    strbuf_printf(out, "--%s\r\nContent-Type: %s\r\nContent-Transfer-Encoding: base64\r\n\r\n",
                  boundary, type);
    append_base64(out, (const unsigned char *)body, strlen(body));
}

static cv_result check_message(const imip_message *message, char *problem)
{
    if (calendar_address_check(message->from) != CV_OK) {
        snprintf(problem, IMIP_PROBLEM_SIZE, "the sender is not an e-mail address");
        return CV_ERR_INVALID;
    }
    if (message->to_count == 0 || message->to_count > IMIP_RECIPIENTS_MAX) {
        snprintf(problem, IMIP_PROBLEM_SIZE, "a message needs 1 to %d recipients",
                 IMIP_RECIPIENTS_MAX);
        return CV_ERR_INVALID;
    }
    for (size_t i = 0; i < message->to_count; i++)
        if (calendar_address_check(message->to[i]) != CV_OK) {
            snprintf(problem, IMIP_PROBLEM_SIZE, "recipient %zu is not an e-mail address", i);
            return CV_ERR_INVALID;
        }
    const char *id = message->message_id;
    size_t id_length = id ? strlen(id) : 0;
    if (id_length < 5 || id_length > 200 || id[0] != '<' || id[id_length - 1] != '>' ||
        !strchr(id, '@') || strpbrk(id, " \t\r\n")) {
        snprintf(problem, IMIP_PROBLEM_SIZE, "the Message-ID must look like <unique@domain>");
        return CV_ERR_INVALID;
    }
    if (message->calendar && message->method == CALENDAR_METHOD_NONE) {
        snprintf(problem, IMIP_PROBLEM_SIZE, "an iMIP calendar part needs REQUEST or CANCEL");
        return CV_ERR_INVALID;
    }
    return CV_OK;
}

static void append_headers(strbuf *out, const imip_message *message, const char *subject)
{
    strbuf_printf(out, "From: %s\r\nTo: ", message->from);
    for (size_t i = 0; i < message->to_count; i++)
        strbuf_printf(out, "%s%s", i ? ",\r\n " : "", message->to[i]);
    strbuf_append_str(out, "\r\n");
    append_subject(out, subject);
    append_date(out, message->date);
    strbuf_printf(out, "Message-ID: %s\r\nMIME-Version: 1.0\r\nAuto-Submitted: auto-generated\r\n",
                  message->message_id);
}

cv_result imip_build(const imip_message *message, char **out, char *problem)
{
    *out = NULL;
    problem[0] = '\0';
    cv_result result = check_message(message, problem);
    if (result != CV_OK)
        return result;
    char *subject = clean_subject(message->subject ? message->subject : "");
    if (!subject)
        return CV_ERR_NO_MEMORY;
    char uuid[ID_TEXT_SIZE], boundary[64];
    id_generate(uuid);
    /* "=_" never occurs in base64 text, so no part can contain the boundary */
    snprintf(boundary, sizeof boundary, "=_convene_%s", uuid);
    strbuf text = STRBUF_INIT;
    append_headers(&text, message, subject);
    const char *body = message->text ? message->text : "";
    if (!message->calendar) {
        strbuf_append_str(&text, "Content-Type: text/plain; charset=UTF-8\r\n"
                                 "Content-Transfer-Encoding: base64\r\n\r\n");
        append_base64(&text, (const unsigned char *)body, strlen(body));
    } else {
        char calendar_type[80];
        snprintf(calendar_type, sizeof calendar_type, "text/calendar; charset=UTF-8; method=%s",
                 calendar_method_name(message->method));
        strbuf_printf(&text, "Content-Type: multipart/alternative;\r\n boundary=\"%s\"\r\n\r\n",
                      boundary);
        append_part(&text, boundary, "text/plain; charset=UTF-8", body);
        append_part(&text, boundary, calendar_type, message->calendar);
        strbuf_printf(&text, "--%s--\r\n", boundary);
    }
    free(subject);
    result = strbuf_status(&text);
    if (result == CV_OK) {
        *out = strbuf_detach(&text);
        result = *out ? CV_OK : CV_ERR_NO_MEMORY;
    }
    strbuf_free(&text);
    return result;
}

cv_result imip_new_message_id(const char *from, char *out, size_t size)
{
    if (calendar_address_check(from) != CV_OK)
        return CV_ERR_INVALID;
    char uuid[ID_TEXT_SIZE];
    id_generate(uuid);
    int written = snprintf(out, size, "<%s@%s>", uuid, strchr(from, '@') + 1);
    return written > 0 && (size_t)written < size ? CV_OK : CV_ERR_TOO_LARGE;
}
