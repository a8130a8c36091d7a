// Media files in a transfer syntax of the file-set's profile, the DICOMDIR of a file-set,
// and a reader that lists a written DICOMDIR's records with their byte offsets so that they
// can be checked.

#include "mcdicom.h"
#include "shim_support.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcddirif.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcdicdir.h>
#include <dcmtk/dcmdata/dcdirrec.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcostrmf.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcsequen.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmdata/dcwcache.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <dcmtk/oflog/appender.h>
#include <dcmtk/oflog/oflog.h>
#include <dcmtk/oflog/spi/logevent.h>

#include <cerrno>
#include <cstdio>
#include <algorithm>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <mutex>
#include <string>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <vector>

namespace {

// ---- Messages that DCMTK only logs ----

// DicomDirInterface returns a generic condition (such as "Application profile violated")
// and logs the reason (the missing attribute, the SOP class the profile does not take)
// through the dcmtk.dcmdata logger. The messages of a call are collected per thread.
thread_local std::vector<std::string> *capturedMessages = nullptr;

class CapturingAppender : public dcmtk::log4cplus::Appender {
public:
    ~CapturingAppender() override { destructorImpl(); }
    void close() override {}

protected:
    void append(const dcmtk::log4cplus::spi::InternalLoggingEvent &event) override {
        if (capturedMessages != nullptr) capturedMessages->push_back(event.getMessage().c_str());
    }
};

// Routes dcmtk.dcmdata errors to the capturing appender only. Messages logged on threads
// that do not capture are dropped, as mcd_initialize's FATAL threshold drops them anyway.
// NOTE: dcmdata FATAL messages no longer reach DCMTK's console appender after this.
void installCapturingAppender() {
    static std::once_flag once;
    std::call_once(once, [] {
        OFLogger logger = OFLog::getLogger("dcmtk.dcmdata");
        logger.setAdditivity(false);
        logger.setLogLevel(OFLogger::ERROR_LOG_LEVEL);
        logger.addAppender(dcmtk::log4cplus::SharedAppenderPtr(new CapturingAppender));
    });
}

// Collects the dcmdata error messages logged on this thread while it lives.
class MessageCapture {
public:
    MessageCapture() {
        installCapturingAppender();
        previous = capturedMessages;
        capturedMessages = &messages;
    }
    ~MessageCapture() { capturedMessages = previous; }
    MessageCapture(const MessageCapture &) = delete;
    MessageCapture &operator=(const MessageCapture &) = delete;

