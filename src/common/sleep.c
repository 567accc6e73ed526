/* sleep.c - see sleep.h. */
#include "common/sleep.h"

#include <errno.h>
#include <time.h>

void sleep_milliseconds(long milliseconds)
{
    struct timespec pause = {milliseconds / 1000, (milliseconds % 1000) * 1000000L};
    while (nanosleep(&pause, &pause) != 0 && errno == EINTR) {
    }
}
