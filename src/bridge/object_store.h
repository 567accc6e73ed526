/*
 * object_store.h - one generic engine for every stored configuration
 * object of the CMS API (profiles, spaces, access methods, dial plan rules,
 * CDR receivers). Each object type is described by a table of its
 * parameters (object_type) plus a few hooks for what is special about it;
 * the engine does the rest the same way for all of them.
 *
 * Owns: validating POST/PUT bodies against the description (400
 * parameterError naming the field for unknown parameters, bad values and
 * wrong types), CMS PUT semantics (omitted = unchanged, empty = unset),
 * checking that referenced objects exist, one BEGIN IMMEDIATE transaction
 * per write, prepared statements for every query, collection paging and
 * filters, the cache of rendered collection pages (valid only while the
 * database is unchanged; see object_store_read.c), rendering the XML in the
 * description's order, 404 for unknown
 * or malformed IDs, the audit lines, and the SQL of the questions other
 * modules ask about stored objects (existence, counts, the cluster-wide
 * claims of spaces' active calls). Does not own: any type's
 * parameters (one file per type) or the schema (schema.c).
 */
#ifndef CONVENE_BRIDGE_OBJECT_STORE_H
#define CONVENE_BRIDGE_OBJECT_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "bridge/api.h"

typedef enum {
    FIELD_STRING,    /* free text (valid UTF-8, already checked by the form decoder) */
    FIELD_BOOL,      /* "true" | "false"; stored 0/1 */
    FIELD_INT,       /* decimal in [minimum, maximum] */
    FIELD_DIGITS,    /* a string of decimal digits (call IDs) */
    FIELD_URI_USER,  /* the user part of a SIP URI: no '@', no spaces or controls */
    FIELD_ENUM,      /* one of enum_values */
    FIELD_ID,        /* a UUID whose object we do not keep (tenants, ...) */
    FIELD_REFERENCE, /* a UUID of a row in referenced_table, checked to exist */
} field_type;

enum {
    FIELD_IN_LIST = 1 << 0,      /* shown in collection listings too */
    FIELD_READ_ONLY = 1 << 1,    /* shown, never accepted in a body */
    FIELD_WRITE_ONLY = 1 << 2,   /* accepted, never stored or shown (hooks read it) */
    FIELD_PUT_ONLY = 1 << 3,     /* accepted by PUT only (regenerateSecret) */
    FIELD_ALWAYS_SHOWN = 1 << 4, /* rendered as an empty element when unset */
    FIELD_REQUIRED = 1 << 5,     /* POST must give a non-empty value */
};

typedef struct {
    const char *name;   /* the API's parameter and element name */
    const char *column; /* SQL column; NULL for FIELD_WRITE_ONLY */
    field_type type;
    unsigned flags;
    const char *default_value;      /* applied by POST when omitted; NULL: unset */
    const char *const *enum_values; /* FIELD_ENUM, NULL-terminated */
    int64_t minimum, maximum;       /* FIELD_INT (both 0: any non-negative int32) */
    size_t max_length;              /* FIELD_STRING; 0: no limit of our own */
    const char *referenced_table;   /* FIELD_REFERENCE */
    const char *missing_reason;     /* FIELD_REFERENCE: e.g. "callProfileDoesNotExist" */
} field_descriptor;

/* A query argument that narrows a collection to rows whose `column`
 * equals the argument (tenantFilter, callLegProfileFilter, ...). */
typedef struct {
    const char *parameter;
    const char *column;
} equality_filter;

/* One value of the object being written: the merged new state. */
typedef struct {
    bool set;       /* false: unset (NULL in the table) */
    bool given;     /* named in this request's body */
    char *text;     /* owned; the canonical text ("true", "42", ...) */
    int64_t number; /* FIELD_BOOL (0/1) and FIELD_INT */
} field_value;

struct object_type;

/* What a hook sees while a POST or PUT is applied, inside the transaction. */
typedef struct {
    api_call *call;
    const struct object_type *type;
    bool creating;
    char id[ID_TEXT_SIZE];
    const char *parent_id; /* lower-case; NULL for top-level types */
    field_value *values;   /* one per type->fields entry */
    /* Set by a hook to refuse the write: HTTP status and failure reason
     * (a <failureDetails> element), or a parameter error when
     * failed_parameter is set. */
    int failed_status;
    const char *failed_reason;
    const char *failed_parameter;
} object_write;

