/*
 * schema.c - the bridge's configuration tables. Everything a CMS keeps in
 * its clustered database lives here (profiles, spaces, access methods, bulk
 * parameter sets and syncs, dial plan rules, CDR receivers); calls, legs and
 * participants do not (runtime.c). Nodes on one data directory share it.
 *
 * Conventions: every object table has `seq INTEGER PRIMARY KEY` (listing
 * order = creation order, stable across restarts) and `id TEXT UNIQUE` (the
 * UUID the API shows). Column names are the API parameter names in
 * snake_case. Booleans are INTEGER 0/1; an unset optional value is NULL.
 * object_counts holds each table's row count, kept by triggers, so an
 * unfiltered collection GET answers its total="N" without a scan.
 */
#include "bridge/schema.h"

const char *const bridge_migrations[] = {
    /* 1: the configuration objects */
    "CREATE TABLE node_registry ("
    "  name TEXT PRIMARY KEY,"
    "  started_at TEXT NOT NULL"
    ");"
    "CREATE TABLE object_counts ("
    "  object_table TEXT PRIMARY KEY,"
    "  total INTEGER NOT NULL DEFAULT 0"
    ");"
    "CREATE TABLE cospaces ("
    "  seq INTEGER PRIMARY KEY,"
    "  id TEXT NOT NULL UNIQUE,"
    "  name TEXT,"
    "  uri TEXT,"
    "  secondary_uri TEXT,"
    "  call_id TEXT,"
    "  cdr_tag TEXT,"
    "  passcode TEXT,"
    "  default_layout TEXT,"
    "  tenant TEXT,"
    "  call_leg_profile TEXT,"
    "  call_profile TEXT,"
    "  call_branding_profile TEXT,"
    "  dial_in_security_profile TEXT,"
    "  require_call_id INTEGER,"
    "  secret TEXT NOT NULL,"
    "  non_member_access INTEGER NOT NULL DEFAULT 1,"
    "  owner_jid TEXT,"
    "  stream_url TEXT,"
    "  owner_ad_guid TEXT,"
    "  meeting_scheduler TEXT,"
    "  pane_placement_highest_importance INTEGER,"
    "  pane_placement_self_pane_mode TEXT,"
    "  auto_generated INTEGER NOT NULL DEFAULT 0,"
    "  bulk_parameter_set TEXT" /* the set whose sync made it; NULL when made by POST */
    ");"
    "CREATE UNIQUE INDEX cospaces_by_uri ON cospaces(uri) WHERE uri IS NOT NULL;"
    "CREATE UNIQUE INDEX cospaces_by_call_id ON cospaces(call_id) WHERE call_id IS NOT NULL;"
    "CREATE INDEX cospaces_by_secondary_uri ON cospaces(secondary_uri) WHERE secondary_uri IS NOT NULL;"
    "CREATE INDEX cospaces_by_bulk_set ON cospaces(bulk_parameter_set) WHERE bulk_parameter_set IS NOT NULL;"
    "INSERT INTO object_counts(object_table) VALUES ('cospaces');"
    "CREATE TRIGGER cospaces_counted_in AFTER INSERT ON cospaces BEGIN"
    "  UPDATE object_counts SET total = total + 1 WHERE object_table = 'cospaces'; END;"
    "CREATE TRIGGER cospaces_counted_out AFTER DELETE ON cospaces BEGIN"
    "  UPDATE object_counts SET total = total - 1 WHERE object_table = 'cospaces'; END;",
};

const size_t bridge_migration_count = sizeof bridge_migrations / sizeof bridge_migrations[0];
