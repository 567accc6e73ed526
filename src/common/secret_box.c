/*
 * secret_box.c - the key file and sealing secrets with it (libsodium).
 *
 * Owns: reading, checking and creating the key file; the key's ID; the
 * sealed text's format (see secret_box.h). Does not own: which secrets are
 * sealed or where sealed texts live.
 */
#include "common/secret_box.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEY_SIZE   crypto_aead_xchacha20poly1305_ietf_KEYBYTES
#define NONCE_SIZE crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_SIZE   crypto_aead_xchacha20poly1305_ietf_ABYTES
#define BASE64     sodium_base64_VARIANT_ORIGINAL
/* A key file is one base64 line: 44 characters, a newline, maybe a CR.
 * Anything longer is not a key file. */
#define KEY_FILE_MAX 128
/* Hashed in front of the key to make its ID, so the ID is never a hash
 * that something else might also compute from the key. */
#define KEY_ID_LABEL "convene secret_box key id v1"

struct secret_box {
    unsigned char *key; /* KEY_SIZE bytes from sodium_malloc: guarded, locked in memory */
    char key_id[SECRET_BOX_KEY_ID_SIZE];
};

static void compute_key_id(secret_box *box)
{
    unsigned char hash[crypto_generichash_BYTES_MIN];
    crypto_generichash_state state;
    crypto_generichash_init(&state, NULL, 0, sizeof hash);
    crypto_generichash_update(&state, (const unsigned char *)KEY_ID_LABEL, strlen(KEY_ID_LABEL));
    crypto_generichash_update(&state, box->key, KEY_SIZE);
    crypto_generichash_final(&state, hash, sizeof hash);
    snprintf(box->key_id, sizeof box->key_id, "%02x%02x%02x%02x", hash[0], hash[1], hash[2],
             hash[3]);
}

/* Writes a fresh random key to `path`, which must not exist yet. */
static cv_result create_key_file(const char *path, strbuf *error)
{
    unsigned char key[KEY_SIZE];
    char line[sodium_base64_ENCODED_LEN(KEY_SIZE, BASE64) + 1];
    randombytes_buf(key, sizeof key);
    sodium_bin2base64(line, sizeof line - 1, key, sizeof key, BASE64);
    sodium_memzero(key, sizeof key);
    size_t length = strlen(line);
    line[length++] = '\n';

    int descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (descriptor < 0) {
        sodium_memzero(line, sizeof line);
        strbuf_printf(error, "cannot create the secrets key file %s: %s", path, strerror(errno));
        return errno == EEXIST ? CV_ERR_CONFLICT : CV_ERR_IO;
    }
    bool written = write(descriptor, line, length) == (ssize_t)length && fsync(descriptor) == 0;
    int saved = errno;
    sodium_memzero(line, sizeof line);
    if (close(descriptor) != 0 || !written) {
        strbuf_printf(error, "cannot write the secrets key file %s: %s", path, strerror(saved));
        unlink(path);
        return CV_ERR_IO;
    }
    return CV_OK;
}

/* Reads the whole (small) key file into text[KEY_FILE_MAX + 1], refusing a
 * file that group or others may read. */
static cv_result read_key_file(const char *path, char *text, strbuf *error)
{
    int descriptor = open(path, O_RDONLY | O_CLOEXEC);
    if (descriptor < 0) {
        strbuf_printf(error, "cannot open the secrets key file %s: %s", path, strerror(errno));
        return errno == ENOENT ? CV_ERR_NOT_FOUND : CV_ERR_IO;
    }
    struct stat status;
    if (fstat(descriptor, &status) != 0 || !S_ISREG(status.st_mode)) {
        close(descriptor);
        strbuf_printf(error, "the secrets key file %s is not a regular file", path);
        return CV_ERR_INVALID;
    }
    if ((status.st_mode & 077) != 0) {
        close(descriptor);
        strbuf_printf(error,
                      "the secrets key file %s may be read by other users (mode %04o); "
                      "run chmod 600 on it",
                      path, (unsigned)(status.st_mode & 07777));
        return CV_ERR_INVALID;
    }
    ssize_t length = read(descriptor, text, KEY_FILE_MAX + 1);
    int saved = errno;
    close(descriptor);
    if (length < 0) {
        strbuf_printf(error, "cannot read the secrets key file %s: %s", path, strerror(saved));
        return CV_ERR_IO;
    }
    text[length > KEY_FILE_MAX ? KEY_FILE_MAX : length] = '\0';
    if (length > KEY_FILE_MAX) {
        strbuf_printf(error, "the secrets key file %s is too long to be a key", path);
        return CV_ERR_INVALID;
    }
    return CV_OK;
}

