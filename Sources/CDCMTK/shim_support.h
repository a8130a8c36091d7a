// Helpers shared by the shim's source files; not part of the C API.
#ifndef MCDICOM_SHIM_SUPPORT_H
#define MCDICOM_SHIM_SUPPORT_H

#include "mcdicom.h"

#include <memory>
#include <string>
#include <vector>

class DcmDataset;

// Fills `error` (when not NULL) with `code` and `message`, cut to fit.
void mcd_set_error(mcd_error *error, int code, const std::string &message);

// Copies `value` with a terminating NUL. Returns its length, or -2 when it was cut.
int mcd_copy_out(const std::string &value, char *buffer, size_t capacity);

// Makes a handle for the mcd_dataset_* functions that owns `dataset`, without copying its
// values, and reports `transfer_syntax_uid` as its transfer syntax. Throws when memory runs
// out or the transfer syntax cannot be stored, and `dataset` is freed then.
mcd_dataset *mcd_dataset_adopt(
    std::unique_ptr<DcmDataset> dataset, const std::string &transfer_syntax_uid);

// Returns `value` without leading and trailing spaces.
std::string mcd_trim_spaces(const std::string &value);

// Splits `text` at each `separator`; n separators give n + 1 parts, empty ones included.
std::vector<std::string> mcd_split(const std::string &text, char separator);

// Decodes `value`, written with the ISO 2022 code extensions of the Specific Character Set
// `terms` (its values, in order), to UTF-8 in `out`. Covers the Japanese, Korean and Chinese
// multi-byte sets and the ISO 8859 sets. Returns false, leaving `out` alone, for an unknown
// escape sequence or bytes that do not fit the designated set.
bool mcd_decode_iso2022(
    const std::string &value, const std::vector<std::string> &terms, std::string &out);

#endif
