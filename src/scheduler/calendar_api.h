/*
 * calendar_api.h - the calendar feeds of convened's JSON API (a bridge's
 * meetings, an organizer's series) as a daemon module; GET
 * /bookings/<id>.ics is answered from there too (booking_series.h).
 *
 * Owns: the module. Does not own: the events (series_calendar.h).
 */
#ifndef CONVENE_SCHEDULER_CALENDAR_API_H
#define CONVENE_SCHEDULER_CALENDAR_API_H

#include "scheduler/scheduler.h"

extern const scheduler_module calendar_module;

#endif
