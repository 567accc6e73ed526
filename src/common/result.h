/*
 * result.h - the one error-return convention of the whole code base.
 *
 * Every function that can fail returns a cv_result: CV_OK (zero) on success,
 * a positive code naming the class of failure otherwise. Output goes through
 * pointer arguments. Callers test `if (result != CV_OK)` and pass the code up
 * unchanged unless they can add meaning. Functions that only allocate return
 * a pointer and NULL on failure to allocate.
 */
#ifndef CONVENE_RESULT_H
#define CONVENE_RESULT_H

typedef enum {
    CV_OK = 0,
    CV_ERR_NO_MEMORY,    /* an allocation failed */
    CV_ERR_INVALID,      /* input is malformed or out of range */
    CV_ERR_NOT_FOUND,    /* the object asked for does not exist */
    CV_ERR_CONFLICT,     /* the change collides with existing state */
    CV_ERR_TOO_LARGE,    /* input exceeds a configured limit */
    CV_ERR_IO,           /* a file or socket operation failed */
    CV_ERR_STORE,        /* the database reported an error */
    CV_ERR_BUSY,         /* a resource is temporarily unavailable; retry */
    CV_ERR_NETWORK,      /* a peer could not be reached */
    CV_ERR_TIMEOUT,      /* a peer did not answer in time */
    CV_ERR_AUTH,         /* a peer refused our credentials */
    CV_ERR_PROTOCOL,     /* a peer answered something we cannot use */
} cv_result;

/* A short, stable, lower-case name for a result code ("not found"). */
const char *cv_result_name(cv_result result);

#endif
