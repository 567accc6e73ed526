/*
 * sleep.h - waiting a while: the one helper every program uses to pause.
 * Owns nothing else (timers with deadlines are scheduler/timers.c).
 */
#ifndef CONVENE_SLEEP_H
#define CONVENE_SLEEP_H

/* Sleeps `milliseconds` (>= 0), resuming after a signal interrupts it. */
void sleep_milliseconds(long milliseconds);

#endif