typedef struct object_type {
    const char *collection;     /* path under /api/v1/ for the Location: "callProfiles",
                                   "system/cdrReceivers"; with a parent, the part after
                                   the parent's ID ("accessMethods") */
    const char *table;          /* SQL table */
    const char *list_element;   /* "callProfiles" */
    const char *element;        /* "callProfile" */
    const char *missing_reason; /* "callProfileDoesNotExist" */
    const char *audit_noun;     /* "call profile" (audit lines) */
    const field_descriptor *fields;
    size_t field_count;
    bool list_shows_all;               /* listings show every field, not only FIELD_IN_LIST */
    bool counted;                      /* object_counts keeps this table's total */
    const char *const *filter_columns; /* `filter` matches a substring of any; NULL: no filter */
    const equality_filter *equality_filters; /* NULL-terminated by parameter == NULL */
    /* usageFilter=referenced|unreferenced: an SQL expression over the row
     * `o` that is true when something references it; NULL: not offered. */
    const char *usage_sql;
    /* A parent object (access methods live under a space). */
    const char *parent_prefix;         /* "coSpaces": the collection path before the ID */
    const char *parent_table;          /* "cospaces" */
    const char *parent_column;         /* "cospace" */
    const char *parent_missing_reason; /* "coSpaceDoesNotExist" */
    /* The audit line shows " (<name>)" after the ID when this field is set. */
    const char *audit_name_field;
    /* Hooks, all optional. `prepare` runs inside the write transaction
     * after field validation and reference checks; it may change values
     * (object_write_set) and refuse (failed_*). A non-OK result that is
     * not a refusal becomes a 500. */
    cv_result (*prepare)(object_write *write);
    /* Elements added after the fields when one object is shown. */
    cv_result (*render_more)(api_call *call, const char *id, strbuf *out);
    /* Attributes added to the listing's root element (after total). */
    void (*list_attributes)(api_call *call, strbuf *out);
    /* True when list_attributes writes only constants or what the database
     * holds, so a rendered listing may be served again from the reply
     * cache (object_store.c) until the database changes. A type with a
     * list_attributes hook that leaves this false (e.g. one that shows
     * live calls) is never cached. */
    bool list_attributes_cacheable;
    /* Runs after a DELETE committed (e.g. a space's live call ends). */
    void (*deleted)(api_call *call, const char *id);
    /* A type with exactly one object at a path without an ID
     * (/system/profiles): the ID of its one row, which the schema creates.
     * GET shows it without an id attribute; only object_get and
     * object_modify apply (PUT and POST both modify it). NULL otherwise. */
    const char *singleton_id;
} object_type;

/* Route handlers shared by every type; the type comes from the table the
 * route belongs to, so each module wraps them in one-line functions. */
void object_list(api_call *call, const object_type *type);
void object_get(api_call *call, const object_type *type);
void object_create(api_call *call, const object_type *type);
void object_modify(api_call *call, const object_type *type);
void object_delete(api_call *call, const object_type *type);

/* For hooks: the value of a field by name (NULL when the type has none). */
field_value *object_write_value(object_write *write, const char *name);
/* Replaces a field's value with `text` (NULL: unset). CV_ERR_NO_MEMORY. */
cv_result object_write_set(object_write *write, const char *name, const char *text);
/* Refuses the write with <failureDetails><reason /></failureDetails>. */
void object_write_refuse(object_write *write, int status, const char *reason);

/* Lower-cases a UUID from the path or a body; false when it is not one. */
bool object_canonical_id(const char *text, char out[ID_TEXT_SIZE]);

/* Reads stored objects outside the API's own handlers (the dial plan, the
 * CDR sender, a leg's effective configuration): calls `visit` for each
 * object of `type` - only the one with `id` when `id` is not NULL - in
 * creation order, with its ID and `values[i]` = the canonical text of
 * type->fields[i] ("true"/"false", decimal numbers, text), NULL when unset
 * or not stored. A non-zero return from `visit` stops the walk. Runs in
 * the caller's transaction, if any. */
typedef int (*object_visitor)(void *context, const char *id, const char *const *values);
cv_result object_read_all(store_db *database, const object_type *type, const char *id,
                          object_visitor visit, void *context);

/* Questions other modules ask about stored objects, so that the SQL stays
 * here. Each runs in the caller's transaction, if any. */
/* *exists: `id` (any case) names a row of `type`; false for a non-UUID. */
cv_result object_exists(store_db *database, const object_type *type, const char *id, bool *exists);
/* *count: the objects of `child_type` (a type with a parent) under `parent_id`. */
cv_result object_count_under(store_db *database, const object_type *child_type,
                             const char *parent_id, int64_t *count);
/* *total: the objects of a `counted` type (object_counts, kept by triggers). */
cv_result object_total(store_db *database, const object_type *type, int64_t *total);

/* One active call per space across the cluster (nodes sharing the data
 * directory): the space_calls table says which node hosts each space's
 * call. object_claim_space_call records the call in its own transaction,
 * or answers CV_ERR_CONFLICT when the space already has one on any node;
 * object_release_call_claim forgets a call that ended; a node forgets all
 * its claims when it starts and when it stops (its calls die with it). A
 * node that dies and never comes back leaves its spaces claimed until a
 * node of that --name starts again. `stale_holder` (may be NULL): a node
 * whose claim may be replaced (it was found dead). On CV_ERR_CONFLICT
 * `holder` names the node holding it. */
cv_result object_claim_space_call(store_db *database, const char *cospace_id, const char *node,
                                  const char *call_id, const char *stale_holder, char *holder,
                                  size_t holder_size);
cv_result object_release_call_claim(store_db *database, const char *call_id);
/* The claim of this node's call of a space (when the space is deleted). */
cv_result object_release_space_claim(store_db *database, const char *cospace_id, const char *node);
cv_result object_release_node_claims(store_db *database, const char *node);

/* The types other modules read with object_read_all. */
extern const object_type call_leg_profile_type; /* call_leg_profile.c */
extern const object_type cospace_type;          /* cospace.c */
extern const object_type access_method_type;    /* access_method.c */
extern const object_type dial_plan_rule_type;   /* dial_plan_rule.c */
extern const object_type cdr_receiver_type;     /* cdr_receiver.c */
extern const object_type system_profiles_type;  /* system_profiles.c */

/* The layout names shared by spaces, call leg profiles and calls. */
extern const char *const object_layout_values[];

#endif
