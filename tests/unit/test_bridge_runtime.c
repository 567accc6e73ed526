/*
 * test_bridge_runtime.c - the live call state without HTTP: name/value
 * settings, dial outcomes from the patterns, the dial simulator's order and
 * shutdown, calls (one per space), legs moving through their states, busy
 * and no-answer parties, counters, participants, and many threads dialling
 * at once. Waits poll a condition with a deadline; nothing sleeps for a
 * fixed time to synchronise.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bridge/dial_simulator.h"
#include "bridge/live_parameters.h"
#include "bridge/runtime.h"
#include "common/log.h"

static int64_t monotonic_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static void pause_briefly(void)
{
    struct timespec pause = {0, 2 * 1000000};
    nanosleep(&pause, NULL);
}

/* --- settings ------------------------------------------------------------- */

static void test_settings_set_replace_and_unset(void **state)
{
    (void)state;
    runtime_settings settings = {0};
    assert_int_equal(runtime_settings_set(&settings, "locked", "true"), CV_OK);
    assert_int_equal(runtime_settings_set(&settings, "messageText", "hi"), CV_OK);
    assert_int_equal(runtime_settings_set(&settings, "locked", "false"), CV_OK);
    assert_int_equal(settings.count, 2);
    assert_string_equal(runtime_settings_get(&settings, "locked"), "false");
    assert_int_equal(runtime_settings_set(&settings, "locked", ""), CV_OK);
    assert_null(runtime_settings_get(&settings, "locked"));
    assert_int_equal(runtime_settings_set(&settings, "absent", ""), CV_OK);
    assert_int_equal(settings.count, 1);

    runtime_setting change_items[] = {{"messageText", ""}, {"recording", "true"}};
    runtime_settings changes = {change_items, 2};
    assert_int_equal(runtime_settings_merge(&settings, &changes), CV_OK);
    assert_null(runtime_settings_get(&settings, "messageText"));
    assert_string_equal(runtime_settings_get(&settings, "recording"), "true");

    runtime_settings copy;
    assert_int_equal(runtime_settings_copy(&settings, &copy), CV_OK);
    assert_int_equal(copy.count, 1);
    assert_string_equal(copy.items[0].name, "recording");
    runtime_settings_clear(&copy);
    runtime_settings_clear(&settings);
    assert_int_equal(settings.count, 0);
}

/* --- parameter values ------------------------------------------------------------ */

static void test_parameter_values(void **state)
{
    (void)state;
    static const char *const positions[] = {"top", "bottom", NULL};
    const live_parameter flag = {"locked", LIVE_BOOL, NULL, 0, 0, 0};
    const live_parameter number = {"threshold", LIVE_INTEGER, NULL, 0, 100, 0};
    const live_parameter choice = {"position", LIVE_CHOICE, positions, 0, 0, 0};
    const live_parameter text = {"label", LIVE_TEXT, NULL, 0, 0, 5};
    const live_parameter id = {"ownerId", LIVE_ID, NULL, 0, 0, 0};
    const live_parameter duration = {"messageDuration", LIVE_DURATION, NULL, 0, 60, 0};
    const live_parameter dtmf = {"dtmfSequence", LIVE_DTMF, NULL, 0, 0, 0};
    const live_parameter layout = {"chosenLayout", LIVE_CHOICE, live_layouts, 0, 0, 0};
    bool too_long = false;
    assert_true(live_value_is_valid(&flag, "true", &too_long));
    assert_false(live_value_is_valid(&flag, "True", &too_long));
    assert_true(live_value_is_valid(&number, "100", &too_long));
    assert_false(live_value_is_valid(&number, "101", &too_long));
    assert_false(live_value_is_valid(&number, "-1", &too_long));
    assert_false(live_value_is_valid(&number, "1x", &too_long));
    assert_true(live_value_is_valid(&choice, "bottom", &too_long));
    assert_false(live_value_is_valid(&choice, "middle", &too_long));
    assert_true(live_value_is_valid(&text, "abcde", &too_long));
    assert_false(live_value_is_valid(&text, "abcdef", &too_long));
    assert_true(too_long);
    assert_false(live_value_is_valid(&text, "\xff", &too_long));
    assert_false(too_long);
    assert_true(live_value_is_valid(&id, "9fea4ad1-953a-4801-b4cd-b9382c43b077", &too_long));
    assert_false(live_value_is_valid(&id, "9fea4ad1", &too_long));
    assert_true(live_value_is_valid(&duration, "permanent", &too_long));
    assert_true(live_value_is_valid(&duration, "60", &too_long));
    assert_false(live_value_is_valid(&duration, "forever", &too_long));
    assert_true(live_value_is_valid(&dtmf, "123*#,,9", &too_long));
    assert_false(live_value_is_valid(&dtmf, "12a", &too_long));
    assert_true(live_value_is_valid(&layout, "onePlusN", &too_long));
    assert_false(live_value_is_valid(&layout, "allequal", &too_long));
}

