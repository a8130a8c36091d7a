#include <stdint.h>
#include <sys/types.h>
#include <libisofs/libisofs.h>
