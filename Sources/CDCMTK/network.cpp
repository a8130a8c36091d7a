// Storage SCP: association negotiation and DIMSE message handling.
#include "mcdicom.h"
#include "shim_support.h"

// TODO: not implemented yet.
mcd_association *mcd_association_receive(int, const mcd_scp_config *, mcd_error *error) {
    mcd_set_error(error, MCD_ERROR_UNSUPPORTED, "not implemented");
    return nullptr;
}
const char *mcd_association_calling_ae(const mcd_association *) { return ""; }
const char *mcd_association_called_ae(const mcd_association *) { return ""; }
int mcd_association_next(mcd_association *, const char *, mcd_error *) { return MCD_ERROR_UNSUPPORTED; }
const char *mcd_association_store_sop_class(const mcd_association *) { return ""; }
const char *mcd_association_store_sop_instance(const mcd_association *) { return ""; }
const char *mcd_association_store_transfer_syntax(const mcd_association *) { return ""; }
int mcd_association_respond_store(mcd_association *, uint16_t, const char *, mcd_error *) {
    return MCD_ERROR_UNSUPPORTED;
}
void mcd_association_free(mcd_association *) {}