/* Decodes the key file's text (one base64 line of KEY_SIZE bytes; a final
 * newline allowed) into box->key. */
static cv_result decode_key(secret_box *box, const char *path, const char *text, strbuf *error)
{
    size_t length = strcspn(text, "\r\n");
    const char *rest = text + length;
    rest += strspn(rest, "\r\n");
    size_t decoded = 0;
    const char *end = NULL;
    if (*rest != '\0' ||
        sodium_base642bin(box->key, KEY_SIZE, text, length, NULL, &decoded, &end, BASE64) != 0 ||
        end != text + length || decoded != KEY_SIZE) {
        strbuf_printf(error,
                      "the secrets key file %s does not hold a key (one line: %d bytes in "
                      "base64)",
                      path, (int)KEY_SIZE);
        return CV_ERR_INVALID;
    }
    compute_key_id(box);
    return CV_OK;
}

cv_result secret_box_open(const char *path, bool create, secret_box **out, bool *created,
                          strbuf *error)
{
    *out = NULL;
    if (created) {
        *created = false;
    }
    if (sodium_init() < 0) {
        strbuf_printf(error, "libsodium could not start");
        return CV_ERR_IO;
    }
    if (create && access(path, F_OK) != 0 && errno == ENOENT) {
        cv_result made = create_key_file(path, error);
        if (made == CV_OK && created) {
            *created = true;
        } else if (made != CV_OK && made != CV_ERR_CONFLICT) {
            return made; /* CONFLICT: another process made it first; read theirs */
        }
        strbuf_reset(error);
    }
    secret_box *box = calloc(1, sizeof *box);
    if (!box || !(box->key = sodium_malloc(KEY_SIZE))) {
        free(box);
        return CV_ERR_NO_MEMORY;
    }
    char text[KEY_FILE_MAX + 1];
    cv_result result = read_key_file(path, text, error);
    if (result == CV_OK) {
        result = decode_key(box, path, text, error);
    }
    sodium_memzero(text, sizeof text);
    if (result != CV_OK) {
        secret_box_close(box);
        return result;
    }
    *out = box;
    return CV_OK;
}

void secret_box_close(secret_box *box)
{
    if (!box) {
        return;
    }
    sodium_free(box->key); /* wipes before freeing */
    free(box);
}

const char *secret_box_key_id(const secret_box *box)
{
    return box->key_id;
}

bool secret_box_is_sealed(const char *text)
{
    return text && strncmp(text, SECRET_BOX_PREFIX, strlen(SECRET_BOX_PREFIX)) == 0;
}

/* The key ID part of a sealed text, or NULL when the text has no valid
 * "sb1:<8 hex>:" head. */
static const char *sealed_key_id(const char *text, const char **payload)
{
    if (!secret_box_is_sealed(text)) {
        return NULL;
    }
    const char *id = text + strlen(SECRET_BOX_PREFIX);
    for (int i = 0; i < SECRET_BOX_KEY_ID_SIZE - 1; i++) {
        if (id[i] == '\0' || !strchr("0123456789abcdef", id[i])) {
            return NULL;
        }
    }
    if (id[SECRET_BOX_KEY_ID_SIZE - 1] != ':') {
        return NULL;
    }
    *payload = id + SECRET_BOX_KEY_ID_SIZE;
    return id;
}

