/*
 * dial_simulator.c - simulated dial-out outcomes and the timer thread that
 * plays them; see dial_simulator.h. Owns its pending steps (a binary
 * min-heap ordered by deadline, then by scheduling order), its mutex and
 * condition variable, and its thread. Owns nothing about legs.
 */
#include "bridge/dial_simulator.h"

#include <errno.h>
#include <fnmatch.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    struct timespec due; /* CLOCK_MONOTONIC */
    uint64_t sequence;   /* ties on `due` fire in scheduling order */
    dial_step step;
    char leg_id[ID_TEXT_SIZE];
} pending_step;

struct dial_simulator {
    dial_step_handler handler;
    void *context;
    pthread_t thread;
    pthread_mutex_t lock;  /* guards everything below */
    pthread_cond_t wakeup; /* signalled on a new earliest step and on stop */
    pending_step *heap;
    size_t count;
    size_t capacity;
    uint64_t next_sequence;
    bool stopping;
};

bool dial_party_matches(const string_list *patterns, const char *remote_party)
{
    for (size_t i = 0; i < patterns->count; i++)
        if (fnmatch(patterns->items[i], remote_party, FNM_CASEFOLD) == 0)
            return true;
    return false;
}

dial_outcome dial_outcome_for(const bridge_options *options, const char *remote_party)
{
    if (dial_party_matches(&options->busy_parties, remote_party))
        return DIAL_BUSY;
    if (dial_party_matches(&options->no_answer_parties, remote_party))
        return DIAL_NO_ANSWER;
    return DIAL_ANSWERS;
}

const char *dial_outcome_name(dial_outcome outcome)
{
    switch (outcome) {
    case DIAL_BUSY:
        return "busy";
    case DIAL_NO_ANSWER:
        return "no answer";
    case DIAL_UNROUTABLE:
        return "no route";
    case DIAL_ANSWERS:
        break;
    }
    return "answers";
}

/* --- the heap ------------------------------------------------------------ */

static bool earlier(const pending_step *left, const pending_step *right)
{
    if (left->due.tv_sec != right->due.tv_sec)
        return left->due.tv_sec < right->due.tv_sec;
    if (left->due.tv_nsec != right->due.tv_nsec)
        return left->due.tv_nsec < right->due.tv_nsec;
    return left->sequence < right->sequence;
}

static void swap_steps(pending_step *left, pending_step *right)
{
    pending_step held = *left;
    *left = *right;
    *right = held;
}

static cv_result heap_push(dial_simulator *simulator, const pending_step *step)
{
    if (simulator->count == simulator->capacity) {
        size_t capacity = simulator->capacity ? simulator->capacity * 2 : 64;
        pending_step *grown = realloc(simulator->heap, capacity * sizeof *grown);
        if (!grown)
            return CV_ERR_NO_MEMORY;
        simulator->heap = grown;
        simulator->capacity = capacity;
    }
    size_t index = simulator->count++;
    simulator->heap[index] = *step;
    while (index > 0) {
        size_t parent = (index - 1) / 2;
        if (!earlier(&simulator->heap[index], &simulator->heap[parent]))
            break;
        swap_steps(&simulator->heap[index], &simulator->heap[parent]);
        index = parent;
    }
    return CV_OK;
}

static pending_step heap_pop(dial_simulator *simulator)
{
    pending_step top = simulator->heap[0];
    simulator->heap[0] = simulator->heap[--simulator->count];
    size_t index = 0;
    for (;;) {
        size_t left = 2 * index + 1, right = left + 1, smallest = index;
        if (left < simulator->count && earlier(&simulator->heap[left], &simulator->heap[smallest]))
            smallest = left;
        if (right < simulator->count &&
            earlier(&simulator->heap[right], &simulator->heap[smallest]))
            smallest = right;
        if (smallest == index)
            break;
        swap_steps(&simulator->heap[index], &simulator->heap[smallest]);
        index = smallest;
    }
    return top;
}

static bool is_due(const struct timespec *due, const struct timespec *now)
{
    return due->tv_sec < now->tv_sec ||
           (due->tv_sec == now->tv_sec && due->tv_nsec <= now->tv_nsec);
}

/* --- the thread ------------------------------------------------------------ */