    // The messages joined by "; ", each on one line, or `fallback` when there are none.
    std::string joined(const std::string &fallback) const {
        if (messages.empty()) return fallback;
        std::string text;
        for (const std::string &message : messages) {
            if (!text.empty()) text += "; ";
            for (char character : message) text += (character == '\n') ? ' ' : character;
        }
        return text;
    }

private:
    std::vector<std::string> messages;
    std::vector<std::string> *previous = nullptr;
};

// ---- Small helpers ----

bool isEmptyText(const char *text) {
    return text == nullptr || text[0] == '\0';
}

std::string textOrEmpty(const char *text) {
    return text == nullptr ? std::string() : std::string(text);
}

// Fills `error` for a C++ exception that the exported function `function` caught;
// `what` is NULL for an exception of an unknown type.
void setExceptionError(mcd_error *error, const char *function, const char *what) {
    mcd_set_error(error, MCD_ERROR_INTERNAL,
        std::string(function) + ": " + (what != nullptr ? what : "unknown C++ exception"));
}

std::string trimmed(const OFString &value) {
    size_t start = 0;
    size_t end = value.size();
    while (start < end && (value[start] == ' ' || value[start] == '\0')) start++;
    while (end > start && (value[end - 1] == ' ' || value[end - 1] == '\0')) end--;
    return std::string(value.c_str() + start, end - start);
}

// Whether `key` is present with a value other than padding.
bool hasValue(DcmItem &item, const DcmTagKey &key) {
    OFString value;
    if (item.findAndGetOFStringArray(key, value).bad()) return false;
    return !trimmed(value).empty();
}

std::string transferSyntaxName(E_TransferSyntax syntax) {
    DcmXfer transfer(syntax);
    return std::string(transfer.getXferName()) + " (" + transfer.getXferID() + ")";
}

// The transfer syntaxes whose pixel data reach Explicit VR Little Endian without loss with
// the decoders mcd_initialize registers.
bool isLosslesslyConvertible(E_TransferSyntax syntax) {
    switch (syntax) {
    case EXS_LittleEndianImplicit:
    case EXS_LittleEndianExplicit:
    case EXS_BigEndianExplicit:
    case EXS_DeflatedLittleEndianExplicit:
    case EXS_JPEGProcess14:
    case EXS_JPEGProcess14SV1:
    case EXS_JPEGLSLossless:
    case EXS_RLELossless:
        return true;
    default:
        return false;
    }
}

const char *profileName(mcd_profile profile) {
    switch (profile) {
    case MCD_PROFILE_GENERAL_DVD_JPEG: return "STD-GEN-DVD-JPEG";
    case MCD_PROFILE_GENERAL_BD_JPEG: return "STD-GEN-BD-JPEG";
    default: return "STD-GEN-CD";
    }
}

// The transfer syntax a media file of `profile` gets for an instance stored in `original`.
// The JPEG profiles also allow lossy JPEG, but the Storage SCP never accepts it, so only
// JPEG Lossless SV1 stays as received.
E_TransferSyntax mediaFileSyntax(mcd_profile profile, E_TransferSyntax original) {
    const bool jpegProfile =
        profile == MCD_PROFILE_GENERAL_DVD_JPEG || profile == MCD_PROFILE_GENERAL_BD_JPEG;
    if (jpegProfile && original == EXS_JPEGProcess14SV1) return EXS_JPEGProcess14SV1;
    return EXS_LittleEndianExplicit;
}

std::string unsupportedSyntaxMessage(
    const char *path, E_TransferSyntax syntax, mcd_profile profile) {
    DcmXfer transfer(syntax);
    std::string reason = transfer.isLossy()
        ? "it is lossy, and a decoded copy must not be passed off as the original"
        : "DCMTK 3.6.7 has no decoder for it";
    return std::string(path) + " has transfer syntax " + transferSyntaxName(syntax)
        + ", which cannot go on a " + profileName(profile) + " disc: " + reason
        + "; have the sender send the instance uncompressed or lossless "
        + "(JPEG Lossless, RLE or JPEG-LS Lossless)";
}

// Puts the identity of `implementationClassUID`, `versionName` and `sourceAETitle` into a
// meta header that validateMetaInfo has just built (with DCMTK's own implementation class
// UID and version name), and recomputes its group length.
OFCondition setIdentity(
    DcmMetaInfo &meta, const char *implementationClassUID, const char *versionName,
    const char *sourceAETitle) {
    OFCondition status =
        meta.putAndInsertString(DCM_ImplementationClassUID, implementationClassUID);
    if (status.good())
        status = meta.putAndInsertString(DCM_ImplementationVersionName, versionName);
    if (status.good() && !isEmptyText(sourceAETitle))
        status = meta.putAndInsertString(DCM_SourceApplicationEntityTitle, sourceAETitle);
    if (status.good()) {
        status = meta.computeGroupLengthAndPadding(
            EGL_withGL, EPD_noChange, META_HEADER_DEFAULT_TRANSFERSYNTAX, EET_ExplicitLength);
    }
    return status;
}

// Writes `file` to `path` in Explicit VR Little Endian with its meta header as it is, since
// any other write mode puts DCMTK's own implementation class UID and version name back.
// Then checks that every byte reached the file. DCMTK ignores the result of the final
// fclose, so a disk that fills up during the last flush would otherwise go unnoticed.
int writeFile(
    DcmFileFormat &file, const char *path, E_EncodingType encoding, E_GrpLenEncoding groupLength,
    mcd_error *error, E_TransferSyntax syntax = EXS_LittleEndianExplicit) {
    offile_off_t expected = 0;
    OFCondition status;
    {
        DcmOutputFileStream stream(path);
        status = stream.status();
        if (status.bad()) {
            mcd_set_error(error, MCD_ERROR_IO,
                std::string("DcmOutputFileStream failed to open ") + path + ": " + status.text());
            return MCD_ERROR_IO;
        }
        DcmWriteCache cache;
        file.transferInit();
        status = file.write(stream, syntax, encoding, &cache, groupLength,
            EPD_noChange, 0, 0, 0, EWM_dontUpdateMeta);
        file.transferEnd();
        stream.flush();
        expected = stream.tell();
    }

    struct stat written;
    const bool measured = ::stat(path, &written) == 0;
    if (status.good() && measured && static_cast<offile_off_t>(written.st_size) == expected)
        return MCD_OK;

    int code = MCD_ERROR_IO;
    struct statvfs space;
    if (::statvfs(path, &space) == 0 && space.f_bavail == 0) code = MCD_ERROR_NO_SPACE;
    std::string detail = status.bad()
        ? std::string("DcmFileFormat::write failed: ") + status.text()
        : "only " + std::to_string(measured ? written.st_size : 0) + " of "
            + std::to_string(expected) + " bytes reached the file";
    mcd_set_error(error, code,
        std::string("writing ") + path + " failed (" + detail + "); check free space and "
            + "the file system");
    return code;
}

// Creates `path`, which must not exist, so that a failure later removes only a file this
// call made.
int createExclusively(const char *path, mcd_error *error) {
    const int descriptor = ::open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (descriptor < 0) {
        const int number = errno;
        const int code = (number == ENOSPC || number == EDQUOT) ? MCD_ERROR_NO_SPACE : MCD_ERROR_IO;
        mcd_set_error(error, code,
            std::string("open(O_CREAT|O_EXCL) failed on ") + path + ": " + std::strerror(number)
                + (number == EEXIST ? "; the destination must not exist yet" : ""));
        return code;
    }
    ::close(descriptor);
    return MCD_OK;
}

// ---- Media files ----

int fillKeys(DcmDataset &dataset, const mcd_media_file_options &options, mcd_error *error) {
    const struct {
        DcmTagKey key;
        const char *value;
    } keys[] = {
        {DCM_PatientID, options.patient_id},
        {DCM_StudyDate, options.study_date},
        {DCM_StudyTime, options.study_time},
        {DCM_StudyID, options.study_id},
        {DCM_SeriesNumber, options.series_number},
    };
    for (const auto &entry : keys) {
        if (isEmptyText(entry.value) || hasValue(dataset, entry.key)) continue;
        OFCondition status = dataset.putAndInsertString(entry.key, entry.value, OFTrue);
        if (status.bad()) {
            mcd_set_error(error, MCD_ERROR_INTERNAL,
                std::string("DcmItem::putAndInsertString failed on ")
                    + DcmTag(entry.key).getTagName() + ": " + status.text());
            return MCD_ERROR_INTERNAL;
        }
    }
    // The DICOMDIR PATIENT record needs Patient's Name, which may be empty.
    if (!dataset.tagExists(DCM_PatientName)) {
        OFCondition status = dataset.putAndInsertString(DCM_PatientName, "");
        if (status.bad()) {
            mcd_set_error(error, MCD_ERROR_INTERNAL,
                std::string("DcmItem::putAndInsertString failed on PatientName: ") + status.text());
            return MCD_ERROR_INTERNAL;
        }
    }
    return MCD_OK;
}

int loadSource(const char *path, DcmFileFormat &file, mcd_error *error) {
    if (::access(path, R_OK) != 0) {
        const int number = errno;
        mcd_set_error(error, MCD_ERROR_IO,
            std::string("cannot read ") + path + ": " + std::strerror(number));
        return MCD_ERROR_IO;
    }
    OFCondition status = file.loadFile(path, EXS_Unknown, EGL_noChange, DCM_MaxReadLength,
        ERM_autoDetect);
    if (status.bad()) {
        mcd_set_error(error, MCD_ERROR_PARSE,
            std::string("DcmFileFormat::loadFile failed on ") + path + ": " + status.text());
        return MCD_ERROR_PARSE;
    }
    DcmDataset &dataset = *file.getDataset();
    const char *missing = !hasValue(dataset, DCM_SOPClassUID) ? "SOP Class UID (0008,0016)"
        : !hasValue(dataset, DCM_SOPInstanceUID)              ? "SOP Instance UID (0008,0018)"
                                                              : nullptr;
    if (missing != nullptr) {
        mcd_set_error(error, MCD_ERROR_PARSE,
            std::string(path) + " has no " + missing + ", so it is no storable instance");
        return MCD_ERROR_PARSE;
    }
    return MCD_OK;
}

// Brings the pixel data into Explicit VR Little Endian, decoding them when they are
// encapsulated, and keeps only that representation in memory.
int decodeToExplicitLittleEndian(
    const char *path, DcmDataset &dataset, mcd_profile profile, mcd_error *error) {
    const E_TransferSyntax original = dataset.getOriginalXfer();
    if (!isLosslesslyConvertible(original)) {
        mcd_set_error(
            error, MCD_ERROR_UNSUPPORTED, unsupportedSyntaxMessage(path, original, profile));
        return MCD_ERROR_UNSUPPORTED;
    }
    if (DcmXfer(original).isEncapsulated()) {
        MessageCapture capture;
        OFCondition status = dataset.chooseRepresentation(EXS_LittleEndianExplicit, nullptr);
        if (status.bad()) {
            mcd_set_error(error, MCD_ERROR_PARSE,
                std::string("DcmDataset::chooseRepresentation failed to decode the ")
                    + transferSyntaxName(original) + " pixel data of " + path + ": "
                    + capture.joined(status.text()));
            return MCD_ERROR_PARSE;
        }
        dataset.removeAllButCurrentRepresentations();
    }
    if (!dataset.canWriteXfer(EXS_LittleEndianExplicit, original)) {
        mcd_set_error(error, MCD_ERROR_UNSUPPORTED,
            std::string(path) + " cannot be written in Explicit VR Little Endian after "
                + "decoding its " + transferSyntaxName(original) + " pixel data");
        return MCD_ERROR_UNSUPPORTED;
    }
    return MCD_OK;
}

// Sets `created` once `destinationPath` exists because of this call. `file` is the media
// file as written when the call succeeds.
int writeMediaFile(
    const char *sourcePath, const char *destinationPath, const mcd_media_file_options &options,
    DcmFileFormat &file, bool &created, mcd_error *error) {
    int result = loadSource(sourcePath, file, error);
    if (result != MCD_OK) return result;

    DcmDataset &dataset = *file.getDataset();
    const E_TransferSyntax syntax = mediaFileSyntax(options.profile, dataset.getOriginalXfer());
    if (syntax == EXS_LittleEndianExplicit) {
        result = decodeToExplicitLittleEndian(sourcePath, dataset, options.profile, error);
        if (result != MCD_OK) return result;
    } else if (!dataset.canWriteXfer(syntax, syntax)) {
        mcd_set_error(error, MCD_ERROR_UNSUPPORTED,
            std::string(sourcePath) + " cannot be written in " + transferSyntaxName(syntax)
                + " as it was received");
        return MCD_ERROR_UNSUPPORTED;
    }

    result = fillKeys(dataset, options, error);
    if (result != MCD_OK) return result;

    // The source's meta header (its sending AE, private information) describes the received
    // file, not the media file, so a new one replaces it.
    DcmMetaInfo &meta = *file.getMetaInfo();
    meta.clear();
    OFCondition status = file.validateMetaInfo(syntax, EWM_createNewMeta);
    if (status.good()) {
        status = setIdentity(meta, options.implementation_class_uid,
            options.implementation_version_name, options.source_ae_title);
    }
    if (status.bad()) {
        mcd_set_error(error, MCD_ERROR_INTERNAL,
            std::string("building the File Meta Information for ") + sourcePath + " failed: "
                + status.text());
        return MCD_ERROR_INTERNAL;
    }

    result = createExclusively(destinationPath, error);
    if (result != MCD_OK) return result;
    created = true;
    result = writeFile(file, destinationPath, EET_ExplicitLength, EGL_recalcGL, error, syntax);
    if (result != MCD_OK) ::unlink(destinationPath);
    return result;
}

// ---- Writing a DICOMDIR ----

std::string rootFilePath(const std::string &root, const char *name) {
    if (!root.empty() && root.back() == '/') return root + name;
    return root + "/" + name;
}

// Adds `delta` to the offset element `key` of `item` when it is present and not zero.
OFCondition shiftOffset(DcmItem &item, const DcmTagKey &key, int64_t delta) {
    DcmElement *element = nullptr;
    if (item.findAndGetElement(key, element).bad() || element == nullptr) return EC_Normal;
    Uint32 offset = 0;
    OFCondition status = element->getUint32(offset);
    if (status.bad() || offset == 0) return status;
    return element->putUint32(static_cast<Uint32>(static_cast<int64_t>(offset) + delta));
}

// Adds `delta` to every offset of a DICOMDIR data set: the two root offsets and, in each
// directory record, the next, lower-level and MRDR offsets. Zero stays zero (no record).
OFCondition shiftAllOffsets(DcmDataset &dataset, int64_t delta) {
    OFCondition status =
        shiftOffset(dataset, DCM_OffsetOfTheFirstDirectoryRecordOfTheRootDirectoryEntity, delta);
    if (status.good()) {
        status = shiftOffset(
            dataset, DCM_OffsetOfTheLastDirectoryRecordOfTheRootDirectoryEntity, delta);
    }
    DcmSequenceOfItems *records = nullptr;
    if (status.bad() || dataset.findAndGetSequence(DCM_DirectoryRecordSequence, records).bad())
        return status;
    for (unsigned long index = 0; status.good() && index < records->card(); index++) {
        DcmItem &record = *records->getItem(index);
        status = shiftOffset(record, DCM_OffsetOfTheNextDirectoryRecord, delta);
        if (status.good())
            status = shiftOffset(record, DCM_OffsetOfReferencedLowerLevelDirectoryEntity, delta);
        if (status.good())
            status = shiftOffset(record, DCM_RETIRED_MRDRDirectoryRecordOffset, delta);
    }
    return status;
}


// ---- DICOMDIR records that the shim writes itself ----

std::string stringOf(DcmItem &item, const DcmTagKey &key); // with the DICOMDIR reader below

// The SOP classes whose files DicomDirInterface of DCMTK 3.6.7 rejects for the General
// Purpose CD-R profile ("invalid SOP class"), with the record type that PS3.3 Annex F names
// for them. DCMTK 3.6.7 maps each class to that record type but leaves it out of its
// profile check, so the shim checks these files and writes their records itself.
struct ShimRecordedClass {
    const char *sopClassUID;
    E_DirRecType recordType;
};

const ShimRecordedClass shimRecordedClasses[] = {
    {UID_TomotherapeuticRadiationStorage, ERT_Radiotherapy},
    {UID_RoboticArmRadiationStorage, ERT_Radiotherapy},
    {UID_RTRadiationRecordSetStorage, ERT_Radiotherapy},
    {UID_RTRadiationSalvageRecordStorage, ERT_Radiotherapy},
    {UID_TomotherapeuticRadiationRecordStorage, ERT_Radiotherapy},
    {UID_CArmPhotonElectronRadiationRecordStorage, ERT_Radiotherapy},
    {UID_RoboticRadiationRecordStorage, ERT_Radiotherapy},
    {UID_RTRadiationSetDeliveryInstructionStorage, ERT_Radiotherapy},
    {UID_RTTreatmentPreparationStorage, ERT_Radiotherapy},
    {UID_EncapsulatedOBJStorage, ERT_EncapDoc},
    {UID_EncapsulatedMTLStorage, ERT_EncapDoc},
};

// A file of one of shimRecordedClasses, accepted by mcd_dicomdir_add.
struct ShimRecordedFile {
    std::string relativePath;
    E_DirRecType recordType;
};

// A key of a directory record with its type in PS3.3 F.5: '1' needs a value, '2' is written
// empty when the file has no value, and 'C' is written only when the file has the key.
struct RecordKey {
    DcmTagKey key;
    char type;
};

// The keys this shim writes into records of `recordType`, one of PATIENT, STUDY, SERIES
// and the record types of shimRecordedClasses.
const std::vector<RecordKey> &keysOf(E_DirRecType recordType) {
    static const std::vector<RecordKey> patient = {
        {DCM_PatientName, '2'}, {DCM_PatientID, '1'}};
    static const std::vector<RecordKey> study = {
        {DCM_StudyDate, '1'},
        {DCM_StudyTime, '1'},
        {DCM_StudyDescription, '2'},
        {DCM_StudyInstanceUID, '1'},
        {DCM_StudyID, '1'},
        {DCM_AccessionNumber, '2'},
    };
    static const std::vector<RecordKey> series = {
        {DCM_Modality, '1'}, {DCM_SeriesInstanceUID, '1'}, {DCM_SeriesNumber, '1'}};
    static const std::vector<RecordKey> radiotherapy = {
        {DCM_InstanceNumber, '1'},
        {DCM_UserContentLabel, 'C'},
        {DCM_UserContentLongLabel, 'C'},
        {DCM_ContentDescription, '2'},
        {DCM_ContentCreatorName, '2'},
    };
    static const std::vector<RecordKey> encapsulatedDocument = {
        {DCM_ContentDate, '2'},
        {DCM_ContentTime, '2'},
        {DCM_InstanceNumber, '1'},
        {DCM_DocumentTitle, '2'},
        {DCM_HL7InstanceIdentifier, 'C'},
        {DCM_ConceptNameCodeSequence, '2'},
        {DCM_MIMETypeOfEncapsulatedDocument, '1'},
    };
    switch (recordType) {
    case ERT_Patient: return patient;
    case ERT_Study: return study;
    case ERT_Series: return series;
    case ERT_Radiotherapy: return radiotherapy;
    default: return encapsulatedDocument;
    }
}

const char *recordTypeName(E_DirRecType recordType) {
    return recordType == ERT_Radiotherapy ? "RADIOTHERAPY" : "ENCAP DOC";
}

// The record type the shim writes for files of `sopClassUID`, or ERT_root when
// DicomDirInterface records them.
E_DirRecType shimRecordType(const std::string &sopClassUID) {
    for (const ShimRecordedClass &entry : shimRecordedClasses) {
        if (sopClassUID == entry.sopClassUID) return entry.recordType;
    }
    return ERT_root;
}

// The Media Storage SOP Class UID (0002,0002) of the file at `path`, or "" when its File
// Meta Information cannot be read (DicomDirInterface then reports why).
std::string mediaStorageSOPClass(const std::string &path) {
    DcmMetaInfo meta;
    if (meta.loadFile(path.c_str()).bad()) return "";
    return stringOf(meta, DCM_MediaStorageSOPClassUID);
}

// Loads the file at `path` with the values over 4 KiB (such as the encapsulated document)
// left on disk, because the records need only short values.
int loadForRecords(const std::string &path, DcmFileFormat &file, mcd_error *error) {
    OFCondition status =
        file.loadFile(path.c_str(), EXS_Unknown, EGL_noChange, 4096, ERM_fileOnly);
    if (status.bad()) {
        mcd_set_error(error, MCD_ERROR_PARSE,
            "DcmFileFormat::loadFile failed on " + path + ": " + status.text());
        return MCD_ERROR_PARSE;
    }
    return MCD_OK;
}

// Returns the first type 1 key of the records of a file of `recordType` that `dataset`
// has no value for, or nullptr. Instance Number is left out, because the shim invents it
// as DicomDirInterface does in invent mode.
// NOTE: a missing Patient ID, Study Date, Study Time, Study ID or Series Number is rejected
// here, where invent mode would make one up. The File-set Creator's media files have the
// study and series keys always, and a Patient ID once the daemon made one for instances
// that arrived without it.
const DcmTagKey *missingTypeOneKey(DcmItem &dataset, E_DirRecType recordType) {
    for (E_DirRecType level : {ERT_Patient, ERT_Study, ERT_Series, recordType}) {
        for (const RecordKey &entry : keysOf(level)) {
            if (entry.type != '1' || entry.key == DCM_InstanceNumber) continue;
            if (!hasValue(dataset, entry.key)) return &entry.key;
        }
    }
    return nullptr;
}

// Checks that the file at `relativePath` below `root` can get the records of
// `recordType`: a valid file ID, Explicit VR Little Endian and the type 1 keys. The JPEG
// profiles allow more transfer syntaxes, but the files of shimRecordedClasses have no
// pixel data, so the builder always writes them in Explicit VR Little Endian.
int checkShimRecordedFile(
    DicomDirInterface &interface, const std::string &root, const char *relativePath,
    E_DirRecType recordType, mcd_profile profile, mcd_error *error) {
    {
        MessageCapture capture;
        if (!interface.isFilenameValid(relativePath)) {
            mcd_set_error(error, MCD_ERROR_INVALID_ARGUMENT,
                std::string("DicomDirInterface::isFilenameValid rejected ") + relativePath
                    + ": " + capture.joined("no reason logged"));
            return MCD_ERROR_INVALID_ARGUMENT;
        }
    }
    DcmFileFormat file;
    int result = loadForRecords(rootFilePath(root, relativePath), file, error);
    if (result != MCD_OK) return result;

    const std::string syntax = stringOf(*file.getMetaInfo(), DCM_TransferSyntaxUID);
    if (syntax != UID_LittleEndianExplicitTransferSyntax) {
        mcd_set_error(error, MCD_ERROR_UNSUPPORTED,
            std::string(relativePath) + " has transfer syntax " + syntax
                + ", but the shim records files of this SOP class in a " + profileName(profile)
                + " file-set only in Explicit VR Little Endian");
        return MCD_ERROR_UNSUPPORTED;
    }
    const DcmTagKey *missing = missingTypeOneKey(*file.getDataset(), recordType);
    if (missing != nullptr) {
        mcd_set_error(error, MCD_ERROR_UNSUPPORTED,
            std::string("required attribute ") + DcmTag(*missing).getTagName() + " "
                + missing->toString().c_str() + " missing in " + relativePath
                + ", which its DICOMDIR records need (" + recordTypeName(recordType)
                + " record)");
        return MCD_ERROR_UNSUPPORTED;
    }
    return MCD_OK;
}

// Copies the keys of `recordType` from `dataset` into `record`, and Specific Character Set
// (0008,0005) where a key value may depend on it, as DicomDirInterface does.
OFCondition copyKeys(DcmItem &dataset, DcmDirectoryRecord &record, E_DirRecType recordType) {
    std::vector<RecordKey> keys = keysOf(recordType);
    keys.push_back({DCM_SpecificCharacterSet, 'C'});
    for (const RecordKey &entry : keys) {
        if (entry.key == DCM_SpecificCharacterSet && !record.isAffectedBySpecificCharacterSet())
            continue;
        DcmElement *element = nullptr;
        OFCondition status = EC_Normal;
        if (dataset.findAndGetElement(entry.key, element).good() && element != nullptr) {
            status = record.insert(static_cast<DcmElement *>(element->clone()), OFTrue);
        } else if (entry.type != 'C') {
            status = record.insertEmptyElement(entry.key, OFTrue);
        }
        if (status.bad()) return status;
    }
    return EC_Normal;
}

// Returns the record of `recordType` below `parent` whose `key` has `value`, or nullptr.
DcmDirectoryRecord *findRecord(
    DcmDirectoryRecord &parent, E_DirRecType recordType, const DcmTagKey &key,
    const std::string &value) {
    DcmDirectoryRecord *record = nullptr;
    while ((record = parent.nextSub(record)) != nullptr) {
        if (record->getRecordType() == recordType && stringOf(*record, key) == value)
            return record;
    }
    return nullptr;
}

// Returns the PATIENT, STUDY or SERIES record below `parent` that matches `file` by `key`,
// or adds a new one with the keys of `recordType`.
DcmDirectoryRecord *findOrAddRecord(
    DcmDirectoryRecord &parent, E_DirRecType recordType, const DcmTagKey &key,
    DcmFileFormat &file, const std::string &path, OFCondition &status) {
    DcmDataset &dataset = *file.getDataset();
    DcmDirectoryRecord *record = findRecord(parent, recordType, key, stringOf(dataset, key));
    if (record != nullptr) return record;

    auto created = std::make_unique<DcmDirectoryRecord>(recordType, nullptr, path.c_str(), &file);
    status = created->error();
    if (status.good()) status = copyKeys(dataset, *created, recordType);
    if (status.good()) status = parent.insertSub(created.get());
    return status.good() ? created.release() : nullptr;
}

// Adds the records of `entry` below `root`: PATIENT, STUDY and SERIES where no record
// matches its Patient ID, Study Instance UID and Series Instance UID, then its own.
int addRecordsOf(
    DcmDirectoryRecord &root, const std::string &fileSetRoot, const ShimRecordedFile &entry,
    mcd_error *error) {
    const std::string path = rootFilePath(fileSetRoot, entry.relativePath.c_str());
    DcmFileFormat file;
    int result = loadForRecords(path, file, error);
    if (result != MCD_OK) return result;

    OFCondition status = EC_Normal;
    DcmDirectoryRecord *parent = &root;
    const std::pair<E_DirRecType, DcmTagKey> levels[] = {
        {ERT_Patient, DCM_PatientID},
        {ERT_Study, DCM_StudyInstanceUID},
        {ERT_Series, DCM_SeriesInstanceUID},
    };
    for (const auto &level : levels) {
        if (parent == nullptr) break;
        parent = findOrAddRecord(*parent, level.first, level.second, file, path, status);
    }

    std::string fileID = entry.relativePath;
    for (char &character : fileID)
        if (character == '/') character = '\\';
    if (parent != nullptr) {
        auto record = std::make_unique<DcmDirectoryRecord>(
            entry.recordType, fileID.c_str(), path.c_str(), &file);
        status = record->error();
        if (status.good()) status = copyKeys(*file.getDataset(), *record, entry.recordType);
        // The same number DicomDirInterface's invent mode would give: the next in the series.
        if (status.good() && !hasValue(*record, DCM_InstanceNumber)) {
            const std::string number = std::to_string(parent->cardSub() + 1);
            status = record->putAndInsertString(DCM_InstanceNumber, number.c_str());
        }
        if (status.good()) status = parent->insertSub(record.get());
        if (status.good()) record.release();
    }
    if (status.bad()) {
        mcd_set_error(error, MCD_ERROR_INTERNAL,
            std::string("adding the ") + recordTypeName(entry.recordType) + " record of "
                + entry.relativePath + " failed: " + status.text());
        return MCD_ERROR_INTERNAL;
    }
    return MCD_OK;
}

// Adds the records of `files` to the DICOMDIR that DicomDirInterface wrote at `fileSetRoot`
// and writes it again. DcmDicomDir computes every offset anew.
int writeShimRecords(
    const std::string &fileSetRoot, const std::vector<ShimRecordedFile> &files,
    mcd_error *error) {
    if (files.empty()) return MCD_OK;
    MessageCapture capture;
    const std::string path = rootFilePath(fileSetRoot, "DICOMDIR");
    DcmDicomDir directory(path.c_str());
    if (directory.error().bad()) {
        mcd_set_error(error, MCD_ERROR_PARSE,
            "DcmDicomDir failed to read the DICOMDIR DCMTK wrote, " + path + ": "
                + capture.joined(directory.error().text()));
        return MCD_ERROR_PARSE;
    }
    for (const ShimRecordedFile &entry : files) {
        const int result = addRecordsOf(directory.getRootRecord(), fileSetRoot, entry, error);
        if (result != MCD_OK) return result;
    }
    OFCondition status =
        directory.write(EXS_LittleEndianExplicit, EET_ExplicitLength, EGL_withoutGL);
    if (status.bad()) {
        mcd_set_error(error, MCD_ERROR_IO,
            "DcmDicomDir::write failed in " + fileSetRoot + ": " + capture.joined(status.text()));
        return MCD_ERROR_IO;
    }
    return MCD_OK;
}

// ---- Instance records set aside while files are added ----

// DicomDirInterface::addDicomFile of DCMTK 3.6.7 compares each new file with every record
// already below its SERIES record, by a string search in both data sets per record. It
// walks those records again to insert the new one in the order of its number, and in
// invent mode it walks the whole tree once more. All three grow with the records added, so
// a series of n instances costs O(n^2): about 3 s of CPU for 2,000 CT slices, an estimate
// from a profile of the media bench. The shim takes the instance records out of their
// SERIES record after each file and puts them back before the DICOMDIR is written, in the
// order DCMTK would have given them.
//
// Skipping the search drops no real check: it could only find an instance listed before,
// and the File-set Creator never lists one SOP Instance UID twice (its plan rejects
// duplicates).
// The invent pass numbers a record that lacks a number from counters of the interface,
// not from the record's place, and it sees each new record before the shim sets it aside.
//
// DicomDirInterface has no accessor for its DcmDicomDir or its counters, so the shim reads
// these private members through pointers to members, obtained by explicit template
// instantiation, which the C++ standard exempts from access checking.
template <typename Tag, typename Tag::Type Member> struct PrivateMemberAccess {
    friend typename Tag::Type privateMember(Tag) { return Member; }
};

struct DicomDirMember {
    using Type = DcmDicomDir *DicomDirInterface::*;
    friend Type privateMember(DicomDirMember);
};
template struct PrivateMemberAccess<DicomDirMember, &DicomDirInterface::DicomDir>;

// The counters the invent pass numbers instance-level records from.
template <int Index> struct InventCounterMember {
    using Type = unsigned long DicomDirInterface::*;
    friend Type privateMember(InventCounterMember);
};
template struct PrivateMemberAccess<InventCounterMember<0>,
    &DicomDirInterface::AutoInstanceNumber>;
template struct PrivateMemberAccess<InventCounterMember<1>,
    &DicomDirInterface::AutoOverlayNumber>;
template struct PrivateMemberAccess<InventCounterMember<2>, &DicomDirInterface::AutoLutNumber>;
template struct PrivateMemberAccess<InventCounterMember<3>,
    &DicomDirInterface::AutoCurveNumber>;

// The sum of the instance-level invent counters, which grows when an add invents a number.
unsigned long inventedInstanceNumbers(DicomDirInterface &interface) {
    return interface.*privateMember(InventCounterMember<0>())
        + interface.*privateMember(InventCounterMember<1>())
        + interface.*privateMember(InventCounterMember<2>())
        + interface.*privateMember(InventCounterMember<3>());
}

// Sets `key` to the number by which DCMTK 3.6.7 orders records of `recordType` below their
// parent (insertSortedUnder in dcddirif.cc). Returns false for record types it appends.
bool orderingKey(E_DirRecType recordType, DcmTagKey &key) {
    switch (recordType) {
    case ERT_Overlay: key = DCM_RETIRED_OverlayNumber; return true;
    case ERT_Curve: key = DCM_RETIRED_CurveNumber; return true;
    case ERT_ModalityLut:
    case ERT_VoiLut: key = DCM_RETIRED_LUTNumber; return true;
    case ERT_Image:
    case ERT_SRDocument:
    case ERT_Presentation:
    case ERT_Waveform:
    case ERT_RTDose:
    case ERT_RTStructureSet:
    case ERT_RTPlan:
    case ERT_RTTreatRecord:
    case ERT_StoredPrint:
    case ERT_KeyObjectDoc:
    case ERT_Registration:
    case ERT_Fiducial:
    case ERT_RawData:
    case ERT_Spectroscopy:
    case ERT_EncapDoc:
    case ERT_ValueMap:
    case ERT_Surface:
    case ERT_Measurement:
    case ERT_SurfaceScan:
    case ERT_Tract:
    case ERT_Assessment:
    case ERT_Radiotherapy:
    case ERT_Annotation: key = DCM_InstanceNumber; return true;
    default: return false;
    }
}

// An instance record set aside, with its number as DCMTK's ordering reads it.
struct SetAsideRecord {
    DcmDirectoryRecord *record = nullptr;
    // The number once the add finished, which later records are ordered against.
    bool hasNumber = false;
    Sint32 number = 0;
    // Whether the record had that number when DCMTK inserted it, before the invent pass.
    bool numberedOnInsert = false;
};

// The records of one SERIES record that are set aside, in the order they were added.
struct SetAsideSeries {
    DcmDirectoryRecord *series = nullptr;
    std::vector<SetAsideRecord> records;
};

class InstanceRecordShelf {
public:
    InstanceRecordShelf() = default;
    InstanceRecordShelf(const InstanceRecordShelf &) = delete;
    InstanceRecordShelf &operator=(const InstanceRecordShelf &) = delete;
    // Records still set aside belong to no tree, so they are freed here.
    ~InstanceRecordShelf() {
        for (SetAsideSeries &entry : shelved) {
            for (SetAsideRecord &item : entry.records) delete item.record;
        }
    }