/* --- outcomes ------------------------------------------------------------------ */

static char *busy_patterns[] = {"busy-*@example.com", "*@rejects.example"};
static char *silent_patterns[] = {"*@nowhere.example", "busy-*"};

static void set_patterns(bridge *node)
{
    node->options.busy_parties.items = busy_patterns;
    node->options.busy_parties.count = 2;
    node->options.no_answer_parties.items = silent_patterns;
    node->options.no_answer_parties.count = 2;
}

static void test_outcomes_follow_the_patterns(void **state)
{
    (void)state;
    bridge node;
    memset(&node, 0, sizeof node);
    assert_int_equal(dial_outcome_for(&node.options, "anyone@example.com"), DIAL_ANSWERS);
    set_patterns(&node);
    assert_int_equal(dial_outcome_for(&node.options, "busy-1@example.com"), DIAL_BUSY);
    assert_int_equal(dial_outcome_for(&node.options, "BUSY-1@EXAMPLE.COM"), DIAL_BUSY);
    /* Busy wins over a no-answer pattern that also matches. */
    assert_int_equal(dial_outcome_for(&node.options, "busy-2@example.com"), DIAL_BUSY);
    assert_int_equal(dial_outcome_for(&node.options, "busy-2@other.example"), DIAL_NO_ANSWER);
    assert_int_equal(dial_outcome_for(&node.options, "room@nowhere.example"), DIAL_NO_ANSWER);
    assert_int_equal(dial_outcome_for(&node.options, "room@nowhere.example.org"), DIAL_ANSWERS);
    assert_string_equal(dial_outcome_name(DIAL_BUSY), "busy");
}

/* --- the simulator's clock -------------------------------------------------------- */

typedef struct {
    pthread_mutex_t lock;
    char legs[8][ID_TEXT_SIZE];
    dial_step steps[8];
    int count;
} step_log;

static void record_step(void *context, const char *leg_id, dial_step step)
{
    step_log *log = context;
    pthread_mutex_lock(&log->lock);
    if (log->count < 8) {
        strcpy(log->legs[log->count], leg_id);
        log->steps[log->count] = step;
        log->count++;
    }
    pthread_mutex_unlock(&log->lock);
}

static int steps_seen(step_log *log, int wanted, int64_t timeout_ms)
{
    int64_t deadline = monotonic_ms() + timeout_ms;
    for (;;) {
        pthread_mutex_lock(&log->lock);
        int count = log->count;
        pthread_mutex_unlock(&log->lock);
        if (count >= wanted || monotonic_ms() > deadline)
            return count;
        pause_briefly();
    }
}

