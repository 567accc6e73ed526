/* result.c - names for the cv_result codes; see result.h. */
#include "common/result.h"

const char *cv_result_name(cv_result result)
{
    switch (result) {
    case CV_OK:
        return "ok";
    case CV_ERR_NO_MEMORY:
        return "out of memory";
    case CV_ERR_INVALID:
        return "invalid input";
    case CV_ERR_NOT_FOUND:
        return "not found";
    case CV_ERR_CONFLICT:
        return "conflict";
    case CV_ERR_TOO_LARGE:
        return "too large";
    case CV_ERR_IO:
        return "input/output error";
    case CV_ERR_STORE:
        return "database error";
    case CV_ERR_BUSY:
        return "busy";
    case CV_ERR_NETWORK:
        return "network error";
    case CV_ERR_TIMEOUT:
        return "timed out";
    case CV_ERR_AUTH:
        return "authentication failed";
    case CV_ERR_PROTOCOL:
        return "protocol error";
    }
    return "unknown error";
}
