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

/* The name DCMTK 3.6.7 gives `uid` in its UID table, such as "CTImageStorage". Names of
 * retired UIDs start with "RETIRED_". Returns NULL for a UID that DCMTK does not know. The
 * string is static. */
const char *mcd_uid_name(const char *uid);

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

/* Verdicts a peer check (mcd_scp_config.authorize) may return. Each rejection is sent as
 * an A-ASSOCIATE-RJ from the service user (PS3.8 section 9.3.4). */
enum {
    MCD_ACCEPT = 0,
    /* Rejected permanent, reason 1 "no reason given". */
    MCD_REJECT_NO_REASON = 1,
    /* Rejected permanent, reason 3 "calling AE title not recognized". */
    MCD_REJECT_CALLING_AE_NOT_RECOGNIZED = 3,
    /* Rejected transient, reason 1 "no reason given": a resource of this node is short for
     * now, so the peer may try again later. */
    MCD_REJECT_TRANSIENT_NO_REASON = 0x101,
    /* Rejected transient by the service provider (presentation), reason 2 "local limit
     * exceeded": the maximum number of associations is open. */
    MCD_REJECT_LOCAL_LIMIT = 0x302,
};

/* What an association must meet to be accepted. */
typedef struct mcd_scp_config {
    /* Called AE titles this node accepts, separated by backslashes ("CDP_PRINTER"). */
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
     * verdict. NULL accepts every calling AE title. */
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
    /* The rejected presentation contexts, one line each: abstract syntax UID, a tab, the
     * result (3 abstract syntax not supported, 4 transfer syntaxes not supported), a tab,
     * and the proposed transfer syntax UIDs separated by commas. Lines that do not fit are
     * left out. */
    char rejected_contexts[2048];
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
 * one of `ae_titles`, or when `authorize` returns a rejection, which it sends as the verdict
 * names (MCD_REJECT_LOCAL_LIMIT for a full association pool). Each proposed presentation context is
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

/* The peer's calling AE title and the called AE title, without padding. */
const char *mcd_association_calling_ae(const mcd_association *association);
const char *mcd_association_called_ae(const mcd_association *association);

/* Events returned by mcd_association_next. */
enum {
    MCD_EVENT_ECHO = 1,      /* a C-ECHO-RSP with status 0000 was sent */
    /* A C-STORE data set is in the temporary file, and was parsed in memory too when it
     * is small enough (mcd_association_take_store_dataset); respond next. */
    MCD_EVENT_STORE = 2,
    MCD_EVENT_RELEASED = 3,  /* the peer released the association, which is now closed */
    MCD_EVENT_ABORTED = 4,   /* the peer aborted or closed the connection */
    MCD_EVENT_TIMED_OUT = 5, /* the DIMSE timeout passed; the association was aborted */
    /* A C-STORE arrived but its data set was not stored: `error` gives the reason, and the
     * temporary file does not exist. The association is still open: respond next, with
     * A700 (out of resources) for MCD_ERROR_NO_SPACE and MCD_ERROR_IO, or 0122 (SOP class
     * not supported) for MCD_ERROR_UNSUPPORTED, which means the SOP class of the request
     * differs from the abstract syntax of its presentation context. */
    MCD_EVENT_STORE_FAILED = 6,
};

/* Waits for the next DIMSE command. A C-ECHO is answered here. For a C-STORE, the
 * File Meta Information and then the data set exactly as received are written to
 * `temporary_path`, which is created (it must not exist) and closed before return, but
 * not synced; when the transfer fails, the file is removed. The same bytes are parsed as
 * they arrive, up to MCD_MAX_PARSED_DATA_SET_SIZE bytes. Any other command (C-FIND,
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

/* Data sets up to this many bytes are parsed in memory while they arrive. That parse keeps
 * every value, pixel data included, and stops once a data set turns out to be larger, having
 * parsed this many bytes in vain. Such a data set is only written to the temporary file,
 * which the caller parses with a value length limit (mcd_dataset_open). Sparing that second
 * parse matters for small instances only, such as CT and MR slices, because the caller runs
 * it while the file is synced, and the fsync of a larger file takes longer than its parse. */
enum { MCD_MAX_PARSED_DATA_SET_SIZE = 1024 * 1024 };

/* Hands over the data set of the C-STORE that mcd_association_next last returned
 * MCD_EVENT_STORE for, as parsed while it arrived, in the transfer syntax of its
 * presentation context. On MCD_OK, `dataset` is set to the data set, which the caller then
 * owns and frees with mcd_dataset_free. Every value of it is in memory, and
 * mcd_dataset_get_transfer_syntax returns the context's transfer syntax. `dataset` is set to
 * NULL when the data set was not parsed in memory, because it has more than
 * MCD_MAX_PARSED_DATA_SET_SIZE bytes, memory ran out or it was handed over before: read the
 * temporary file instead. Returns MCD_ERROR_PARSE, with DCMTK's condition text in `error`,
 * when the data set cannot be parsed, and MCD_ERROR_INVALID_ARGUMENT when no C-STORE data set
 * was received since the last mcd_association_next. */
int mcd_association_take_store_dataset(
    mcd_association *association, mcd_dataset **dataset, mcd_error *error);

/* Sends the C-STORE-RSP for the last C-STORE with `status` and, for a status other than
 * 0000, an Error Comment (0000,0902) (NULL for none). The comment is cut to 64 characters,
 * and characters that the LO value representation does not allow become spaces. */
int mcd_association_respond_store(
    mcd_association *association, uint16_t status, const char *error_comment, mcd_error *error);

/* Aborts the association if it is still open, drops the connection and frees the handle.
 * Accepts NULL. */
void mcd_association_free(mcd_association *association);

/* ---- Transcoding on receive (transcode.cpp) ---- */

/* Reads the stored instance at `source_path` and writes it to `destination_path` in the
 * transfer syntax `transfer_syntax_uid`, decompressing JPEG Lossless, JPEG-LS and RLE where
 * needed. The File Meta Information is kept except for its Transfer Syntax UID, and every
 * element of the data set keeps its value. The whole instance is held in memory meanwhile.
 * `destination_path` is removed again when the call fails. Returns MCD_ERROR_UNSUPPORTED,
 * naming both transfer syntaxes, when no codec converts between them. */
int mcd_transcode_file(
    const char *source_path, const char *destination_path, const char *transfer_syntax_uid,
    mcd_error *error);

/* Decodes the pixel data of the stored instance at `path` in memory, when its transfer
 * syntax is a compressed one, and discards the result. Returns MCD_OK when it decodes (or
 * is not compressed), and MCD_ERROR_PARSE, with DCMTK's reason, when the compressed
 * bitstream is damaged, so that it can be rejected while the sender still has it. */
int mcd_check_pixel_data(const char *path, mcd_error *error);

/* ---- Media files and DICOMDIR (fileset.cpp) ---- */

/* The General Purpose application profile of PS3.11 that a file-set is built for. */
typedef enum mcd_profile {
    /* STD-GEN-CD: every media file in Explicit VR Little Endian. */
    MCD_PROFILE_GENERAL_CD = 0,
    /* STD-GEN-DVD-JPEG: Explicit VR Little Endian, and JPEG Lossless SV1 kept as received. */
    MCD_PROFILE_GENERAL_DVD_JPEG = 1,
    /* STD-GEN-BD-JPEG: the same transfer syntaxes as STD-GEN-DVD-JPEG, on BD media. */
    MCD_PROFILE_GENERAL_BD_JPEG = 2
} mcd_profile;

/* The File Meta Information (0002,0012), (0002,0013) and (0002,0016) of the media files and
 * the DICOMDIR, and the values written into a media file where the instance has none
 * (absent, empty or only spaces). A NULL or empty key value leaves that key as it is. */
typedef struct mcd_media_file_options {
    const char *implementation_class_uid;    /* (0002,0012), required */
    const char *implementation_version_name; /* (0002,0013), at most 16 characters, required */
    const char *source_ae_title;             /* (0002,0016), at most 16 characters */
    const char *patient_id;                  /* (0010,0020) when missing */
    const char *study_date;                  /* (0008,0020) when missing, YYYYMMDD */
    const char *study_time;                  /* (0008,0030) when missing, HHMMSS */
    const char *study_id;                    /* (0020,0010) when missing */
    const char *series_number;               /* (0020,0011) when missing */
    mcd_profile profile;                     /* decides which transfer syntax is kept */
} mcd_media_file_options;

/* Reads the stored instance at `source_path` and writes it to `destination_path` as a PS3.10
 * file with a new File Meta Information. An instance stored in JPEG Lossless SV1 keeps that
 * transfer syntax when `options->profile` is a JPEG profile. Every other instance is
 * written in Explicit VR Little Endian. The source may be
 * Implicit VR LE, Explicit VR LE or BE, Deflated Explicit VR LE, JPEG Lossless (processes
 * 14 and 14 SV1), RLE Lossless or JPEG-LS Lossless, and is decompressed without loss.
 * The keys of `options` that have no value are filled, and an empty Patient's Name
 * (0010,0010) is added when there is none. Every other element, private and retired ones
 * included, is kept as it was.
 * `destination_path` must not exist; it is removed again when the call fails.
 * Returns MCD_ERROR_UNSUPPORTED, with the transfer syntax named in the message, for any
 * other transfer syntax (JPEG baseline and extended, JPEG-LS near-lossless, JPEG 2000,
 * MPEG), because these are lossy or have no decoder here. */
int mcd_write_media_file(
    const char *source_path, const char *destination_path,
    const mcd_media_file_options *options, mcd_error *error);

/* Does what mcd_write_media_file does and, on MCD_OK, sets `*dataset` to the data set as it
 * was written, every value in memory, so that the caller can read its attributes without
 * parsing the file again. The caller frees it with mcd_dataset_free. `*dataset` is set to
 * NULL when the call fails. Several threads may call this at once, each with files of its
 * own, once mcd_initialize has returned. */
int mcd_write_media_file_with_dataset(
    const char *source_path, const char *destination_path,
    const mcd_media_file_options *options, mcd_dataset **dataset, mcd_error *error);

/* How a DICOMDIR is written. */
typedef struct mcd_dicomdir_options {
    const char *implementation_class_uid;    /* (0002,0012), required */
    const char *implementation_version_name; /* (0002,0013), at most 16 characters, required */
    const char *source_ae_title;             /* (0002,0016), NULL or empty for none */
    /* (0002,0003), the DICOMDIR's own instance UID. NULL or empty keeps the one DCMTK
     * makes, which is under DCMTK's UID root. */
    const char *sop_instance_uid;
    /* File-set Consistency Flag (0004,1212): 0x0000 when the file-set is checked before it
     * is recorded, 0xFFFF to tell readers that inconsistencies may be present. */
    uint16_t consistency_flag;
    /* The profile the DICOMDIR is built and checked for. */
    mcd_profile profile;
} mcd_dicomdir_options;

typedef struct mcd_dicomdir mcd_dicomdir;

/* Starts a DICOMDIR for the profile of `options` (STD-GEN-CD by default) in the file-set
 * whose root folder is `fileset_root`, with File-set ID `fileset_id` (at most 16
 * characters of A-Z, 0-9, space and underscore). Nothing is written until
 * mcd_dicomdir_write. */
mcd_dicomdir *mcd_dicomdir_create(
    const char *fileset_root, const char *fileset_id, const mcd_dicomdir_options *options,
    mcd_error *error);

/* Adds the media file at `relative_path` (ISO 9660 level 1 components separated by '/',
 * below the file-set root) to the record hierarchy: PATIENT, STUDY, SERIES and the
 * record type that fits its SOP class (IMAGE, SR DOCUMENT, RT PLAN, PRESENTATION,
 * WAVEFORM, SPECTROSCOPY and the others DCMTK's DicomDirInterface supports). The file must be
 * in a transfer syntax of the DICOMDIR's profile. Returns MCD_ERROR_UNSUPPORTED, with
 * DCMTK's reasons in the message, when the file does not meet the profile (a SOP class the
 * profile does not take, a required attribute missing).
 * DCMTK 3.6.7 rejects some current SOP classes for this profile: the RT Second Generation
 * classes after C-Arm Photon-Electron Radiation and the Encapsulated OBJ and MTL documents.
 * The shim checks files of these classes itself, with the same kind of message, and
 * mcd_dicomdir_write adds their RADIOTHERAPY and ENCAP DOC records. */
int mcd_dicomdir_add(mcd_dicomdir *dicomdir, const char *relative_path, mcd_error *error);

/* Writes DICOMDIR at the file-set root in Explicit VR Little Endian, with the File Meta
 * Information and consistency flag of the options, and with the records of the files that
 * the shim records itself (see mcd_dicomdir_add). */
int mcd_dicomdir_write(mcd_dicomdir *dicomdir, mcd_error *error);

/* Frees the handle. Accepts NULL. */
void mcd_dicomdir_free(mcd_dicomdir *dicomdir);

/* ---- Reading a written DICOMDIR back (fileset.cpp) ---- */

/* The data set and File Meta Information fields of a DICOMDIR that a check needs. Strings
 * stay valid until the listing is freed. */
typedef struct mcd_dicomdir_header {
    const char *transfer_syntax_uid; /* (0002,0010) */
    const char *fileset_id;          /* (0004,1130), "" when empty */
    uint32_t first_root_offset;      /* (0004,1200) */
    uint32_t last_root_offset;       /* (0004,1202) */
    uint16_t consistency_flag;       /* (0004,1212) */
} mcd_dicomdir_header;

/* One item of the Directory Record Sequence (0004,1220). Offsets count bytes from the start
 * of the file (the first byte of the preamble); 0 means none. Strings are "" when the
 * element is absent and stay valid until the listing is freed. */
typedef struct mcd_dicomdir_record {
    uint32_t offset;                            /* where this item starts in the file */
    uint32_t next_offset;                       /* (0004,1400) */
    uint32_t lower_offset;                      /* (0004,1420) */
    const char *record_type;                    /* (0004,1430) */
    const char *referenced_file_id;             /* (0004,1500), components joined by '/' */
    const char *referenced_sop_class_uid;       /* (0004,1510) */
    const char *referenced_sop_instance_uid;    /* (0004,1511) */
    const char *referenced_transfer_syntax_uid; /* (0004,1512) */
} mcd_dicomdir_record;

typedef struct mcd_dicomdir_listing mcd_dicomdir_listing;

/* Reads the DICOMDIR file at `path` as a plain PS3.10 file, without resolving its offsets,
 * so that a check can judge them. Returns NULL when it cannot be read or parsed. */
mcd_dicomdir_listing *mcd_dicomdir_read(const char *path, mcd_error *error);

/* Fills `header` from the listing. */
void mcd_dicomdir_listing_header(const mcd_dicomdir_listing *listing, mcd_dicomdir_header *header);

/* The number of directory records, in file order. */
size_t mcd_dicomdir_listing_count(const mcd_dicomdir_listing *listing);

/* Fills `record` with the record at `index` (in file order). Returns MCD_OK, or
 * MCD_ERROR_INVALID_ARGUMENT when `index` is out of range. */
int mcd_dicomdir_listing_record(
    const mcd_dicomdir_listing *listing, size_t index, mcd_dicomdir_record *record);

/* Frees a listing. Accepts NULL. */
void mcd_dicomdir_listing_free(mcd_dicomdir_listing *listing);

/* ---- Previews for the disc's web pages (preview.cpp, common.cpp) ---- */

/* Returns 1 when the data set contains the element (group, element), empty or not, and 0
 * when it does not or `dataset` is NULL (common.cpp). */
int mcd_dataset_has_element(const mcd_dataset *dataset, uint16_t group, uint16_t element);

/* The size of a preview that mcd_write_preview wrote, in pixels. */
typedef struct mcd_preview_size {
    uint32_t width;
    uint32_t height;
} mcd_preview_size;

/* Renders the middle frame of the image in the media file at `source_path` (Explicit or
 * Implicit VR Little Endian, uncompressed) and writes it to `png_path` as an 8-bit PNG.
 * A monochrome image is shown with its first window (0028,1050/1051), else its first VOI
 * LUT, else the range of its pixel values. A color image keeps its colors. The image is
 * scaled down, keeping its shape, until neither side exceeds `max_dimension` pixels (at
 * least 16). `png_path` must not exist; it is removed again when the call fails. Returns
 * MCD_ERROR_UNSUPPORTED when the data set has no pixel data or DCMTK cannot render it
 * (the message gives DCMTK's reason), MCD_ERROR_PARSE when the file cannot be read, and
 * MCD_ERROR_IO or MCD_ERROR_NO_SPACE when the PNG cannot be written. */
int mcd_write_preview(
    const char *source_path, const char *png_path, uint32_t max_dimension,
    mcd_preview_size *size, mcd_error *error);

#ifdef __cplusplus
}
#endif

#endif
