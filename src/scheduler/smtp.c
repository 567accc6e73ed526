/*
 * smtp.c - one SMTP transaction over libcurl; see smtp.h.
 *
 * Owns: libcurl's SMTP options, reading the message out of memory, and
 * mapping libcurl's and the server's answers onto cv_result.
 */
#include "scheduler/smtp.h"

#include <curl/curl.h>

#include <stdio.h>
#include <string.h>

#include "scheduler/calendar.h"

#define CONNECT_TIMEOUT_MAX 10L

cv_result smtp_url_check(const char *url, bool *has_user, char *problem)
{
    problem[0] = '\0';
    if (has_user)
        *has_user = false;
    if (!url || strpbrk(url, " \t\r\n") ||
        (strncmp(url, "smtp://", 7) != 0 && strncmp(url, "smtps://", 8) != 0)) {
        snprintf(problem, SMTP_PROBLEM_SIZE, "--smtp must be an smtp:// or smtps:// URL");
        return CV_ERR_INVALID;
    }
    CURLU *parsed = curl_url();
    if (!parsed)
        return CV_ERR_NO_MEMORY;
    cv_result result = CV_OK;
    char *user = NULL, *password = NULL, *query = NULL, *host = NULL;
    if (curl_url_set(parsed, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(parsed, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        snprintf(problem, SMTP_PROBLEM_SIZE, "--smtp is not a URL with a host");
        result = CV_ERR_INVALID;
    } else if (curl_url_get(parsed, CURLUPART_PASSWORD, &password, 0) == CURLUE_OK) {
        snprintf(problem, SMTP_PROBLEM_SIZE,
                 "--smtp must not carry a password: use --smtp-password-file");
        result = CV_ERR_INVALID;
    } else if (curl_url_get(parsed, CURLUPART_QUERY, &query, 0) == CURLUE_OK) {
        snprintf(problem, SMTP_PROBLEM_SIZE, "--smtp must not have a query");
        result = CV_ERR_INVALID;
    } else if (has_user) {
        *has_user = curl_url_get(parsed, CURLUPART_USER, &user, 0) == CURLUE_OK;
    }
    curl_free(user);
    if (password)
        explicit_bzero(password, strlen(password));
    curl_free(password);
    curl_free(query);
    curl_free(host);
    curl_url_cleanup(parsed);
    return result;
}

bool smtp_failure_is_temporary(cv_result result)
{
    return result == CV_ERR_NETWORK || result == CV_ERR_TIMEOUT || result == CV_ERR_BUSY;
}

/* The message still to be read by libcurl. */
typedef struct {
    const char *next;
    size_t left;
} upload;

static size_t read_message(char *buffer, size_t size, size_t count, void *context)
{
    upload *source = context;
    size_t room = size * count;
    size_t chunk = source->left < room ? source->left : room;
    memcpy(buffer, source->next, chunk);
    source->next += chunk;
    source->left -= chunk;
    return chunk;
}

/* Maps libcurl's code and the server's last reply onto cv_result. */
static cv_result classify(CURLcode code, long reply)
{
    if (code == CURLE_OK)
        return CV_OK;
    if (code == CURLE_LOGIN_DENIED)
        return CV_ERR_AUTH;
    if (reply >= 500 && reply <= 599)
        return reply == 535 ? CV_ERR_AUTH : CV_ERR_PROTOCOL;
    if (reply >= 400 && reply <= 499)
        return CV_ERR_BUSY;
    switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
        return CV_ERR_TIMEOUT;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
        return CV_ERR_NETWORK;
    default:
        return CV_ERR_PROTOCOL; /* TLS refused or failed, a reply we cannot use */
    }
}

static cv_result check_send(const smtp_settings *settings, const char *from, const char *const *to,
                            size_t to_count, const char *message, bool *has_user, char *problem)
{
    cv_result result = smtp_url_check(settings->url, has_user, problem);
    if (result != CV_OK)
        return result;
    if (!message || calendar_address_check(from) != CV_OK || to_count == 0 ||
        settings->timeout_seconds <= 0 || (*has_user && !settings->password)) {
        snprintf(problem, SMTP_PROBLEM_SIZE,
                 "a sender, recipients, a message and a timeout are "
                 "needed (and a password for the URL's user)");
        return CV_ERR_INVALID;
    }
    for (size_t i = 0; i < to_count; i++)
        if (calendar_address_check(to[i]) != CV_OK) {
            snprintf(problem, SMTP_PROBLEM_SIZE, "recipient %zu is not an e-mail address", i);
            return CV_ERR_INVALID;
        }
    return CV_OK;
}

/* `has_user`: the URL names a user, who logs in with settings->password. */
static void set_options(CURL *curl, const smtp_settings *settings, bool has_user, upload *source,
                        char *error_text)
{
    curl_easy_setopt(curl, CURLOPT_URL, settings->url);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_text);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, settings->timeout_seconds);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT,
                     settings->timeout_seconds < CONNECT_TIMEOUT_MAX ? settings->timeout_seconds
                                                                     : CONNECT_TIMEOUT_MAX);
    /* credentials never go over a connection without TLS */
    bool require = settings->starttls == SMTP_STARTTLS_REQUIRED || has_user;
    curl_easy_setopt(curl, CURLOPT_USE_SSL, require ? (long)CURLUSESSL_ALL : (long)CURLUSESSL_TRY);
    if (settings->ca_file)
        curl_easy_setopt(curl, CURLOPT_CAINFO, settings->ca_file);
    if (has_user)
        curl_easy_setopt(curl, CURLOPT_PASSWORD, settings->password);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_message);
    curl_easy_setopt(curl, CURLOPT_READDATA, source);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)source->left);
}

cv_result smtp_send(const smtp_settings *settings, const char *from, const char *const *to,
                    size_t to_count, const char *message, char *problem)
{
    bool has_user = false;
    cv_result result = check_send(settings, from, to, to_count, message, &has_user, problem);
    if (result != CV_OK)
        return result;
    CURL *curl = curl_easy_init();
    if (!curl)
        return CV_ERR_NO_MEMORY;
    char sender[300];
    snprintf(sender, sizeof sender, "<%s>", from);
    struct curl_slist *recipients = NULL;
    for (size_t i = 0; i < to_count && result == CV_OK; i++) {
        struct curl_slist *grown = curl_slist_append(recipients, to[i]);
        if (!grown)
            result = CV_ERR_NO_MEMORY;
        else
            recipients = grown;
    }
    char error_text[CURL_ERROR_SIZE] = "";
    upload source = {message, strlen(message)};
    if (result == CV_OK) {
        set_options(curl, settings, has_user, &source, error_text);
        curl_easy_setopt(curl, CURLOPT_MAIL_FROM, sender);
        curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients);
        CURLcode code = curl_easy_perform(curl);
        long reply = 0;
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply);
        result = classify(code, reply);
        if (result != CV_OK)
            snprintf(problem, SMTP_PROBLEM_SIZE, "%.100s: %.120s (last reply %ld)", settings->url,
                     error_text[0] ? error_text : curl_easy_strerror(code), reply);
    }
    curl_slist_free_all(recipients);
    curl_easy_cleanup(curl);
    return result;
}
