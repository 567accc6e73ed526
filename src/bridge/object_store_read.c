/*
 * object_store_read.c - the engine's reads: GET of one object and of a
 * collection (paging, filters, the total), and the cache of rendered
 * collection pages with the kept statements of both queries.
 *
 * Owns: the read SQL built from an object_type, the reply cache (valid
 * only while the database is unchanged; see "the reply cache" below; on
 * SQLite only, the one place of the bridge that calls SQLite itself: its
 * commit hook).
 * Does not own: writes (object_store_write.c), the shared statement and
 * rendering helpers (object_store.c), any type's parameters.
 */
#include "bridge/object_store.h"

#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge/object_store_internal.h"
#include "common/log.h"
#include "common/store_sql.h"
#include "common/text.h"
#include "common/xml_writer.h"

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
 * replies.
 *
 * On PostgreSQL there is no reply cache (nor kept statements): nothing
 * like data_version tells a connection that another node committed, so
 * every listing is read from the database. */
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
 * every statement of the connection (object_store_prepare()): by type, query kind and,
 * for listings, the text of the WHERE conditions alone. The statements
 * stay the connection's (store_close finalizes them); a full table only
 * means later shapes go through object_store_prepare() as before. */
#define KEPT_STATEMENTS 16

typedef enum { KEPT_LIST = 1, KEPT_GET } kept_kind;

typedef struct {
    const object_type *type; /* NULL: a free slot */
    kept_kind kind;
    char *where; /* owned; KEPT_LIST: the conditions' text; KEPT_GET: NULL */
    store_stmt *statement;
} kept_statement;

typedef struct {
    store_attachment base;    /* first: the pool releases the cache through it */
    store_stmt *data_version; /* PRAGMA data_version, taken for good (store_stmt_reset) */
    uint64_t generation;      /* commits made through this connection */
    uint64_t clock;           /* ticks once per store or hit */
    cached_reply entries[REPLY_CACHE_ENTRIES];
    kept_statement kept[KEPT_STATEMENTS];
} reply_cache;

static void clear_entry(cached_reply *entry)
{
    free(entry->key);
    free(entry->body);
    *entry = (cached_reply){0};
}

/* Called when the pool closes, after the connection's store_db wrapper and
 * with it every statement (data_version and the kept ones) have gone. */
