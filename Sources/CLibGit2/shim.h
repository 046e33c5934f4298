#ifndef CMLBOT_CLIBGIT2_SHIM_H
#define CMLBOT_CLIBGIT2_SHIM_H
#include <git2.h>
/* git_libgit2_opts is variadic, which Swift cannot call. */
static inline int cmlbot_git_set_strict_hash_verification(int enabled) {
    return git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, enabled);
}
/* Object caching on or off (process-wide), for one-pass walks that never read an object twice. */
static inline int cmlbot_git_enable_caching(int enabled) {
    return git_libgit2_opts(GIT_OPT_ENABLE_CACHING, enabled);
}
#endif
