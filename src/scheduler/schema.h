/*
 * schema.h - convened's schema: versioned migrations applied with
 * store_db_migrate (on SQLite the file's PRAGMA user_version), plus the
 * few queries more than one module needs.
 *
 * Owns: the list of migrations. Migration i takes the schema from version i
 * to i+1; never edit a migration that has shipped, append a new one.
 * Version 1 holds the bridges; later versions add bookings and
 * capacity (2) and the space of each slot (3).
 *
 * Times are Unix seconds (UTC) in INTEGER columns; the API formats them as
 * RFC 3339. IDs are lower-case UUID text. Booleans are INTEGER 0/1.
 *
 * Version 1 tables:
 *
 * bridges - one managed CMS (the address it was added by)
 *   id TEXT PK; address TEXT NOT NULL (canonical base URL, "https://h:445")
 *   username TEXT NOT NULL; password TEXT NOT NULL (sealed:
 *     db_bridge_secrets.h, as is alternate_password); tls_verify INTEGER (1);
 *   ca_file, pinned_certificate TEXT NULL;
 *   name, domain TEXT NULL (NULL or '' = unset);
 *   numeric_id_base, numeric_id_quantity INTEGER NULL (NULL = unset);
 *   alternate_address, alternate_username, alternate_password TEXT NULL;
 *   allow_booking INTEGER (1); slot_name_prefix TEXT ('TMS_Scheduled_Meeting_');
 *   software_version TEXT; reachable INTEGER; last_contact INTEGER NULL;
 *   uptime_seconds, call_legs_active, call_legs_max_active,
 *   call_legs_completed INTEGER (from the last status poll);
 *   call_profile_id, call_leg_profile_id, bulk_parameter_set_id TEXT NULL
 *     (the CMS objects provisioning created or adopted);
 *   provisioned_base, provisioned_quantity INTEGER NULL (the range of the
 *     last complete bulk sync; slots.provisioned = provisioned_quantity);
 *   provisioning_state TEXT ('none','running','complete','failed');
 *   provisioning_attempted INTEGER NULL; created INTEGER;
 *   allowed_members TEXT NULL (version 4: the cluster member addresses
 *     convened may use, canonical base URLs separated by spaces; NULL =
 *     every discovered member, '' = none).
 *
 * cluster_members - what GET /callBridges found for a bridge
 *   bridge_id TEXT -> bridges(id) ON DELETE CASCADE; cms_id TEXT (the
 *   callBridge id); name TEXT; address TEXT (as the CMS reports it, may
 *   be ''); added INTEGER (1 for the member that is the bridge itself);
 *   position INTEGER (order in the CMS list). PK (bridge_id, cms_id).
 *
 * tickets - open problems; a row exists while the problem does
 *   id TEXT PK; bridge_id TEXT -> bridges(id) ON DELETE CASCADE;
 *   kind TEXT (see tickets.h); message TEXT; opened INTEGER.
 *   UNIQUE (bridge_id, kind): at most one open ticket per cause.
 *
 * bookings - a meeting (booking.c owns the logic)
 *   id TEXT PK; title TEXT NOT NULL; start_at, end_at INTEGER NOT NULL
 *   (the meeting itself); setup_minutes INTEGER (0; connect early by this);
 *   passcode TEXT NULL (digits); bridge_id TEXT NULL -> bridges(id)
 *   ON DELETE SET NULL; slot INTEGER NULL (the numeric ID = coSpace index);
 *   state TEXT ('scheduled','starting','live','ending','ended','failed');
 *   failure TEXT NULL; slot_note TEXT NULL (why the slot differs);
 *   cospace_id, call_id TEXT NULL (CMS ids while live);
 *   used_address TEXT NULL (the address the meeting was started through);
 *   created, updated INTEGER.
 *   Indexes: (bridge_id, start_at, end_at), (state).
 *
 * participants - who a booking connects
 *   booking_id TEXT -> bookings(id) ON DELETE CASCADE; position INTEGER;
 *   uri TEXT NOT NULL; dial TEXT ('out','in'); state TEXT NULL (as last
 *   seen: e.g. 'pending','connecting','connected','busy','noAnswer',
 *   'disconnected'); call_leg_id TEXT NULL; attempts INTEGER (0);
 *   detail TEXT NULL. PK (booking_id, position). Index (uri).
 *
 * Version 2 (capacity; see slots.h):
 *   bookings + occupied_start INTEGER (start_at - 60 * setup_minutes),
 *     holds_capacity INTEGER (state scheduled/starting/live/ending),
 *     bridge_chosen INTEGER, cancelled INTEGER, secret TEXT NULL;
 *     partial index (bridge_id, occupied_start, end_at) WHERE holds_capacity.
 *   participants + uri_key TEXT (no scheme, lower-case), occupied_start,
 *     end_at, holds_capacity (copies of the booking's), state_since and
 *     next_attempt INTEGER (dial-out timing, UTC seconds); partial index
 *     (uri_key, occupied_start, end_at) WHERE holds_capacity.
 *   booking_span (id = 1, longest INTEGER): the longest occupied span stored.
 *
 * Version 3 (db_slot_spaces.h):
 *   slot_spaces - the coSpace of each slot: bridge_id TEXT -> bridges(id)
 *     ON DELETE CASCADE; slot INTEGER; cospace_id TEXT. PK (bridge_id, slot).
 *
 * Version 4 (db_series.h):
 *   booking_series - a booking made with a time zone, a recurrence or an
 *     organizer: id TEXT PK; rrule TEXT NULL (NULL: one meeting);
 *     time_zone TEXT (IANA name); first_start TEXT (wall-clock
 *     "YYYY-MM-DDTHH:MM:SS" in the zone); duration INTEGER (seconds);
 *     exdates TEXT (JSON array of UTC seconds); organizer,
 *     organizer_name TEXT NULL; sequence INTEGER (iCalendar SEQUENCE);
 *     booked_until INTEGER (occurrences starting before this are rows);
 *     created INTEGER.
 *   bookings + series_id TEXT NULL -> booking_series(id) ON DELETE SET
 *     NULL, recurrence_id INTEGER NULL (the UTC start the rule gave the
 *     occurrence); partial index (series_id, start_at).
 *
 * Version 5 (db_outbox.h):
 *   outbox - one e-mail to one recipient: id INTEGER PK AUTOINCREMENT;
 *     booking_id TEXT NULL; kind TEXT (invitation.h's mail_kind names);
 *     sender, recipient TEXT; message_id TEXT UNIQUE; body TEXT (the whole
 *     message); state TEXT ('pending','sent','failed'); attempts INTEGER;
 *     next_attempt INTEGER (UTC seconds); last_error TEXT NULL; created,
 *     sent_at INTEGER. Partial index (next_attempt) WHERE pending.
 *
 * Version 7 (db_users.h, audit.h):
 *   users - an account: id INTEGER PK; name TEXT UNIQUE (the sign-in
 *     name); full_name, email TEXT NULL; role TEXT ('admin','operator',
 *     'booker'); password_hash TEXT NULL (argon2id string from
 *     crypto_pwhash_str; NULL for a directory user); source TEXT ('local',
 *     'ldap'); created, updated INTEGER.
 *   api_tokens - id TEXT PK (UUID); user_id -> users(id) ON DELETE CASCADE;
 *     name TEXT; role TEXT (no higher than the user's); secret_hash BLOB
 *     UNIQUE (BLAKE2b-256 of the token); created, expires INTEGER.
 *   sessions - secret_hash BLOB PK (BLAKE2b-256 of the cookie);
 *     user_id -> users(id) ON DELETE CASCADE; csrf_hash BLOB; created,
 *     expires INTEGER.
 *   bookings + owner INTEGER NULL -> users(id) ON DELETE SET NULL (who
 *     booked it; partial index); booking_series + owner, the same.
 *   audit - one change: id INTEGER PK AUTOINCREMENT; at INTEGER; actor TEXT
 *     (user name, or "" for the daemon itself); address TEXT NULL (the
 *     client's); action TEXT (e.g. "booking.create"); object TEXT NULL (the
 *     ID); details TEXT NULL (JSON, secrets masked). Index (at).
 *
 * Version 9 (db_series.h, editing series):
 *   booking_series + title TEXT (the master VEVENT's), attendees TEXT
 *     (JSON [{"email","name"}]), cancelled INTEGER (0/1: the whole series
 *     was cancelled; the rolling horizon skips it).
 *   outbox + notice_key TEXT NULL, unique when set (a notice is queued
 *     once per key).
 *
 * Version 11 (db_cluster.h, several convened on one database):
 *   scheduler_lease - exactly one row (id 1): holder TEXT NULL (the node
 *     ID driving meetings), epoch BIGINT (the fencing token: +1 whenever
 *     the holder changes or a node takes the lease afresh), expires_at
 *     BIGINT (milliseconds since 1970 on the database's clock).
 *   scheduler_nodes - id TEXT PK (--node-id); address TEXT (its API);
 *     version TEXT; started_at, last_seen BIGINT (milliseconds, the
 *     database's clock).
 *   lifecycle_requests - booking_id TEXT, kind TEXT ('changed', 'end',
 *     'refresh', 'poll'); PK (booking_id, kind): what a node that is not
 *     the leader asks the leader's lifecycle to do.
 *
 * Version 12 (issue 7, a new booking writes fewer index pages):
 *   bookings: index (state) replaced by the partial index bookings_in_progress
 *     (state) WHERE state IN SCHEMA_IN_PROGRESS_BOOKING_STATES; index
 *     (bridge_id, start_at, end_at) dropped (by bridge: bookings_capacity).
 *
 * Version 13 (a participant's e-mail per occurrence):
 *   participants + email TEXT NULL (participants[i].email; NULL none).
 *
 * Version 14 (provisioning exclusive across nodes):
 *   bridges + provisioning_claim TEXT NULL (the node ID provisioning it now),
 *     provisioning_claim_until INTEGER (UTC seconds the claim lapses; 0).
 */
