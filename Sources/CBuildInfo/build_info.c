#include "CBuildInfo.h"

/* `make dist` (scripts/build-info.sh) writes cmlbot_build_commit.h into its own build folder and
 * adds that folder with -Xcc -I. A C file rather than a generated Swift file: the header lives
 * outside the source tree (building never dirties the work tree), a plain `swift build` finds no
 * header and says "unknown", and a new commit recompiles this one file instead of every module
 * (a per-commit -D flag would change every module's command line). */
#if __has_include(<cmlbot_build_commit.h>)
#include <cmlbot_build_commit.h>
#endif
#ifndef CMLBOT_BUILD_COMMIT
#define CMLBOT_BUILD_COMMIT "unknown"
#endif

const char *cmlbot_build_commit(void) { return CMLBOT_BUILD_COMMIT; }
