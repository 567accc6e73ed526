/*
 * object_store.c - the generic create/modify/list/get/delete engine for
 * stored configuration objects; see object_store.h for what it owns.
 *
 * Every query is built from the type's description with the type's own
 * table and column names only (never from request text) and run through
 * prepared statements with bound values. Each write is one BEGIN IMMEDIATE
 * transaction, so a request never sees another's half-applied change and
 * the 200 is sent only after the commit (synchronous=FULL) returned.
 * Compiled statements are kept, inside SQLite, with their pooled
 * connection (see prepare()). Rendered collection pages are kept too, in a
 * small cache per pooled connection, and served again only while the
 * database provably has not changed since (PRAGMA data_version for every
 * other connection and process, a commit hook for the connection's own
 * commits), so nodes sharing the database still see each other's changes
 * at once. Why per connection rather than one cache for the process, what
 * makes an entry valid and what is never cached: "the reply cache" below.
 */
#include "bridge/object_store.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/store.h"
#include "common/text.h"
#include "common/xml_writer.h"

const char *const object_layout_values[] = {"allEqual",           "speakerOnly",
                                            "telepresence",       "stacked",
                                            "allEqualQuarters",   "allEqualNinths",
                                            "allEqualSixteenths", "allEqualTwentyFifths",
                                            "onePlusFive",        "onePlusSeven",
                                            "onePlusNine",        "automatic",
                                            "onePlusN",           NULL};

#define MAX_BINDINGS 16

bool object_canonical_id(const char *text, char out[ID_TEXT_SIZE])
{
    if (!id_is_valid(text))
        return false;
    for (size_t i = 0; i < ID_TEXT_SIZE; i++)
        out[i] = (char)tolower((unsigned char)text[i]);
    return true;
}

/* --- paths ---------------------------------------------------------------- */

static size_t count_segments(const char *path)
{
    size_t count = 1;
    for (; *path; path++)
        if (*path == '/')
            count++;
    return count;
}

/* Index of the parent's ID in the path (types with a parent only). */
static size_t parent_id_segment(const object_type *type)
{
    return count_segments(type->parent_prefix);
}

/* Index of the object's own ID in the path. */
static size_t own_id_segment(const object_type *type)
{
    size_t depth = count_segments(type->collection);
    if (type->parent_prefix)
        depth += parent_id_segment(type) + 1;
    return depth;
}

/* --- statements -------------------------------------------------------------- */

typedef struct {
    const char *texts[MAX_BINDINGS];
    size_t count;
} binding_list;

static int add_binding(binding_list *bindings, const char *text)
{
    if (bindings->count == MAX_BINDINGS)
        return -1;
    bindings->texts[bindings->count++] = text;
    return (int)bindings->count;
}

/* Statements are kept with their connection and found again by their SQL
 * text (sqlite3_next_stmt walks the connection's own list), so the hot
 * queries are compiled once per pooled connection and no cache lives
 * outside SQLite. The marker keeps our texts apart from other modules'.
 * Every statement is released (reset, not finalized) before another with
 * the same text is prepared; store_close finalizes them all. */
#define STATEMENT_MARKER "/* object_store */ "

static cv_result prepare_marked(api_call *call, const char *text, sqlite3_stmt **out);

static cv_result prepare(api_call *call, const strbuf *sql, sqlite3_stmt **out)
{
    strbuf marked = STRBUF_INIT;
    strbuf_append_str(&marked, STATEMENT_MARKER);
    strbuf_append_str(&marked, strbuf_str(sql));
    if (strbuf_status(sql) != CV_OK || strbuf_status(&marked) != CV_OK) {
        strbuf_free(&marked);
        return CV_ERR_NO_MEMORY;
    }
    cv_result result = prepare_marked(call, strbuf_str(&marked), out);
    strbuf_free(&marked);
    return result;
}

static cv_result prepare_marked(api_call *call, const char *text, sqlite3_stmt **out)
{
    for (sqlite3_stmt *kept = sqlite3_next_stmt(call->database, NULL); kept;
         kept = sqlite3_next_stmt(call->database, kept)) {
        const char *kept_text = sqlite3_sql(kept);
        if (kept_text && !sqlite3_stmt_busy(kept) && strcmp(kept_text, text) == 0) {
            *out = kept;
            return CV_OK;
        }
    }
    int code = sqlite3_prepare_v3(call->database, text, -1, SQLITE_PREPARE_PERSISTENT, out, NULL);
    if (code != SQLITE_OK)
        log_error("prepare failed: %s: %s", sqlite3_errmsg(call->database), text);
    return store_result(code);
}

/* Gives a statement back for the next request on this connection. */
static void release(sqlite3_stmt *statement)
{
    if (!statement)
        return;
    sqlite3_reset(statement);
    sqlite3_clear_bindings(statement);
}

static void bind_texts(sqlite3_stmt *statement, const binding_list *bindings)
{
    for (size_t i = 0; i < bindings->count; i++)
        sqlite3_bind_text(statement, (int)i + 1, bindings->texts[i], -1, SQLITE_STATIC);
}

/* Replies for a store failure: 503 when the database is locked too long. */
static void fail_store(api_call *call, cv_result result, const char *what)
{
    if (result == CV_ERR_BUSY)
        api_fail(call, 503, "databaseNotReady");
    else if (result == CV_ERR_NO_MEMORY)
        api_fail(call, 503, "outOfMemory");
    else
        api_fail_internal(call, what);
}

/* Does a row with this ID exist in `table` (optionally under a parent)? */
static cv_result row_exists(api_call *call, const char *table, const char *id,
                            const char *parent_column, const char *parent_id, bool *exists)
{
    strbuf sql = STRBUF_INIT;
    strbuf_printf(&sql, "SELECT 1 FROM %s WHERE id = ?1", table);
    if (parent_column)
        strbuf_printf(&sql, " AND %s = ?2", parent_column);
    sqlite3_stmt *statement = NULL;
    cv_result result = prepare(call, &sql, &statement);
    strbuf_free(&sql);
    if (result != CV_OK)
        return result;
    sqlite3_bind_text(statement, 1, id, -1, SQLITE_STATIC);
    if (parent_column)
        sqlite3_bind_text(statement, 2, parent_id, -1, SQLITE_STATIC);
    int code = sqlite3_step(statement);
    *exists = code == SQLITE_ROW;
    result = code == SQLITE_ROW || code == SQLITE_DONE ? CV_OK : store_result(code);
    release(statement);
    return result;
}

/* Reads the parent ID from the path and checks the parent exists; replies
 * 404 and returns false otherwise. */
static bool read_parent(api_call *call, const object_type *type, char parent[ID_TEXT_SIZE])
{
    size_t segment = parent_id_segment(type);
    const char *text = segment < call->segment_count ? call->segments[segment] : NULL;
    if (!object_canonical_id(text, parent)) {
        api_fail_not_found(call, type->parent_missing_reason);
        return false;
    }
    bool exists = false;
    cv_result result = row_exists(call, type->parent_table, parent, NULL, NULL, &exists);
    if (result != CV_OK) {
        fail_store(call, result, "parent lookup");
        return false;
    }
    if (!exists) {
        api_fail_not_found(call, type->parent_missing_reason);
        return false;
    }
    return true;
}

