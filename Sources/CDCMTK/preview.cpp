// Preview images for the web pages of a disc, rendered with DCMTK's image modules.

#include "mcdicom.h"
#include "shim_support.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
// dcmimage.h first: diplugin.h in DCMTK 3.6.7 uses the export macro without including
// the header that defines it.
#include <dcmtk/dcmimgle/dcmimage.h>
#include <dcmtk/dcmimage/diregist.h>
#include <dcmtk/dcmimage/dipipng.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <string>
#include <unistd.h>

// Previews smaller than this are not useful, and a smaller limit is a caller's mistake.
static const uint32_t minimumPreviewDimension = 16;

// Sets the VOI transformation of a monochrome image: its first window, else its first VOI
// LUT, else the range of the pixel values. Color images are left as they are.
static void chooseVoi(DicomImage &image) {
    if (!image.isMonochrome()) return;
    if (image.getWindowCount() > 0 && image.setWindow(0)) return;
    if (image.getVoiLutCount() > 0 && image.setVoiLut(0)) return;
    image.setMinMaxWindow(0);
}

// Returns the scaled width and height that fit `limit` and keep the shape of
// `width` x `height`, at least 1 pixel each.
// NOTE: the shape is that of the pixel matrix. Pixel Aspect Ratio and unequal Pixel Spacing
// are not applied, so an image with non-square pixels looks stretched in its preview.
static void fitInto(
    unsigned long width, unsigned long height, uint32_t limit, unsigned long &outWidth,
    unsigned long &outHeight) {
    outWidth = width;
    outHeight = height;
    if (width <= limit && height <= limit) return;
    const double factor = static_cast<double>(limit) / static_cast<double>(std::max(width, height));
    outWidth = std::max(1ul, std::min<unsigned long>(limit, std::lround(width * factor)));
    outHeight = std::max(1ul, std::min<unsigned long>(limit, std::lround(height * factor)));
}

// Writes `image` as PNG to `path`, which is created here and must not exist. Sets
// `created` once the file exists, so that the caller removes it when an exception follows.
static int writePNG(DicomImage &image, const char *path, bool &created, mcd_error *error) {
    const int descriptor = ::open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (descriptor < 0) {
        const int number = errno;
        const int code = (number == ENOSPC || number == EDQUOT) ? MCD_ERROR_NO_SPACE : MCD_ERROR_IO;
        mcd_set_error(error, code,
            std::string("open(O_CREAT|O_EXCL) failed on ") + path + ": " + std::strerror(number)
                + (number == EEXIST ? "; the preview file must not exist yet" : ""));
        return code;
    }
    created = true;
    FILE *stream = ::fdopen(descriptor, "wb");
    if (stream == nullptr) {
        ::close(descriptor);
        ::unlink(path);
        mcd_set_error(error, MCD_ERROR_IO, std::string("fdopen failed on ") + path);
        return MCD_ERROR_IO;
    }

    DiPNGPlugin plugin;
    plugin.setInterlaceType(E_pngInterlaceNone);
    plugin.setMetainfoType(E_pngNoMetainfo);
    plugin.setBitsPerSample(8);
    const int written = image.writePluginFormat(&plugin, stream, 0);
    errno = 0;
    const bool flushed = std::fflush(stream) == 0;
    const int number = errno;
    const bool closed = std::fclose(stream) == 0;
    if (written && flushed && closed) return MCD_OK;

    ::unlink(path);
    const int code = (number == ENOSPC || number == EDQUOT) ? MCD_ERROR_NO_SPACE : MCD_ERROR_IO;
    mcd_set_error(error, code,
        std::string("DiPNGPlugin::write failed on ") + path
            + (number != 0 ? std::string(": ") + std::strerror(number) : std::string())
            + "; check free space and the file system");
    return code;
}

int mcd_write_preview(
    const char *source_path, const char *png_path, uint32_t max_dimension,
    mcd_preview_size *size, mcd_error *error) {
    if (source_path == nullptr || png_path == nullptr) {
        mcd_set_error(error, MCD_ERROR_INVALID_ARGUMENT, "mcd_write_preview: no path given");
        return MCD_ERROR_INVALID_ARGUMENT;
    }
    if (max_dimension < minimumPreviewDimension) {
        mcd_set_error(error, MCD_ERROR_INVALID_ARGUMENT,
            "mcd_write_preview: maximum size " + std::to_string(max_dimension)
                + " is too small; give at least "
                + std::to_string(minimumPreviewDimension) + " pixels");
        return MCD_ERROR_INVALID_ARGUMENT;
    }
    bool created = false;
    try {
        DcmFileFormat file;
        const OFCondition status = file.loadFile(source_path);
        if (status.bad()) {
            mcd_set_error(error, MCD_ERROR_PARSE,
                std::string("DcmFileFormat::loadFile failed on ") + source_path + ": "
                    + status.text());
            return MCD_ERROR_PARSE;
        }
        DcmDataset *dataset = file.getDataset();
        if (!dataset->tagExists(DCM_PixelData) && !dataset->tagExists(DCM_FloatPixelData)
            && !dataset->tagExists(DCM_DoubleFloatPixelData)) {
            mcd_set_error(error, MCD_ERROR_UNSUPPORTED,
                std::string(source_path) + " has no pixel data to preview");
            return MCD_ERROR_UNSUPPORTED;
        }

        Sint32 frames = 1;
        if (dataset->findAndGetSint32(DCM_NumberOfFrames, frames).bad() || frames < 1) frames = 1;
        const unsigned long middle = static_cast<unsigned long>(frames) / 2;
        DicomImage image(
            dataset, dataset->getOriginalXfer(), CIF_UsePartialAccessToPixelData, middle, 1);
        if (image.getStatus() != EIS_Normal) {
            mcd_set_error(error, MCD_ERROR_UNSUPPORTED,
                std::string("DicomImage cannot render ") + source_path + ": "
                    + DicomImage::getString(image.getStatus()));
            return MCD_ERROR_UNSUPPORTED;
        }
        chooseVoi(image);

        unsigned long width = 0;
        unsigned long height = 0;
        fitInto(image.getWidth(), image.getHeight(), max_dimension, width, height);
        std::unique_ptr<DicomImage> scaled;
        DicomImage *output = &image;
        if (width != image.getWidth() || height != image.getHeight()) {
            scaled.reset(image.createScaledImage(width, height, 1, 0));
            if (scaled == nullptr || scaled->getStatus() != EIS_Normal) {
                mcd_set_error(error, MCD_ERROR_UNSUPPORTED,
                    std::string("DicomImage::createScaledImage failed on ") + source_path);
                return MCD_ERROR_UNSUPPORTED;
            }
            output = scaled.get();
        }

        const int written = writePNG(*output, png_path, created, error);
        if (written != MCD_OK) return written;
        if (size != nullptr) {
            size->width = static_cast<uint32_t>(output->getWidth());
            size->height = static_cast<uint32_t>(output->getHeight());
        }
        return MCD_OK;
    } catch (const std::exception &exception) {
        if (created) ::unlink(png_path);
        mcd_set_error(
            error, MCD_ERROR_INTERNAL, std::string("mcd_write_preview: ") + exception.what());
        return MCD_ERROR_INTERNAL;
    }
}