    // Takes every record out of each SERIES record below `root`. `invented` is true when
    // the add that just finished invented a number for its instance record.
    void setAside(DcmDirectoryRecord &root, bool invented) {
        DcmDirectoryRecord *patient = nullptr;
        while ((patient = root.nextSub(patient)) != nullptr) {
            if (patient->getRecordType() != ERT_Patient) continue;
            DcmDirectoryRecord *study = nullptr;
            while ((study = patient->nextSub(study)) != nullptr) {
                if (study->getRecordType() != ERT_Study) continue;
                DcmDirectoryRecord *series = nullptr;
                while ((series = study->nextSub(series)) != nullptr) {
                    if (series->getRecordType() == ERT_Series) setAsideBelow(*series, invented);
                }
            }
        }
    }

    // Puts every record back below its SERIES record, after any record there now, in the
    // order DCMTK's sorted insertion would have given them.
    OFCondition putBack() {
        OFCondition status = EC_Normal;
        for (SetAsideSeries &entry : shelved) {
            std::vector<SetAsideRecord> ordered = sortedLikeDCMTK(entry.records);
            size_t taken = 0;
            while (taken < ordered.size()) {
                status = entry.series->insertSub(ordered[taken].record);
                if (status.bad()) break;
                taken++;
            }
            // The records the series took belong to the tree now.
            ordered.erase(ordered.begin(), ordered.begin() + taken);
            entry.records = std::move(ordered);
            if (status.bad()) break;
        }
        shelved.erase(std::remove_if(shelved.begin(), shelved.end(),
                          [](const SetAsideSeries &entry) { return entry.records.empty(); }),
            shelved.end());
        return status;
    }

private:
    void setAsideBelow(DcmDirectoryRecord &series, bool invented) {
        if (series.cardSub() == 0) return;
        SetAsideSeries *entry = nullptr;
        for (SetAsideSeries &candidate : shelved) {
            if (candidate.series == &series) entry = &candidate;
        }
        if (entry == nullptr) {
            shelved.push_back({&series, {}});
            entry = &shelved.back();
        }
        while (series.cardSub() > 0) {
            SetAsideRecord item;
            item.record = series.removeSub(0UL);
            DcmTagKey key;
            item.hasNumber = orderingKey(item.record->getRecordType(), key)
                && item.record->findAndGetSint32(key, item.number).good();
            item.numberedOnInsert = item.hasNumber && !invented;
            entry->records.push_back(item);
        }
    }