static bool read_own_id(api_call *call, const object_type *type, char id[ID_TEXT_SIZE])
{
    if (type->singleton_id) {
        snprintf(id, ID_TEXT_SIZE, "%s", type->singleton_id);
        return true;
    }
    size_t segment = own_id_segment(type);
    const char *text = segment < call->segment_count ? call->segments[segment] : NULL;
    if (!object_canonical_id(text, id)) {
        api_fail_not_found(call, type->missing_reason);
        return false;
    }
    return true;
}

/* --- rendering ---------------------------------------------------------------- */

static bool field_is_stored(const field_descriptor *field)
{
    return field->column != NULL && !(field->flags & FIELD_WRITE_ONLY);
}

/* Appends "o.col, o.col, ..." for the fields to show; `all` false: list ones. */
static void append_shown_columns(strbuf *sql, const object_type *type, bool all)
{
    for (size_t i = 0; i < type->field_count; i++) {
        const field_descriptor *field = &type->fields[i];
        if (!field_is_stored(field) || (!all && !(field->flags & FIELD_IN_LIST)))
            continue;
        strbuf_printf(sql, ", o.%s", field->column);
    }
}

/* Renders one row (columns from `first`, in the order append_shown_columns
 * wrote them) as the type's fields. */
static void render_fields(strbuf *out, const object_type *type, bool all, sqlite3_stmt *row,
                          int first)
{
    int column = first;
    for (size_t i = 0; i < type->field_count; i++) {
        const field_descriptor *field = &type->fields[i];
        if (!field_is_stored(field) || (!all && !(field->flags & FIELD_IN_LIST)))
            continue;
        int index = column++;
        if (sqlite3_column_type(row, index) == SQLITE_NULL) {
            if (field->flags & FIELD_ALWAYS_SHOWN)
                xml_text_element(out, field->name, "");
            continue;
        }
        if (field->type == FIELD_BOOL)
            xml_bool_element(out, field->name, sqlite3_column_int64(row, index) != 0);
        else if (field->type == FIELD_INT)
            xml_int_element(out, field->name, sqlite3_column_int64(row, index));
        else
            xml_text_element(out, field->name, (const char *)sqlite3_column_text(row, index));
    }
}

/* --- reading for other modules ------------------------------------------------------ */

#define MAX_READ_FIELDS 64

/* One row as object_read_all's values; `texts` holds the converted numbers. */
static void row_values(const object_type *type, sqlite3_stmt *row, const char **values,
                       char texts[][24])
{
    int column = 1;
    for (size_t i = 0; i < type->field_count && i < MAX_READ_FIELDS; i++) {
        const field_descriptor *field = &type->fields[i];
        values[i] = NULL;
        if (!field_is_stored(field))
            continue;
        int index = column++;
        if (sqlite3_column_type(row, index) == SQLITE_NULL)
            continue;
        if (field->type == FIELD_BOOL) {
            values[i] = sqlite3_column_int64(row, index) ? "true" : "false";
        } else if (field->type == FIELD_INT) {
            snprintf(texts[i], sizeof texts[i], "%lld",
                     (long long)sqlite3_column_int64(row, index));
            values[i] = texts[i];
        } else {
            values[i] = (const char *)sqlite3_column_text(row, index);
        }
    }
}

cv_result object_read_all(sqlite3 *database, const object_type *type, const char *id,
                          object_visitor visit, void *context)
{
    if (type->field_count > MAX_READ_FIELDS)
        return CV_ERR_INVALID;
    strbuf sql = STRBUF_INIT;
    strbuf_append_str(&sql, "SELECT o.id");
    append_shown_columns(&sql, type, true);
    strbuf_printf(&sql, " FROM %s AS o%s ORDER BY o.seq", type->table,
                  id ? " WHERE o.id = ?1" : "");
    sqlite3_stmt *statement = NULL;
    int code = strbuf_status(&sql) != CV_OK
                   ? SQLITE_NOMEM
                   : sqlite3_prepare_v2(database, strbuf_str(&sql), -1, &statement, NULL);
    strbuf_free(&sql);
    char key[ID_TEXT_SIZE];
    if (code == SQLITE_OK && id) {
        if (!object_canonical_id(id, key)) {
            sqlite3_finalize(statement);
            return CV_OK; /* no such object can exist */
        }
        sqlite3_bind_text(statement, 1, key, -1, SQLITE_STATIC);
    }
    const char *values[MAX_READ_FIELDS];
    char texts[MAX_READ_FIELDS][24];
    while (code == SQLITE_OK && (code = sqlite3_step(statement)) == SQLITE_ROW) {
        row_values(type, statement, values, texts);
        if (visit(context, (const char *)sqlite3_column_text(statement, 0), values) != 0)
            break;
        code = SQLITE_OK;
    }
    sqlite3_finalize(statement);
    return code == SQLITE_OK || code == SQLITE_ROW || code == SQLITE_DONE ? CV_OK
                                                                          : store_result(code);
}

/* --- the reply cache ------------------------------------------------------------ */

/* Rendered collection pages (GET on a collection: the XML after the
 * declaration), kept per pooled connection in the pool's attachment slot.
 *
 * Why per connection and not one cache for the process: a connection is
 * borrowed by one request at a time, so its cache needs no lock, where a
 * shared one would put a mutex (and its cache-line traffic) on every GET
 * of every server thread; and the validity check is per connection
 * anyway, because PRAGMA data_version answers for the connection asking.
 * The price is that each connection warms its own copy of a page (the
 * pool hands out the first free connection, so the busy ones stay warm)
 * and that memory is bounded per connection: REPLY_CACHE_ENTRIES pages of
 * at most REPLY_CACHE_MAX_BODY bytes, the least recently used replaced,
 * i.e. at most 512 KiB per connection.
 *
 * Key: the object type plus the whole normalised query: offset and limit
 * after defaulting and capping, the parent's canonical ID, and every
 * filter argument the listing accepts, present or not, with its exact
 * text (length-prefixed, so no two queries share a key). Two queries that
 * differ only in spelling may get two entries; two that differ in meaning
 * never share one.
 *
 * An entry is served only while nothing can have changed since it was
 * rendered:
 * - data_version: PRAGMA data_version on this connection is what it was
 *   when the entry was made. It moves whenever ANY OTHER connection
 *   commits to the file: another pooled connection, the bulk sync
 *   worker's, the other node's process on the same data directory.
 * - generation: a commit hook on this connection counts its own commits,
 *   whichever module makes them (data_version does not move for those).
 * The version is read before the page query runs, so a commit landing
 * between the two leaves the new entry already stale, never wrongly
 * valid. Pages are only cached and served outside a transaction (inside
 * one, the connection sees its own uncommitted rows). A listing whose
 * root attributes come from a hook not marked list_attributes_cacheable
 * (anything rendered from live calls) is never cached, nor are error
 * replies. */
