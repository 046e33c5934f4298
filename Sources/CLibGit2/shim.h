#ifndef CMLBOT_CLIBGIT2_SHIM_H
#define CMLBOT_CLIBGIT2_SHIM_H
#include <git2.h>
/* git_repository_set_index: to honour GIT_INDEX_FILE for commit hooks. */
#include <git2/sys/repository.h>
#endif