    // Orders `records`, given in the order they were added, as DCMTK 3.6.7 inserts them.
    // A record with a number goes before the first record whose number is larger. A record
    // without one, or of a type DCMTK appends, goes to the end.
    static std::vector<SetAsideRecord> sortedLikeDCMTK(const std::vector<SetAsideRecord> &records) {
        std::vector<SetAsideRecord> ordered;
        ordered.reserve(records.size());
        for (const SetAsideRecord &item : records) {
            auto position = ordered.end();
            if (item.numberedOnInsert) {
                position = std::find_if(ordered.begin(), ordered.end(),
                    [&](const SetAsideRecord &placed) {
                        return placed.hasNumber && placed.number > item.number;
                    });
            }
            ordered.insert(position, item);
        }
        return ordered;
    }

    std::vector<SetAsideSeries> shelved;
};

} // namespace

struct mcd_dicomdir {
    // The shelf is declared after the interface, so it is destroyed first and frees only
    // the records that are not in the interface's tree.
    DicomDirInterface interface;
    InstanceRecordShelf shelf;
    std::string root;
    std::string implementationClassUID;
    std::string versionName;
    std::string sourceAETitle;
    std::string sopInstanceUID;
    uint16_t consistencyFlag = 0;
    mcd_profile profile = MCD_PROFILE_GENERAL_CD;
    // Files whose records the shim writes itself, in mcd_dicomdir_write.
    std::vector<ShimRecordedFile> shimRecordedFiles;