#define REPLY_CACHE_ENTRIES  8
#define REPLY_CACHE_MAX_BODY (64 * 1024)

typedef struct {
    const object_type *type; /* NULL: a free slot */
    char *key;               /* owned; list_cache_key() */
    char *body;              /* owned; the reply after the XML declaration */
    size_t body_length;
    int64_t data_version;
    uint64_t generation;
    uint64_t last_used; /* the cache's clock when last served */
} cached_reply;

/* The statements of the two read queries, found again without building
 * their SQL text (which names every shown column) or comparing it with
 * every statement of the connection (prepare()): by type, query kind and,
 * for listings, the text of the WHERE conditions alone. The statements
 * stay the connection's (store_close finalizes them); a full table only
 * means later shapes go through prepare() as before. */
#define KEPT_STATEMENTS 16

typedef enum { KEPT_LIST = 1, KEPT_GET } kept_kind;

typedef struct {
    const object_type *type; /* NULL: a free slot */
    kept_kind kind;
    char *where; /* owned; KEPT_LIST: the conditions' text; KEPT_GET: NULL */
    sqlite3_stmt *statement;
} kept_statement;

typedef struct {
    store_attachment base;      /* first: the pool releases the cache through it */
    sqlite3_stmt *data_version; /* PRAGMA data_version, compiled once */
    uint64_t generation;        /* commits made through this connection */
    uint64_t clock;             /* ticks once per store or hit */
    cached_reply entries[REPLY_CACHE_ENTRIES];
    kept_statement kept[KEPT_STATEMENTS];
} reply_cache;

static void clear_entry(cached_reply *entry)
{
    free(entry->key);
    free(entry->body);
    *entry = (cached_reply){0};
}

static void release_reply_cache(store_attachment *attachment, sqlite3 *connection)
{
    reply_cache *cache = (reply_cache *)attachment;
    sqlite3_commit_hook(connection, NULL, NULL);
    sqlite3_finalize(cache->data_version);
    for (size_t i = 0; i < REPLY_CACHE_ENTRIES; i++)
        clear_entry(&cache->entries[i]);
    for (size_t i = 0; i < KEPT_STATEMENTS; i++)
        free(cache->kept[i].where); /* the statements go with the connection */
    free(cache);
}

/* SQLite's commit hook: runs inside each commit of the connection, on the
 * thread that borrowed it. Returning 0 lets the commit go on. A commit
 * that then fails has still made every entry stale, which only costs a
 * re-render. */
static int count_own_commit(void *context)
{
    reply_cache *cache = context;
    cache->generation++;
    return 0;
}

/* The cache of the call's connection, made on first use. NULL when the
 * connection is not from the node's pool or memory or SQLite fails: the
 * request is then answered without the cache. */
static reply_cache *connection_cache(api_call *call)
{
    if (!call->node || !call->database)
        return NULL;
    store_attachment **slot = store_pool_attachment(&call->node->store, call->database);
    if (!slot)
        return NULL;
    if (*slot)
        return (reply_cache *)*slot;
    reply_cache *cache = calloc(1, sizeof *cache);
    if (!cache)
        return NULL;
    cache->base.release = release_reply_cache;
    int code = sqlite3_prepare_v3(call->database, "PRAGMA data_version", -1,
                                  SQLITE_PREPARE_PERSISTENT, &cache->data_version, NULL);
    if (code != SQLITE_OK) {
        log_error("prepare failed: %s: PRAGMA data_version", sqlite3_errmsg(call->database));
        free(cache);
        return NULL;
    }
    /* A connection has one commit hook. Nothing else in the bridge sets
     * one on its pooled connections; a module that needs one must chain
     * to this one, or the cache would miss this connection's commits. */
    void *previous = sqlite3_commit_hook(call->database, count_own_commit, cache);
    if (previous) {
        log_error("reply cache: a commit hook was already set; not caching");
        sqlite3_commit_hook(call->database, NULL, NULL);
        sqlite3_finalize(cache->data_version);
        free(cache);
        return NULL;
    }
    *slot = &cache->base;
    return cache;
}

/* PRAGMA data_version on the cache's connection; false when SQLite fails
 * (the request then goes without the cache). */
static bool read_data_version(reply_cache *cache, int64_t *version)
{
    int code = sqlite3_step(cache->data_version);
    bool read = code == SQLITE_ROW;
    if (read)
        *version = sqlite3_column_int64(cache->data_version, 0);
    sqlite3_reset(cache->data_version);
    return read;
}

/* The key is built on every listing request, hit or miss, so it avoids
 * printf (which showed in profiles of the cached path). */
static void append_key_number(strbuf *key, uint64_t number)
{
    char digits[24];
    size_t at = sizeof digits;
    do {
        digits[--at] = (char)('0' + number % 10);
        number /= 10;
    } while (number > 0);
    strbuf_append(key, digits + at, sizeof digits - at);
}

/* "name=LENGTH:value;" or, when the argument is absent, "name!;". */
static void append_key_part(strbuf *key, const char *name, const char *value)
{
    strbuf_append_str(key, name);
    if (!value) {
        strbuf_append_str(key, "!;");
        return;
    }
    size_t length = strlen(value);
    strbuf_append_char(key, '=');
    append_key_number(key, length);
    strbuf_append_char(key, ':');
    strbuf_append(key, value, length);
    strbuf_append_char(key, ';');
}

/* The normalised query of a listing (see above). NULL when out of memory
 * or when the parent ID is malformed (the listing replies 404 then, and
 * that is not cached). */
static char *list_cache_key(api_call *call, const object_type *type, const api_page *page)
{
    strbuf key = STRBUF_INIT;
    strbuf_reserve(&key, 160); /* one allocation for the usual key */
    /* api_read_page made both non-negative. */
    strbuf_append_str(&key, "offset=");
    append_key_number(&key, (uint64_t)page->offset);
    strbuf_append_str(&key, ";limit=");
    append_key_number(&key, (uint64_t)page->limit);
    strbuf_append_char(&key, ';');
    if (type->parent_prefix) {
        char parent[ID_TEXT_SIZE];
        size_t segment = parent_id_segment(type);
        const char *text = segment < call->segment_count ? call->segments[segment] : NULL;
        if (!object_canonical_id(text, parent)) {
            strbuf_free(&key);
            return NULL;
        }
        append_key_part(&key, "parent", parent);
    }
    append_key_part(&key, "filter", http_request_query(call->request, "filter"));
    for (size_t i = 0; type->equality_filters && type->equality_filters[i].parameter; i++)
        append_key_part(&key, type->equality_filters[i].parameter,
                        http_request_query(call->request, type->equality_filters[i].parameter));
    if (type->usage_sql)
        append_key_part(&key, "usageFilter", http_request_query(call->request, "usageFilter"));
    if (strbuf_status(&key) != CV_OK) {
        strbuf_free(&key);
        return NULL;
    }
    return strbuf_detach(&key);
}

