/* Plain C helpers over libburn and libisofs that are awkward to write in Swift. */
#ifndef MCBURN_H
#define MCBURN_H

#include <stdint.h>
#include <sys/types.h>
#include <libburn/libburn.h>
#include <libisofs/libisofs.h>

#endif