    // The root record of the interface's DICOMDIR.
    DcmDirectoryRecord &rootRecord() {
        return (interface.*privateMember(DicomDirMember()))->getRootRecord();
    }
};

namespace {

// DcmDicomDir::write always puts DCMTK's implementation class UID and version name into
// the meta header (DCMTK 3.6.7 has no setting for them). This rewrites the DICOMDIR with
// ours and the consistency flag. The meta header's length changes, and every record offset
// counts from the start of the file, so each non-zero offset moves by the same amount.
int rewriteHeader(const mcd_dicomdir &dicomdir, mcd_error *error) {
    const std::string path = rootFilePath(dicomdir.root, "DICOMDIR");
    DcmFileFormat file;
    OFCondition status = file.loadFile(path.c_str(), EXS_Unknown, EGL_noChange, DCM_MaxReadLength,
        ERM_fileOnly);
    if (status.good()) status = file.loadAllDataIntoMemory();
    if (status.bad()) {
        mcd_set_error(error, MCD_ERROR_PARSE,
            "DcmFileFormat::loadFile failed on the DICOMDIR DCMTK wrote, " + path + ": "
                + status.text());
        return MCD_ERROR_PARSE;
    }
    struct stat before;
    if (::stat(path.c_str(), &before) != 0) {
        mcd_set_error(error, MCD_ERROR_IO, "stat failed on " + path + ": " + std::strerror(errno));
        return MCD_ERROR_IO;
    }

    DcmMetaInfo &meta = *file.getMetaInfo();
    DcmDataset &dataset = *file.getDataset();
    const int64_t oldLength = meta.calcElementLength(EXS_LittleEndianExplicit, EET_ExplicitLength);
    if (!dicomdir.sopInstanceUID.empty()) {
        status = meta.putAndInsertString(
            DCM_MediaStorageSOPInstanceUID, dicomdir.sopInstanceUID.c_str());
    }
    if (status.good()) {
        status = setIdentity(meta, dicomdir.implementationClassUID.c_str(),
            dicomdir.versionName.c_str(), dicomdir.sourceAETitle.c_str());
    }
    const int64_t delta =
        int64_t(meta.calcElementLength(EXS_LittleEndianExplicit, EET_ExplicitLength)) - oldLength;
    if (status.good()) status = shiftAllOffsets(dataset, delta);
    if (status.good())
        status = dataset.putAndInsertUint16(DCM_FileSetConsistencyFlag, dicomdir.consistencyFlag);
    if (status.bad()) {
        mcd_set_error(error, MCD_ERROR_INTERNAL,
            std::string("updating the DICOMDIR header failed: ") + status.text());
        return MCD_ERROR_INTERNAL;
    }

    const std::string temporary = path + ".TMP";
    ::unlink(temporary.c_str());
    int result = writeFile(file, temporary.c_str(), EET_ExplicitLength, EGL_noChange, error);
    struct stat after;
    if (result == MCD_OK && (::stat(temporary.c_str(), &after) != 0
                                || int64_t(after.st_size) != int64_t(before.st_size) + delta)) {
        mcd_set_error(error, MCD_ERROR_INTERNAL,
            "the rewritten DICOMDIR data set differs in length from the one DCMTK wrote, so its "
            "record offsets would be wrong; report this as a bug");
        result = MCD_ERROR_INTERNAL;
    }
    if (result == MCD_OK && ::rename(temporary.c_str(), path.c_str()) != 0) {
        mcd_set_error(error, MCD_ERROR_IO,
            "rename failed from " + temporary + " to " + path + ": " + std::strerror(errno));
        result = MCD_ERROR_IO;
    }
    if (result != MCD_OK) ::unlink(temporary.c_str());
    return result;
}

// DCMTK's name for `profile`.
DicomDirInterface::E_ApplicationProfile applicationProfile(mcd_profile profile) {
    switch (profile) {
    case MCD_PROFILE_GENERAL_DVD_JPEG: return DicomDirInterface::AP_GeneralPurposeDVDJPEG;
    case MCD_PROFILE_GENERAL_BD_JPEG: return DicomDirInterface::AP_GeneralPurposeBDJPEG;
    default: return DicomDirInterface::AP_GeneralPurpose;
    }
}

} // namespace

