/*
 * users.h - the roles of convened's accounts and how a request's
 * principal (http_server.h) is read.
 *
 * Owns: the role enum and its one name table, the order of roles (a higher
 * value may do everything a lower one may). Does not own: storing accounts
 * (db_users.h), checking credentials (auth.h), which route needs which role
 * (api.h: scheduler_api_permission).
 */
#ifndef CONVENE_SCHEDULER_USERS_H
#define CONVENE_SCHEDULER_USERS_H

#include <stdbool.h>

/* Ordered: each role may do everything the ones below it may. The weakest
 * is 0, so a principal nobody filled in can do the least. */
typedef enum {
    USER_ROLE_BOOKER = 0, /* books meetings; sees and changes only their own */
    USER_ROLE_OPERATOR,   /* every booking, live control, tickets */
    USER_ROLE_ADMIN,      /* everything: bridges, users, settings */
    USER_ROLE_COUNT
} user_role;

/* "booker", "operator", "admin"; "" for a value out of range. */
const char *user_role_name(user_role role);
/* The role called `name`; false when there is none. */
bool user_role_parse(const char *name, user_role *out);

#endif
