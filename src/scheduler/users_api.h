/*
 * users_api.h - the accounts module of convened: /users, /me, /tokens,
 * /session and /routes of the JSON API (docs/api.md, "Users, roles and
 * permissions").
 *
 * Owns: those resources' request handling and the module that starts
 * auth.c (credential cache, --admin-user bootstrap). Does not own: the
 * rows (db_users.h), checking credentials (auth.h).
 */
#ifndef CONVENE_SCHEDULER_USERS_API_H
#define CONVENE_SCHEDULER_USERS_API_H

#include "scheduler/api.h"
#include "scheduler/db_users.h"
#include "scheduler/scheduler.h"

extern const scheduler_module users_module;

/* The JSON of a user (never a password): name, fullName, email, role,
 * source, created, updated. */
json_t *users_api_user_json(const db_user *user);

/* tokens_api.c: /tokens and /session, registered by users_module. */
cv_result tokens_api_register(scheduler *daemon);

#endif
