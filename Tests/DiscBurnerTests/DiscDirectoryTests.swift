import DiscBurner
import Foundation
import MediaCenterCore
import MediaHardware
import Testing

extension DiscBurnerTests {
    @Suite struct DiscDirectoryTests {
        /// Writes the sample file-set to a virtual disc and returns its written result.
        private func writeSampleDisc(_ workspace: Workspace) throws -> DiscWriteResult {
            try makeSampleFileSet(at: workspace.fileSet)
            let drive = try VirtualDrive(name: "virtual0", folder: workspace.driveFolder)
            return try drive.write(directory: workspace.fileSet, volumeID: "SET1")
        }

        @Test func listsEveryFileWithItsSize() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            let disc = try writeSampleDisc(workspace)

            let drive = try LibburnDrive(address: "stdio:" + disc.location)
            defer { drive.release(eject: false) }
            let directory = try drive.readDirectory(byteCount: disc.bytesWritten)

            let files = directory.entries.filter { !$0.isDirectory }
            #expect(Set(files.map(\.path)) == Set(sampleFiles.keys))
            for file in files {
                #expect(file.size == Int64(sampleFiles[file.path]?.count ?? -1), "\(file.path)")
            }
            let folders = Set(directory.entries.filter(\.isDirectory).map(\.path))
            #expect(
                folders == [
                    "DICOM", "DICOM/P0000001", "DICOM/P0000001/S0000001",
                    "DICOM/P0000001/S0000002", "EMPTY",
                ])
        }

        @Test func readsFileContent() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            let disc = try writeSampleDisc(workspace)

            let drive = try LibburnDrive(address: "stdio:" + disc.location)
            defer { drive.release(eject: false) }
            let directory = try drive.readDirectory(byteCount: disc.bytesWritten)

            for path in ["DICOMDIR", "DICOM/P0000001/S0000001/I0000001", "README.TXT"] {
                let entry = try #require(directory.entry(at: path))
                #expect(try drive.readFile(entry) == sampleFiles[path], "\(path)")
            }
        }

        @Test func shortDiscIsDamaged() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            let disc = try writeSampleDisc(workspace)

            let drive = try LibburnDrive(address: "stdio:" + disc.location)
            defer { drive.release(eject: false) }

            // The first 20 sectors hold the descriptors and the root, but not every file.
            let error = try #require(throws: MediaCenterError.self) {
                try drive.readDirectory(byteCount: 20 * 2048)
            }
            #expect(error.code == .mediaFailure)
            #expect(error.message.contains("past the 20 sectors written"))
        }

        @Test func blankSectorsHaveNoVolume() throws {
            let error = try #require(throws: MediaCenterError.self) {
                try DiscDirectory(byteCount: 40 * 2048) { _, count in
                    [UInt8](repeating: 0, count: count * 2048)
                }
            }
            #expect(error.code == .mediaFailure)
            #expect(error.message.contains("no ISO 9660 Primary Volume Descriptor"))
        }
    }
}
