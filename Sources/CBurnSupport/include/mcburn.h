/* Plain C helpers over libburn and libisofs that are awkward to write in Swift. One is a
 * burn_source that computes the MD5 digest of every byte libburn reads from it. The other
 * computes the size of an ISO image without starting libisofs' writer thread. */
#ifndef MCBURN_H
#define MCBURN_H

#include <stdint.h>
#include <sys/types.h>
#include <libburn/libburn.h>
#include <libisofs/libisofs.h>

/* Computes the size in bytes that the image `image` has when written with `opts`, without
 * producing it: libisofs lays the image out but starts no writer thread. `opts` is left
 * as it was given.
 * Returns 1 and sets *size on success, or a negative libisofs error code. */
int mcburn_image_size(IsoImage *image, IsoWriteOpts *opts, off_t *size);

/* Starts libisofs producing `image` with `opts` and wraps its burn_source in one that
 * computes the MD5 digest of every byte read through it. A thread of the source computes
 * the digest while libburn writes: the reads are copied into a queue of up to 32 MiB, and
 * a read waits while the queue is full. The caller owns one reference to *source and
 * releases it with burn_source_free(), which also stops that thread.
 * Returns 1 and sets *source on success, or a negative libisofs error code. */
int mcburn_hashing_image_source_new(IsoImage *image, IsoWriteOpts *opts,
                                    struct burn_source **source);

/* Finishes the digest of a source made by mcburn_hashing_image_source_new(): the 16
 * bytes of MD5 over every byte read so far, and how many bytes that was. Call it once
 * reading has ended: it waits until the hashing thread has hashed every read and has
 * exited, and reads after it are no longer hashed or counted. The first call closes the
 * digest, and later calls return the same. Returns 1 on success, 0 when `source` was not
 * made by this library, -1 when the MD5 computation failed or a read could not be queued
 * for lack of memory. */
int mcburn_hashing_source_result(struct burn_source *source, unsigned char digest[16],
                                 off_t *bytes_read);

/* Cancels a source made by mcburn_hashing_image_source_new() that will not be read to
 * the end, so that libisofs stops its writer thread. Use it only for a source that was
 * never handed to libburn, before burn_source_free(). */
void mcburn_source_cancel(struct burn_source *source);

/* Calls source->get_size(source): the size in bytes the source announces. */
off_t mcburn_source_size(struct burn_source *source);

#endif
