import DiscBurner
import Foundation
import MediaCenterCore
import MediaHardware
import Testing

extension DiscBurnerTests {
    @Suite struct LibburnDriveTests {
        /// Scans, retrying for up to a minute while libburn rejects the scan because another
        /// test target of this process (the job engine's tests) has grabbed a drive.
        private func scanWhenNoDriveIsGrabbed() throws -> [ScannedDrive] {
            let deadline = Date().addingTimeInterval(60)
            while true {
                do {
                    return try LibburnDrive.scan()
                } catch let error as MediaCenterError
                    where error.code == .mediaFailure && Date() < deadline
                {
                    usleep(200_000)
                }
            }
        }

        @Test func scanFindsNoDriveWithoutHardware() throws {
            let devices = try FileManager.default.contentsOfDirectory(atPath: "/dev")
            let hasOpticalDrive = devices.contains { $0.hasPrefix("sr") || $0.hasPrefix("sg") }

            let drives = try scanWhenNoDriveIsGrabbed()

            if hasOpticalDrive {
                #expect(drives.allSatisfy { !$0.address.isEmpty })
            } else {
                #expect(drives.isEmpty)
            }
        }

        @Test func scanWorksAgain() throws {
            _ = try scanWhenNoDriveIsGrabbed()
            _ = try scanWhenNoDriveIsGrabbed()
        }

        @Test func stdioDriveReportsFileMedium() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }

            let drive = try LibburnDrive(address: "stdio:" + workspace.root + "/DISC.iso")
            defer { drive.release(eject: false) }
            let media = try drive.inspectMedia()

            #expect(media.isFile)
            #expect(media.status == .blank)
            #expect(media.profileNumber == 0xffff)
            #expect(media.availableBytes > 0)
            #expect(drive.location == workspace.root + "/DISC.iso")
        }

        @Test func releasedDriveCanBeGrabbedAgain() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            let address = "stdio:" + workspace.root + "/DISC.iso"

            // libburn has 255 drive slots, so this also shows that released slots are reused.
            for _ in 0..<300 {
                let drive = try LibburnDrive(address: address)
                drive.release(eject: false)
            }
        }

        @Test func releasedDriveRejectsCalls() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            let drive = try LibburnDrive(address: "stdio:" + workspace.root + "/DISC.iso")

            drive.release(eject: false)

            #expect(throws: MediaCenterError.self) { try drive.inspectMedia() }
        }

        @Test func missingDeviceIsRejected() throws {
            let error = try #require(throws: MediaCenterError.self) {
                try LibburnDrive(address: "/dev/nonexistent-sr9")
            }

            #expect(error.code == .mediaFailure)
            #expect(error.message.contains("/dev/nonexistent-sr9"))
            #expect(error.cause?.contains("burn_drive_scan_and_grab") == true)
        }

        @Test func writeAndReadBackStream() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            try makeSampleFileSet(at: workspace.fileSet)
            let address = "stdio:" + workspace.root + "/DISC.iso"
            let image = try ISOImage(directory: workspace.fileSet, volumeID: "SET1")

            let writer = try LibburnDrive(address: address)
            var reports: [WriteProgress] = []
            let result = try writer.write(image) { reports.append($0) }
            writer.release(eject: false)
            let reader = try LibburnDrive(address: address)
            defer { reader.release(eject: false) }
            let md5 = try reader.readMD5(byteCount: result.bytesWritten)

            #expect(result.bytesWritten == image.byteCount)
            #expect(md5 == result.md5)
            #expect(reports.allSatisfy { $0.bytesWritten <= $0.totalBytes })
        }

        /// The stream is longer than the hashing queue (32 MiB) and not a whole number of
        /// its 256 KiB slots, so the queue fills, wraps and ends with a part-filled slot.
        @Test func digestOfLongStreamMatchesMD5() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            var files: [String: [UInt8]] = [:]
            for number in 1...5 {
                let name = "DATA/FILE000\(number).BIN"
                files[name] = pseudoRandomBytes(
                    count: 8_000_000 + number * 2048, seed: UInt32(number))
            }
            try makeFiles(files, at: workspace.fileSet)
            let path = workspace.root + "/DISC.iso"
            let image = try ISOImage(directory: workspace.fileSet, volumeID: "LONG")

            let writer = try LibburnDrive(address: "stdio:" + path)
            let result = try writer.write(image)
            writer.release(eject: false)

            #expect(result.bytesWritten == image.byteCount)
            #expect(result.bytesWritten > 36 * 1024 * 1024)
            #expect(try md5sum(path) == result.md5)
        }

        @Test func librariesRestartAfterFinish() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            try makeSampleFileSet(at: workspace.fileSet)
            let address = "stdio:" + workspace.root + "/DISC.iso"

            BurnLibraries.finish()
            let image = try ISOImage(directory: workspace.fileSet, volumeID: "SET1")
            let writer = try LibburnDrive(address: address)
            let result = try writer.write(image)
            writer.release(eject: false)

            #expect(try md5sum(workspace.root + "/DISC.iso") == result.md5)
        }

        @Test func readBeyondDiscFails() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            try makeFiles(["DISC.iso": [UInt8](repeating: 7, count: 4 * 2048)], at: workspace.root)
            let drive = try LibburnDrive(address: "stdio:" + workspace.root + "/DISC.iso")
            defer { drive.release(eject: false) }

            #expect(throws: MediaCenterError.self) { try drive.readMD5(byteCount: 8 * 2048) }
            #expect(
                try drive.readMD5(byteCount: 4 * 2048) == (try md5sum(workspace.root + "/DISC.iso"))
            )
        }
    }
}

extension DiscBurnerTests.LibburnDriveTests {
    @Test(arguments: [
        (BurnSpeed.maximum, MediaProfile.cdr, Int32(0)),
        (.factor(4), .cdr, 706),
        (.factor(16), .dvdPlusR, 22160),
        (.factor(2), .bdre, 8992),
    ])
    func speedInKilobytesPerSecond(_ speed: BurnSpeed, _ profile: MediaProfile, _ expected: Int32) {
        #expect(speed.kilobytesPerSecond(for: profile) == expected)
    }

    @Test func writeAtSetSpeedToStdioDrive() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        try makeSampleFileSet(at: workspace.fileSet)
        let image = try ISOImage(directory: workspace.fileSet, volumeID: "SPEED")
        let path = workspace.root + "/speed.iso"

        let drive = try LibburnDrive(address: "stdio:" + path)
        defer { drive.release(eject: false) }
        let result = try drive.write(image, speed: .factor(4))

        #expect(result.bytesWritten == image.byteCount)
    }
}
