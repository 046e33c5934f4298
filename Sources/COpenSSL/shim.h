#ifndef CMLBOT_COPENSSL_SHIM_H
#define CMLBOT_COPENSSL_SHIM_H
#include <openssl/evp.h>
#endif
