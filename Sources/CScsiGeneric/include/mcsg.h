/* A plain C helper over the Linux SCSI generic driver's SG_IO ioctl. It fills struct
 * sg_io_hdr in C, with the field names and types of <scsi/sg.h> as written, and keeps the
 * module's ioctl calls in one file. */
#ifndef MCSG_H
#define MCSG_H

#include <stdint.h>

/* The direction of a command's data phase. */
enum mcsg_direction {
    MCSG_DIRECTION_NONE = 0,
    MCSG_DIRECTION_FROM_DEVICE = 1,
    MCSG_DIRECTION_TO_DEVICE = 2,
};

/* The kernel's report of one finished command. */
typedef struct mcsg_result {
    /* The SCSI status byte, such as 0x00 GOOD or 0x02 CHECK CONDITION. */
    uint8_t status;
    /* Sense bytes the kernel wrote into the caller's sense buffer. */
    uint8_t sense_length;
    /* The host adapter's status, 0 when the adapter reports no error. */
    uint16_t host_status;
    /* The sg driver's status, 0 when the driver reports no error. */
    uint16_t driver_status;
    /* Bytes of the data buffer the device did not transfer. */
    int32_t residual;
    /* Time the command took, in milliseconds. */
    uint32_t duration_ms;
} mcsg_result;

/* Sends the command block `cdb` of `cdb_length` bytes (6 to 16) to the sg device open on
 * `fd` with ioctl(SG_IO), moving `data_length` bytes of `data` in `direction`. The kernel
 * writes at most `sense_capacity` sense bytes into `sense`.
 * Returns 0 and fills *result when the kernel ran the command, whatever its SCSI status,
 * or -1 with errno set by ioctl(2), or EINVAL for a CDB length outside 6 to 16. */
int mcsg_execute(int fd, const uint8_t *cdb, uint8_t cdb_length, enum mcsg_direction direction,
                 void *data, uint32_t data_length, uint8_t *sense, uint8_t sense_capacity,
                 uint32_t timeout_ms, mcsg_result *result);

/* Reads the sg driver's version number with ioctl(SG_GET_VERSION_NUM), which succeeds only
 * on a SCSI generic device.
 * Returns 0 and sets *version, or -1 with errno set by ioctl(2). */
int mcsg_driver_version(int fd, int *version);

#endif
