/*
 * A plain C API over DCMTK for the Swift modules. Every C++ exception is caught inside
 * and returned as a status with a message. Each handle has exactly one free function.
 *
 * Functions that can fail return 0 on success and a negative MCD_* code on failure,
 * with `error` (when not NULL) filled in.
 */
#ifndef MCDICOM_H
#define MCDICOM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Failure codes. */
enum {
    MCD_OK = 0,
    MCD_ERROR_INVALID_ARGUMENT = -1,
    MCD_ERROR_IO = -2,
    MCD_ERROR_PARSE = -3,
    MCD_ERROR_NETWORK = -4,
    MCD_ERROR_REJECTED = -5,
    MCD_ERROR_UNSUPPORTED = -6,
    MCD_ERROR_INTERNAL = -7,
    MCD_ERROR_NO_SPACE = -8,
};

/* A failure: one of the MCD_ERROR_* codes, and a message for a field engineer that names
 * the DCMTK call and its condition text. */
typedef struct mcd_error {
    int code;
    char message[512];
} mcd_error;

/* ---- Process set-up (common.cpp) ---- */

/* Loads the data dictionary at `dictionary_path` (NULL keeps DCMTK's built-in search
 * path) and registers the JPEG, JPEG-LS and RLE decoders. Call once before anything else. */
int mcd_initialize(const char *dictionary_path, mcd_error *error);

/* ---- Reading a stored file (common.cpp) ---- */

typedef struct mcd_dataset mcd_dataset;

/* Opens a PS3.10 file (or a bare data set, when it has no meta header) and parses it.
 * Element values longer than `max_value_length` bytes are not loaded into memory
 * (0 loads everything). Returns NULL when the file cannot be read or parsed. */
mcd_dataset *mcd_dataset_open(const char *path, uint32_t max_value_length, mcd_error *error);

/* Frees a handle from mcd_dataset_open. Accepts NULL. */
void mcd_dataset_free(mcd_dataset *dataset);

/* Copies the raw value of the string element (group, element) of the data set, as
 * stored, without trailing padding, into `buffer` with a terminating NUL.
 * Returns the length of the value, -1 when the element is absent, or -2 when `capacity`
 * is too small (the value is then cut). An element that is present but empty returns 0. */
int mcd_dataset_get_string(
    const mcd_dataset *dataset, uint16_t group, uint16_t element, char *buffer, size_t capacity);

/* As mcd_dataset_get_string, but converted to UTF-8 from the data set's Specific Character
 * Set (0008,0005). Falls back to the raw value when the conversion fails. */
int mcd_dataset_get_string_utf8(
    const mcd_dataset *dataset, uint16_t group, uint16_t element, char *buffer, size_t capacity);

/* Copies the Transfer Syntax UID of the meta header (0002,0010) into `buffer`. Returns its
 * length, or -1 when the file has no meta header. */
int mcd_dataset_get_transfer_syntax(const mcd_dataset *dataset, char *buffer, size_t capacity);

/* ---- Storage SCP (network.cpp) ---- */

/* Reasons a peer check (mcd_scp_config.authorize) may return. They are the service-user
 * reasons of the A-ASSOCIATE-RJ PDU (PS3.8 section 9.3.4). */
enum {
    MCD_ACCEPT = 0,
    MCD_REJECT_NO_REASON = 1,
    MCD_REJECT_CALLING_AE_NOT_RECOGNIZED = 3,
};

/* What an association must meet to be accepted. */
typedef struct mcd_scp_config {
    /* Called AE titles this node answers to, separated by backslashes ("CDP_PRINTER"). */
    const char *ae_titles;
    /* Largest PDU this node receives, in bytes (4096 to 131072). */
    uint32_t max_pdu_size;
    /* Seconds to wait for the A-ASSOCIATE-RQ after the connection opens (ARTIM). */
    int association_timeout;
    /* Seconds to wait for each DIMSE message or data PDU. */
    int dimse_timeout;
    /* Tab-separated table of accepted SOP classes, one per line: the SOP Class UID, then
     * its transfer syntax UIDs in order of preference. */
    const char *presentation_table;
    /* Implementation Class UID and Implementation Version Name (at most 16 characters)
     * sent in the A-ASSOCIATE-AC and written into the File Meta Information. */
    const char *implementation_class_uid;
    const char *implementation_version_name;
    /* Optional check of the peer, called with `authorize_context` once the application
     * context and the called AE title have passed. Returns MCD_ACCEPT or an MCD_REJECT_*
     * reason. NULL accepts every calling AE title. */
    int (*authorize)(void *context, const char *calling_ae, const char *called_ae);
    void *authorize_context;
} mcd_scp_config;

