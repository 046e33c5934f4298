#ifndef CMLBOT_CBUILDINFO_H
#define CMLBOT_CBUILDINFO_H
/* The git commit cmlbot was built from: "abc1234", "abc1234+dirty", or "unknown". */
const char *cmlbot_build_commit(void);
#endif
