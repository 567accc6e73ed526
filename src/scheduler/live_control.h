/*
 * live_control.h - an operator's control of a live meeting through the
 * JSON API (add, drop, mute, layout, lock, message): see live_control.c.
 *
 * Owns: the module that registers those routes. Does not own: the
 * meeting's lifecycle (lifecycle.h) or the booking (booking.h).
 */
#ifndef CONVENE_SCHEDULER_LIVE_CONTROL_H
#define CONVENE_SCHEDULER_LIVE_CONTROL_H

#include "scheduler/scheduler.h"

extern const scheduler_module live_control_module;

#endif
