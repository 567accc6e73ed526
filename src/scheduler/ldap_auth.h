/*
 * ldap_auth.h - signing in the users of an LDAP directory or Active
 * Directory, with OpenLDAP's libldap.
 *
 * Owns: the --ldap options (checked at start), one sign-in: a connection
 * with TLS (StartTLS on ldap://, or ldaps://; the server's certificate
 * checked against --ldap-ca-file or the system's CAs; plain text is never
 * used), the service bind, the search for the user (--ldap-user-filter
 * with the name escaped per RFC 4515), the role from the groups
 * (--ldap-group-role: the user is a `member` of the group, or the group is
 * in the user's `memberOf`; the highest role wins), the bind as the user
 * with their password, and the name and e-mail from the entry. Every
 * network step is bounded (LDAP_OPT_NETWORK_TIMEOUT, LDAP_OPT_TIMEOUT).
 * Does not own: storing the user (auth.c keeps name, e-mail and role in
 * the users table; nothing else of the directory).
 */
#ifndef CONVENE_SCHEDULER_LDAP_AUTH_H
#define CONVENE_SCHEDULER_LDAP_AUTH_H

#include <stdbool.h>

#include "common/result.h"
#include "common/strbuf.h"
#include "scheduler/db_users.h"
#include "scheduler/scheduler.h"

#define LDAP_AUTH_TIMEOUT_SECONDS 5 /* per network step */

typedef struct ldap_directory ldap_directory;

/* Checks the --ldap options and reads the bind password; *out is NULL
 * (and CV_OK) without --ldap. CV_ERR_INVALID with `error` naming the
 * option. */
cv_result ldap_directory_create(const scheduler_options *options, ldap_directory **out,
                                strbuf *error);
void ldap_directory_free(ldap_directory *directory);

/* Signs `name` in with `password`. CV_OK: *user has name, full_name,
 * email and role (directory = true; id 0). CV_ERR_AUTH: a wrong or empty
 * password (-> 401). CV_ERR_NOT_FOUND: no such user, or in no
 * --ldap-group-role group (-> 401; the user has no role any more).
 * CV_ERR_NETWORK: the directory cannot be reached or did not answer in
 * time (-> 503). `problem` says why, for the log (never the password). */
cv_result ldap_directory_sign_in(ldap_directory *directory, const char *name, const char *password,
                                 db_user *user, strbuf *problem);

#endif
