/*
 * db_schema.c - convened's migrations (the data layer's schema family);
 * see schema.h for every table and column. Owns the SQL text of the
 * schema only.
 */
#include "scheduler/schema.h"

#include "common/log.h"
#include "common/store_sql.h"

static const char *const migrations[] = {
    /* 1: bridges, cluster members, tickets, bookings, participants */
    "CREATE TABLE bridges ("
    " id TEXT PRIMARY KEY,"
    " address TEXT NOT NULL,"
    " username TEXT NOT NULL,"
    " password TEXT NOT NULL,"
    " tls_verify INTEGER NOT NULL DEFAULT 1,"
    " ca_file TEXT,"
    " pinned_certificate TEXT,"
    " name TEXT,"
    " domain TEXT,"
    " numeric_id_base INTEGER,"
    " numeric_id_quantity INTEGER,"
    " alternate_address TEXT,"
    " alternate_username TEXT,"
    " alternate_password TEXT,"
    " allow_booking INTEGER NOT NULL DEFAULT 1,"
    " slot_name_prefix TEXT NOT NULL DEFAULT 'TMS_Scheduled_Meeting_',"
    " software_version TEXT,"
    " reachable INTEGER NOT NULL DEFAULT 0,"
    " last_contact INTEGER,"
    " uptime_seconds INTEGER NOT NULL DEFAULT 0,"
    " call_legs_active INTEGER NOT NULL DEFAULT 0,"
    " call_legs_max_active INTEGER NOT NULL DEFAULT 0,"
    " call_legs_completed INTEGER NOT NULL DEFAULT 0,"
    " call_profile_id TEXT,"
    " call_leg_profile_id TEXT,"
    " bulk_parameter_set_id TEXT,"
    " provisioned_base INTEGER,"
    " provisioned_quantity INTEGER,"
    " provisioning_state TEXT NOT NULL DEFAULT 'none',"
    " provisioning_attempted INTEGER,"
    " created INTEGER NOT NULL"
    ");"
    "CREATE TABLE cluster_members ("
    " bridge_id TEXT NOT NULL REFERENCES bridges(id) ON DELETE CASCADE,"
    " cms_id TEXT NOT NULL,"
    " name TEXT NOT NULL DEFAULT '',"
    " address TEXT NOT NULL DEFAULT '',"
    " added INTEGER NOT NULL DEFAULT 0,"
    " position INTEGER NOT NULL DEFAULT 0,"
    " PRIMARY KEY (bridge_id, cms_id)"
    ");"
    "CREATE TABLE tickets ("
    " id TEXT PRIMARY KEY,"
    " bridge_id TEXT NOT NULL REFERENCES bridges(id) ON DELETE CASCADE,"
    " kind TEXT NOT NULL,"
    " message TEXT NOT NULL,"
    " opened INTEGER NOT NULL,"
    " UNIQUE (bridge_id, kind)"
    ");"
    "CREATE TABLE bookings ("
    " id TEXT PRIMARY KEY,"
    " title TEXT NOT NULL,"
    " start_at INTEGER NOT NULL,"
    " end_at INTEGER NOT NULL,"
    " setup_minutes INTEGER NOT NULL DEFAULT 0,"
    " passcode TEXT,"
    " bridge_id TEXT REFERENCES bridges(id) ON DELETE SET NULL,"
    " slot INTEGER,"
    " state TEXT NOT NULL DEFAULT 'scheduled'"
    "  CHECK (state IN ('scheduled','starting','live','ending','ended','failed')),"
    " failure TEXT,"
    " slot_note TEXT,"
    " cospace_id TEXT,"
    " call_id TEXT,"
    " used_address TEXT,"
    " created INTEGER NOT NULL,"
    " updated INTEGER NOT NULL"
    ");"
    "CREATE INDEX bookings_by_bridge_time ON bookings (bridge_id, start_at, end_at);"
    "CREATE INDEX bookings_by_state ON bookings (state);"
    "CREATE TABLE participants ("
    " booking_id TEXT NOT NULL REFERENCES bookings(id) ON DELETE CASCADE,"
    " position INTEGER NOT NULL,"
    " uri TEXT NOT NULL,"
    " dial TEXT NOT NULL CHECK (dial IN ('out','in')),"
    " state TEXT,"
    " call_leg_id TEXT,"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " detail TEXT,"
    " PRIMARY KEY (booking_id, position)"
    ");"
    "CREATE INDEX participants_by_uri ON participants (uri);",
    /* 2: capacity bookkeeping. occupied_start = start_at minus the
     * setup buffer; holds_capacity = state is scheduled/starting/live/ending
     * (kept in step by booking.c); partial indexes so capacity queries scan
     * only bookings that hold a slot; booking_span.longest bounds every
     * overlap query from below; uri_key is the participant's identity
     * (no scheme, lower-case); secret is the coSpace secret while live. */
    "ALTER TABLE bookings ADD COLUMN occupied_start INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE bookings ADD COLUMN holds_capacity INTEGER NOT NULL DEFAULT 1;"
    "ALTER TABLE bookings ADD COLUMN bridge_chosen INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE bookings ADD COLUMN cancelled INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE bookings ADD COLUMN secret TEXT;"
    "UPDATE bookings SET occupied_start = start_at - 60 * setup_minutes,"
    " holds_capacity = (state IN " SCHEMA_ACTIVE_BOOKING_STATES ");"
    "CREATE INDEX bookings_capacity ON bookings (bridge_id, occupied_start, end_at)"
    " WHERE holds_capacity = 1;"
    "CREATE INDEX bookings_by_start ON bookings (start_at);"
    "ALTER TABLE participants ADD COLUMN uri_key TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE participants ADD COLUMN occupied_start INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE participants ADD COLUMN end_at INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE participants ADD COLUMN holds_capacity INTEGER NOT NULL DEFAULT 1;"
    "ALTER TABLE participants ADD COLUMN state_since INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE participants ADD COLUMN next_attempt INTEGER NOT NULL DEFAULT 0;"
    "UPDATE participants SET uri_key = lower(uri),"
    " occupied_start = (SELECT occupied_start FROM bookings b WHERE b.id = booking_id),"
    " end_at = (SELECT end_at FROM bookings b WHERE b.id = booking_id),"
    " holds_capacity = (SELECT holds_capacity FROM bookings b WHERE b.id = booking_id);"
    "CREATE INDEX participants_capacity ON participants (uri_key, occupied_start, end_at)"
    " WHERE holds_capacity = 1;"
    "CREATE TABLE booking_span (id INTEGER PRIMARY KEY CHECK (id = 1), longest INTEGER NOT NULL);"
    "INSERT INTO booking_span (id, longest)"
    " SELECT 1, coalesce(max(end_at - occupied_start), 0) FROM bookings;",
    /* 3: the coSpace ID of each slot on its bridge (db_slot_spaces.c), so
     * starts and ends ask for exactly the slot's space */
    "CREATE TABLE slot_spaces ("
    " bridge_id TEXT NOT NULL REFERENCES bridges(id) ON DELETE CASCADE,"
    " slot INTEGER NOT NULL,"
    " cospace_id TEXT NOT NULL,"
    " PRIMARY KEY (bridge_id, slot)"
    ");",
    /* 4: the cluster members an operator allows convened to send a bridge's
     * credentials to (bridges.c, bridge_endpoints_load) */
    "ALTER TABLE bridges ADD COLUMN allowed_members TEXT;",
    /* 5: series of meetings (db_series.c): a booking made with a time zone,
     * a recurrence or an organizer; each occurrence is an ordinary booking
     * row that names its series and the start it was generated for */
    "CREATE TABLE booking_series ("
    " id TEXT PRIMARY KEY,"
    " rrule TEXT,"
    " time_zone TEXT NOT NULL,"
    " first_start TEXT NOT NULL,"
    " duration INTEGER NOT NULL,"
    " exdates TEXT NOT NULL DEFAULT '[]',"
    " organizer TEXT,"
    " organizer_name TEXT,"
    " sequence INTEGER NOT NULL DEFAULT 0,"
    " booked_until INTEGER NOT NULL,"
    " created INTEGER NOT NULL"
    ");"
    "ALTER TABLE bookings ADD COLUMN series_id TEXT REFERENCES booking_series(id)"
    " ON DELETE SET NULL;"
    "ALTER TABLE bookings ADD COLUMN recurrence_id INTEGER;"
    "CREATE INDEX bookings_by_series ON bookings (series_id, start_at)"
    " WHERE series_id IS NOT NULL;",
    /* 6: the e-mail outbox (db_outbox.c): each row one finished message to
     * one recipient, written in the transaction of the change that causes
     * it, delivered by outbox.c */
    "CREATE TABLE outbox ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " booking_id TEXT,"
    " kind TEXT NOT NULL,"
    " sender TEXT NOT NULL,"
    " recipient TEXT NOT NULL,"
    " message_id TEXT NOT NULL UNIQUE,"
    " body TEXT NOT NULL,"
    " state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','sent','failed')),"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " next_attempt INTEGER NOT NULL DEFAULT 0,"
    " last_error TEXT,"
    " created INTEGER NOT NULL,"
    " sent_at INTEGER"
    ");"
    "CREATE INDEX outbox_due ON outbox (next_attempt) WHERE state = 'pending';",
    /* 7: accounts and who may do what (db_users.c): users, their API
     * tokens and browser sessions (secrets stored only as hashes), the
     * owner of each booking and series, and the audit trail (audit.c) */
    "CREATE TABLE users ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE,"
    " full_name TEXT,"
    " email TEXT,"
    " role TEXT NOT NULL CHECK (role IN ('admin','operator','booker')),"
    " password_hash TEXT,"
    " source TEXT NOT NULL DEFAULT 'local' CHECK (source IN ('local','ldap')),"
    " created INTEGER NOT NULL,"
    " updated INTEGER NOT NULL"
    ");"
    "CREATE TABLE api_tokens ("
    " id TEXT PRIMARY KEY,"
    " user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    " name TEXT NOT NULL,"
    " role TEXT NOT NULL CHECK (role IN ('admin','operator','booker')),"
    " secret_hash BLOB NOT NULL UNIQUE,"
    " created INTEGER NOT NULL,"
    " expires INTEGER NOT NULL"
    ");"
    "CREATE INDEX api_tokens_by_user ON api_tokens (user_id);"
    "CREATE TABLE sessions ("
    " secret_hash BLOB PRIMARY KEY,"
    " user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    " csrf_hash BLOB NOT NULL,"
    " created INTEGER NOT NULL,"
    " expires INTEGER NOT NULL"
    ");"
    "CREATE INDEX sessions_by_user ON sessions (user_id);"
    "ALTER TABLE bookings ADD COLUMN owner INTEGER REFERENCES users(id) ON DELETE SET NULL;"
    "CREATE INDEX bookings_by_owner ON bookings (owner) WHERE owner IS NOT NULL;"
    "ALTER TABLE booking_series ADD COLUMN owner INTEGER REFERENCES users(id)"
    " ON DELETE SET NULL;"
    "CREATE TABLE audit ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " at INTEGER NOT NULL,"
    " actor TEXT NOT NULL,"
    " address TEXT,"
    " action TEXT NOT NULL,"
    " object TEXT,"
    " details TEXT"
    ");"
    "CREATE INDEX audit_by_time ON audit (at);",
    /* 8: no query reads participants by their URI as written (the clash
     * check reads participants_capacity, by uri_key), so this index only
     * cost two page writes per booking (docs/benchmarks.md) */
    "DROP INDEX participants_by_uri;",
    /* 9: editing series (booking_series_edit.c): the series' own title
     * (its master VEVENT), its attendees (JSON [{"email","name"}]), and
     * whether the whole series was cancelled (the rolling horizon then
     * books no more of it) */
    "ALTER TABLE booking_series ADD COLUMN title TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE booking_series ADD COLUMN attendees TEXT NOT NULL DEFAULT '[]';"
    "ALTER TABLE booking_series ADD COLUMN cancelled INTEGER NOT NULL DEFAULT 0;"
    "UPDATE booking_series SET title = coalesce((SELECT b.title FROM bookings b"
    " WHERE b.series_id = booking_series.id ORDER BY b.recurrence_id LIMIT 1), '');"
    /* ... and the key under which a notice to an organizer is queued once */
    "ALTER TABLE outbox ADD COLUMN notice_key TEXT;"
    "CREATE UNIQUE INDEX outbox_notice_key ON outbox (notice_key)"
    " WHERE notice_key IS NOT NULL;",
    /* 10 (issue 12): live control of a running meeting (live_control.c), as
     * last set through the API: each participant's mutes and own layout,
     * the call's lock and everyone's layout ... */
    "ALTER TABLE participants ADD COLUMN audio_muted INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE participants ADD COLUMN video_muted INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE participants ADD COLUMN layout TEXT;"
    "ALTER TABLE bookings ADD COLUMN live_locked INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE bookings ADD COLUMN live_layout TEXT;"
    /* ... and the CDRs bridges post to the CDR receiver (db_cdrs.c): each
     * record once by (session, recordIndex), folded into its call and its
     * call leg; a meeting's calls are found by call ID or by its space and
     * start time */
    "CREATE TABLE cdr_records ("
    " session TEXT NOT NULL,"
    " record_index INTEGER NOT NULL,"
    " type TEXT NOT NULL,"
    " time INTEGER NOT NULL,"
    " PRIMARY KEY (session, record_index)"
    ") WITHOUT ROWID;"
    "CREATE TABLE cdr_calls ("
    " call_id TEXT PRIMARY KEY,"
    " bridge_id TEXT,"
    " cospace_id TEXT,"
    " name TEXT,"
    " started INTEGER,"
    " ended INTEGER,"
    " max_active INTEGER"
    ") WITHOUT ROWID;"
    "CREATE INDEX cdr_calls_by_space ON cdr_calls (cospace_id, started);"
    "CREATE INDEX cdr_calls_by_bridge ON cdr_calls (bridge_id, started, ended);"
    "CREATE TABLE cdr_legs ("
    " leg_id TEXT PRIMARY KEY,"
    " call_id TEXT,"
    " remote_party TEXT,"
    " direction TEXT,"
    " started INTEGER,"
    " connected INTEGER,"
    " ended INTEGER,"
    " reason TEXT,"
    " remote_teardown INTEGER NOT NULL DEFAULT 0"
    ") WITHOUT ROWID;"
    "CREATE INDEX cdr_legs_by_call ON cdr_legs (call_id, connected, ended);",
    /* 11 (issue 14): several convened on one database (db_cluster.c): the
     * one lease row whose holder drives meetings (epoch: the fencing token,
     * +1 on every change of holder; expires_at: milliseconds on the
     * database's clock), the nodes that ever ran, and the lifecycle
     * requests a node that is not the leader leaves for the leader. The
     * text is the same on SQLite and PostgreSQL. */
    "CREATE TABLE scheduler_lease ("
    " id INTEGER PRIMARY KEY CHECK (id = 1),"
    " holder TEXT,"
    " epoch BIGINT NOT NULL DEFAULT 0,"
    " expires_at BIGINT NOT NULL DEFAULT 0);"
    "INSERT INTO scheduler_lease (id) VALUES (1);"
    "CREATE TABLE scheduler_nodes ("
    " id TEXT PRIMARY KEY,"
    " address TEXT NOT NULL,"
    " version TEXT NOT NULL,"
    " started_at BIGINT NOT NULL,"
    " last_seen BIGINT NOT NULL);"
    "CREATE TABLE lifecycle_requests ("
    " booking_id TEXT NOT NULL,"
    " kind TEXT NOT NULL,"
    " PRIMARY KEY (booking_id, kind));",
    /* 12 (issue 7): two indexes every new booking wrote a page of and that no frequent
     * query needs (docs/benchmarks.md, issue 7 last part). The index by state
     * held 100,000 'scheduled' entries to find the few meetings in progress
     * at a restart: it now holds only those (the one pass over scheduled
     * bookings reads them all, as fast without it). The index by (bridge,
     * start, end) served the bookings-by-bridge report, which now reads by
     * start time (bookings_by_start), and the bookings outside a shrunk range,
     * read through bookings_capacity; deleting a bridge scans the bookings
     * (about 15 ms for 100,000) to clear their bridge. */
    "DROP INDEX bookings_by_state;"
    "CREATE INDEX bookings_in_progress ON bookings (state)"
    " WHERE state IN " SCHEMA_IN_PROGRESS_BOOKING_STATES ";"
    "DROP INDEX bookings_by_bridge_time;",
    /* 13: a participant's own e-mail address (participants[i].email), kept
     * with each occurrence's participants, so a message about one changed
     * occurrence goes to that occurrence's participants (booking_series_edit.c) */
    "ALTER TABLE participants ADD COLUMN email TEXT;",
    /* 14: which node provisions a bridge now, and until when (UTC seconds):
     * provisioning of one bridge is exclusive across the nodes of a cluster
     * (provisioning.c, db_bridge_claim_provisioning) */
    ("ALTER TABLE bridges ADD COLUMN provisioning_claim TEXT;"
     "ALTER TABLE bridges ADD COLUMN provisioning_claim_until INTEGER NOT NULL DEFAULT 0;"),
    /* 15 (issue 7): one page fewer written by every booking. The audit
     * trail's numbers only order its rows (the retention deletes the oldest,
     * so a plain INTEGER PRIMARY KEY reuses a number only once every row has
     * aged out), so it needs no AUTOINCREMENT, whose counter row in
     * sqlite_sequence was one more page per change. The table is rebuilt
     * with its rows. (Participants WITHOUT ROWID, measured too, wrote more:
     * appending to an index B-tree splits its last page in halves, where a
     * rowid table fills it.) */
    "CREATE TABLE audit_numbered ("
    " id INTEGER PRIMARY KEY,"
    " at INTEGER NOT NULL,"
    " actor TEXT NOT NULL,"
    " address TEXT,"
    " action TEXT NOT NULL,"
    " object TEXT,"
    " details TEXT"
    ");"
    "INSERT INTO audit_numbered (id, at, actor, address, action, object, details)"
    " SELECT id, at, actor, address, action, object, details FROM audit;"
    "DROP TABLE audit;"
    "DELETE FROM sqlite_sequence WHERE name = 'audit';"
    "ALTER TABLE audit_numbered RENAME TO audit;"
    "CREATE INDEX audit_by_time ON audit (at);",
};

size_t schema_version_count(void)
{
    return sizeof migrations / sizeof migrations[0];
}

cv_result schema_migrate(store_db *database)
{
    return schema_migrate_to(database, schema_version_count());
}

cv_result schema_migrate_to(store_db *database, size_t version)
{
    if (version > schema_version_count())
        return CV_ERR_INVALID;
    if (store_db_kind(database) != STORE_POSTGRESQL)
        return store_db_migrate(database, "scheduler", migrations, version);
    if (schema_postgresql_migration_count != schema_version_count()) {
        /* The rule of db_schema_postgresql.c: version N is the same schema on both. */
        log_error("convened's PostgreSQL migrations (%zu) do not match its SQLite ones (%zu)",
                  schema_postgresql_migration_count, schema_version_count());
        return CV_ERR_STORE;
    }
    return store_db_migrate(database, "scheduler", schema_postgresql_migrations, version);
}
