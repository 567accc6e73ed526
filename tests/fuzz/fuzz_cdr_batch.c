/*
 * fuzz_cdr_batch.c - libFuzzer target for what convened's CDR receiver
 * reads from any client its allow-list admits: one POST body parsed as a
 * CDR batch (src/scheduler/cdr_ingest.c).
 *
 * Owns only the properties checked: no crash, leak or UB; a refused batch
 * keeps nothing and says why; an accepted one has a session and records
 * whose texts all end within their arrays.
 */
#include <libxml/parser.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "scheduler/cdr_ingest.h"

static void require(int condition, const char *what)
{
    if (!condition) {
        fprintf(stderr, "fuzz_cdr_batch: %s\n", what);
        abort();
    }
}

#define ENDS(array) (memchr((array), '\0', sizeof(array)) != NULL)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    log_set_level(LOG_LEVEL_ERROR);
    xmlInitParser();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cdr_batch batch;
    char error[160];
    cv_result result = cdr_batch_parse((const char *)data, size, &batch, error, sizeof error);
    if (result != CV_OK) {
        require(batch.count == 0 && batch.records == NULL, "a refused batch kept records");
        require(error[0] != '\0', "a refusal without a reason");
        return 0;
    }
    require(batch.session[0] != '\0' && ENDS(batch.session), "no session");
    require(batch.count <= CDR_BATCH_MAX, "too many records");
    for (size_t index = 0; index < batch.count; index++) {
        const cdr_record *record = &batch.records[index];
        require(record->type[0] != '\0' && ENDS(record->type), "a record without a type");
        require(record->record_index >= 0, "a negative recordIndex");
        require(ENDS(record->object_id) && ENDS(record->call_id) && ENDS(record->cospace_id) &&
                    ENDS(record->name) && ENDS(record->remote_party) && ENDS(record->reason) &&
                    ENDS(record->state) && ENDS(record->direction),
                "a text without its end");
        require(strcmp(cdr_kind_name(record->kind), "?") != 0, "a kind without a name");
    }
    cdr_batch_free(&batch);
    return 0;
}