/* A kept statement that is free to run, or NULL. */
static sqlite3_stmt *find_kept(reply_cache *cache, const object_type *type, kept_kind kind,
                               const char *where)
{
    for (size_t i = 0; cache && i < KEPT_STATEMENTS && cache->kept[i].type; i++) {
        kept_statement *kept = &cache->kept[i];
        if (kept->type == type && kept->kind == kind &&
            (kind == KEPT_GET || strcmp(kept->where, where) == 0))
            return sqlite3_stmt_busy(kept->statement) ? NULL : kept->statement;
    }
    return NULL;
}

/* Remembers a statement from prepare() for find_kept; when the table is
 * full or memory short it is simply not remembered. */
static void keep_statement(reply_cache *cache, const object_type *type, kept_kind kind,
                           const char *where, sqlite3_stmt *statement)
{
    for (size_t i = 0; cache && i < KEPT_STATEMENTS; i++) {
        kept_statement *kept = &cache->kept[i];
        if (kept->type)
            continue;
        char *copy = NULL;
        if (kind == KEPT_LIST && !(copy = strdup(where)))
            return;
        *kept = (kept_statement){.type = type, .kind = kind, .where = copy, .statement = statement};
        return;
    }
}

static cached_reply *find_entry(reply_cache *cache, const object_type *type, const char *key)
{
    for (size_t i = 0; i < REPLY_CACHE_ENTRIES; i++) {
        cached_reply *entry = &cache->entries[i];
        if (entry->type == type && strcmp(entry->key, key) == 0)
            return entry;
    }
    return NULL;
}

/* Keeps a rendered page made from data_version `version` while the
 * connection's commit count was `generation`; takes `key`. Keeps nothing
 * when the page is too large, the connection committed meanwhile, or
 * memory is short. */
static void remember_page(reply_cache *cache, const object_type *type, char *key, const char *body,
                          size_t length, int64_t version, uint64_t generation)
{
    if (length > REPLY_CACHE_MAX_BODY || generation != cache->generation) {
        free(key);
        return;
    }
    char *copy = malloc(length + 1);
    if (!copy) {
        free(key);
        return;
    }
    memcpy(copy, body, length);
    copy[length] = '\0';
    /* The same query's stale entry, else a free slot, else the least
     * recently used one. */
    cached_reply *slot = find_entry(cache, type, key);
    if (!slot) {
        slot = &cache->entries[0];
        for (size_t i = 0; i < REPLY_CACHE_ENTRIES; i++) {
            cached_reply *candidate = &cache->entries[i];
            if (!candidate->type) {
                slot = candidate;
                break;
            }
            if (candidate->last_used < slot->last_used)
                slot = candidate;
        }
    }
    clear_entry(slot);
    *slot = (cached_reply){.type = type,
                           .key = key,
                           .body = copy,
                           .body_length = length,
                           .data_version = version,
                           .generation = generation,
                           .last_used = ++cache->clock};
}

/* --- GET one ------------------------------------------------------------------- */

void object_get(api_call *call, const object_type *type)
{
    if (!api_check_query(call, NULL))
        return;
    char parent[ID_TEXT_SIZE] = "";
    char id[ID_TEXT_SIZE];
    if (type->parent_prefix && !read_parent(call, type, parent))
        return;
    if (!read_own_id(call, type, id))
        return;
    reply_cache *cache = connection_cache(call);
    sqlite3_stmt *statement = find_kept(cache, type, KEPT_GET, NULL);
    cv_result result = CV_OK;
    if (!statement) {
        strbuf sql = STRBUF_INIT;
        strbuf_append_str(&sql, "SELECT o.id");
        append_shown_columns(&sql, type, true);
        strbuf_printf(&sql, " FROM %s AS o WHERE o.id = ?1", type->table);
        if (type->parent_prefix)
            strbuf_printf(&sql, " AND o.%s = ?2", type->parent_column);
        result = prepare(call, &sql, &statement);
        strbuf_free(&sql);
        if (result != CV_OK) {
            fail_store(call, result, "object query");
            return;
        }
        keep_statement(cache, type, KEPT_GET, NULL, statement);
    }
    sqlite3_bind_text(statement, 1, id, -1, SQLITE_STATIC);
    if (type->parent_prefix)
        sqlite3_bind_text(statement, 2, parent, -1, SQLITE_STATIC);
    int code = sqlite3_step(statement);
    if (code == SQLITE_DONE) {
        api_fail_not_found(call, type->missing_reason);
    } else if (code != SQLITE_ROW) {
        fail_store(call, store_result(code), "object query");
    } else {
        strbuf *out = api_reply_xml(call);
        if (type->singleton_id)
            xml_open(out, type->element);
        else
            xml_open_with_attribute(out, type->element, "id", id);
        render_fields(out, type, true, statement, 1);
        result = type->render_more ? type->render_more(call, id, out) : CV_OK;
        xml_close(out, type->element);
        if (result != CV_OK)
            fail_store(call, result, "object details");
    }
    release(statement);
}

/* --- GET collection ------------------------------------------------------------ */

/* "%text%" with LIKE's wildcards in `text` escaped by '\'; NULL when out
 * of memory. */
static char *like_pattern(const char *text)
{
    strbuf pattern = STRBUF_INIT;
    strbuf_append_char(&pattern, '%');
    for (; *text; text++) {
        if (*text == '%' || *text == '_' || *text == '\\')
            strbuf_append_char(&pattern, '\\');
        strbuf_append_char(&pattern, *text);
    }
    strbuf_append_char(&pattern, '%');
    if (strbuf_status(&pattern) != CV_OK) {
        strbuf_free(&pattern);
        return NULL;
    }
    return strbuf_detach(&pattern);
}

typedef struct {
    strbuf where; /* " AND ..." conditions over `o` */
    binding_list bindings;
    char *pattern; /* owned LIKE pattern */
    char parent[ID_TEXT_SIZE];
    char equality_ids[MAX_BINDINGS][ID_TEXT_SIZE];
    bool filtered; /* anything beyond the parent narrows the rows */
} list_conditions;

/* Builds the WHERE conditions from the query; replies and returns false on
 * a bad argument. */
