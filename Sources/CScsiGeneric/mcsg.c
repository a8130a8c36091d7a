#include "mcsg.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <scsi/sg.h>

int mcsg_execute(int fd, const uint8_t *cdb, uint8_t cdb_length, enum mcsg_direction direction,
                 void *data, uint32_t data_length, uint8_t *sense, uint8_t sense_capacity,
                 uint32_t timeout_ms, mcsg_result *result)
{
    if (cdb_length < 6 || cdb_length > 16) {
        errno = EINVAL;
        return -1;
    }

    sg_io_hdr_t header;
    memset(&header, 0, sizeof header);
    header.interface_id = 'S';
    switch (direction) {
    case MCSG_DIRECTION_FROM_DEVICE:
        header.dxfer_direction = SG_DXFER_FROM_DEV;
        break;
    case MCSG_DIRECTION_TO_DEVICE:
        header.dxfer_direction = SG_DXFER_TO_DEV;
        break;
    default:
        header.dxfer_direction = SG_DXFER_NONE;
        data_length = 0;
        data = NULL;
        break;
    }
    /* The kernel only reads the command block, but the field is not const. */
    header.cmdp = (unsigned char *)cdb;
    header.cmd_len = cdb_length;
    header.dxferp = data;
    header.dxfer_len = data_length;
    header.sbp = sense;
    header.mx_sb_len = sense_capacity;
    header.timeout = timeout_ms;

    if (ioctl(fd, SG_IO, &header) < 0)
        return -1;

    result->status = header.status;
    result->sense_length = header.sb_len_wr;
    result->host_status = header.host_status;
    result->driver_status = header.driver_status;
    result->residual = header.resid;
    result->duration_ms = header.duration;
    return 0;
}

int mcsg_driver_version(int fd, int *version)
{
    return ioctl(fd, SG_GET_VERSION_NUM, version);
}