int mcd_write_media_file(
    const char *source_path, const char *destination_path, const mcd_media_file_options *options,
    mcd_error *error) {
    if (source_path == nullptr || destination_path == nullptr || options == nullptr
        || isEmptyText(options->implementation_class_uid)
        || isEmptyText(options->implementation_version_name)) {
        mcd_set_error(error, MCD_ERROR_INVALID_ARGUMENT,
            "mcd_write_media_file: source, destination, implementation class UID and version "
            "name are required");
        return MCD_ERROR_INVALID_ARGUMENT;
    }
    return mcd_write_media_file_with_dataset(
        source_path, destination_path, options, nullptr, error);
}

int mcd_write_media_file_with_dataset(
    const char *source_path, const char *destination_path, const mcd_media_file_options *options,
    mcd_dataset **dataset, mcd_error *error) {
    if (dataset != nullptr) *dataset = nullptr;
    if (source_path == nullptr || destination_path == nullptr || options == nullptr
        || isEmptyText(options->implementation_class_uid)
        || isEmptyText(options->implementation_version_name)) {
        mcd_set_error(error, MCD_ERROR_INVALID_ARGUMENT,
            std::string(__func__) + ": source, destination, implementation class UID and "
                + "version name are required");
        return MCD_ERROR_INVALID_ARGUMENT;
    }
    bool created = false;
    try {
        DcmFileFormat file;
        const int result =
            writeMediaFile(source_path, destination_path, *options, file, created, error);
        if (result != MCD_OK || dataset == nullptr) return result;
        std::unique_ptr<DcmDataset> written(file.getAndRemoveDataset());
        *dataset = mcd_dataset_adopt(std::move(written), UID_LittleEndianExplicitTransferSyntax);
        return MCD_OK;
    } catch (const std::exception &exception) {
        setExceptionError(error, __func__, exception.what());
    } catch (...) {
        setExceptionError(error, __func__, nullptr);
    }
    if (created) ::unlink(destination_path);
    return MCD_ERROR_INTERNAL;
}

