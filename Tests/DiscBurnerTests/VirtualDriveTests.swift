import DiscBurner
import Foundation
import MediaCenterCore
import MediaHardware
import Synchronization
import Testing

extension DiscBurnerTests {
    @Suite struct VirtualDriveTests {
        @Test func newDriveHoldsBlankDisc() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }

            let drive = try VirtualDrive(
                name: "virtual0", folder: workspace.driveFolder, capacityBytes: 1_000_000)
            let media = try drive.inspectMedia()

            #expect(
                media == MediaInfo(profile: .cdr, status: .blank, capacityBytes: 1_000_000))
            #expect(drive.currentDisc.fileName == "DISC0001.iso")
            #expect(drive.currentDisc.state == .blank)
            #expect(!FileManager.default.fileExists(atPath: drive.currentDisc.path))
        }

        @Test func defaultCapacityIs700MiB() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }

            let drive = try VirtualDrive(name: "virtual0", folder: workspace.driveFolder)

            #expect(drive.capacityBytes == 734_003_200)
            #expect(try drive.inspectMedia().capacityBytes == 734_003_200)
        }

        @Test func writtenImageExtractsByteForByte() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            try makeSampleFileSet(at: workspace.fileSet)
            let drive = try VirtualDrive(name: "virtual0", folder: workspace.driveFolder)

            let result = try drive.write(directory: workspace.fileSet, volumeID: "SET1")

            let extracted = workspace.root + "/EXTRACTED"
            let output = try run(
                "/usr/bin/xorriso",
                ["-osirrox", "on", "-indev", result.location, "-extract", "/", extracted])
            try #require(output.status == 0, "xorriso failed: \(output.text)")
            for (relativePath, content) in sampleFiles {
                #expect(try bytes(at: extracted + "/" + relativePath) == content, "\(relativePath)")
            }
            #expect(FileManager.default.fileExists(atPath: extracted + "/EMPTY"))
        }

        @Test func xorrisoListsNamesAsGiven() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            try makeSampleFileSet(at: workspace.fileSet)
            let drive = try VirtualDrive(name: "virtual0", folder: workspace.driveFolder)

            let result = try drive.write(directory: workspace.fileSet, volumeID: "SET1")

            let output = try run(
                "/usr/bin/xorriso", ["-indev", result.location, "-find", "/", "-type", "f"])
            try #require(output.status == 0, "xorriso failed: \(output.text)")
            let listed = Set(
                output.text.split(separator: "\n")
                    .filter { $0.hasPrefix("'/") }
                    .map { String($0.dropFirst(2).dropLast()) })
            #expect(listed == Set(sampleFiles.keys))
        }

        @Test func recordsVersionedLevelOneNames() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            try makeSampleFileSet(at: workspace.fileSet)
            let drive = try VirtualDrive(name: "virtual0", folder: workspace.driveFolder)

            let result = try drive.write(directory: workspace.fileSet, volumeID: "SET1")

            // DICOM PS3.12 F.1.2.1: a File ID component is recorded as NAME.;1, with the
            // separator and version that ISO 9660 requires. Directories have neither.
            let iso = try RawISO9660(path: result.location)
            #expect(
                try iso.identifiers(in: []) == ["DICOM", "DICOMDIR.;1", "EMPTY", "README.TXT;1"])
            #expect(try iso.identifiers(in: ["DICOM"]) == ["P0000001"])
            #expect(
                try iso.identifiers(in: ["DICOM", "P0000001", "S0000001"])
                    == ["I0000001.;1", "I0000002.;1"])
        }

        @Test func recordsVolumeIDAndDate() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            try makeSampleFileSet(at: workspace.fileSet)
            let drive = try VirtualDrive(name: "virtual0", folder: workspace.driveFolder)
            // 2024-03-05 06:07:08 UTC.
            let date = Date(timeIntervalSince1970: 1_709_618_828)

            let image = try ISOImage(
                directory: workspace.fileSet, volumeID: "PATIENT_DISC_1", recordingDate: date)
            let result = try drive.write(image: image)

            let iso = try RawISO9660(path: result.location)
            #expect(iso.volumeIdentifier == "PATIENT_DISC_1" + String(repeating: " ", count: 18))
            #expect(iso.creationDate == "2024030506070800")
            #expect(iso.creationTimeZone == 0)
        }

        @Test func emptyVolumeIDIsAllSpaces() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            try makeSampleFileSet(at: workspace.fileSet)
            let drive = try VirtualDrive(name: "virtual0", folder: workspace.driveFolder)

            let result = try drive.write(directory: workspace.fileSet, volumeID: "")

            #expect(
                try RawISO9660(path: result.location).volumeIdentifier
                    == String(repeating: " ", count: 32))
        }

        @Test func resultMatchesImageFile() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            try makeSampleFileSet(at: workspace.fileSet)
            let drive = try VirtualDrive(name: "virtual0", folder: workspace.driveFolder)

            let image = try ISOImage(directory: workspace.fileSet, volumeID: "SET1")
            let result = try drive.write(image: image)

            let fileSize = try FileManager.default.attributesOfItem(atPath: result.location)[.size]
            #expect(result.location == workspace.driveFolder + "/DISC0001.iso")
            #expect(result.bytesWritten == image.byteCount)
            #expect((fileSize as? NSNumber)?.int64Value == image.byteCount)
            #expect(try md5sum(result.location) == result.md5)
            #expect(drive.currentDisc.state == .written)
            #expect(drive.currentDisc.md5 == result.md5)
            #expect(
                try drive.inspectMedia()
                    == MediaInfo(profile: .cdr, status: .written, capacityBytes: 0))
        }

        @Test func writeLeavesNoOtherFile() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            try makeSampleFileSet(at: workspace.fileSet)
            let drive = try VirtualDrive(name: "virtual0", folder: workspace.driveFolder)

            _ = try drive.write(directory: workspace.fileSet, volumeID: "SET1")

            let files = try FileManager.default.contentsOfDirectory(atPath: workspace.driveFolder)
            #expect(files.sorted() == ["DISC0001.iso", "drive.json"])
        }

        @Test func verifyMatchesWrittenDisc() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            try makeSampleFileSet(at: workspace.fileSet)
            let drive = try VirtualDrive(name: "virtual0", folder: workspace.driveFolder)
            let result = try drive.write(directory: workspace.fileSet, volumeID: "SET1")

            let verification = try drive.verify(result)

            #expect(verification == DiscVerification(matches: true, md5: result.md5))
        }

        @Test func flippedByteFailsVerification() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            try makeSampleFileSet(at: workspace.fileSet)
            let drive = try VirtualDrive(name: "virtual0", folder: workspace.driveFolder)
            let result = try drive.write(directory: workspace.fileSet, volumeID: "SET1")

            var content = try bytes(at: result.location)
            content[content.count / 2] ^= 0x01
            try Data(content).write(to: URL(fileURLWithPath: result.location))
            let verification = try drive.verify(result)

            #expect(!verification.matches)
            #expect(verification.md5 != result.md5)
            #expect(verification.md5 == (try md5sum(result.location)))
        }

        @Test func truncatedDiscFailsReadBack() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            try makeSampleFileSet(at: workspace.fileSet)
            let drive = try VirtualDrive(name: "virtual0", folder: workspace.driveFolder)
            let result = try drive.write(directory: workspace.fileSet, volumeID: "SET1")

            let handle = try #require(FileHandle(forWritingAtPath: result.location))
            try handle.truncate(atOffset: 20 * 2048)
            try handle.close()
            let error = try #require(throws: MediaCenterError.self) { try drive.verify(result) }

            #expect(error.code == .mediaFailure)
            #expect(error.message.contains("cannot read back"))
        }

        @Test func oversizedImageIsRejected() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            try makeSampleFileSet(at: workspace.fileSet)
            let drive = try VirtualDrive(
                name: "virtual0", folder: workspace.driveFolder, capacityBytes: 64 * 1024)
            let image = try ISOImage(directory: workspace.fileSet, volumeID: "SET1")

            let error = try #require(throws: MediaCenterError.self) {
                try drive.write(image: image)
            }

            #expect(error.code == .mediaFailure)
            #expect(error.message.contains("\(image.byteCount) bytes"))
            #expect(error.message.contains("65536 bytes"))
            #expect(error.message.contains("larger medium"))
            #expect(!FileManager.default.fileExists(atPath: drive.currentDisc.path))
            #expect(drive.currentDisc.state == .blank)
            #expect(try drive.inspectMedia().status == .blank)
        }

        @Test func writtenDiscRejectsSecondWrite() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            try makeSampleFileSet(at: workspace.fileSet)
            let drive = try VirtualDrive(name: "virtual0", folder: workspace.driveFolder)
            let first = try drive.write(directory: workspace.fileSet, volumeID: "SET1")

            let error = try #require(throws: MediaCenterError.self) {
                try drive.write(directory: workspace.fileSet, volumeID: "SET2")
            }

            #expect(error.code == .mediaFailure)
            #expect(error.message.contains("not blank"))
            #expect(try md5sum(first.location) == first.md5)
        }

        @Test func failedWriteLeavesDiscNotBlank() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            try makeSampleFileSet(at: workspace.fileSet)
            let drive = try VirtualDrive(name: "virtual0", folder: workspace.driveFolder)
            let image = try ISOImage(directory: workspace.fileSet, volumeID: "SET1")

            // libisofs reads file content only while writing, so the missing file makes
            // the write fail after the volume descriptors and directories went out.
            try FileManager.default.removeItem(
                atPath: workspace.fileSet + "/DICOM/P0000001/S0000001/I0000001")
            let error = try #require(throws: MediaCenterError.self) {
                try drive.write(image: image)
            }

            #expect(error.code == .mediaFailure)
            #expect(error.cause?.contains("I0000001") == true)
            #expect(drive.currentDisc.state == .failed)
            #expect(try drive.inspectMedia().status == .written)
            let reopened = try VirtualDrive(name: "virtual0", folder: workspace.driveFolder)
            #expect(reopened.currentDisc.state == .failed)
        }

        @Test func interruptedWriteCountsAsFailed() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            _ = try VirtualDrive(name: "virtual0", folder: workspace.driveFolder)
            let statePath = workspace.driveFolder + "/" + VirtualDrive.stateFileName
            let state = try String(contentsOfFile: statePath, encoding: .utf8)
                .replacingOccurrences(of: "\"blank\"", with: "\"writing\"")
            try state.write(toFile: statePath, atomically: true, encoding: .utf8)

            let drive = try VirtualDrive(name: "virtual0", folder: workspace.driveFolder)

            #expect(drive.currentDisc.state == .failed)
            #expect(try drive.inspectMedia().status == .written)
        }

        @Test func ejectLoadsNextBlank() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            try makeSampleFileSet(at: workspace.fileSet)
            let drive = try VirtualDrive(name: "virtual0", folder: workspace.driveFolder)
            let first = try drive.write(directory: workspace.fileSet, volumeID: "SET1")

            try drive.eject()

            #expect(drive.currentDisc.fileName == "DISC0002.iso")
            #expect(drive.currentDisc.state == .blank)
            #expect(try drive.inspectMedia().status == .blank)
            #expect(try md5sum(first.location) == first.md5)
            let second = try drive.write(directory: workspace.fileSet, volumeID: "SET2")
            #expect(second.location == workspace.driveFolder + "/DISC0002.iso")
        }

        @Test func ejectKeepsBlankDisc() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            let drive = try VirtualDrive(name: "virtual0", folder: workspace.driveFolder)

            try drive.eject()

            #expect(drive.currentDisc.fileName == "DISC0001.iso")
            #expect(drive.currentDisc.state == .blank)
        }

        @Test func ejectSkipsExistingFileName() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            try makeSampleFileSet(at: workspace.fileSet)
            let drive = try VirtualDrive(name: "virtual0", folder: workspace.driveFolder)
            _ = try drive.write(directory: workspace.fileSet, volumeID: "SET1")
            try makeFiles(["DISC0002.iso": [1]], at: workspace.driveFolder)

            try drive.eject()

            #expect(drive.currentDisc.fileName == "DISC0003.iso")
        }

        @Test func stateSurvivesReopening() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            try makeSampleFileSet(at: workspace.fileSet)
            let result = try VirtualDrive(name: "virtual0", folder: workspace.driveFolder)
                .write(directory: workspace.fileSet, volumeID: "SET1")

            let reopened = try VirtualDrive(name: "virtual0", folder: workspace.driveFolder)

            #expect(reopened.currentDisc.fileName == "DISC0001.iso")
            #expect(reopened.currentDisc.state == .written)
            #expect(reopened.currentDisc.md5 == result.md5)
            #expect(reopened.currentDisc.bytesWritten == result.bytesWritten)
            #expect(try reopened.inspectMedia().status == .written)
            #expect(try reopened.verify(result).matches)
            try reopened.eject()
            let again = try VirtualDrive(name: "virtual0", folder: workspace.driveFolder)
            #expect(again.currentDisc.fileName == "DISC0002.iso")
            #expect(again.currentDisc.state == .blank)
        }

        @Test func reopeningAppliesNewCapacity() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            _ = try VirtualDrive(
                name: "virtual0", folder: workspace.driveFolder, capacityBytes: 1_000)

            let drive = try VirtualDrive(
                name: "virtual0", folder: workspace.driveFolder, capacityBytes: 2_000)

            #expect(try drive.inspectMedia().capacityBytes == 2_000)
        }

        @Test func loadBlankNamesDisc() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            try makeSampleFileSet(at: workspace.fileSet)
            let drive = try VirtualDrive(name: "virtual0", folder: workspace.driveFolder)

            try drive.loadBlank(named: "JOB0042_1-of-2.iso")
            let result = try drive.write(directory: workspace.fileSet, volumeID: "SET1")

            #expect(result.location == workspace.driveFolder + "/JOB0042_1-of-2.iso")
            #expect(try md5sum(result.location) == result.md5)
        }

        @Test func loadBlankRejectsBadNames() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            let drive = try VirtualDrive(name: "virtual0", folder: workspace.driveFolder)

            for fileName in [
                "../OUT.iso", "DISC.img", ".iso", ".HIDDEN.iso", "A B.iso", "drive.json",
            ] {
                let error = try #require(throws: MediaCenterError.self) {
                    try drive.loadBlank(named: fileName)
                }
                #expect(error.code == .invalidArgument, "\(fileName)")
            }
        }

        @Test func loadBlankRejectsTakenName() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            let drive = try VirtualDrive(name: "virtual0", folder: workspace.driveFolder)
            try makeFiles(["TAKEN.iso": [1]], at: workspace.driveFolder)

            let error = try #require(throws: MediaCenterError.self) {
                try drive.loadBlank(named: "TAKEN.iso")
            }

            #expect(error.code == .invalidArgument)
            #expect(drive.currentDisc.fileName == "DISC0001.iso")
        }

        @Test func loadBlankRejectsWrittenDisc() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            try makeSampleFileSet(at: workspace.fileSet)
            let drive = try VirtualDrive(name: "virtual0", folder: workspace.driveFolder)
            _ = try drive.write(directory: workspace.fileSet, volumeID: "SET1")

            let error = try #require(throws: MediaCenterError.self) {
                try drive.loadBlank(named: "NEXT.iso")
            }

            #expect(error.code == .mediaFailure)
            #expect(drive.currentDisc.fileName == "DISC0001.iso")
        }

        @Test func verifyRejectsOtherDiscResult() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            try makeSampleFileSet(at: workspace.fileSet)
            let drive = try VirtualDrive(name: "virtual0", folder: workspace.driveFolder)
            let result = try drive.write(directory: workspace.fileSet, volumeID: "SET1")
            try drive.eject()

            let error = try #require(throws: MediaCenterError.self) { try drive.verify(result) }

            #expect(error.code == .invalidArgument)
        }

        @Test func strayDiscFileIsNotBlank() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            try makeSampleFileSet(at: workspace.fileSet)
            let drive = try VirtualDrive(name: "virtual0", folder: workspace.driveFolder)
            try makeFiles(["DISC0001.iso": [1, 2, 3]], at: workspace.driveFolder)

            let error = try #require(throws: MediaCenterError.self) {
                try drive.write(directory: workspace.fileSet, volumeID: "SET1")
            }

            #expect(error.code == .mediaFailure)
            #expect(try drive.inspectMedia().status == .written)
            #expect(try bytes(at: workspace.driveFolder + "/DISC0001.iso") == [1, 2, 3])
        }

        @Test func twoDrivesWriteConcurrently() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            try makeSampleFileSet(at: workspace.fileSet)
            let drives = try (0..<2).map { index in
                try VirtualDrive(
                    name: "virtual\(index)", folder: workspace.root + "/virtual\(index)")
            }
            let results = Mutex<[Int: Result<DiscWriteResult, any Error>]>([:])

            let fileSet = workspace.fileSet
            DispatchQueue.concurrentPerform(iterations: drives.count) { index in
                let result = Result {
                    try drives[index].write(directory: fileSet, volumeID: "SET1")
                }
                results.withLock { $0[index] = result }
            }

            for (index, drive) in drives.enumerated() {
                let written = try #require(try results.withLock { $0[index] }?.get())
                #expect(try drive.verify(written).matches, "virtual\(index)")
                #expect(try md5sum(written.location) == written.md5, "virtual\(index)")
            }
        }

        @Test func mediaTypeIsReported() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }

            let drive = try VirtualDrive(
                name: "virtual0", folder: workspace.driveFolder, capacityBytes: 1_000_000,
                media: .dvdPlusR)

            #expect(try drive.inspectMedia().profile == .dvdPlusR)
        }

        @Test func defaultCapacityFollowsMedia() {
            #expect(VirtualDrive.defaultCapacityBytes(for: .cdrw) == 734_003_200)
            #expect(VirtualDrive.defaultCapacityMiB(for: .dvdr) == 4482)
            #expect(VirtualDrive.defaultCapacityMiB(for: .bdre) == 23866)
        }

        @Test func rewritableDiscIsErasedAndWritten() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            try makeSampleFileSet(at: workspace.fileSet)
            let drive = try VirtualDrive(name: "virtual0", folder: workspace.driveFolder)

            try drive.load(.rewritableWritten)
            let loaded = try drive.inspectMedia()
            #expect(loaded == MediaInfo(profile: .cdrw, status: .written, capacityBytes: 0))
            #expect(try bytes(at: drive.currentDisc.path) == VirtualDrive.earlierData)

            try drive.erase()
            #expect(try drive.inspectMedia().status == .blank)
            #expect(try drive.inspectMedia().profile == .cdrw)
            #expect(!FileManager.default.fileExists(atPath: drive.currentDisc.path))

            let written = try drive.write(directory: workspace.fileSet, volumeID: "SET1")
            #expect(try drive.verify(written).matches)
        }

        @Test func writeOnceDiscIsNotErased() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            let drive = try VirtualDrive(name: "virtual0", folder: workspace.driveFolder)
            try drive.load(.written)

            let error = try #require(throws: MediaCenterError.self) { try drive.erase() }

            #expect(error.code == .mediaFailure)
            #expect(error.message.contains("CD-R disc"), "\(error.message)")
            #expect(error.message.contains("not rewritable"), "\(error.message)")
            #expect(try drive.inspectMedia().status == .written)
        }

        @Test func rejectsUnknownMediaType() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }

            let error = try #require(throws: MediaCenterError.self) {
                try VirtualDrive(name: "virtual0", folder: workspace.driveFolder, media: .unknown)
            }

            #expect(error.code == .invalidArgument)
        }

        @Test func rejectsZeroCapacity() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }

            let error = try #require(throws: MediaCenterError.self) {
                try VirtualDrive(name: "virtual0", folder: workspace.driveFolder, capacityBytes: 0)
            }

            #expect(error.code == .invalidArgument)
        }

        @Test func rejectsUnreadableStateFile() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            try makeFiles(
                [VirtualDrive.stateFileName: Array("{not json".utf8)], at: workspace.driveFolder)

            let error = try #require(throws: MediaCenterError.self) {
                try VirtualDrive(name: "virtual0", folder: workspace.driveFolder)
            }

            #expect(error.code == .invalidConfiguration)
            #expect(error.message.contains(VirtualDrive.stateFileName))
        }
    }
}

extension DiscBurnerTests.VirtualDriveTests {
    /// Drives of one process write and read back side by side, as the job engines of
    /// several drives do.
    @Test func severalDrivesWriteAndVerifyAtOnce() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        try makeSampleFileSet(at: workspace.fileSet)
        let drives = try (0..<3).map { number in
            try VirtualDrive(
                name: "virtual\(number)", folder: workspace.root + "/drive\(number)",
                capacityBytes: 1_000_000)
        }
        let failures = Mutex<[String]>([])

        DispatchQueue.concurrentPerform(iterations: drives.count) { index in
            let drive = drives[index]
            for _ in 0..<8 {
                do {
                    let written = try drive.write(
                        directory: workspace.fileSet, volumeID: "DRIVE\(index)")
                    guard try drive.verify(written).matches else {
                        failures.withLock { $0.append("\(drive.name) read back other bytes") }
                        return
                    }
                    try drive.eject()
                } catch {
                    failures.withLock { $0.append("\(drive.name): \(error)") }
                    return
                }
            }
        }

        #expect(failures.withLock { $0 } == [])
    }
}