static bool build_conditions(api_call *call, const object_type *type, list_conditions *conditions)
{
    if (type->parent_prefix) {
        int index = add_binding(&conditions->bindings, conditions->parent);
        strbuf_printf(&conditions->where, " AND o.%s = ?%d", type->parent_column, index);
    }
    const char *filter = http_request_query(call->request, "filter");
    if (filter && *filter && type->filter_columns) {
        conditions->pattern = like_pattern(filter);
        if (!conditions->pattern) {
            api_fail(call, 503, "outOfMemory");
            return false;
        }
        int index = add_binding(&conditions->bindings, conditions->pattern);
        strbuf_append_str(&conditions->where, " AND (");
        for (size_t i = 0; type->filter_columns[i]; i++)
            strbuf_printf(&conditions->where, "%so.%s LIKE ?%d ESCAPE '\\'", i ? " OR " : "",
                          type->filter_columns[i], index);
        strbuf_append_char(&conditions->where, ')');
        conditions->filtered = true;
    }
    for (size_t i = 0;
         type->equality_filters && type->equality_filters[i].parameter && i < MAX_BINDINGS; i++) {
        const equality_filter *equality = &type->equality_filters[i];
        const char *value = http_request_query(call->request, equality->parameter);
        if (!value)
            continue;
        conditions->filtered = true;
        char *key = conditions->equality_ids[i];
        if (!object_canonical_id(value, key)) {
            strbuf_append_str(&conditions->where, " AND 0"); /* no object has such an ID */
            continue;
        }
        int index = add_binding(&conditions->bindings, key);
        strbuf_printf(&conditions->where, " AND o.%s = ?%d", equality->column, index);
    }
    const char *usage = http_request_query(call->request, "usageFilter");
    if (usage && type->usage_sql) {
        if (strcmp(usage, "referenced") == 0) {
            strbuf_printf(&conditions->where, " AND (%s)", type->usage_sql);
        } else if (strcmp(usage, "unreferenced") == 0) {
            strbuf_printf(&conditions->where, " AND NOT (%s)", type->usage_sql);
        } else {
            api_fail_parameter(call, "usageFilter", "invalidValue");
            return false;
        }
        conditions->filtered = true;
    }
    return true;
}

static void append_count_expression(strbuf *sql, const object_type *type,
                                    const list_conditions *conditions)
{
    if (type->counted && !conditions->filtered && !type->parent_prefix)
        strbuf_printf(sql, "(SELECT total FROM object_counts WHERE object_table = '%s')",
                      type->table);
    else
        strbuf_printf(sql, "(SELECT count(*) FROM %s AS o WHERE 1%s)", type->table,
                      strbuf_str(&conditions->where));
}

static cv_result count_rows(api_call *call, const object_type *type,
                            const list_conditions *conditions, int64_t *total)
{
    strbuf sql = STRBUF_INIT;
    strbuf_append_str(&sql, "SELECT ");
    append_count_expression(&sql, type, conditions);
    sqlite3_stmt *statement = NULL;
    cv_result result = prepare(call, &sql, &statement);
    strbuf_free(&sql);
    if (result != CV_OK)
        return result;
    bind_texts(statement, &conditions->bindings);
    int code = sqlite3_step(statement);
    if (code == SQLITE_ROW)
        *total = sqlite3_column_int64(statement, 0);
    result = code == SQLITE_ROW ? CV_OK : store_result(code == SQLITE_DONE ? SQLITE_ERROR : code);
    release(statement);
    return result;
}

void object_list(api_call *call, const object_type *type)
{
    const char *allowed[MAX_BINDINGS + 2];
    size_t allowed_count = 0;
    for (size_t i = 0; type->equality_filters && type->equality_filters[i].parameter &&
                       allowed_count < MAX_BINDINGS;
         i++)
        allowed[allowed_count++] = type->equality_filters[i].parameter;
    if (type->usage_sql)
        allowed[allowed_count++] = "usageFilter";
    allowed[allowed_count] = NULL;
    if (!api_check_query(call, allowed))
        return;
    api_page page;
    if (!api_read_page(call, &page))
        return;

    /* The reply cache (see above): a page rendered from the same data for
     * the same query is sent again as it was. */
    reply_cache *cache = NULL;
    char *key = NULL;
    int64_t version = 0;
    uint64_t generation = 0;
    if ((!type->list_attributes || type->list_attributes_cacheable) &&
        (cache = connection_cache(call)) != NULL && sqlite3_get_autocommit(call->database) &&
        (key = list_cache_key(call, type, &page)) != NULL) {
        generation = cache->generation;
        if (!read_data_version(cache, &version)) {
            free(key); /* answered from the database alone */
            key = NULL;
        } else {
            cached_reply *entry = find_entry(cache, type, key);
            if (entry && entry->data_version == version && entry->generation == generation) {
                entry->last_used = ++cache->clock;
                strbuf *out = api_reply_xml(call);
                strbuf_append(out, entry->body, entry->body_length);
                free(key);
                return;
            }
        }
    }

    list_conditions conditions = {.where = STRBUF_INIT};
    if (type->parent_prefix && !read_parent(call, type, conditions.parent))
        goto done;
    if (!build_conditions(call, type, &conditions))
        goto done;

    /* One statement gives the total and the page from one snapshot. The
     * WHERE text decides the rest of the SQL (the count expression only
     * differs by whether anything filters, which adds conditions). */
    int limit_index = (int)conditions.bindings.count + 1;
    cv_result result = strbuf_status(&conditions.where);
    sqlite3_stmt *statement = result == CV_OK ? find_kept(connection_cache(call), type, KEPT_LIST,
                                                          strbuf_str(&conditions.where))
                                              : NULL;
    if (!statement && result == CV_OK) {
        strbuf sql = STRBUF_INIT;
        strbuf_append_str(&sql, "SELECT ");
        append_count_expression(&sql, type, &conditions);
        strbuf_append_str(&sql, ", o.id");
        append_shown_columns(&sql, type, type->list_shows_all);
        strbuf_printf(&sql, " FROM %s AS o WHERE 1%s ORDER BY o.seq LIMIT ?%d OFFSET ?%d",
                      type->table, strbuf_str(&conditions.where), limit_index, limit_index + 1);
        result = prepare(call, &sql, &statement);
        strbuf_free(&sql);
        if (result == CV_OK)
            keep_statement(connection_cache(call), type, KEPT_LIST, strbuf_str(&conditions.where),
                           statement);
    }
    if (result != CV_OK) {
        fail_store(call, result, "collection query");
        goto done;
    }
    bind_texts(statement, &conditions.bindings);
    sqlite3_bind_int64(statement, limit_index, page.limit);
    sqlite3_bind_int64(statement, limit_index + 1, page.offset);

    strbuf rows = STRBUF_INIT;
    int64_t total = -1;
    int code;
    while ((code = sqlite3_step(statement)) == SQLITE_ROW) {
        total = sqlite3_column_int64(statement, 0);
        xml_open_with_attribute(&rows, type->element, "id",
                                (const char *)sqlite3_column_text(statement, 1));
        render_fields(&rows, type, type->list_shows_all, statement, 2);
        xml_close(&rows, type->element);
    }
    release(statement);
    if (code == SQLITE_DONE && total < 0) /* an empty page carries no total */
        result = count_rows(call, type, &conditions, &total);
    else if (code != SQLITE_DONE)
        result = store_result(code);
    if (result == CV_OK && strbuf_status(&rows) != CV_OK)
        result = CV_ERR_NO_MEMORY;
    if (result != CV_OK) {
        fail_store(call, result, "collection query");
    } else {
        strbuf *out = api_reply_xml(call);
        size_t start = out->length; /* the cache keeps what follows the declaration */
        strbuf_printf(out, "<%s total=\"%" PRId64 "\"", type->list_element, total);
        if (type->list_attributes)
            type->list_attributes(call, out);
        strbuf_append_char(out, '>');
        strbuf_append(out, strbuf_str(&rows), rows.length);
        xml_close(out, type->list_element);
        if (key && strbuf_status(out) == CV_OK) {
            remember_page(cache, type, key, out->data + start, out->length - start, version,
                          generation);
            key = NULL; /* taken */
        }
    }
    strbuf_free(&rows);
done:
    free(key);
    strbuf_free(&conditions.where);
    free(conditions.pattern);
}

