import Foundation
import MediaCenterCore
import TestSupport
import Testing

@testable import FileSetBuilder

/// The check of a finished file-set, fed with damaged DICOMDIR listings and folders.
@Suite struct FileSetValidatorTests {
    /// A built file-set, its layout and its DICOMDIR read back.
    struct Built {
        var root: String
        var layout: FileSetLayout
        var listing: DicomDirListing
        var validator: FileSetValidator
    }

    private func build() throws -> Built {
        let root = try TestFiles.makeTemporaryFolder("validator")
        let plan = try makePlan(["CT_small.dcm", "MR_small.dcm"])
        _ = try FileSetBuilder().build(plan, into: root)
        let layout = FileSetLayout(plan.instances)
        let realRoot = URL(fileURLWithPath: root).resolvingSymlinksInPath().path
        let validator = FileSetValidator(
            root: realRoot, layout: layout, fileSetID: plan.fileSetID, consistencyFlag: 0,
            webFiles: try webFiles(in: root))
        return Built(
            root: root, layout: layout, listing: try DicomDirListing.read(root + "/DICOMDIR"),
            validator: validator)
    }

    private func index(_ listing: DicomDirListing, _ type: String) throws -> Int {
        try #require(listing.records.firstIndex { $0.recordType == type })
    }