static void *run_timer(void *argument)
{
    dial_simulator *simulator = argument;
    pthread_mutex_lock(&simulator->lock);
    while (!simulator->stopping) {
        if (simulator->count == 0) {
            pthread_cond_wait(&simulator->wakeup, &simulator->lock);
            continue;
        }
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (!is_due(&simulator->heap[0].due, &now)) {
            struct timespec due = simulator->heap[0].due;
            pthread_cond_timedwait(&simulator->wakeup, &simulator->lock, &due);
            continue;
        }
        pending_step step = heap_pop(simulator);
        /* Fire without the lock: the handler takes the runtime's lock, and
         * HTTP threads schedule while holding that one. */
        pthread_mutex_unlock(&simulator->lock);
        simulator->handler(simulator->context, step.leg_id, step.step);
        pthread_mutex_lock(&simulator->lock);
    }
    pthread_mutex_unlock(&simulator->lock);
    return NULL;
}

cv_result dial_simulator_start(dial_step_handler handler, void *context, dial_simulator **out)
{
    dial_simulator *simulator = calloc(1, sizeof *simulator);
    if (!simulator)
        return CV_ERR_NO_MEMORY;
    simulator->handler = handler;
    simulator->context = context;
    pthread_condattr_t attributes;
    if (pthread_condattr_init(&attributes) != 0) {
        free(simulator);
        return CV_ERR_NO_MEMORY;
    }
    pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC);
    int failed = pthread_cond_init(&simulator->wakeup, &attributes);
    pthread_condattr_destroy(&attributes);
    if (failed) {
        free(simulator);
        return CV_ERR_NO_MEMORY;
    }
    pthread_mutex_init(&simulator->lock, NULL);

    /* The thread must not take the shutdown signals meant for main's sigwait. */
    sigset_t every_signal, previous;
    sigfillset(&every_signal);
    pthread_sigmask(SIG_SETMASK, &every_signal, &previous);
    failed = pthread_create(&simulator->thread, NULL, run_timer, simulator);
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    if (failed) {
        pthread_cond_destroy(&simulator->wakeup);
        pthread_mutex_destroy(&simulator->lock);
        free(simulator);
        return failed == EAGAIN ? CV_ERR_BUSY : CV_ERR_NO_MEMORY;
    }
    *out = simulator;
    return CV_OK;
}

void dial_simulator_stop(dial_simulator *simulator)
{
    if (!simulator)
        return;
    pthread_mutex_lock(&simulator->lock);
    simulator->stopping = true;
    pthread_cond_signal(&simulator->wakeup);
    pthread_mutex_unlock(&simulator->lock);
    pthread_join(simulator->thread, NULL);
    pthread_cond_destroy(&simulator->wakeup);
    pthread_mutex_destroy(&simulator->lock);
    free(simulator->heap);
    free(simulator);
}

cv_result dial_simulator_schedule(dial_simulator *simulator, const char *leg_id,
                                  int64_t delay_milliseconds, dial_step step)
{
    pending_step pending = {.step = step};
    if (strlen(leg_id) >= sizeof pending.leg_id)
        return CV_ERR_INVALID;
    strcpy(pending.leg_id, leg_id);
    if (delay_milliseconds < 0)
        delay_milliseconds = 0;
    clock_gettime(CLOCK_MONOTONIC, &pending.due);
    pending.due.tv_sec += (time_t)(delay_milliseconds / 1000);
    pending.due.tv_nsec += (long)(delay_milliseconds % 1000) * 1000000L;
    if (pending.due.tv_nsec >= 1000000000L) {
        pending.due.tv_sec++;
        pending.due.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&simulator->lock);
    pending.sequence = simulator->next_sequence++;
    cv_result result = heap_push(simulator, &pending);
    /* Wake the thread only when the new step is the earliest. */
    if (result == CV_OK && simulator->heap[0].sequence == pending.sequence)
        pthread_cond_signal(&simulator->wakeup);
    pthread_mutex_unlock(&simulator->lock);
    return result;
}

cv_result dial_simulator_dial(dial_simulator *simulator, const char *leg_id,
                              int64_t ring_milliseconds, dial_outcome outcome)
{
    if (outcome == DIAL_UNROUTABLE) /* nothing to ring: the leg fails at once */
        return dial_simulator_schedule(simulator, leg_id, 0, DIAL_STEP_FAIL);
    cv_result result =
        dial_simulator_schedule(simulator, leg_id, ring_milliseconds / 4, DIAL_STEP_RING);
    if (result != CV_OK || outcome == DIAL_NO_ANSWER)
        return result;
    return dial_simulator_schedule(simulator, leg_id, ring_milliseconds,
                                   outcome == DIAL_BUSY ? DIAL_STEP_REJECT : DIAL_STEP_ANSWER);
}