/* --- writes: validation ----------------------------------------------------- */

static const field_descriptor *find_field(const object_type *type, const char *name, size_t *index)
{
    for (size_t i = 0; i < type->field_count; i++) {
        if (strcmp(type->fields[i].name, name) == 0) {
            *index = i;
            return &type->fields[i];
        }
    }
    return NULL;
}

static void clear_value(field_value *value)
{
    free(value->text);
    value->text = NULL;
    value->set = false;
    value->number = 0;
}

static void free_values(field_value *values, size_t count)
{
    for (size_t i = 0; values && i < count; i++)
        clear_value(&values[i]);
    free(values);
}

/* Parses `text` as the field's type into `value`; returns the parameter
 * error to report, or NULL when valid. "" unsets. Sets *out_of_memory. */
static const char *parse_value(const field_descriptor *field, const char *text, field_value *value,
                               bool *out_of_memory)
{
    clear_value(value);
    if (*text == '\0')
        return NULL;
    char canonical[ID_TEXT_SIZE];
    const char *stored = text;
    switch (field->type) {
    case FIELD_STRING:
        if (field->max_length && strlen(text) > field->max_length)
            return "valueTooLong";
        break;
    case FIELD_BOOL: {
        bool flag;
        if (text_parse_bool(text, &flag) != CV_OK)
            return "invalidValue";
        value->number = flag;
        stored = flag ? "true" : "false";
        break;
    }
    case FIELD_INT: {
        int64_t minimum = field->minimum, maximum = field->maximum;
        if (minimum == 0 && maximum == 0)
            maximum = INT32_MAX;
        if (text_parse_int64(text, minimum, maximum, &value->number) != CV_OK)
            return "invalidValue";
        break;
    }
    case FIELD_URI_USER:
        if (field->max_length && strlen(text) > field->max_length)
            return "valueTooLong";
        for (const char *c = text; *c; c++)
            if (*c == '@' || (unsigned char)*c <= ' ' || *c == 0x7f)
                return "invalidValue";
        break;
    case FIELD_DIGITS:
        if (!text_is_digits(text) || strlen(text) > 64)
            return "invalidValue";
        break;
    case FIELD_ENUM: {
        bool known = false;
        for (size_t i = 0; field->enum_values[i]; i++)
            known = known || strcmp(field->enum_values[i], text) == 0;
        if (!known)
            return "invalidValue";
        break;
    }
    case FIELD_ID:
    case FIELD_REFERENCE:
        if (!object_canonical_id(text, canonical))
            return "invalidValue";
        stored = canonical;
        break;
    }
    value->text = strdup(stored);
    if (!value->text) {
        *out_of_memory = true;
        return NULL;
    }
    value->set = true;
    return NULL;
}

/* Checks the body against the type and fills the given values. Replies and
 * returns false on an error. */
static bool read_body(api_call *call, const object_type *type, bool creating, field_value *values)
{
    for (size_t i = 0; i < call->fields.count; i++) {
        const form_field *given = &call->fields.fields[i];
        size_t index;
        const field_descriptor *field = find_field(type, given->name, &index);
        if (!field) {
            if (api_unknown_field(call, given->name))
                continue;
            return false;
        }
        if ((field->flags & FIELD_READ_ONLY) || (creating && (field->flags & FIELD_PUT_ONLY))) {
            api_fail_parameter(call, given->name, "unrecognisedParameter");
            return false;
        }
        bool out_of_memory = false;
        /* Unsetting a parameter that has a default brings the default back. */
        const char *text =
            given->value[0] == '\0' && field->default_value ? field->default_value : given->value;
        const char *error = parse_value(field, text, &values[index], &out_of_memory);
        if (out_of_memory) {
            api_fail(call, 503, "outOfMemory");
            return false;
        }
        if (!error && (field->flags & FIELD_REQUIRED) && !values[index].set)
            error = "valueRequired"; /* a required value cannot be unset either */
        if (error) {
            api_fail_parameter(call, given->name, error);
            return false;
        }
        values[index].given = true;
    }
    if (!creating)
        return true;
    for (size_t i = 0; i < type->field_count; i++) {
        const field_descriptor *field = &type->fields[i];
        if (!values[i].given && field->default_value) {
            bool out_of_memory = false;
            const char *error =
                parse_value(field, field->default_value, &values[i], &out_of_memory);
            if (out_of_memory || error) {
                api_fail(call, 503, "outOfMemory");
                return false;
            }
        }
        if ((field->flags & FIELD_REQUIRED) && !values[i].set) {
            api_fail_parameter(call, field->name, "valueRequired");
            return false;
        }
    }
    return true;
}

/* PUT: fills every value the body did not give from the stored row.
 * CV_ERR_NOT_FOUND when the object does not exist. */
static cv_result load_current(api_call *call, const object_type *type, const char *id,
                              const char *parent, field_value *values)
{
    strbuf sql = STRBUF_INIT;
    strbuf_append_str(&sql, "SELECT o.id");
    append_shown_columns(&sql, type, true);
    strbuf_printf(&sql, " FROM %s AS o WHERE o.id = ?1", type->table);
    if (type->parent_prefix)
        strbuf_printf(&sql, " AND o.%s = ?2", type->parent_column);
    sqlite3_stmt *statement = NULL;
    cv_result result = prepare(call, &sql, &statement);
    strbuf_free(&sql);
    if (result != CV_OK)
        return result;
    sqlite3_bind_text(statement, 1, id, -1, SQLITE_STATIC);
    if (type->parent_prefix)
        sqlite3_bind_text(statement, 2, parent, -1, SQLITE_STATIC);
    int code = sqlite3_step(statement);
    if (code == SQLITE_DONE) {
        result = CV_ERR_NOT_FOUND;
    } else if (code != SQLITE_ROW) {
        result = store_result(code);
    } else {
        int column = 1;
        for (size_t i = 0; i < type->field_count && result == CV_OK; i++) {
            const field_descriptor *field = &type->fields[i];
            if (!field_is_stored(field))
                continue;
            int index = column++;
            if (values[i].given || sqlite3_column_type(statement, index) == SQLITE_NULL)
                continue;
            char number[24];
            const char *text;
            if (field->type == FIELD_BOOL) {
                values[i].number = sqlite3_column_int64(statement, index) != 0;
                text = values[i].number ? "true" : "false";
            } else if (field->type == FIELD_INT) {
                values[i].number = sqlite3_column_int64(statement, index);
                snprintf(number, sizeof number, "%" PRId64, values[i].number);
                text = number;
            } else {
                text = (const char *)sqlite3_column_text(statement, index);
            }
            values[i].text = text ? strdup(text) : NULL;
            values[i].set = values[i].text != NULL;
            if (!values[i].text)
                result = CV_ERR_NO_MEMORY;
        }
    }
    release(statement);
    return result;
}