    /// Expects the check of `listing` to fail with a message that contains `detail`.
    private func expectFailure(
        _ built: Built, _ listing: DicomDirListing, containing detail: String
    ) throws {
        let error = try #require(throws: MediaCenterError.self) {
            try built.validator.validate(listing)
        }
        #expect(error.message.contains(detail), "\(error.message)")
    }

    @Test("intact file-set passes")
    func intactPasses() throws {
        let built = try build()
        defer { try? FileManager.default.removeItem(atPath: built.root) }

        try built.validator.validate(built.listing)
        #expect(built.listing.records.count == 8)
    }

    @Test("offset between records fails")
    func offsetBetweenRecords() throws {
        let built = try build()
        defer { try? FileManager.default.removeItem(atPath: built.root) }
        var listing = built.listing
        let patient = try index(listing, "PATIENT")
        listing.records[patient].lowerOffset += 2

        try expectFailure(built, listing, containing: "where no record starts")
    }

    @Test("wrong last root offset fails")
    func wrongLastRootOffset() throws {
        let built = try build()
        defer { try? FileManager.default.removeItem(atPath: built.root) }
        var listing = built.listing
        listing.lastRootOffset = listing.firstRootOffset

        try expectFailure(built, listing, containing: "last root record")
    }

    @Test("record reached twice fails")
    func recordReachedTwice() throws {
        let built = try build()
        defer { try? FileManager.default.removeItem(atPath: built.root) }
        var listing = built.listing
        let image = try index(listing, "IMAGE")
        listing.records[image].nextOffset = listing.records[image].offset

        try expectFailure(built, listing, containing: "reached twice")
    }

    @Test("unreachable record fails")
    func unreachableRecord() throws {
        let built = try build()
        defer { try? FileManager.default.removeItem(atPath: built.root) }
        var listing = built.listing
        // Cut the second patient off the root chain.
        let patient = try index(listing, "PATIENT")
        listing.records[patient].nextOffset = 0
        listing.lastRootOffset = listing.records[patient].offset

        try expectFailure(built, listing, containing: "not reachable")
    }

    @Test("wrong instance UID fails")
    func wrongInstanceUID() throws {
        let built = try build()
        defer { try? FileManager.default.removeItem(atPath: built.root) }
        var listing = built.listing
        let image = try index(listing, "IMAGE")
        listing.records[image].referencedSOPInstanceUID = "1.2.3"

        try expectFailure(built, listing, containing: "names instance 1.2.3")
    }

    @Test("wrong record type fails")
    func wrongRecordType() throws {
        let built = try build()
        defer { try? FileManager.default.removeItem(atPath: built.root) }
        var listing = built.listing
        let image = try index(listing, "IMAGE")
        listing.records[image].recordType = "SR DOCUMENT"

        try expectFailure(built, listing, containing: "has record type SR DOCUMENT")
    }

    @Test("unplanned path fails")
    func unplannedPath() throws {
        let built = try build()
        defer { try? FileManager.default.removeItem(atPath: built.root) }
        var listing = built.listing
        let image = try index(listing, "IMAGE")
        listing.records[image].referencedFileID = "../DICOM/ST000001/SE000001/IM000001"

        try expectFailure(built, listing, containing: "never wrote")
    }

    @Test("symbolic link out of root fails")
    func symbolicLinkOut() throws {
        let built = try build()
        defer { try? FileManager.default.removeItem(atPath: built.root) }
        let path = built.root + "/" + built.layout.entries[0].relativePath
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.createSymbolicLink(
            atPath: path, withDestinationPath: try TestFiles.path("CT_small.dcm"))

        try expectFailure(built, built.listing, containing: "not found as a regular file")
    }

    @Test("missing media file fails")
    func missingMediaFile() throws {
        let built = try build()
        defer { try? FileManager.default.removeItem(atPath: built.root) }
        try FileManager.default.removeItem(
            atPath: built.root + "/" + built.layout.entries[1].relativePath)

        try expectFailure(built, built.listing, containing: "not found as a regular file")
    }

    @Test("stray file fails")
    func strayFile() throws {
        let built = try build()
        defer { try? FileManager.default.removeItem(atPath: built.root) }
        #expect(
            FileManager.default.createFile(atPath: built.root + "/DICOM/EXTRA", contents: Data()))

        try expectFailure(built, built.listing, containing: "DICOM/EXTRA")
    }

    @Test("other consistency flag fails")
    func otherConsistencyFlag() throws {
        let built = try build()
        defer { try? FileManager.default.removeItem(atPath: built.root) }
        var listing = built.listing
        listing.consistencyFlag = 0xFFFF

        try expectFailure(built, listing, containing: "Consistency Flag")
    }

    @Test("listed web files pass")
    func listedWebFilesPass() throws {
        let built = try build()
        defer { try? FileManager.default.removeItem(atPath: built.root) }

        try built.validator.validate(built.listing)
        #expect(built.validator.webFiles.contains("INDEX.HTM"))
        #expect(built.validator.webFiles.contains("IHE_PDI/SER00001.PNG"))
    }

    @Test("unlisted file outside DICOM fails")
    func unlistedWebFile() throws {
        let built = try build()
        defer { try? FileManager.default.removeItem(atPath: built.root) }
        let path = built.root + "/IHE_PDI/EXTRA.HTM"
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))

        try expectFailure(built, built.listing, containing: "IHE_PDI/EXTRA.HTM")
    }

    @Test("web file inside DICOM fails")
    func webFileInsideDicomFolder() throws {
        var built = try build()
        defer { try? FileManager.default.removeItem(atPath: built.root) }
        let path = built.root + "/DICOM/INDEX.HTM"
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        built.validator.webFiles.append("DICOM/INDEX.HTM")

        try expectFailure(built, built.listing, containing: "inside the DICOM folder")
    }

    @Test("web file with long name fails")
    func webFileWithLongName() throws {
        var built = try build()
        defer { try? FileManager.default.removeItem(atPath: built.root) }
        let path = built.root + "/IHE_PDI/index.html"
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        built.validator.webFiles.append("IHE_PDI/index.html")

        try expectFailure(built, built.listing, containing: "ISO 9660 level 1")
    }
}

/// The files a build wrote outside the DICOM folder besides DICOMDIR and README.TXT.
func webFiles(in root: String) throws -> [String] {
    var found: [String] = []
    for path in try FileManager.default.subpathsOfDirectory(atPath: root).sorted() {
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: root + "/" + path, isDirectory: &isDirectory)
        guard !isDirectory.boolValue, !path.hasPrefix("DICOM/"), path != "DICOMDIR",
            path != "README.TXT"
        else { continue }
        found.append(path)
    }
    return found
}
