// Process set-up and read access to stored files.

#include "mcdicom.h"
#include "shim_support.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdict.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmdata/dcspchrs.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpls/djdecode.h>
#include <dcmtk/oflog/oflog.h>

#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

struct mcd_dataset {
    mcd_dataset() = default;
    // Takes over a data set parsed elsewhere, with an empty File Meta Information.
    explicit mcd_dataset(DcmDataset *received) : file(received, OFFalse) {}

    DcmFileFormat file;
};

void mcd_set_error(mcd_error *error, int code, const std::string &message) {
    if (error == nullptr) return;
    error->code = code;
    std::snprintf(error->message, sizeof error->message, "%s", message.c_str());
}

std::string mcd_trim_spaces(const std::string &value) {
    const size_t first = value.find_first_not_of(' ');
    if (first == std::string::npos) return "";
    const size_t last = value.find_last_not_of(' ');
    return value.substr(first, last - first + 1);
}

std::vector<std::string> mcd_split(const std::string &text, char separator) {
    std::vector<std::string> parts;
    size_t start = 0;
    while (start <= text.size()) {
        size_t end = text.find(separator, start);
        if (end == std::string::npos) end = text.size();
        parts.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return parts;
}

int mcd_copy_out(const std::string &value, char *buffer, size_t capacity) {
    if (buffer == nullptr || capacity == 0) return -2;
    const bool fits = value.size() < capacity;
    const size_t length = fits ? value.size() : capacity - 1;
    std::memcpy(buffer, value.data(), length);
    buffer[length] = '\0';
    return fits ? static_cast<int>(value.size()) : -2;
}

int mcd_initialize(const char *dictionary_path, mcd_error *error) {
    static std::once_flag once;
    static int result = MCD_OK;
    static std::string message;
    try {
        std::call_once(once, [dictionary_path] {
            // The library never logs on its own: the daemon logs what it handles.
            OFLog::configure(OFLogger::FATAL_LOG_LEVEL);

            if (dictionary_path != nullptr) {
                DcmDataDictionary &dictionary = dcmDataDict.wrlock();
                const bool loaded = dictionary.loadDictionary(dictionary_path, OFTrue);
                dcmDataDict.wrunlock();
                if (!loaded) {
                    result = MCD_ERROR_IO;
                    message = std::string("failed to load the DICOM data dictionary ")
                        + dictionary_path + "; install the dcmtk package or set DCMDICTPATH";
                    return;
                }
            }
            if (!dcmDataDict.isDictionaryLoaded()) {
                result = MCD_ERROR_IO;
                message = "no DICOM data dictionary is loaded; install the dcmtk package "
                          "(/usr/share/libdcmtk17/dicom.dic) or set DCMDICTPATH";
                return;
            }
            DJDecoderRegistration::registerCodecs();
            DJLSDecoderRegistration::registerCodecs();
            DcmRLEDecoderRegistration::registerCodecs();
        });
    } catch (const std::exception &exception) {
        mcd_set_error(
            error, MCD_ERROR_INTERNAL, std::string("mcd_initialize: ") + exception.what());
        return MCD_ERROR_INTERNAL;
    }
    if (result != MCD_OK) mcd_set_error(error, result, message);
    return result;
}

mcd_dataset *mcd_dataset_open(const char *path, uint32_t max_value_length, mcd_error *error) {
    if (path == nullptr) {
        mcd_set_error(error, MCD_ERROR_INVALID_ARGUMENT, "mcd_dataset_open: no path given");
        return nullptr;
    }
    try {
        auto *dataset = new mcd_dataset;
        const Uint32 limit = max_value_length == 0 ? DCM_MaxReadLength : max_value_length;
        OFCondition status = dataset->file.loadFile(
            path, EXS_Unknown, EGL_noChange, limit, ERM_autoDetect);
        // Values over the limit stay in the file until read. With no limit, load them now,
        // so the handle stays usable after the file is renamed or removed.
        if (status.good() && max_value_length == 0) status = dataset->file.loadAllDataIntoMemory();
        if (status.bad()) {
            delete dataset;
            mcd_set_error(error, MCD_ERROR_PARSE,
                std::string("DcmFileFormat::loadFile failed on ") + path + ": " + status.text());
            return nullptr;
        }
        return dataset;
    } catch (const std::exception &exception) {
        mcd_set_error(
            error, MCD_ERROR_INTERNAL, std::string("mcd_dataset_open: ") + exception.what());
        return nullptr;
    }
}

mcd_dataset *mcd_dataset_adopt(
    std::unique_ptr<DcmDataset> dataset, const std::string &transfer_syntax_uid) {
    auto handle = std::make_unique<mcd_dataset>(dataset.get());
    dataset.release();
    const OFCondition status =
        handle->file.getMetaInfo()->putAndInsertString(
            DCM_TransferSyntaxUID, transfer_syntax_uid.c_str());
    if (status.bad()) throw std::runtime_error(status.text());
    return handle.release();
}

void mcd_dataset_free(mcd_dataset *dataset) {
    delete dataset;
}

static int raw_string(
    const mcd_dataset *dataset, uint16_t group, uint16_t element, OFString &value) {
    DcmDataset *items = const_cast<mcd_dataset *>(dataset)->file.getDataset();
    DcmElement *found = nullptr;
    if (items->findAndGetElement(DcmTagKey(group, element), found).bad() || found == nullptr)
        return -1;
    char *text = nullptr;
    if (found->getString(text).bad() || text == nullptr) {
        value.clear();
        return 0;
    }
    value = OFString(text, found->getLength());
    // Trailing spaces and NULs are padding in every string VR.
    size_t end = value.size();
    while (end > 0 && (value[end - 1] == ' ' || value[end - 1] == '\0')) end--;
    value.erase(end);
    return 0;
}

int mcd_dataset_get_string(
    const mcd_dataset *dataset, uint16_t group, uint16_t element, char *buffer, size_t capacity) {
    if (dataset == nullptr) return -1;
    try {
        OFString value;
        if (raw_string(dataset, group, element, value) < 0) return -1;
        return mcd_copy_out(std::string(value.c_str(), value.size()), buffer, capacity);
    } catch (...) {
        return -1;
    }
}

int mcd_dataset_get_string_utf8(
    const mcd_dataset *dataset, uint16_t group, uint16_t element, char *buffer, size_t capacity) {
    if (dataset == nullptr) return -1;
    try {
        OFString value;
        if (raw_string(dataset, group, element, value) < 0) return -1;
        DcmDataset *items = const_cast<mcd_dataset *>(dataset)->file.getDataset();
        DcmSpecificCharacterSet converter;
        OFString converted;
        if (converter.selectCharacterSet(*items).good()
            && converter.convertString(value.c_str(), value.size(), converted, "\\^=").good()) {
            return mcd_copy_out(std::string(converted.c_str(), converted.size()), buffer, capacity);
        }
        OFString terms;
        if (items->findAndGetOFStringArray(DCM_SpecificCharacterSet, terms).good()
            && terms.find("ISO 2022") != OFString_npos) {
            std::vector<std::string> list;
            const std::string all(terms.c_str(), terms.size());
            for (const std::string &term : mcd_split(all, '\\')) {
                list.push_back(mcd_trim_spaces(term));
            }
            std::string decoded;
            if (mcd_decode_iso2022(std::string(value.c_str(), value.size()), list, decoded)) {
                return mcd_copy_out(decoded, buffer, capacity);
            }
        }
        return mcd_copy_out(std::string(value.c_str(), value.size()), buffer, capacity);
    } catch (...) {
        return -1;
    }
}

int mcd_dataset_has_element(const mcd_dataset *dataset, uint16_t group, uint16_t element) {
    if (dataset == nullptr) return 0;
    try {
        DcmDataset *items = const_cast<mcd_dataset *>(dataset)->file.getDataset();
        return items->tagExists(DcmTagKey(group, element)) ? 1 : 0;
    } catch (...) {
        return 0;
    }
}

int mcd_dataset_get_transfer_syntax(const mcd_dataset *dataset, char *buffer, size_t capacity) {
    if (dataset == nullptr) return -1;
    try {
        DcmMetaInfo *meta = const_cast<mcd_dataset *>(dataset)->file.getMetaInfo();
        OFString value;
        if (meta == nullptr || meta->findAndGetOFString(DCM_TransferSyntaxUID, value).bad())
            return -1;
        return mcd_copy_out(std::string(value.c_str(), value.size()), buffer, capacity);
    } catch (...) {
        return -1;
    }
}

const char *mcd_uid_name(const char *uid) {
    if (uid == nullptr) return nullptr;
    return dcmFindNameOfUID(uid, nullptr);
}
