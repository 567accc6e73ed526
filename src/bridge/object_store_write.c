/*
 * object_store_write.c - the engine's writes: POST, PUT and DELETE of a
 * stored object, each one BEGIN IMMEDIATE transaction answered only after
 * the commit returned.
 *
 * Owns: validating bodies against an object_type (400 parameterError
 * naming the field), CMS PUT semantics (omitted = unchanged, empty =
 * unset), reference checks, the INSERT/UPDATE/DELETE, the hooks' helpers
 * (object_write_value/set/refuse) and the audit lines. Does not own: reads
 * (object_store_read.c), the shared helpers (object_store.c), any type's
 * parameters.
 */
#include "bridge/object_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge/object_store_internal.h"
#include "common/log.h"
#include "common/store_sql.h"
#include "common/text.h"
#include "common/xml_writer.h"

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
    object_store_append_shown_columns(&sql, type, true);
    strbuf_printf(&sql, " FROM %s AS o WHERE o.id = ?1", type->table);
    if (type->parent_prefix)
        strbuf_printf(&sql, " AND o.%s = ?2", type->parent_column);
    store_stmt *statement = NULL;
    cv_result result = object_store_prepare(call, &sql, &statement);
    strbuf_free(&sql);
    if (result != CV_OK)
        return result;
    store_bind_text(statement, 1, id);
    if (type->parent_prefix)
        store_bind_text(statement, 2, parent);
    store_step_state state = store_step(statement);
    if (state == STORE_DONE) {
        result = CV_ERR_NOT_FOUND;
    } else if (state != STORE_ROW) {
        result = store_stmt_error(statement);
    } else {
        int column = 1;
        for (size_t i = 0; i < type->field_count && result == CV_OK; i++) {
            const field_descriptor *field = &type->fields[i];
            if (!object_store_field_is_stored(field))
                continue;
            int index = column++;
            if (values[i].given || store_column_type(statement, index) == STORE_NULL)
                continue;
            char number[24];
            const char *text;
            if (field->type == FIELD_BOOL) {
                values[i].number = store_column_int64(statement, index) != 0;
                text = values[i].number ? "true" : "false";
            } else if (field->type == FIELD_INT) {
                values[i].number = store_column_int64(statement, index);
                snprintf(number, sizeof number, "%" PRId64, values[i].number);
                text = number;
            } else {
                text = store_column_text(statement, index);
            }
            values[i].text = text ? strdup(text) : NULL;
            values[i].set = values[i].text != NULL;
            if (!values[i].text)
                result = CV_ERR_NO_MEMORY;
        }
    }
    object_store_release(statement);
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
        cv_result result = object_store_row_exists(write->call, field->referenced_table,
                                                   write->values[i].text, NULL, NULL, &exists);
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

static void bind_value(store_stmt *statement, int index, const field_descriptor *field,
                       const field_value *value)
{
    if (!value->set)
        store_bind_null(statement, index);
    else if (field->type == FIELD_BOOL || field->type == FIELD_INT)
        store_bind_int64(statement, index, value->number);
    else
        store_bind_text(statement, index, value->text);
}

static bool field_is_written(const field_descriptor *field)
{
    return object_store_field_is_stored(field) && !(field->flags & FIELD_READ_ONLY);
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
    store_stmt *statement = NULL;
    cv_result result = object_store_prepare(call, &sql, &statement);
    strbuf_free(&sql);
    if (result != CV_OK)
        return result;
    store_bind_text(statement, 1, write->id);
    int index = 2;
    if (write->creating && type->parent_prefix)
        store_bind_text(statement, index++, write->parent_id);
    for (size_t i = 0; i < type->field_count; i++)
        if (field_is_written(&type->fields[i]))
            bind_value(statement, index++, &type->fields[i], &write->values[i]);
    return store_stmt_run(statement);
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
        if (!object_store_read_parent(call, type, parent))
            return;
        write.parent_id = parent;
    }
    if (creating)
        id_generate(write.id);
    else if (!object_store_read_own_id(call, type, write.id))
        return;
    write.values = calloc(type->field_count, sizeof *write.values);
    if (!write.values) {
        api_fail(call, 503, "outOfMemory");
        return;
    }
    if (!read_body(call, type, creating, write.values))
        goto done;

    cv_result result = store_db_begin(call->database);
    if (result != CV_OK) {
        object_store_fail(call, result, "begin");
        goto done;
    }
    /* Inside the transaction: the parent may have gone meanwhile. */
    if (type->parent_prefix) {
        bool exists = false;
        result = object_store_row_exists(call, type->parent_table, parent, NULL, NULL, &exists);
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
        result = store_db_commit(call->database);
    if (result != CV_OK || write.failed_status) {
        store_db_rollback(call->database);
        if (write.failed_status)
            reply_refusal(&write);
        else
            object_store_fail(call, result, creating ? "insert" : "update");
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
    if (type->parent_prefix && !object_store_read_parent(call, type, parent))
        return;
    if (!object_store_read_own_id(call, type, id))
        return;
    strbuf sql = STRBUF_INIT;
    strbuf_printf(&sql, "DELETE FROM %s WHERE id = ?1", type->table);
    if (type->parent_prefix)
        strbuf_printf(&sql, " AND %s = ?2", type->parent_column);
    store_stmt *statement = NULL;
    cv_result result = store_db_begin(call->database);
    if (result == CV_OK)
        result = object_store_prepare(call, &sql, &statement);
    strbuf_free(&sql);
    int64_t changes = 0;
    if (result == CV_OK) {
        store_bind_text(statement, 1, id);
        if (type->parent_prefix)
            store_bind_text(statement, 2, parent);
        result = store_stmt_run(statement);
        statement = NULL; /* handed back by store_stmt_run */
        changes = store_db_changes(call->database);
    }
    object_store_release(statement);
    if (result == CV_OK && changes > 0)
        result = store_db_commit(call->database);
    if (result != CV_OK || changes == 0) {
        store_db_rollback(call->database);
        if (result == CV_OK)
            api_fail_not_found(call, type->missing_reason);
        else
            object_store_fail(call, result, "delete");
        return;
    }
    api_reply_ok(call);
    api_audit(call, "deleted %s %s", type->audit_noun, id);
    if (type->deleted)
        type->deleted(call, id);
}