/* Every reference given in this request must name an existing object. */
static cv_result check_references(object_write *write)
{
    const object_type *type = write->type;
    for (size_t i = 0; i < type->field_count; i++) {
        const field_descriptor *field = &type->fields[i];
        if (field->type != FIELD_REFERENCE || !write->values[i].given || !write->values[i].set)
            continue;
        bool exists = false;
        cv_result result = row_exists(write->call, field->referenced_table, write->values[i].text,
                                      NULL, NULL, &exists);
        if (result != CV_OK)
            return result;
        if (!exists) {
            object_write_refuse(write, 400, field->missing_reason);
            return CV_OK;
        }
    }
    return CV_OK;
}

/* --- writes: statements ------------------------------------------------------ */

static void bind_value(sqlite3_stmt *statement, int index, const field_descriptor *field,
                       const field_value *value)
{
    if (!value->set)
        sqlite3_bind_null(statement, index);
    else if (field->type == FIELD_BOOL || field->type == FIELD_INT)
        sqlite3_bind_int64(statement, index, value->number);
    else
        sqlite3_bind_text(statement, index, value->text, -1, SQLITE_STATIC);
}

static bool field_is_written(const field_descriptor *field)
{
    return field_is_stored(field) && !(field->flags & FIELD_READ_ONLY);
}

static cv_result write_row(object_write *write)
{
    const object_type *type = write->type;
    api_call *call = write->call;
    strbuf sql = STRBUF_INIT;
    int next = 1;
    if (write->creating) {
        strbuf_printf(&sql, "INSERT INTO %s(id", type->table);
        if (type->parent_prefix)
            strbuf_printf(&sql, ", %s", type->parent_column);
        for (size_t i = 0; i < type->field_count; i++)
            if (field_is_written(&type->fields[i]))
                strbuf_printf(&sql, ", %s", type->fields[i].column);
        strbuf_append_str(&sql, ") VALUES (?1");
        next = 2;
        if (type->parent_prefix)
            strbuf_printf(&sql, ", ?%d", next++);
        for (size_t i = 0; i < type->field_count; i++)
            if (field_is_written(&type->fields[i]))
                strbuf_printf(&sql, ", ?%d", next++);
        strbuf_append_char(&sql, ')');
    } else {
        strbuf_printf(&sql, "UPDATE %s SET id = ?1", type->table);
        next = 2;
        for (size_t i = 0; i < type->field_count; i++)
            if (field_is_written(&type->fields[i]))
                strbuf_printf(&sql, ", %s = ?%d", type->fields[i].column, next++);
        strbuf_append_str(&sql, " WHERE id = ?1");
    }
    sqlite3_stmt *statement = NULL;
    cv_result result = prepare(call, &sql, &statement);
    strbuf_free(&sql);
    if (result != CV_OK)
        return result;
    sqlite3_bind_text(statement, 1, write->id, -1, SQLITE_STATIC);
    int index = 2;
    if (write->creating && type->parent_prefix)
        sqlite3_bind_text(statement, index++, write->parent_id, -1, SQLITE_STATIC);
    for (size_t i = 0; i < type->field_count; i++)
        if (field_is_written(&type->fields[i]))
            bind_value(statement, index++, &type->fields[i], &write->values[i]);
    int code = sqlite3_step(statement);
    release(statement);
    return store_result(code);
}

/* --- writes: hooks' helpers ------------------------------------------------- */

field_value *object_write_value(object_write *write, const char *name)
{
    size_t index;
    return find_field(write->type, name, &index) ? &write->values[index] : NULL;
}

cv_result object_write_set(object_write *write, const char *name, const char *text)
{
    size_t index;
    const field_descriptor *field = find_field(write->type, name, &index);
    if (!field)
        return CV_ERR_INVALID;
    field_value *value = &write->values[index];
    char *copy = NULL;
    if (text && !(copy = strdup(text)))
        return CV_ERR_NO_MEMORY;
    clear_value(value);
    value->text = copy;
    value->set = copy != NULL;
    if (copy && field->type == FIELD_BOOL)
        value->number = strcmp(copy, "true") == 0;
    else if (copy && field->type == FIELD_INT)
        value->number = strtoll(copy, NULL, 10);
    return CV_OK;
}

void object_write_refuse(object_write *write, int status, const char *reason)
{
    if (write->failed_status)
        return;
    write->failed_status = status;
    write->failed_reason = reason;
}

/* --- writes: the request handlers ------------------------------------------- */

static void audit_write(object_write *write, const char *verb)
{
    const field_value *name = write->type->audit_name_field
                                  ? object_write_value(write, write->type->audit_name_field)
                                  : NULL;
    if (name && name->set)
        api_audit(write->call, "%s %s %s (%s)", verb, write->type->audit_noun, write->id,
                  name->text);
    else
        api_audit(write->call, "%s %s %s", verb, write->type->audit_noun, write->id);
}

static void reply_refusal(object_write *write)
{
    if (write->failed_parameter)
        api_fail_parameter(write->call, write->failed_parameter,
                           write->failed_reason ? write->failed_reason : "invalidValue");
    else
        api_fail(write->call, write->failed_status, write->failed_reason);
}

static void apply_write(api_call *call, const object_type *type, bool creating)
{
    char parent[ID_TEXT_SIZE] = "";
    object_write write = {.call = call, .type = type, .creating = creating};
    if (type->parent_prefix) {
        if (!read_parent(call, type, parent))
            return;
        write.parent_id = parent;
    }
    if (creating)
        id_generate(write.id);
    else if (!read_own_id(call, type, write.id))
        return;
    write.values = calloc(type->field_count, sizeof *write.values);
    if (!write.values) {
        api_fail(call, 503, "outOfMemory");
        return;
    }
    if (!read_body(call, type, creating, write.values))
        goto done;

    cv_result result = store_begin(call->database);
    if (result != CV_OK) {
        fail_store(call, result, "begin");
        goto done;
    }
    /* Inside the transaction: the parent may have gone meanwhile. */
    if (type->parent_prefix) {
        bool exists = false;
        result = row_exists(call, type->parent_table, parent, NULL, NULL, &exists);
        if (result == CV_OK && !exists)
            object_write_refuse(&write, 404, type->parent_missing_reason);
    }
    if (result == CV_OK && !write.failed_status && !creating) {
        result = load_current(call, type, write.id, parent, write.values);
        if (result == CV_ERR_NOT_FOUND) {
            object_write_refuse(&write, 404, type->missing_reason);
            result = CV_OK;
        }
    }
    if (result == CV_OK && !write.failed_status)
        result = check_references(&write);
    if (result == CV_OK && !write.failed_status && type->prepare)
        result = type->prepare(&write);
    if (result == CV_OK && !write.failed_status)
        result = write_row(&write);
    if (result == CV_OK && !write.failed_status)
        result = store_commit(call->database);
    if (result != CV_OK || write.failed_status) {
        store_rollback(call->database);
        if (write.failed_status)
            reply_refusal(&write);
        else
            fail_store(call, result, creating ? "insert" : "update");
        goto done;
    }
    if (creating) {
        char collection[256];
        if (type->parent_prefix)
            snprintf(collection, sizeof collection, "%s/%s/%s", type->parent_prefix, parent,
                     type->collection);
        else
            snprintf(collection, sizeof collection, "%s", type->collection);
        api_reply_created(call, collection, write.id);
        audit_write(&write, "created new");
    } else {
        api_reply_ok(call);
        audit_write(&write, "modified");
    }
done:
    free_values(write.values, type->field_count);
}