#ifndef CONVENE_SCHEDULER_SCHEMA_H
#define CONVENE_SCHEDULER_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/result.h"
#include "common/store_db_pool.h"

/* Booking states that hold a slot. */
#define SCHEMA_ACTIVE_BOOKING_STATES "('scheduled','starting','live','ending')"
/* Booking states of a meeting in progress: the only ones the state index
 * (bookings_in_progress, a partial index) holds, so a new booking, which
 * is scheduled, writes no entry in it. A query by state uses the index
 * only when it repeats "state IN" this list. */
#define SCHEMA_IN_PROGRESS_BOOKING_STATES "('starting','live','ending')"

/* Brings the database at `database` to the newest version, with the
 * migrations of its kind (SQLite: db_schema.c; PostgreSQL:
 * db_schema_postgresql.c, an array of the same length). */
cv_result schema_migrate(store_db *database);
/* The same up to `version` only (at most schema_version_count()), so that
 * a test can write rows as an older convened did before the newer
 * migrations run over them. */
cv_result schema_migrate_to(store_db *database, size_t version);
/* Number of migrations this build knows (the newest version). */
size_t schema_version_count(void);

/* db_schema_postgresql.c: the same schema in PostgreSQL's dialect. */
extern const char *const schema_postgresql_migrations[];
extern const size_t schema_postgresql_migration_count;

#endif
