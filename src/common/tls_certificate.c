/* tls_certificate.c - self-signed certificate generation; see tls_certificate.h. */
#include "common/tls_certificate.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

static cv_result write_key(const char *path, EVP_PKEY *key)
{
    int descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (descriptor < 0)
        return CV_ERR_IO;
    FILE *file = fdopen(descriptor, "w");
    if (!file) {
        close(descriptor);
        return CV_ERR_IO;
    }
    int written = PEM_write_PrivateKey(file, key, NULL, NULL, 0, NULL, NULL);
    return fclose(file) == 0 && written == 1 ? CV_OK : CV_ERR_IO;
}

static cv_result write_certificate(const char *path, X509 *certificate)
{
    FILE *file = fopen(path, "w");
    if (!file)
        return CV_ERR_IO;
    int written = PEM_write_X509(file, certificate);
    return fclose(file) == 0 && written == 1 ? CV_OK : CV_ERR_IO;
}

cv_result tls_ensure_self_signed(const char *certificate_path, const char *key_path,
                                 const char *common_name, strbuf *error)
{
    struct stat info;
    if (stat(certificate_path, &info) == 0 && stat(key_path, &info) == 0)
        return CV_OK;
    cv_result result = CV_ERR_NO_MEMORY;
    EVP_PKEY *key = EVP_RSA_gen(2048);
    X509 *certificate = X509_new();
    if (!key || !certificate)
        goto done;
    ASN1_INTEGER_set(X509_get_serialNumber(certificate), (long)time(NULL));
    X509_set_version(certificate, 2);
    X509_gmtime_adj(X509_getm_notBefore(certificate), -3600);
    X509_gmtime_adj(X509_getm_notAfter(certificate), 10L * 365 * 24 * 3600);
    X509_set_pubkey(certificate, key);
    X509_NAME *name = X509_get_subject_name(certificate);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"Convene", -1, -1,
                               0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)common_name, -1,
                               -1, 0);
    X509_set_issuer_name(certificate, name);
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, certificate, certificate, NULL, NULL, 0);
    X509_EXTENSION *alternative_names = X509V3_EXT_conf_nid(
        NULL, &context, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1");
    if (alternative_names) {
        X509_add_ext(certificate, alternative_names, -1);
        X509_EXTENSION_free(alternative_names);
    }
    if (!X509_sign(certificate, key, EVP_sha256()))
        goto done;
    result = write_key(key_path, key);
    if (result == CV_OK)
        result = write_certificate(certificate_path, certificate);
    if (result != CV_OK)
        strbuf_printf(error, "cannot write the TLS certificate to %s", certificate_path);
done:
    if (result == CV_ERR_NO_MEMORY)
        strbuf_printf(error, "cannot generate a TLS certificate");
    X509_free(certificate);
    EVP_PKEY_free(key);
    return result;
}