/* What the peer requested in its A-ASSOCIATE-RQ, and the rejection this side sent. */
typedef struct mcd_association_request {
    /* The calling and called AE titles, without padding; empty when no request was read. */
    char calling_ae[17];
    char called_ae[17];
    /* Presentation contexts the peer proposed, and how many of them were accepted. */
    int proposed_contexts;
    int accepted_contexts;
    /* The A-ASSOCIATE-RJ sent, as coded in the PDU (PS3.8 section 9.3.4); all 0 when none
     * was sent. Result: 1 permanent, 2 transient. Source: 1 service user, 2 service
     * provider (ACSE), 3 service provider (presentation). The reason depends on the source:
     * for example 7 with source 1 is "called AE title not recognized", and 2 with source 3
     * is "local limit exceeded". */
    int reject_result;
    int reject_source;
    int reject_reason;
} mcd_association_request;

typedef struct mcd_association mcd_association;

/* Reads the A-ASSOCIATE-RQ from the already accepted TCP connection `socket_fd` and
 * accepts or rejects it by `config`. The association is rejected when the application
 * context is not the DICOM one (1.2.840.10008.3.1.1.1), when the called AE title is not
 * one of `ae_titles`, or when `authorize` says so. Each proposed presentation context is
 * accepted with the first transfer syntax of the table that the peer also proposed, or
 * rejected on its own. An association whose contexts were all rejected is still accepted:
 * the peer then sees the reason for each context in the A-ASSOCIATE-AC.
 * This side takes ownership of the descriptor in every case, and closes it on failure.
 * `request` (may be NULL) is filled in as far as the request was read. Returns NULL when
 * the association was rejected or failed (error says why, with code MCD_ERROR_REJECTED
 * for a rejection this side sent). */
mcd_association *mcd_association_receive(
    int socket_fd, const mcd_scp_config *config, mcd_association_request *request,
    mcd_error *error);

/* Reads the A-ASSOCIATE-RQ from `socket_fd` and rejects it as transient, source service
 * provider (presentation), reason "local limit exceeded": the answer when the maximum
 * number of associations is active. Takes ownership of the descriptor and closes it.
 * `request` (may be NULL) is filled in as far as the request was read. Returns 0 once the
 * rejection was sent. */
int mcd_association_reject_local_limit(
    int socket_fd, const mcd_scp_config *config, mcd_association_request *request,
    mcd_error *error);

/* The peer's calling AE title and the called AE title, without padding. */
const char *mcd_association_calling_ae(const mcd_association *association);
const char *mcd_association_called_ae(const mcd_association *association);

/* Events returned by mcd_association_next. */
enum {
    MCD_EVENT_ECHO = 1,      /* a C-ECHO was answered with status 0000 */
    MCD_EVENT_STORE = 2,     /* a C-STORE data set is in the temporary file; respond next */
    MCD_EVENT_RELEASED = 3,  /* the peer released the association, which is now closed */
    MCD_EVENT_ABORTED = 4,   /* the peer aborted or closed the connection */
    MCD_EVENT_TIMED_OUT = 5, /* the DIMSE timeout passed; the association was aborted */
    /* A C-STORE arrived but its data set was not stored: `error` says why and the
     * temporary file does not exist. The association is still open: respond next, with
     * A700 (out of resources) for MCD_ERROR_NO_SPACE and MCD_ERROR_IO, or 0122 (SOP class
     * not supported) for MCD_ERROR_UNSUPPORTED, which means the SOP class of the request
     * differs from the abstract syntax of its presentation context. */
    MCD_EVENT_STORE_FAILED = 6,
};

