/*
 * sign_in_limits.h - slowing down guessed passwords: failed sign-ins
 * counted per account name and per client address, and a growing wait
 * after too many.
 *
 * Owns: the counts (in memory only; a restart forgets them), the policy:
 * from the `threshold`-th failure within an hour on, the name (or the
 * address) must wait 2, 4, 8 ... seconds, at most 15 minutes, before its
 * next password is even looked at; a success clears the name's count.
 * Does not own: verifying passwords (auth.c), answering 429 (http_server).
 *
 * Names and addresses are kept as keyed BLAKE2b hashes (random key per
 * process) in a fixed table: memory stays bounded whatever an attacker
 * sends, and no name is kept in clear.
 */
#ifndef CONVENE_SCHEDULER_SIGN_IN_LIMITS_H
#define CONVENE_SCHEDULER_SIGN_IN_LIMITS_H

#include <stdint.h>

#include "common/result.h"

#define SIGN_IN_FORGET_SECONDS 3600 /* failures older than this are forgotten */
#define SIGN_IN_MAX_WAIT       900  /* the longest wait, seconds */

typedef struct sign_in_limits sign_in_limits;

/* `account_threshold`, `address_threshold`: failures before the first
 * wait (0: no limit of that kind). */
cv_result sign_in_limits_create(unsigned account_threshold, unsigned address_threshold,
                                sign_in_limits **out);
void sign_in_limits_free(sign_in_limits *limits);
/* Seconds `name` or `address` must still wait at `now`; 0 when it may try. */
unsigned sign_in_limits_wait(sign_in_limits *limits, const char *name, const char *address,
                             int64_t now);
void sign_in_limits_failed(sign_in_limits *limits, const char *name, const char *address,
                           int64_t now);
void sign_in_limits_succeeded(sign_in_limits *limits, const char *name);

#endif
