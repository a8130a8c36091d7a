// Media files in Explicit VR Little Endian and the DICOMDIR of a file-set.
#include "mcdicom.h"
#include "shim_support.h"

// TODO: not implemented yet.
int mcd_write_media_file(const char *, const char *, const mcd_media_file_options *, mcd_error *error) {
    mcd_set_error(error, MCD_ERROR_UNSUPPORTED, "not implemented");
    return MCD_ERROR_UNSUPPORTED;
}
mcd_dicomdir *mcd_dicomdir_create(const char *, const char *, mcd_error *error) {
    mcd_set_error(error, MCD_ERROR_UNSUPPORTED, "not implemented");
    return nullptr;
}
int mcd_dicomdir_add(mcd_dicomdir *, const char *, mcd_error *) { return MCD_ERROR_UNSUPPORTED; }
int mcd_dicomdir_write(mcd_dicomdir *, mcd_error *) { return MCD_ERROR_UNSUPPORTED; }
void mcd_dicomdir_free(mcd_dicomdir *) {}
