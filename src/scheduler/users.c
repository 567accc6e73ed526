/* users.c - the role name table; see users.h. Owns the names only; does
 * not own who may do what (api.h). */
#include "scheduler/users.h"

#include <stddef.h>
#include <string.h>

static const char *const role_names[USER_ROLE_COUNT] = {
    [USER_ROLE_BOOKER] = "booker",
    [USER_ROLE_OPERATOR] = "operator",
    [USER_ROLE_ADMIN] = "admin",
};

const char *user_role_name(user_role role)
{
    return (unsigned)role < USER_ROLE_COUNT ? role_names[role] : "";
}

bool user_role_parse(const char *name, user_role *out)
{
    for (size_t i = 0; name && i < USER_ROLE_COUNT; i++) {
        if (strcmp(name, role_names[i]) == 0) {
            *out = (user_role)i;
            return true;
        }
    }
    return false;
}