static void test_simulator_fires_in_deadline_then_schedule_order(void **state)
{
    (void)state;
    step_log log = {.lock = PTHREAD_MUTEX_INITIALIZER};
    dial_simulator *simulator = NULL;
    assert_int_equal(dial_simulator_start(record_step, &log, &simulator), CV_OK);
    assert_int_equal(dial_simulator_schedule(simulator, "late", 60, DIAL_STEP_ANSWER), CV_OK);
    assert_int_equal(dial_simulator_schedule(simulator, "first", 0, DIAL_STEP_RING), CV_OK);
    assert_int_equal(dial_simulator_schedule(simulator, "second", 0, DIAL_STEP_REJECT), CV_OK);
    assert_int_equal(dial_simulator_schedule(simulator, "middle", 20, DIAL_STEP_RING), CV_OK);
    assert_int_equal(steps_seen(&log, 4, 5000), 4);
    assert_string_equal(log.legs[0], "first");
    assert_string_equal(log.legs[1], "second");
    assert_string_equal(log.legs[2], "middle");
    assert_string_equal(log.legs[3], "late");
    assert_int_equal(log.steps[1], DIAL_STEP_REJECT);
    /* Steps far in the future are dropped at stop, which must not wait. */
    assert_int_equal(dial_simulator_schedule(simulator, "never", 600000, DIAL_STEP_RING), CV_OK);
    int64_t before = monotonic_ms();
    dial_simulator_stop(simulator);
    assert_true(monotonic_ms() - before < 5000);
    assert_int_equal(log.count, 4);
}

/* --- the runtime ---------------------------------------------------------------------- */

typedef struct {
    bridge node;
    struct call_runtime *runtime;
} fixture;

static fixture *start_runtime(int64_t ring_milliseconds)
{
    fixture *setup = calloc(1, sizeof *setup);
    assert_non_null(setup);
    setup->node.options.ring_milliseconds = ring_milliseconds;
    set_patterns(&setup->node);
    assert_int_equal(runtime_create(&setup->node, &setup->runtime), CV_OK);
    return setup;
}

static void stop_runtime(fixture *setup)
{
    runtime_destroy(setup->runtime);
    free(setup);
}

/* The leg's state, or -1 once it is gone. */
static int state_of(struct call_runtime *runtime, const char *leg_id)
{
    leg_info leg;
    cv_result result = runtime_get_leg(runtime, leg_id, &leg);
    if (result == CV_ERR_NOT_FOUND)
        return -1;
    assert_int_equal(result, CV_OK);
    int state = (int)leg.state;
    leg_info_free(&leg);
    return state;
}

static bool wait_for_state(struct call_runtime *runtime, const char *leg_id, int wanted)
{
    int64_t deadline = monotonic_ms() + 5000;
    while (state_of(runtime, leg_id) != wanted) {
        if (monotonic_ms() > deadline)
            return false;
        pause_briefly();
    }
    return true;
}

static const char SPACE[] = "e647231e-e1db-435b-b96f-9c7a83d488a2";

static void make_call(struct call_runtime *runtime, char id[ID_TEXT_SIZE])
{
    call_request request = {.cospace = SPACE, .name = "Dev Space", .local_address = "dev@x"};
    runtime_setting items[] = {{"locked", "true"}};
    runtime_settings settings = {items, 1};
    assert_int_equal(runtime_create_call(runtime, &request, &settings, id), CV_OK);
}

static void test_one_call_per_space(void **state)
{
    (void)state;
    fixture *setup = start_runtime(1000);
    char first[ID_TEXT_SIZE], second[ID_TEXT_SIZE];
    make_call(setup->runtime, first);
    call_request again = {.cospace = "E647231E-E1DB-435B-B96F-9C7A83D488A2", .name = "x"};
    assert_int_equal(runtime_create_call(setup->runtime, &again, NULL, second), CV_ERR_CONFLICT);
    call_request adhoc = {.name = "Ad hoc"};
    assert_int_equal(runtime_create_call(setup->runtime, &adhoc, NULL, second), CV_OK);

    call_info call;
    assert_int_equal(runtime_get_call(setup->runtime, first, &call), CV_OK);
    assert_string_equal(call.name, "Dev Space");
    assert_string_equal(call.cospace, SPACE);
    assert_string_equal(runtime_settings_get(&call.settings, "locked"), "true");
    assert_string_not_equal(call.call_correlator, call.id);
    call_info_free(&call);

    call_info *calls = NULL;
    size_t count = 0, total = 0;
    assert_int_equal(runtime_list_calls(setup->runtime, NULL, NULL, 1, 10, &calls, &count, &total),
                     CV_OK);
    assert_int_equal(total, 2);
    assert_int_equal(count, 1);
    assert_string_equal(calls[0].id, second);
    runtime_free_calls(calls, count);

    runtime_setting unlock_items[] = {{"locked", ""}};
    runtime_settings unlock = {unlock_items, 1};
    assert_int_equal(runtime_update_call(setup->runtime, first, &unlock), CV_OK);
    assert_int_equal(runtime_get_call(setup->runtime, first, &call), CV_OK);
    assert_null(runtime_settings_get(&call.settings, "locked"));
    call_info_free(&call);

    assert_true(runtime_end_cospace_call(setup->runtime, SPACE));
    assert_false(runtime_end_cospace_call(setup->runtime, SPACE));
    assert_int_equal(runtime_get_call(setup->runtime, first, &call), CV_ERR_NOT_FOUND);
    assert_int_equal(runtime_create_call(setup->runtime, &again, NULL, second), CV_OK);
    assert_int_equal(runtime_delete_call(setup->runtime, "not-an-id"), CV_ERR_NOT_FOUND);
    stop_runtime(setup);
}

