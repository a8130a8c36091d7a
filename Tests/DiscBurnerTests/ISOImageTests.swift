import DiscBurner
import Foundation
import MediaCenterCore
import Synchronization
import Testing

extension DiscBurnerTests {
    @Suite struct ISOImageTests {
        @Test func countsEntriesAndSectors() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            try makeSampleFileSet(at: workspace.fileSet)

            let image = try ISOImage(directory: workspace.fileSet, volumeID: "SET1")

            // DICOM, P0000001, S0000001, S0000002, EMPTY, and six files.
            #expect(image.entryCount == 11)
            #expect(image.byteCount > 80_000)
            #expect(image.byteCount % 2048 == 0)
        }

        @Test func rejectsLowerCaseFileName() throws {
            try expectRejected(files: ["DICOM/readme.txt": [1]], mentioning: "readme.txt")
        }

        @Test func rejectsNineCharacterName() throws {
            try expectRejected(files: ["I00000001": [1]], mentioning: "I00000001")
        }

        @Test func rejectsLongExtension() throws {
            try expectRejected(files: ["INDEX.HTML": [1]], mentioning: "INDEX.HTML")
        }

        @Test func rejectsDirectoryWithExtension() throws {
            try expectRejected(files: ["VIEWER.APP/RUN": [1]], mentioning: "VIEWER.APP")
        }

        @Test func rejectsSymbolicLink() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            try makeFiles(["DICOMDIR": [1]], at: workspace.fileSet)
            try FileManager.default.createSymbolicLink(
                atPath: workspace.fileSet + "/LINK", withDestinationPath: "DICOMDIR")

            let error = try #require(throws: MediaCenterError.self) {
                try ISOImage(directory: workspace.fileSet, volumeID: "SET1")
            }
            #expect(error.code == .invalidArgument)
            #expect(error.message.contains("LINK"))
        }

        @Test func acceptsEightDirectoryLevels() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            // The root is level 1, so seven nested folders reach level 8.
            try makeFiles(["A/B/C/D/E/F/G/FILE": [1]], at: workspace.fileSet)

            let image = try ISOImage(directory: workspace.fileSet, volumeID: "SET1")

            #expect(image.entryCount == 8)
        }

        @Test func rejectsNineDirectoryLevels() throws {
            try expectRejected(files: ["A/B/C/D/E/F/G/H/FILE": [1]], mentioning: "/H")
        }

        @Test func rejectsInvalidVolumeID() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            try makeSampleFileSet(at: workspace.fileSet)

            for volumeID in ["lower", "WITH SPACE", String(repeating: "A", count: 33)] {
                let error = try #require(throws: MediaCenterError.self) {
                    try ISOImage(directory: workspace.fileSet, volumeID: volumeID)
                }
                #expect(error.code == .invalidArgument)
                #expect(error.message.contains(volumeID))
            }
        }

        @Test func rejectsMissingFolder() throws {
            let error = try #require(throws: MediaCenterError.self) {
                try ISOImage(directory: "/nonexistent/FILESET", volumeID: "SET1")
            }
            #expect(error.code == .invalidArgument)
            #expect(error.message.contains("/nonexistent/FILESET"))
        }

        @Test func namesFollowLevelOneRules() {
            #expect(ISOImage.isValidFileName("DICOMDIR"))
            #expect(ISOImage.isValidFileName("README.TXT"))
            #expect(ISOImage.isValidFileName("I_1.A"))
            #expect(!ISOImage.isValidFileName("README."))
            #expect(!ISOImage.isValidFileName(".TXT"))
            #expect(!ISOImage.isValidFileName("A.B.C"))
            #expect(!ISOImage.isValidFileName("A-B"))
            #expect(ISOImage.isValidDirectoryName("P0000001"))
            #expect(!ISOImage.isValidDirectoryName("DIR.EXT"))
        }

        /// Expects that an image of a folder holding `files` is rejected with an error
        /// whose message contains `text`.
        private func expectRejected(files: [String: [UInt8]], mentioning text: String) throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            try makeFiles(files, at: workspace.fileSet)

            let error = try #require(throws: MediaCenterError.self) {
                try ISOImage(directory: workspace.fileSet, volumeID: "SET1")
            }
            #expect(error.code == .invalidArgument)
            #expect(error.message.contains(text))
        }
    }
}

extension DiscBurnerTests.ISOImageTests {
    /// Several drives lay out images on threads of their own. libisofs shares one local
    /// file system object between all images, so this crashed before the object lifetimes
    /// were serialized.
    @Test func imagesMadeOnSeveralThreadsAtOnce() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        try makeSampleFileSet(at: workspace.fileSet)
        let failures = Mutex<[String]>([])

        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            for _ in 0..<150 {
                do {
                    let image = try ISOImage(directory: workspace.fileSet, volumeID: "TEST")
                    if image.byteCount <= 0 {
                        failures.withLock { $0.append("empty image") }
                    }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
        }

        #expect(failures.withLock { $0 } == [])
    }
}
