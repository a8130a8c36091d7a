// Helpers shared by the shim's source files; not part of the C API.
#ifndef MCDICOM_SHIM_SUPPORT_H
#define MCDICOM_SHIM_SUPPORT_H

#include "mcdicom.h"

#include <string>

// Fills `error` (when not NULL) with `code` and `message`, cut to fit.
void mcd_set_error(mcd_error *error, int code, const std::string &message);

// Copies `value` with a terminating NUL. Returns its length, or -2 when it was cut.
int mcd_copy_out(const std::string &value, char *buffer, size_t capacity);

#endif
