#ifndef CMLBOT_CLIBGIT2_SHIM_H
#define CMLBOT_CLIBGIT2_SHIM_H
#include <git2.h>
#endif