/* Waits for the next DIMSE command. A C-ECHO is answered here. For a C-STORE, the
 * File Meta Information and then the data set exactly as received are written to
 * `temporary_path`, which is created (it must not exist) and closed before return, but
 * not synced; when the transfer fails, the file is removed. Any other command (C-FIND,
 * C-MOVE, N-services) cannot arrive on the contexts this side accepts, so it is a protocol
 * error: the association is aborted and MCD_ERROR_UNSUPPORTED returned. Returns an
 * MCD_EVENT_* value, or a negative MCD_ERROR_* code (the association was then aborted). */
int mcd_association_next(
    mcd_association *association, const char *temporary_path, mcd_error *error);

/* The C-STORE request that mcd_association_next last returned MCD_EVENT_STORE or
 * MCD_EVENT_STORE_FAILED for: Affected SOP Class UID, Affected SOP Instance UID and the
 * transfer syntax of the presentation context it came on. */
const char *mcd_association_store_sop_class(const mcd_association *association);
const char *mcd_association_store_sop_instance(const mcd_association *association);
const char *mcd_association_store_transfer_syntax(const mcd_association *association);

/* Sends the C-STORE-RSP for the last C-STORE with `status` and, for a status other than
 * 0000, an Error Comment (0000,0902) (NULL for none). The comment is cut to 64 characters,
 * and characters that the LO value representation does not allow become spaces. */
int mcd_association_respond_store(
    mcd_association *association, uint16_t status, const char *error_comment, mcd_error *error);

/* Aborts the association if it is still open, drops the connection and frees the handle.
 * Accepts NULL. */
void mcd_association_free(mcd_association *association);

/* ---- Media files and DICOMDIR (fileset.cpp) ---- */

/* Values written into a media file where the instance has none (absent or empty). */
typedef struct mcd_media_file_options {
    const char *implementation_class_uid;  /* (0002,0012) */
    const char *implementation_version_name; /* (0002,0013), at most 16 characters */
    const char *source_ae_title;           /* (0002,0016) */
    const char *patient_id;                /* (0010,0020) when missing */
    const char *study_date;                /* (0008,0020) when missing, YYYYMMDD */
    const char *study_time;                /* (0008,0030) when missing, HHMMSS */
    const char *study_id;                  /* (0020,0010) when missing */
    const char *series_number;             /* (0020,0011) when missing */
} mcd_media_file_options;

/* Reads the stored instance at `source_path`, decompresses it losslessly to Explicit VR
 * Little Endian (from Implicit VR, JPEG Lossless, RLE or JPEG-LS), fills the keys of
 * `options` that have no value, and writes a PS3.10 file to `destination_path` with a new
 * meta header. Returns MCD_ERROR_UNSUPPORTED when the pixel data cannot be decompressed
 * without loss. Every other element is kept as it was. */
int mcd_write_media_file(
    const char *source_path, const char *destination_path,
    const mcd_media_file_options *options, mcd_error *error);

typedef struct mcd_dicomdir mcd_dicomdir;

/* Starts a DICOMDIR for the General Purpose CD-R profile (STD-GEN-CD) in the file-set
 * whose root folder is `fileset_root`, with File-set ID `fileset_id` (at most 16
 * characters). Nothing is written until mcd_dicomdir_write. */
mcd_dicomdir *mcd_dicomdir_create(
    const char *fileset_root, const char *fileset_id, mcd_error *error);

/* Adds the media file at `relative_path` (ISO 9660 level 1 components separated by '/',
 * below the file-set root) to the record hierarchy. */
int mcd_dicomdir_add(mcd_dicomdir *dicomdir, const char *relative_path, mcd_error *error);

/* Writes DICOMDIR at the file-set root in Explicit VR Little Endian. */
int mcd_dicomdir_write(mcd_dicomdir *dicomdir, mcd_error *error);

/* Frees the handle. Accepts NULL. */
void mcd_dicomdir_free(mcd_dicomdir *dicomdir);

#ifdef __cplusplus
}
#endif

#endif
