/* runtime.c - live calls, legs and participants; see runtime.h. */
#include "bridge/runtime.h"

#include <pthread.h>
#include <stdlib.h>

struct call_runtime {
    bridge *node;
    pthread_mutex_t lock; /* guards everything below */
    runtime_counters counters;
};

cv_result runtime_create(bridge *node, struct call_runtime **out)
{
    struct call_runtime *runtime = calloc(1, sizeof *runtime);
    if (!runtime)
        return CV_ERR_NO_MEMORY;
    runtime->node = node;
    pthread_mutex_init(&runtime->lock, NULL);
    *out = runtime;
    return CV_OK;
}

void runtime_destroy(struct call_runtime *runtime)
{
    if (!runtime)
        return;
    pthread_mutex_destroy(&runtime->lock);
    free(runtime);
}

void runtime_get_counters(struct call_runtime *runtime, runtime_counters *out)
{
    pthread_mutex_lock(&runtime->lock);
    *out = runtime->counters;
    pthread_mutex_unlock(&runtime->lock);
}