void object_create(api_call *call, const object_type *type)
{
    apply_write(call, type, true);
}

void object_modify(api_call *call, const object_type *type)
{
    apply_write(call, type, false);
}

void object_delete(api_call *call, const object_type *type)
{
    char parent[ID_TEXT_SIZE] = "";
    char id[ID_TEXT_SIZE];
    if (type->parent_prefix && !read_parent(call, type, parent))
        return;
    if (!read_own_id(call, type, id))
        return;
    strbuf sql = STRBUF_INIT;
    strbuf_printf(&sql, "DELETE FROM %s WHERE id = ?1", type->table);
    if (type->parent_prefix)
        strbuf_printf(&sql, " AND %s = ?2", type->parent_column);
    sqlite3_stmt *statement = NULL;
    cv_result result = store_begin(call->database);
    if (result == CV_OK)
        result = prepare(call, &sql, &statement);
    strbuf_free(&sql);
    int changes = 0;
    if (result == CV_OK) {
        sqlite3_bind_text(statement, 1, id, -1, SQLITE_STATIC);
        if (type->parent_prefix)
            sqlite3_bind_text(statement, 2, parent, -1, SQLITE_STATIC);
        result = store_result(sqlite3_step(statement));
        changes = sqlite3_changes(call->database);
    }
    release(statement);
    if (result == CV_OK && changes > 0)
        result = store_commit(call->database);
    if (result != CV_OK || changes == 0) {
        store_rollback(call->database);
        if (result == CV_OK)
            api_fail_not_found(call, type->missing_reason);
        else
            fail_store(call, result, "delete");
        return;
    }
    api_reply_ok(call);
    api_audit(call, "deleted %s %s", type->audit_noun, id);
    if (type->deleted)
        type->deleted(call, id);
}

/* --- questions other modules ask about stored objects ------------------------- */

/* Runs one statement with text parameters (NULL entries are left unbound);
 * SQLITE_ROW sets *found (when given), SQLITE_ROW and SQLITE_DONE are
 * success. `first_integer` (may be NULL) gets column 0 of the row. */
static cv_result run_statement(sqlite3 *database, const char *sql, const char *const *texts,
                               size_t count, bool *found, int64_t *first_integer)
{
    sqlite3_stmt *statement = NULL;
    int code = sqlite3_prepare_v2(database, sql, -1, &statement, NULL);
    for (size_t i = 0; code == SQLITE_OK && i < count; i++)
        if (texts[i])
            sqlite3_bind_text(statement, (int)i + 1, texts[i], -1, SQLITE_STATIC);
    if (code == SQLITE_OK)
        code = sqlite3_step(statement);
    if (found)
        *found = code == SQLITE_ROW;
    if (first_integer)
        *first_integer = code == SQLITE_ROW ? sqlite3_column_int64(statement, 0) : 0;
    sqlite3_finalize(statement);
    return code == SQLITE_ROW || code == SQLITE_DONE ? CV_OK : store_result(code);
}

cv_result object_exists(sqlite3 *database, const object_type *type, const char *id, bool *exists)
{
    char key[ID_TEXT_SIZE];
    *exists = false;
    if (!object_canonical_id(id, key))
        return CV_OK;
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT 1 FROM %s WHERE id = ?1", type->table);
    const char *texts[] = {key};
    return run_statement(database, sql, texts, 1, exists, NULL);
}

cv_result object_count_under(sqlite3 *database, const object_type *child_type,
                             const char *parent_id, int64_t *count)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE %s = ?1", child_type->table,
             child_type->parent_column);
    const char *texts[] = {parent_id};
    return run_statement(database, sql, texts, 1, NULL, count);
}

cv_result object_total(sqlite3 *database, const object_type *type, int64_t *total)
{
    bool found = false;
    const char *texts[] = {type->table};
    cv_result result =
        run_statement(database, "SELECT total FROM object_counts WHERE object_table = ?1", texts, 1,
                      &found, total);
    return result == CV_OK && !found ? CV_ERR_NOT_FOUND : result;
}

/* --- the space's active call across the cluster (space_calls) ---------------- */

/* The node holding the space's claim into `holder` ("" when none). */
static cv_result read_claim_holder(sqlite3 *database, const char *cospace_id, char *holder,
                                   size_t size)
{
    sqlite3_stmt *statement = NULL;
    int code = sqlite3_prepare_v2(database, "SELECT node FROM space_calls WHERE cospace = ?1", -1,
                                  &statement, NULL);
    if (code == SQLITE_OK) {
        sqlite3_bind_text(statement, 1, cospace_id, -1, SQLITE_STATIC);
        code = sqlite3_step(statement);
    }
    holder[0] = '\0';
    if (code == SQLITE_ROW)
        snprintf(holder, size, "%s", (const char *)sqlite3_column_text(statement, 0));
    sqlite3_finalize(statement);
    return code == SQLITE_ROW || code == SQLITE_DONE ? CV_OK : store_result(code);
}

cv_result object_claim_space_call(sqlite3 *database, const char *cospace_id, const char *node,
                                  const char *call_id, const char *stale_holder, char *holder,
                                  size_t holder_size)
{
    cv_result result = store_begin(database);
    if (result != CV_OK)
        return result;
    result = read_claim_holder(database, cospace_id, holder, holder_size);
    if (result == CV_OK && holder[0] && !(stale_holder && strcmp(holder, stale_holder) == 0))
        result = CV_ERR_CONFLICT;
    const char *texts[] = {cospace_id, node, call_id};
    if (result == CV_OK)
        result = run_statement(
            database, "INSERT OR REPLACE INTO space_calls(cospace, node, call) VALUES (?1, ?2, ?3)",
            texts, 3, NULL, NULL);
    if (result == CV_OK)
        result = store_commit(database);
    else
        store_rollback(database);
    return result;
}

cv_result object_release_call_claim(sqlite3 *database, const char *call_id)
{
    const char *texts[] = {call_id};
    return run_statement(database, "DELETE FROM space_calls WHERE call = ?1", texts, 1, NULL, NULL);
}

cv_result object_release_space_claim(sqlite3 *database, const char *cospace_id, const char *node)
{
    const char *texts[] = {cospace_id, node};
    return run_statement(database, "DELETE FROM space_calls WHERE cospace = ?1 AND node = ?2",
                         texts, 2, NULL, NULL);
}

cv_result object_release_node_claims(sqlite3 *database, const char *node)
{
    const char *texts[] = {node};
    return run_statement(database, "DELETE FROM space_calls WHERE node = ?1", texts, 1, NULL, NULL);
}
