/*
 * secret_box.h - secrets encrypted at rest with a key file the operator owns.
 *
 * Owns: the key file (32 random bytes written as one base64 line, created
 * 0600 when absent, refused when group or others may read it or when it
 * holds anything else), the key in memory (libsodium's guarded, locked
 * allocation, wiped on close), and turning a secret text into a sealed
 * text and back: XChaCha20-Poly1305 (libsodium's
 * crypto_aead_xchacha20poly1305_ietf) with a fresh random nonce per seal.
 * A sealed text is printable ASCII, safe in an SQLite TEXT column:
 *
 *     sb1:<key id, 8 hex digits>:<base64 of nonce followed by ciphertext>
 *
 * "sb1" is the format version. The key ID is a hash of the key (never the
 * key), so a sealed text says which key sealed it: a wrong key file is
 * named as such instead of producing garbage, and a rotation can tell the
 * texts of the old key from those of the new one.
 * Does not own: where sealed texts are stored, or which secrets get sealed
 * (convened seals bridge passwords, src/scheduler).
 */
#ifndef CONVENE_SECRET_BOX_H
#define CONVENE_SECRET_BOX_H

#include <stdbool.h>

#include "common/result.h"
#include "common/strbuf.h"

#define SECRET_BOX_PREFIX      "sb1:"
#define SECRET_BOX_KEY_ID_SIZE 9 /* 8 hex digits and the NUL */

typedef struct secret_box secret_box;

/* Loads the key in the file `path`. When the file does not exist and
 * `create` is true, writes a new random key there first (0600, never over
 * an existing file) and sets *created (may be NULL). Errors, with `error`
 * naming the file and what to do: CV_ERR_NOT_FOUND (absent, create false),
 * CV_ERR_INVALID (not one base64 line of 32 bytes; readable by group or
 * others), CV_ERR_IO. */
cv_result secret_box_open(const char *path, bool create, secret_box **out, bool *created,
                          strbuf *error);
/* Wipes and frees the key. NULL is fine. */
void secret_box_close(secret_box *box);

/* The key's ID, as written in the texts it seals. */
const char *secret_box_key_id(const secret_box *box);

/* True when `text` has the sealed form's prefix (whatever the key). */
bool secret_box_is_sealed(const char *text);
/* True when `text` is sealed and names this box's key. */
bool secret_box_sealed_by(const secret_box *box, const char *text);

/* Seals `plain`. `context` (may be NULL, read as "") is bound to the
 * sealed text without being stored in it, e.g. "bridge <id> password": the
 * same context must be given to open it, so a sealed text copied into
 * another row does not open there. *out is malloc'd. */
cv_result secret_box_seal(const secret_box *box, const char *plain, const char *context,
                          char **out);
/* Opens a sealed text into a malloc'd plain text (wipe it after use).
 * CV_ERR_INVALID: not a sealed text of this format; CV_ERR_AUTH: sealed by
 * another key (`error` names both key IDs) or altered, or opened with
 * another context. */
cv_result secret_box_unseal(const secret_box *box, const char *sealed, const char *context,
                            char **out, strbuf *error);

#endif
