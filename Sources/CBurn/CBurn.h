#include <stdint.h>
#include <sys/types.h>
#include <libburn/libburn.h>
