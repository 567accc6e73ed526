/* test_common_linked_list.c - the intrusive doubly linked list: order after
 * append and prepend, unlinking the first, a middle and the last record,
 * and a record on two lists at once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/linked_list.h"

typedef struct {
    int value;
    list_link in_all;  /* on `all` */
    list_link in_even; /* on `even`, for even values */
} item;

/* The values on `list` (through the link at `offset`), first to last,
 * checked against the walk last to first. */
static size_t values(const list_ends *list, size_t offset, int *out, size_t room)
{
    size_t count = 0;
    for (list_link *link = list->first; link && count < room; link = link->next)
        out[count++] = ((item *)list_record_at(link, offset))->value;
    size_t back = count;
    for (list_link *link = list->last; link; link = link->previous) {
        assert_true(back > 0);
        assert_int_equal(((item *)list_record_at(link, offset))->value, out[--back]);
    }
    assert_int_equal(back, 0);
    return count;
}

static void test_append_prepend_and_unlink_keep_both_directions(void **state)
{
    (void)state;
    item items[4] = {{.value = 1}, {.value = 2}, {.value = 3}, {.value = 4}};
    list_ends all = {0};
    int seen[8];
    assert_int_equal(values(&all, offsetof(item, in_all), seen, 8), 0);
    list_append(&all, &items[1].in_all);
    list_append(&all, &items[2].in_all);
    list_prepend(&all, &items[0].in_all);
    list_append(&all, &items[3].in_all);
    assert_int_equal(values(&all, offsetof(item, in_all), seen, 8), 4);
    assert_memory_equal(seen, ((int[]){1, 2, 3, 4}), 4 * sizeof(int));
    list_unlink(&all, &items[1].in_all); /* a middle one */
    assert_null(items[1].in_all.next);
    assert_null(items[1].in_all.previous);
    assert_int_equal(values(&all, offsetof(item, in_all), seen, 8), 3);
    assert_memory_equal(seen, ((int[]){1, 3, 4}), 3 * sizeof(int));
    list_unlink(&all, &items[0].in_all); /* the first */
    list_unlink(&all, &items[3].in_all); /* the last */
    assert_int_equal(values(&all, offsetof(item, in_all), seen, 8), 1);
    assert_int_equal(seen[0], 3);
    list_unlink(&all, &items[2].in_all); /* the only one */
    assert_null(all.first);
    assert_null(all.last);
}

static void test_a_record_on_two_lists(void **state)
{
    (void)state;
    item items[4] = {{.value = 1}, {.value = 2}, {.value = 3}, {.value = 4}};
    list_ends all = {0}, even = {0};
    for (size_t i = 0; i < 4; i++) {
        list_append(&all, &items[i].in_all);
        if (items[i].value % 2 == 0)
            list_append(&even, &items[i].in_even);
    }
    list_unlink(&even, &items[1].in_even);
    int seen[8];
    assert_int_equal(values(&all, offsetof(item, in_all), seen, 8), 4);
    assert_int_equal(values(&even, offsetof(item, in_even), seen, 8), 1);
    assert_int_equal(seen[0], 4);
    assert_ptr_equal(LIST_RECORD(even.first, item, in_even), &items[3]);
    assert_null(LIST_RECORD(items[3].in_even.next, item, in_even));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_append_prepend_and_unlink_keep_both_directions),
        cmocka_unit_test(test_a_record_on_two_lists),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