static void release_reply_cache(store_attachment *attachment, sqlite3 *connection)
{
    reply_cache *cache = (reply_cache *)attachment;
    sqlite3_commit_hook(connection, NULL, NULL);
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
    sqlite3 *connection = call->node && call->database ? store_db_sqlite(call->database) : NULL;
    store_pool *pool = connection ? store_db_pool_sqlite(&call->node->store) : NULL;
    store_attachment **slot = pool ? store_pool_attachment(pool, connection) : NULL;
    if (!slot)
        return NULL;
    if (*slot)
        return (reply_cache *)*slot;
    reply_cache *cache = calloc(1, sizeof *cache);
    if (!cache)
        return NULL;
    cache->base.release = release_reply_cache;
    cache->data_version = store_db_statement(call->database, "PRAGMA data_version");
    if (!cache->data_version) {
        free(cache);
        return NULL;
    }
    /* A connection has one commit hook. Nothing else in the bridge sets
     * one on its pooled connections; a module that needs one must chain
     * to this one, or the cache would miss this connection's commits. */
    void *previous = sqlite3_commit_hook(connection, count_own_commit, cache);
    if (previous) {
        log_error("reply cache: a commit hook was already set; not caching");
        sqlite3_commit_hook(connection, NULL, NULL);
        store_stmt_done(cache->data_version);
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
    bool read = store_step(cache->data_version) == STORE_ROW;
    if (read)
        *version = store_column_int64(cache->data_version, 0);
    store_stmt_reset(cache->data_version);
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
        size_t segment = object_store_parent_id_segment(type);
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
static store_stmt *find_kept(reply_cache *cache, const object_type *type, kept_kind kind,
                             const char *where)
{
    for (size_t i = 0; cache && i < KEPT_STATEMENTS && cache->kept[i].type; i++) {
        kept_statement *kept = &cache->kept[i];
        if (kept->type == type && kept->kind == kind &&
            (kind == KEPT_GET || strcmp(kept->where, where) == 0))
            return store_stmt_take(kept->statement) ? kept->statement : NULL;
    }
    return NULL;
}

/* Remembers a statement from object_store_prepare() for find_kept; when the table is
 * full or memory short it is simply not remembered. */
static void keep_statement(reply_cache *cache, const object_type *type, kept_kind kind,
                           const char *where, store_stmt *statement)
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
    if (type->parent_prefix && !object_store_read_parent(call, type, parent))
        return;
    if (!object_store_read_own_id(call, type, id))
        return;
    reply_cache *cache = connection_cache(call);
    store_stmt *statement = find_kept(cache, type, KEPT_GET, NULL);
    cv_result result = CV_OK;
    if (!statement) {
        strbuf sql = STRBUF_INIT;
        strbuf_append_str(&sql, "SELECT o.id");
        object_store_append_shown_columns(&sql, type, true);
        strbuf_printf(&sql, " FROM %s AS o WHERE o.id = ?1", type->table);
        if (type->parent_prefix)
            strbuf_printf(&sql, " AND o.%s = ?2", type->parent_column);
        result = object_store_prepare(call, &sql, &statement);
        strbuf_free(&sql);
        if (result != CV_OK) {
            object_store_fail(call, result, "object query");
            return;
        }
        keep_statement(cache, type, KEPT_GET, NULL, statement);
    }
    store_bind_text(statement, 1, id);
    if (type->parent_prefix)
        store_bind_text(statement, 2, parent);
    store_step_state state = store_step(statement);
    if (state == STORE_DONE) {
        api_fail_not_found(call, type->missing_reason);
    } else if (state != STORE_ROW) {
        object_store_fail(call, store_stmt_error(statement), "object query");
    } else {
        strbuf *out = api_reply_xml(call);
        if (type->singleton_id)
            xml_open(out, type->element);
        else
            xml_open_with_attribute(out, type->element, "id", id);
        object_store_render_fields(out, type, true, statement, 1);
        result = type->render_more ? type->render_more(call, id, out) : CV_OK;
        xml_close(out, type->element);
        if (result != CV_OK)
            object_store_fail(call, result, "object details");
    }
    object_store_release(statement);
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
        int index = object_store_add_binding(&conditions->bindings, conditions->parent);
        strbuf_printf(&conditions->where, " AND o.%s = ?%d", type->parent_column, index);
    }
    const char *filter = http_request_query(call->request, "filter");
    if (filter && *filter && type->filter_columns) {
        conditions->pattern = like_pattern(filter);
        if (!conditions->pattern) {
            api_fail(call, 503, "outOfMemory");
            return false;
        }
        int index = object_store_add_binding(&conditions->bindings, conditions->pattern);
        strbuf_append_str(&conditions->where, " AND (");
        for (size_t i = 0; type->filter_columns[i]; i++)
            strbuf_printf(&conditions->where, "%slower(o.%s) LIKE lower(?%d) ESCAPE '\\'",
                          i ? " OR " : "", type->filter_columns[i], index);
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
            strbuf_append_str(&conditions->where, " AND FALSE"); /* no object has such an ID */
            continue;
        }
        int index = object_store_add_binding(&conditions->bindings, key);
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
        strbuf_printf(sql, "(SELECT count(*) FROM %s AS o WHERE TRUE%s)", type->table,
                      strbuf_str(&conditions->where));
}

static cv_result count_rows(api_call *call, const object_type *type,
                            const list_conditions *conditions, int64_t *total)
{
    strbuf sql = STRBUF_INIT;
    strbuf_append_str(&sql, "SELECT ");
    append_count_expression(&sql, type, conditions);
    store_stmt *statement = NULL;
    cv_result result = object_store_prepare(call, &sql, &statement);
    strbuf_free(&sql);
    if (result != CV_OK)
        return result;
    object_store_bind_texts(statement, &conditions->bindings);
    store_step_state state = store_step(statement);
    if (state == STORE_ROW)
        *total = store_column_int64(statement, 0);
    result = state == STORE_ROW    ? CV_OK
             : state == STORE_DONE ? CV_ERR_STORE
                                   : store_stmt_error(statement);
    object_store_release(statement);
    return result;
}

/* Replies 400 and returns false when the query has a parameter other than
 * paging, filter, the type's equality filters and its usageFilter. */
static bool check_list_query(api_call *call, const object_type *type)
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
    return api_check_query(call, allowed);
}

/* A listing's use of the reply cache: what the page must be remembered
 * with once rendered. key NULL: not to be remembered. */
typedef struct {
    reply_cache *cache;
    char *key; /* owned until remember_page takes it */
    int64_t version;
    uint64_t generation;
} list_cache_use;

/* The reply cache (see above): a page rendered from the same data for the
 * same query is sent again as it was. Returns true when it was. */
