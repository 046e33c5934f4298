#ifndef CMLBOT_CCURL_SHIM_H
#define CMLBOT_CCURL_SHIM_H
#include <curl/curl.h>
/* curl_easy_setopt/getinfo are variadic, which Swift cannot call: typed wrappers per argument kind. */
static inline CURLcode cmlbot_curl_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode cmlbot_curl_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode cmlbot_curl_setopt_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode cmlbot_curl_setopt_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode cmlbot_curl_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
typedef size_t (*cmlbot_curl_data_callback)(char *, size_t, size_t, void *);
static inline CURLcode cmlbot_curl_setopt_callback(CURL *h, CURLoption o, cmlbot_curl_data_callback v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode cmlbot_curl_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }

/* Added for CurlTransport. */
/* CURL_GLOBAL_DEFAULT is an OR of two macros, which Swift does not import as a constant. */
static inline CURLcode cmlbot_curl_global_init_default(void) { return curl_global_init(CURL_GLOBAL_DEFAULT); }
/* CURLOPT_XFERINFOFUNCTION: polled during a transfer; returning non-zero aborts it (task cancellation). */
typedef int (*cmlbot_curl_xferinfo_callback)(void *, curl_off_t, curl_off_t, curl_off_t, curl_off_t);
static inline CURLcode cmlbot_curl_setopt_xferinfo(CURL *h, cmlbot_curl_xferinfo_callback v) { return curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, v); }
/* String results (CURLINFO_REDIRECT_URL) point into the handle: copy before curl_easy_cleanup. */
static inline CURLcode cmlbot_curl_getinfo_string(CURL *h, CURLINFO i, char **v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode cmlbot_curl_getinfo_off(CURL *h, CURLINFO i, curl_off_t *v) { return curl_easy_getinfo(h, i, v); }
#endif
