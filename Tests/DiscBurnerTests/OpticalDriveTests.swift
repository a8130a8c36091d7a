import DiscBurner
import MediaCenterCore
import Testing

extension DiscBurnerTests {
    @Suite struct OpticalDriveTests {
        @Test func missingDeviceFailsInspection() throws {
            let drive = OpticalDrive(address: "/dev/nonexistent-sr9")

            let error = try #require(throws: MediaCenterError.self) { try drive.inspectMedia() }

            #expect(drive.name == "/dev/nonexistent-sr9")
            #expect(error.code == .mediaFailure)
        }
    }
}
