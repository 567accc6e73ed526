/* keyed_queue.c - see keyed_queue.h. */
#include "common/keyed_queue.h"

#include <stdlib.h>
#include <string.h>

#include "common/array.h"

static void copy_key(char out[ID_TEXT_SIZE], const char *key)
{
    size_t length = strnlen(key, ID_TEXT_SIZE - 1);
    memcpy(out, key, length);
    out[length] = '\0';
}

bool keyed_queue_push(keyed_queue *queue, int kind, const char *key, bool flag)
{
    for (size_t index = 0; index < queue->count; index++) {
        keyed_job *queued = &queue->jobs[index];
        if (queued->kind == kind && strncmp(queued->key, key, ID_TEXT_SIZE) == 0) {
            queued->flag = queued->flag || flag;
            return true;
        }
    }
    if (!array_make_room((void **)&queue->jobs, &queue->capacity, queue->count,
                         sizeof *queue->jobs))
        return false;
    keyed_job *job = &queue->jobs[queue->count++];
    job->kind = kind;
    job->flag = flag;
    copy_key(job->key, key);
    return true;
}

static bool is_busy(const keyed_queue *queue, const char *key)
{
    for (size_t index = 0; index < queue->busy_count; index++)
        if (strcmp(queue->busy[index], key) == 0)
            return true;
    return false;
}

bool keyed_queue_take(keyed_queue *queue, bool (*accept)(void *context, const keyed_job *job),
                      void *context, keyed_job *out)
{
    for (size_t index = 0; index < queue->count; index++) {
        const keyed_job *job = &queue->jobs[index];
        if (is_busy(queue, job->key) || (accept != NULL && !accept(context, job)))
            continue;
        if (!array_make_room((void **)&queue->busy, &queue->busy_capacity, queue->busy_count,
                             sizeof *queue->busy))
            return false;
        copy_key(queue->busy[queue->busy_count++], job->key);
        *out = *job;
        memmove(&queue->jobs[index], &queue->jobs[index + 1],
                (queue->count - index - 1) * sizeof *queue->jobs);
        queue->count--;
        return true;
    }
    return false;
}

void keyed_queue_drop(keyed_queue *queue, int kind, const char *key)
{
    for (size_t index = 0; index < queue->count; index++) {
        if (queue->jobs[index].kind == kind && strcmp(queue->jobs[index].key, key) == 0) {
            memmove(&queue->jobs[index], &queue->jobs[index + 1],
                    (queue->count - index - 1) * sizeof *queue->jobs);
            queue->count--;
            return; /* equal jobs merge: there is at most one */
        }
    }
}

void keyed_queue_release(keyed_queue *queue, const char *key)
{
    for (size_t index = 0; index < queue->busy_count; index++) {
        if (strcmp(queue->busy[index], key) == 0) {
            memmove(queue->busy[index], queue->busy[queue->busy_count - 1], ID_TEXT_SIZE);
            queue->busy_count--;
            return;
        }
    }
}

void keyed_queue_free(keyed_queue *queue)
{
    free(queue->jobs);
    free(queue->busy);
    memset(queue, 0, sizeof *queue);
}