static void test_legs_ring_connect_and_end(void **state)
{
    (void)state;
    fixture *setup = start_runtime(200);
    struct call_runtime *runtime = setup->runtime;
    char call_id[ID_TEXT_SIZE], answered[ID_TEXT_SIZE], busy[ID_TEXT_SIZE], silent[ID_TEXT_SIZE],
        later[ID_TEXT_SIZE];
    make_call(runtime, call_id);
    assert_int_equal(runtime_create_leg(runtime, call_id, "busy-9@example.com", NULL, NULL, busy),
                     CV_OK);
    assert_int_equal(runtime_create_leg(runtime, call_id, "a@nowhere.example", NULL, NULL, silent),
                     CV_OK);
    assert_int_equal(runtime_create_leg(runtime, call_id, "me@example.com", NULL, NULL, answered),
                     CV_OK);
    assert_int_equal(runtime_create_leg(runtime, "00000000-0000-4000-8000-000000000000",
                                        "x@example.com", NULL, NULL, later),
                     CV_ERR_NOT_FOUND);
    assert_true(wait_for_state(runtime, answered, LEG_STATE_CONNECTED));
    /* Dialled before the answered leg: their steps are due first. */
    assert_int_equal(state_of(runtime, busy), -1);
    assert_int_equal(state_of(runtime, silent), LEG_STATE_RINGING);

    runtime_counters counters;
    runtime_get_counters(runtime, &counters);
    assert_int_equal(counters.call_legs_active, 1);
    assert_int_equal(counters.call_legs_max_active, 1);
    assert_int_equal(counters.call_legs_completed, 1);
    assert_int_equal(counters.audio_bit_rate_outgoing, RUNTIME_AUDIO_BIT_RATE);
    assert_int_equal(counters.video_bit_rate_incoming, RUNTIME_VIDEO_BIT_RATE);
    assert_true(counters.cdr_correlator_index >= 5);

    leg_info leg;
    assert_int_equal(runtime_get_leg(runtime, answered, &leg), CV_OK);
    assert_string_equal(leg.call, call_id);
    assert_string_equal(leg.local_address, "dev@x");
    assert_true(leg.participant[0] != '\0');
    char participant[ID_TEXT_SIZE];
    strcpy(participant, leg.participant);
    leg_info_free(&leg);
    assert_int_equal(runtime_get_participant(runtime, participant, &leg), CV_OK);
    assert_string_equal(leg.id, answered);
    leg_info_free(&leg);

    runtime_setting label_items[] = {{"nameLabelOverride", "Me"}};
    runtime_settings label = {label_items, 1};
    assert_int_equal(runtime_update_participant(runtime, participant, &label), CV_OK);
    assert_int_equal(runtime_get_leg(runtime, answered, &leg), CV_OK);
    assert_string_equal(runtime_settings_get(&leg.participant_settings, "nameLabelOverride"), "Me");
    leg_info_free(&leg);

    call_info call;
    assert_int_equal(runtime_get_call(runtime, call_id, &call), CV_OK);
    assert_int_equal(call.num_call_legs, 2);
    assert_int_equal(call.max_call_legs, 3);
    assert_int_equal(call.num_participants, 1);
    call_info_free(&call);

    /* A later dial-out connects; the no-answer leg still rings. */
    assert_int_equal(runtime_create_leg(runtime, call_id, "b@example.com", NULL, NULL, later),
                     CV_OK);
    assert_true(wait_for_state(runtime, later, LEG_STATE_CONNECTED));
    assert_int_equal(state_of(runtime, silent), LEG_STATE_RINGING);

    assert_int_equal(runtime_delete_participant(runtime, participant), CV_OK);
    assert_int_equal(state_of(runtime, answered), -1);
    assert_int_equal(runtime_get_participant(runtime, participant, &leg), CV_ERR_NOT_FOUND);
    assert_int_equal(runtime_delete_call(runtime, call_id), CV_OK);
    assert_int_equal(state_of(runtime, silent), -1);
    assert_int_equal(state_of(runtime, later), -1);
    runtime_get_counters(runtime, &counters);
    assert_int_equal(counters.call_legs_active, 0);
    assert_int_equal(counters.call_legs_max_active, 2);
    assert_int_equal(counters.call_legs_completed, 4);
    assert_int_equal(counters.audio_bit_rate_outgoing, 0);
    stop_runtime(setup);
}

