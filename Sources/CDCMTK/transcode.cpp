// Transcoding a received instance to another transfer syntax before it enters the spool.

#include "mcdicom.h"
#include "shim_support.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include <cstdio>
#include <exception>
#include <string>

int mcd_transcode_file(
    const char *source_path, const char *destination_path, const char *transfer_syntax_uid,
    mcd_error *error) {
    if (source_path == nullptr || destination_path == nullptr || transfer_syntax_uid == nullptr) {
        mcd_set_error(error, MCD_ERROR_INVALID_ARGUMENT, "mcd_transcode_file: a path is missing");
        return MCD_ERROR_INVALID_ARGUMENT;
    }
    const DcmXfer target(transfer_syntax_uid);
    if (target.getXfer() == EXS_Unknown) {
        mcd_set_error(error, MCD_ERROR_INVALID_ARGUMENT,
            std::string("mcd_transcode_file: unknown transfer syntax ") + transfer_syntax_uid);
        return MCD_ERROR_INVALID_ARGUMENT;
    }
    try {
        DcmFileFormat file;
        OFCondition status = file.loadFile(source_path);
        if (status.bad()) {
            mcd_set_error(error, MCD_ERROR_PARSE,
                std::string("DcmFileFormat::loadFile(") + source_path + ") failed: "
                    + status.text());
            return MCD_ERROR_PARSE;
        }
        DcmDataset *dataset = file.getDataset();
        const DcmXfer original(dataset->getOriginalXfer());
        status = dataset->chooseRepresentation(target.getXfer(), nullptr);
        if (status.bad() || !dataset->canWriteXfer(target.getXfer())) {
            mcd_set_error(error, MCD_ERROR_UNSUPPORTED,
                std::string("cannot transcode from ") + original.getXferName() + " to "
                    + target.getXferName() + ": "
                    + (status.bad() ? status.text() : "no codec for this conversion"));
            return MCD_ERROR_UNSUPPORTED;
        }
        // EWM_fileformat keeps the File Meta Information as received (implementation UID,
        // Source AE Title) and only brings its Transfer Syntax UID up to date.
        status = file.saveFile(destination_path, target.getXfer(), EET_ExplicitLength,
            EGL_recalcGL, EPD_noChange, 0, 0, EWM_fileformat);
        if (status.bad()) {
            std::remove(destination_path);
            mcd_set_error(error, MCD_ERROR_IO,
                std::string("DcmFileFormat::saveFile(") + destination_path + ") failed: "
                    + status.text());
            return MCD_ERROR_IO;
        }
        return MCD_OK;
    } catch (const std::exception &exception) {
        std::remove(destination_path);
        mcd_set_error(error, MCD_ERROR_INTERNAL,
            std::string("mcd_transcode_file: ") + exception.what());
        return MCD_ERROR_INTERNAL;
    }
}

int mcd_check_pixel_data(const char *path, mcd_error *error) {
    if (path == nullptr) {
        mcd_set_error(error, MCD_ERROR_INVALID_ARGUMENT, "mcd_check_pixel_data: no path");
        return MCD_ERROR_INVALID_ARGUMENT;
    }
    try {
        DcmFileFormat file;
        OFCondition status = file.loadFile(path);
        if (status.bad()) {
            mcd_set_error(error, MCD_ERROR_PARSE,
                std::string("DcmFileFormat::loadFile(") + path + ") failed: " + status.text());
            return MCD_ERROR_PARSE;
        }
        DcmDataset *dataset = file.getDataset();
        const DcmXfer original(dataset->getOriginalXfer());
        if (!original.isEncapsulated()) return MCD_OK;
        status = dataset->chooseRepresentation(EXS_LittleEndianExplicit, nullptr);
        if (status.bad() || !dataset->canWriteXfer(EXS_LittleEndianExplicit)) {
            mcd_set_error(error, MCD_ERROR_PARSE,
                std::string("the ") + original.getXferName()
                    + " pixel data cannot be decoded: "
                    + (status.bad() ? status.text() : "no decoder for this transfer syntax"));
            return MCD_ERROR_PARSE;
        }
        return MCD_OK;
    } catch (const std::exception &exception) {
        mcd_set_error(error, MCD_ERROR_INTERNAL,
            std::string("mcd_check_pixel_data: ") + exception.what());
        return MCD_ERROR_INTERNAL;
    }
}
