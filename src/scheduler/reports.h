/*
 * reports.h - utilisation, no-show and failed-start reports of the JSON
 * API (GET /reports/...), as JSON or CSV: see reports.c.
 *
 * Owns: the module that registers those routes. Does not own: the data
 * they read (db_reports.c, attendance.c).
 */
#ifndef CONVENE_SCHEDULER_REPORTS_H
#define CONVENE_SCHEDULER_REPORTS_H

#include "scheduler/scheduler.h"

extern const scheduler_module reports_module;

#endif