static bool only_connected(const leg_info *leg, void *context)
{
    (void)context;
    return leg->state == LEG_STATE_CONNECTED;
}

typedef struct {
    struct call_runtime *runtime;
    const char *call_id;
    int failures;
} dialler;

#define DIALLERS  8
#define LEGS_EACH 50

static void *dial_many(void *argument)
{
    dialler *work = argument;
    for (int i = 0; i < LEGS_EACH; i++) {
        char leg[ID_TEXT_SIZE];
        if (runtime_create_leg(work->runtime, work->call_id, "many@example.com", NULL, NULL, leg) !=
            CV_OK) {
            work->failures++;
            continue;
        }
        if (i % 3 == 0 && runtime_delete_leg(work->runtime, leg) != CV_OK)
            work->failures++;
    }
    return NULL;
}

static void test_many_threads_dialling(void **state)
{
    (void)state;
    fixture *setup = start_runtime(0);
    char call_id[ID_TEXT_SIZE];
    make_call(setup->runtime, call_id);
    pthread_t threads[DIALLERS];
    dialler work[DIALLERS];
    for (int i = 0; i < DIALLERS; i++) {
        work[i] = (dialler){setup->runtime, call_id, 0};
        assert_int_equal(pthread_create(&threads[i], NULL, dial_many, &work[i]), 0);
    }
    for (int i = 0; i < DIALLERS; i++) {
        pthread_join(threads[i], NULL);
        assert_int_equal(work[i].failures, 0);
    }
    const int deleted_each = (LEGS_EACH + 2) / 3;
    const int kept = DIALLERS * (LEGS_EACH - deleted_each);
    int64_t deadline = monotonic_ms() + 5000;
    runtime_counters counters;
    for (;;) {
        runtime_get_counters(setup->runtime, &counters);
        if (counters.call_legs_active == kept || monotonic_ms() > deadline)
            break;
        pause_briefly();
    }
    assert_int_equal(counters.call_legs_active, kept);
    assert_int_equal(counters.call_legs_completed, DIALLERS * deleted_each);
    leg_info *legs = NULL;
    size_t count = 0, total = 0;
    assert_int_equal(runtime_list_legs(setup->runtime, call_id, only_connected, NULL, 0, 5, &legs,
                                       &count, &total),
                     CV_OK);
    assert_int_equal(total, (size_t)kept);
    assert_int_equal(count, 5);
    runtime_free_legs(legs, count);
    /* Destroying with live legs frees everything (the sanitizer build checks). */
    stop_runtime(setup);
}

int main(void)
{
    log_set_level(LOG_LEVEL_WARNING); /* the runtime logs every dial-out */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_settings_set_replace_and_unset),
        cmocka_unit_test(test_parameter_values),
        cmocka_unit_test(test_outcomes_follow_the_patterns),
        cmocka_unit_test(test_simulator_fires_in_deadline_then_schedule_order),
        cmocka_unit_test(test_one_call_per_space),
        cmocka_unit_test(test_legs_ring_connect_and_end),
        cmocka_unit_test(test_many_threads_dialling),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
