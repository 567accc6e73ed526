/*
 * http_auth.h - strict parsing of an HTTP Basic `Authorization` header.
 *
 * Owns: the grammar "Basic" 1*SP base64 (RFC 7617; the scheme name in any
 * case), refusing anything else: text after the token ("Basic <valid>
 * xyz"), characters outside the base64 alphabet, wrong padding, a decoded
 * value without ':' or holding a NUL or another control character (a
 * password "pw\0junk" must not pass as "pw"). Decoding itself is
 * OpenSSL's EVP_DecodeBlock. Also "Bearer" 1*SP token68 (RFC 6750), the
 * same strictness. Does not own: checking the name and password
 * against an account (the daemon's authenticator does that).
 */
#ifndef CONVENE_HTTP_AUTH_H
#define CONVENE_HTTP_AUTH_H

#include <stdbool.h>

#include "common/result.h"

/*
 * Splits `header` (the Authorization value, NUL-terminated) into a newly
 * allocated *user and *password. `allow_no_space`: also accept
 * "Basic<base64>" with nothing between the scheme and the token, as a real
 * Cisco Meeting Server does (the bridge sets it; convened does not).
 * CV_ERR_INVALID for any header that is not exactly one well-formed Basic
 * credential; then *user and *password are NULL. The caller frees both
 * and should wipe the password first (http_basic_free does both).
 */
cv_result http_basic_parse(const char *header, bool allow_no_space, char **user, char **password);
/* Finds the token of "Bearer <token68>" (the scheme name in any case):
 * *token points into `header`. CV_ERR_INVALID for anything else: another
 * scheme, no token, characters outside token68, text after it, or a token
 * longer than 512 characters. */
cv_result http_bearer_parse(const char *header, const char **token);
/* Wipes and frees what http_basic_parse returned; NULLs are fine. */
void http_basic_free(char *user, char *password);

#endif
