/* http_stream.c - streaming answers over libmicrohttpd's content reader
 * and suspend/resume; see http_stream.h. */
#include "common/http_stream.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "common/linked_list.h"

/* One streaming answer, linked in its server's list while it lasts. */
typedef struct stream {
    http_streams *owner;
    struct MHD_Connection *connection;
    http_stream_source source;
    bool sleeping;  /* its connection is suspended (under owner->lock) */
    list_link link; /* on owner->streams */
} stream;

struct http_streams {
    /* Guards the list, `sleeping`, `wakes` and `ending`. Never held while
     * a source reads, so a producer may wake from inside its own lock. */
    pthread_mutex_t lock;
    list_ends streams; /* stream.link */
    /* Counts wakes: a stream whose read found nothing sleeps only when no
     * wake came since it began that read. */
    uint64_t wakes;
    bool ending; /* the server stops: every read ends the stream */
};

cv_result http_streams_create(http_streams **out)
{
    http_streams *streams = calloc(1, sizeof *streams);
    if (!streams)
        return CV_ERR_NO_MEMORY;
    if (pthread_mutex_init(&streams->lock, NULL) != 0) {
        free(streams);
        return CV_ERR_NO_MEMORY;
    }
    *out = streams;
    return CV_OK;
}

void http_streams_free(http_streams *streams)
{
    if (!streams)
        return;
    pthread_mutex_destroy(&streams->lock);
    free(streams);
}

/* Wakes every sleeping stream. Lock held. */
static void wake_locked(http_streams *streams)
{
    streams->wakes++;
    for (stream *each = LIST_RECORD(streams->streams.first, stream, link); each;
         each = LIST_RECORD(each->link.next, stream, link)) {
        if (each->sleeping) {
            each->sleeping = false;
            MHD_resume_connection(each->connection);
        }
    }
}

void http_streams_wake(http_streams *streams)
{
    if (!streams)
        return;
    pthread_mutex_lock(&streams->lock);
    wake_locked(streams);
    pthread_mutex_unlock(&streams->lock);
}

void http_streams_end_all(http_streams *streams)
{
    if (!streams)
        return;
    pthread_mutex_lock(&streams->lock);
    streams->ending = true;
    wake_locked(streams);
    pthread_mutex_unlock(&streams->lock);
}

/* libmicrohttpd's content reader: the source's bytes, or sleep. */
static ssize_t read_stream(void *closure, uint64_t position, char *buffer, size_t max)
{
    (void)position;
    stream *self = closure;
    http_streams *streams = self->owner;
    for (;;) {
        pthread_mutex_lock(&streams->lock);
        bool ending = streams->ending;
        uint64_t wakes = streams->wakes;
        pthread_mutex_unlock(&streams->lock);
        if (ending)
            return MHD_CONTENT_READER_END_OF_STREAM;
        ssize_t got = self->source.read(self->source.context, buffer, max);
        if (got < 0)
            return MHD_CONTENT_READER_END_OF_STREAM;
        if (got > 0)
            return got;
        pthread_mutex_lock(&streams->lock);
        bool sleep = !streams->ending && streams->wakes == wakes;
        if (sleep) {
            /* Allowed from the content reader; returning 0 from a suspended
             * connection is the documented way to wait without spinning. */
            self->sleeping = true;
            MHD_suspend_connection(self->connection);
        }
        pthread_mutex_unlock(&streams->lock);
        if (sleep)
            return 0;
        /* a wake or the end came while reading: look again */
    }
}

static void release_source(const http_stream_source *source)
{
    if (source->release)
        source->release(source->context);
}

/* libmicrohttpd is done with the response: the connection has gone. */
static void end_stream(void *closure)
{
    stream *self = closure;
    http_streams *streams = self->owner;
    pthread_mutex_lock(&streams->lock);
    list_unlink(&streams->streams, &self->link);
    pthread_mutex_unlock(&streams->lock);
    release_source(&self->source);
    free(self);
}

struct MHD_Response *http_streams_response(http_streams *streams, struct MHD_Connection *connection,
                                           const http_stream_source *source)
{
    stream *self = calloc(1, sizeof *self);
    if (!self) {
        release_source(source);
        return NULL;
    }
    self->owner = streams;
    self->connection = connection;
    self->source = *source;
    /* 16 KiB: a batch of events per call; libmicrohttpd sends it chunked. */
    struct MHD_Response *response = MHD_create_response_from_callback(
        MHD_SIZE_UNKNOWN, 16 * 1024, read_stream, self, end_stream);
    if (!response) {
        release_source(source);
        free(self);
        return NULL;
    }
    pthread_mutex_lock(&streams->lock);
    list_prepend(&streams->streams, &self->link);
    pthread_mutex_unlock(&streams->lock);
    return response;
}