mcd_dicomdir *mcd_dicomdir_create(
    const char *fileset_root, const char *fileset_id, const mcd_dicomdir_options *options,
    mcd_error *error) {
    if (isEmptyText(fileset_root) || fileset_id == nullptr || options == nullptr
        || isEmptyText(options->implementation_class_uid)
        || isEmptyText(options->implementation_version_name)) {
        mcd_set_error(error, MCD_ERROR_INVALID_ARGUMENT,
            "mcd_dicomdir_create: root, File-set ID, implementation class UID and version name "
            "are required");
        return nullptr;
    }
    try {
        auto *dicomdir = new mcd_dicomdir;
        dicomdir->root = fileset_root;
        dicomdir->implementationClassUID = options->implementation_class_uid;
        dicomdir->versionName = options->implementation_version_name;
        dicomdir->sourceAETitle = textOrEmpty(options->source_ae_title);
        dicomdir->sopInstanceUID = textOrEmpty(options->sop_instance_uid);
        dicomdir->consistencyFlag = options->consistency_flag;
        dicomdir->profile = options->profile;

        DicomDirInterface &interface = dicomdir->interface;
        // Retired SOP classes (such as the retired Ultrasound ones) are still received.
        interface.enableRetiredSOPClassSupport(OFTrue);
        // Fills type 1 record keys the files lack that the caller gives no value for, such
        // as Instance Number (0020,0013) of an RT Plan.
        interface.enableInventMode(OFTrue);
        interface.disableBackupMode();

        MessageCapture capture;
        const std::string path = rootFilePath(dicomdir->root, "DICOMDIR");
        OFCondition status = interface.createNewDicomDir(
            applicationProfile(dicomdir->profile), path.c_str(), fileset_id);
        if (status.bad()) {
            mcd_set_error(error, MCD_ERROR_INVALID_ARGUMENT,
                std::string("DicomDirInterface::createNewDicomDir failed for ") + path
                    + " with File-set ID \"" + fileset_id + "\": " + capture.joined(status.text()));
            delete dicomdir;
            return nullptr;
        }
        return dicomdir;
    } catch (const std::exception &exception) {
        setExceptionError(error, __func__, exception.what());
    } catch (...) {
        setExceptionError(error, __func__, nullptr);
    }
    return nullptr;
}

int mcd_dicomdir_add(mcd_dicomdir *dicomdir, const char *relative_path, mcd_error *error) {
    if (dicomdir == nullptr || isEmptyText(relative_path)) {
        mcd_set_error(
            error, MCD_ERROR_INVALID_ARGUMENT, "mcd_dicomdir_add: no DICOMDIR or path given");
        return MCD_ERROR_INVALID_ARGUMENT;
    }
    try {
        const E_DirRecType shimType =
            shimRecordType(mediaStorageSOPClass(rootFilePath(dicomdir->root, relative_path)));
        if (shimType != ERT_root) {
            const int result = checkShimRecordedFile(
                dicomdir->interface, dicomdir->root, relative_path, shimType, dicomdir->profile,
                error);
            if (result == MCD_OK) dicomdir->shimRecordedFiles.push_back({relative_path, shimType});
            return result;
        }

        MessageCapture capture;
        const unsigned long inventedBefore = inventedInstanceNumbers(dicomdir->interface);
        OFCondition status =
            dicomdir->interface.addDicomFile(relative_path, dicomdir->root.c_str());
        if (status.good()) {
            const bool invented = inventedInstanceNumbers(dicomdir->interface) != inventedBefore;
            dicomdir->shelf.setAside(dicomdir->rootRecord(), invented);
            return MCD_OK;
        }
        const int code = (status == EC_InvalidFilename || status == EC_IllegalParameter)
            ? MCD_ERROR_INVALID_ARGUMENT
            : MCD_ERROR_UNSUPPORTED;
        mcd_set_error(error, code,
            std::string("DicomDirInterface::addDicomFile rejected ") + relative_path + " ("
                + status.text() + "): " + capture.joined("no reason logged"));
        return code;
    } catch (const std::exception &exception) {
        setExceptionError(error, __func__, exception.what());
    } catch (...) {
        setExceptionError(error, __func__, nullptr);
    }
    return MCD_ERROR_INTERNAL;
}

