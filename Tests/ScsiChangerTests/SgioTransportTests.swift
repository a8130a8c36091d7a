import MediaCenterCore
import ScsiChanger
import Testing

/// This machine has no SCSI generic device, so only the open checks run.
@Suite struct SgioTransportTests {
    @Test func missingDeviceIsNamed() {
        let error = #expect(throws: MediaCenterError.self) {
            try SgioTransport(path: "/dev/sg-missing-for-test")
        }
        #expect(error?.code == .notFound)
        #expect(error?.message.contains("/dev/sg-missing-for-test not found") == true)
        #expect(error?.cause?.hasPrefix("open: ") == true)
    }

    @Test func nonSgDeviceIsRejected() {
        let error = #expect(throws: MediaCenterError.self) {
            try SgioTransport(path: "/dev/null")
        }
        #expect(error?.code == .unsupported)
        #expect(error?.message.contains("/dev/null is not a SCSI generic device") == true)
        #expect(error?.cause?.hasPrefix("ioctl(SG_GET_VERSION_NUM)") == true)
    }
}
