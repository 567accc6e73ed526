/*
 * tls_certificate.h - a self-signed certificate for a daemon that was given
 * none, as a freshly installed CMS makes for itself. Generated once into the
 * data directory (key file mode 0600) and reused on later starts. Built on
 * OpenSSL; nothing here implements cryptography itself.
 */
#ifndef CONVENE_TLS_CERTIFICATE_H
#define CONVENE_TLS_CERTIFICATE_H

#include "common/result.h"
#include "common/strbuf.h"

/* Makes `certificate_path` and `key_path` unless both already exist.
 * `common_name` goes into the subject (e.g. the node name). */
cv_result tls_ensure_self_signed(const char *certificate_path, const char *key_path,
                                 const char *common_name, strbuf *error);

#endif