static bool reply_from_cache(api_call *call, const object_type *type, const api_page *page,
                             list_cache_use *use)
{
    if ((type->list_attributes && !type->list_attributes_cacheable) ||
        (use->cache = connection_cache(call)) == NULL || store_db_in_transaction(call->database) ||
        (use->key = list_cache_key(call, type, page)) == NULL)
        return false;
    use->generation = use->cache->generation;
    if (!read_data_version(use->cache, &use->version)) {
        free(use->key); /* answered from the database alone */
        use->key = NULL;
        return false;
    }
    cached_reply *entry = find_entry(use->cache, type, use->key);
    if (!entry || entry->data_version != use->version || entry->generation != use->generation)
        return false;
    entry->last_used = ++use->cache->clock;
    strbuf *out = api_reply_xml(call);
    strbuf_append(out, entry->body, entry->body_length);
    return true;
}

/* The statement giving the total and the page from one snapshot, kept or
 * prepared. The WHERE text decides the rest of the SQL (the count
 * expression only differs by whether anything filters, which adds
 * conditions). LIMIT and OFFSET are parameters limit_index and after. */
static cv_result list_statement(api_call *call, const object_type *type,
                                const list_conditions *conditions, int limit_index,
                                store_stmt **statement)
{
    cv_result result = strbuf_status(&conditions->where);
    if (result != CV_OK)
        return result;
    const char *where = strbuf_str(&conditions->where);
    *statement = find_kept(connection_cache(call), type, KEPT_LIST, where);
    if (*statement)
        return CV_OK;
    strbuf sql = STRBUF_INIT;
    strbuf_append_str(&sql, "SELECT ");
    append_count_expression(&sql, type, conditions);
    strbuf_append_str(&sql, ", o.id");
    object_store_append_shown_columns(&sql, type, type->list_shows_all);
    strbuf_printf(&sql, " FROM %s AS o WHERE TRUE%s ORDER BY o.seq LIMIT ?%d OFFSET ?%d",
                  type->table, where, limit_index, limit_index + 1);
    result = object_store_prepare(call, &sql, statement);
    strbuf_free(&sql);
    if (result == CV_OK)
        keep_statement(connection_cache(call), type, KEPT_LIST, where, *statement);
    return result;
}

/* Runs the listing and replies with the page, remembering it in the cache
 * when `use` says so. */
static void reply_page(api_call *call, const object_type *type, const api_page *page,
                       list_conditions *conditions, list_cache_use *use)
{
    int limit_index = (int)conditions->bindings.count + 1;
    store_stmt *statement = NULL;
    cv_result result = list_statement(call, type, conditions, limit_index, &statement);
    if (result != CV_OK) {
        object_store_fail(call, result, "collection query");
        return;
    }
    object_store_bind_texts(statement, &conditions->bindings);
    store_bind_int64(statement, limit_index, page->limit);
    store_bind_int64(statement, limit_index + 1, page->offset);

    strbuf rows = STRBUF_INIT;
    int64_t total = -1;
    store_step_state state;
    while ((state = store_step(statement)) == STORE_ROW) {
        total = store_column_int64(statement, 0);
        xml_open_with_attribute(&rows, type->element, "id", store_column_text(statement, 1));
        object_store_render_fields(&rows, type, type->list_shows_all, statement, 2);
        xml_close(&rows, type->element);
    }
    if (state == STORE_FAILED)
        result = store_stmt_error(statement);
    object_store_release(statement);
    if (state == STORE_DONE && total < 0) /* an empty page carries no total */
        result = count_rows(call, type, conditions, &total);
    if (result == CV_OK && strbuf_status(&rows) != CV_OK)
        result = CV_ERR_NO_MEMORY;
    if (result != CV_OK) {
        object_store_fail(call, result, "collection query");
    } else {
        strbuf *out = api_reply_xml(call);
        size_t start = out->length; /* the cache keeps what follows the declaration */
        strbuf_printf(out, "<%s total=\"%" PRId64 "\"", type->list_element, total);
        if (type->list_attributes)
            type->list_attributes(call, out);
        strbuf_append_char(out, '>');
        strbuf_append(out, strbuf_str(&rows), rows.length);
        xml_close(out, type->list_element);
        if (use->key && strbuf_status(out) == CV_OK) {
            remember_page(use->cache, type, use->key, out->data + start, out->length - start,
                          use->version, use->generation);
            use->key = NULL; /* taken */
        }
    }
    strbuf_free(&rows);
}

void object_list(api_call *call, const object_type *type)
{
    if (!check_list_query(call, type))
        return;
    api_page page;
    if (!api_read_page(call, &page))
        return;
    list_cache_use use = {0};
    if (reply_from_cache(call, type, &page, &use)) {
        free(use.key);
        return;
    }
    list_conditions conditions = {.where = STRBUF_INIT};
    if ((!type->parent_prefix || object_store_read_parent(call, type, conditions.parent)) &&
        build_conditions(call, type, &conditions))
        reply_page(call, type, &page, &conditions, &use);
    free(use.key);
    strbuf_free(&conditions.where);
    free(conditions.pattern);
}