int mcd_dicomdir_write(mcd_dicomdir *dicomdir, mcd_error *error) {
    if (dicomdir == nullptr) {
        mcd_set_error(error, MCD_ERROR_INVALID_ARGUMENT, "mcd_dicomdir_write: no DICOMDIR given");
        return MCD_ERROR_INVALID_ARGUMENT;
    }
    try {
        MessageCapture capture;
        OFCondition status = dicomdir->shelf.putBack();
        if (status.bad()) {
            mcd_set_error(error, MCD_ERROR_INTERNAL,
                std::string("DcmDirectoryRecord::insertSub failed to put an instance record "
                            "back below its SERIES record: ")
                    + status.text());
            return MCD_ERROR_INTERNAL;
        }
        status = dicomdir->interface.writeDicomDir(EET_ExplicitLength, EGL_withoutGL);
        if (status.bad()) {
            mcd_set_error(error, MCD_ERROR_IO,
                "DicomDirInterface::writeDicomDir failed in " + dicomdir->root + ": "
                    + capture.joined(status.text()));
            return MCD_ERROR_IO;
        }
        const int result = writeShimRecords(dicomdir->root, dicomdir->shimRecordedFiles, error);
        if (result != MCD_OK) return result;
        return rewriteHeader(*dicomdir, error);
    } catch (const std::exception &exception) {
        setExceptionError(error, __func__, exception.what());
    } catch (...) {
        setExceptionError(error, __func__, nullptr);
    }
    return MCD_ERROR_INTERNAL;
}

void mcd_dicomdir_free(mcd_dicomdir *dicomdir) {
    delete dicomdir;
}

// ---- Reading a DICOMDIR back ----

namespace {

struct ListedRecord {
    uint32_t offset = 0;
    uint32_t nextOffset = 0;
    uint32_t lowerOffset = 0;
    std::string recordType;
    std::string referencedFileID;
    std::string referencedSOPClassUID;
    std::string referencedSOPInstanceUID;
    std::string referencedTransferSyntaxUID;
};

std::string stringOf(DcmItem &item, const DcmTagKey &key) {
    OFString value;
    if (item.findAndGetOFStringArray(key, value).bad()) return "";
    return trimmed(value);
}

uint32_t offsetOf(DcmItem &item, const DcmTagKey &key) {
    Uint32 value = 0;
    if (item.findAndGetUint32(key, value).bad()) return 0;
    return value;
}

} // namespace

struct mcd_dicomdir_listing {
    std::string transferSyntaxUID;
    std::string filesetID;
    uint32_t firstRootOffset = 0;
    uint32_t lastRootOffset = 0;
    uint16_t consistencyFlag = 0;
    std::vector<ListedRecord> records;
};

mcd_dicomdir_listing *mcd_dicomdir_read(const char *path, mcd_error *error) {
    if (isEmptyText(path)) {
        mcd_set_error(error, MCD_ERROR_INVALID_ARGUMENT, "mcd_dicomdir_read: no path given");
        return nullptr;
    }
    try {
        // A plain DcmFileFormat keeps the records as they are in the file, each with the
        // offset it was read at; DcmDicomDir would resolve the offsets into a tree first.
        DcmFileFormat file;
        OFCondition status = file.loadFile(path, EXS_Unknown, EGL_noChange, DCM_MaxReadLength,
            ERM_fileOnly);
        if (status.bad()) {
            mcd_set_error(error, MCD_ERROR_PARSE,
                std::string("DcmFileFormat::loadFile failed on ") + path + ": " + status.text());
            return nullptr;
        }
        auto *listing = new mcd_dicomdir_listing;
        DcmDataset &dataset = *file.getDataset();
        listing->transferSyntaxUID = stringOf(*file.getMetaInfo(), DCM_TransferSyntaxUID);
        listing->filesetID = stringOf(dataset, DCM_FileSetID);
        listing->firstRootOffset =
            offsetOf(dataset, DCM_OffsetOfTheFirstDirectoryRecordOfTheRootDirectoryEntity);
        listing->lastRootOffset =
            offsetOf(dataset, DCM_OffsetOfTheLastDirectoryRecordOfTheRootDirectoryEntity);
        Uint16 flag = 0;
        if (dataset.findAndGetUint16(DCM_FileSetConsistencyFlag, flag).good())
            listing->consistencyFlag = flag;

        DcmSequenceOfItems *records = nullptr;
        if (dataset.findAndGetSequence(DCM_DirectoryRecordSequence, records).bad()
            || records == nullptr) {
            mcd_set_error(error, MCD_ERROR_PARSE,
                std::string(path) + " has no Directory Record Sequence (0004,1220)");
            delete listing;
            return nullptr;
        }
        for (unsigned long index = 0; index < records->card(); index++) {
            DcmItem *item = records->getItem(index);
            if (item == nullptr || item->ident() != EVR_dirRecord) continue;
            ListedRecord record;
            record.offset = static_cast<DcmDirectoryRecord *>(item)->getFileOffset();
            record.nextOffset = offsetOf(*item, DCM_OffsetOfTheNextDirectoryRecord);
            record.lowerOffset = offsetOf(*item, DCM_OffsetOfReferencedLowerLevelDirectoryEntity);
            record.recordType = stringOf(*item, DCM_DirectoryRecordType);
            record.referencedFileID = stringOf(*item, DCM_ReferencedFileID);
            for (char &character : record.referencedFileID)
                if (character == '\\') character = '/';
            record.referencedSOPClassUID = stringOf(*item, DCM_ReferencedSOPClassUIDInFile);
            record.referencedSOPInstanceUID = stringOf(*item, DCM_ReferencedSOPInstanceUIDInFile);
            record.referencedTransferSyntaxUID =
                stringOf(*item, DCM_ReferencedTransferSyntaxUIDInFile);
            listing->records.push_back(std::move(record));
        }
        return listing;
    } catch (const std::exception &exception) {
        setExceptionError(error, __func__, exception.what());
    } catch (...) {
        setExceptionError(error, __func__, nullptr);
    }
    return nullptr;
}

void mcd_dicomdir_listing_header(const mcd_dicomdir_listing *listing, mcd_dicomdir_header *header) {
    if (listing == nullptr || header == nullptr) return;
    header->transfer_syntax_uid = listing->transferSyntaxUID.c_str();
    header->fileset_id = listing->filesetID.c_str();
    header->first_root_offset = listing->firstRootOffset;
    header->last_root_offset = listing->lastRootOffset;
    header->consistency_flag = listing->consistencyFlag;
}

size_t mcd_dicomdir_listing_count(const mcd_dicomdir_listing *listing) {
    return listing == nullptr ? 0 : listing->records.size();
}

int mcd_dicomdir_listing_record(
    const mcd_dicomdir_listing *listing, size_t index, mcd_dicomdir_record *record) {
    if (listing == nullptr || record == nullptr || index >= listing->records.size())
        return MCD_ERROR_INVALID_ARGUMENT;
    const ListedRecord &source = listing->records[index];
    record->offset = source.offset;
    record->next_offset = source.nextOffset;
    record->lower_offset = source.lowerOffset;
    record->record_type = source.recordType.c_str();
    record->referenced_file_id = source.referencedFileID.c_str();
    record->referenced_sop_class_uid = source.referencedSOPClassUID.c_str();
    record->referenced_sop_instance_uid = source.referencedSOPInstanceUID.c_str();
    record->referenced_transfer_syntax_uid = source.referencedTransferSyntaxUID.c_str();
    return MCD_OK;
}

void mcd_dicomdir_listing_free(mcd_dicomdir_listing *listing) {
    delete listing;
}