bool secret_box_sealed_by(const secret_box *box, const char *text)
{
    const char *payload = NULL;
    const char *id = sealed_key_id(text, &payload);
    return id && memcmp(id, box->key_id, SECRET_BOX_KEY_ID_SIZE - 1) == 0;
}

cv_result secret_box_seal(const secret_box *box, const char *plain, const char *context, char **out)
{
    *out = NULL;
    context = context ? context : "";
    size_t plain_length = strlen(plain);
    size_t raw_length = NONCE_SIZE + plain_length + TAG_SIZE;
    unsigned char *raw = malloc(raw_length);
    size_t encoded_size = sodium_base64_ENCODED_LEN(raw_length, BASE64);
    size_t head = strlen(SECRET_BOX_PREFIX) + SECRET_BOX_KEY_ID_SIZE; /* id and ':' */
    char *text = malloc(head + encoded_size);
    if (!raw || !text) {
        free(raw);
        free(text);
        return CV_ERR_NO_MEMORY;
    }
    randombytes_buf(raw, NONCE_SIZE);
    unsigned long long sealed_length = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(
        raw + NONCE_SIZE, &sealed_length, (const unsigned char *)plain, plain_length,
        (const unsigned char *)context, strlen(context), NULL, raw, box->key);
    snprintf(text, head + 1, "%s%s:", SECRET_BOX_PREFIX, box->key_id);
    sodium_bin2base64(text + head, encoded_size, raw, NONCE_SIZE + (size_t)sealed_length, BASE64);
    free(raw);
    *out = text;
    return CV_OK;
}

cv_result secret_box_unseal(const secret_box *box, const char *sealed, const char *context,
                            char **out, strbuf *error)
{
    *out = NULL;
    context = context ? context : "";
    const char *payload = NULL;
    const char *id = sealed_key_id(sealed, &payload);
    if (!id) {
        strbuf_printf(error, "not a sealed secret (no \"%s<key id>:\" head)", SECRET_BOX_PREFIX);
        return CV_ERR_INVALID;
    }
    if (memcmp(id, box->key_id, SECRET_BOX_KEY_ID_SIZE - 1) != 0) {
        strbuf_printf(error, "sealed with key %.8s, but the secrets key file holds key %s", id,
                      box->key_id);
        return CV_ERR_AUTH;
    }
    size_t payload_length = strlen(payload);
    unsigned char *raw = malloc(payload_length + 1);
    if (!raw) {
        return CV_ERR_NO_MEMORY;
    }
    size_t raw_length = 0;
    const char *end = NULL;
    if (sodium_base642bin(raw, payload_length + 1, payload, payload_length, NULL, &raw_length, &end,
                          BASE64) != 0 ||
        end != payload + payload_length || raw_length < NONCE_SIZE + TAG_SIZE) {
        free(raw);
        strbuf_printf(error, "a sealed secret of key %s is damaged (bad base64 or too short)",
                      box->key_id);
        return CV_ERR_INVALID;
    }
    size_t plain_size = raw_length - NONCE_SIZE - TAG_SIZE;
    char *plain = malloc(plain_size + 1);
    unsigned long long plain_length = 0;
    if (!plain) {
        free(raw);
        return CV_ERR_NO_MEMORY;
    }
    int opened = crypto_aead_xchacha20poly1305_ietf_decrypt(
        (unsigned char *)plain, &plain_length, NULL, raw + NONCE_SIZE, raw_length - NONCE_SIZE,
        (const unsigned char *)context, strlen(context), raw, box->key);
    free(raw);
    if (opened != 0) {
        free(plain);
        strbuf_printf(error,
                      "a sealed secret of key %s does not open: altered, or moved from "
                      "another record",
                      box->key_id);
        return CV_ERR_AUTH;
    }
    plain[plain_length] = '\0';
    *out = plain;
    return CV_OK;
}
