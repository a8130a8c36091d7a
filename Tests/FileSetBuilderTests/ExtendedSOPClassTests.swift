import CDCMTK
import Foundation
import MediaCenterCore
import TestSupport
import Testing

@testable import FileSetBuilder

/// The extended SOP classes against DCMTK and on a file-set.
@Suite struct ExtendedSOPClassTests {
    let builder = FileSetBuilder()

    /// The classes the File-set Creator tests write instances of: one per kind of record,
    /// and each class whose records the shim writes because DCMTK 3.6.7 rejects it.
    static let sampleUIDs =
        [
            "1.2.840.10008.5.1.4.1.1.66.4",  // Segmentation
            "1.2.840.10008.5.1.4.1.1.30",  // Parametric Map
            "1.2.840.10008.5.1.4.1.1.13.1.3",  // Breast Tomosynthesis Image
            "1.2.840.10008.5.1.4.1.1.6.2",  // Enhanced US Volume
            "1.2.840.10008.5.1.4.1.1.66.5",  // Surface Segmentation
            "1.2.840.10008.5.1.4.1.1.66.6",  // Tractography Results
            "1.2.840.10008.5.1.4.1.1.104.3",  // Encapsulated STL
            "1.2.840.10008.5.1.4.1.1.2.2",  // Legacy Converted Enhanced CT Image
            "1.2.840.10008.5.1.4.1.1.90.1",  // Content Assessment Results
            "1.2.840.10008.5.1.4.1.1.481.13",  // C-Arm Photon-Electron Radiation
            "1.2.840.10008.5.1.4.34.7",  // RT Beams Delivery Instruction
        ] + shimRecordedUIDs

    /// The classes whose files DCMTK 3.6.7's DicomDirInterface rejects for STD-GEN-CD, so that
    /// the shim writes their records.
    static let shimRecordedUIDs = [
        "1.2.840.10008.5.1.4.1.1.481.14",  // Tomotherapeutic Radiation
        "1.2.840.10008.5.1.4.1.1.481.15",  // Robotic-Arm Radiation
        "1.2.840.10008.5.1.4.1.1.481.16",  // RT Radiation Record Set
        "1.2.840.10008.5.1.4.1.1.481.17",  // RT Radiation Salvage Record
        "1.2.840.10008.5.1.4.1.1.481.18",  // Tomotherapeutic Radiation Record
        "1.2.840.10008.5.1.4.1.1.481.19",  // C-Arm Photon-Electron Radiation Record
        "1.2.840.10008.5.1.4.1.1.481.20",  // Robotic Radiation Record
        "1.2.840.10008.5.1.4.1.1.481.21",  // RT Radiation Set Delivery Instruction
        "1.2.840.10008.5.1.4.1.1.481.22",  // RT Treatment Preparation
        "1.2.840.10008.5.1.4.1.1.104.4",  // Encapsulated OBJ
        "1.2.840.10008.5.1.4.1.1.104.5",  // Encapsulated MTL
    ]

    /// Directory record types of PS3.3 Annex F that dciodvfy of dicom3tools 1.00 (2022-06-18,
    /// Debian 12) does not have in its list of Directory Record Type (0004,1430) values, so it
    /// reports each record of them as an error.
    static let recordTypesUnknownToDciodvfy = [
        "SURFACE SCAN", "TRACT", "ASSESSMENT", "PLAN", "ANNOTATION",
    ]

    static let dciodvfy = "/usr/bin/dciodvfy"

    // MARK: - The table against DCMTK

    @Test("DCMTK names every extended class")
    func dcmtkNamesEveryClass() {
        for sopClass in SOPClassTable.extended {
            #expect(mcd_uid_name(sopClass.uid) != nil, "\(sopClass.name) \(sopClass.uid)")
        }
    }

    @Test("no extended class is retired in DCMTK")
    func noRetiredClass() {
        for sopClass in SOPClassTable.extended {
            let name = mcd_uid_name(sopClass.uid).map { String(cString: $0) } ?? ""
            #expect(!name.hasPrefix("RETIRED_"), "\(sopClass.name) is \(name)")
            #expect(!name.hasPrefix("DRAFT_"), "\(sopClass.name) is \(name)")
        }
    }

    @Test("extended classes are storage classes")
    func classesAreStorage() {
        for sopClass in SOPClassTable.extended {
            let name = mcd_uid_name(sopClass.uid).map { String(cString: $0) } ?? ""
            #expect(name.contains("Storage"), "\(sopClass.name) is \(name)")
        }
    }

    // MARK: - The File-set Creator

    @Test("sample classes get their record types")
    func sampleRecordTypes() throws {
        let work = try TestFiles.makeTemporaryFolder("extended")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let classes = try Self.sampleUIDs.map { try sopClass($0) }

        let (listing, _) = try buildFileSet(classes, in: work)

        expectRecordTypes(listing, classes)
        #expect(listing.records(ofType: "PATIENT").count == 1)
        #expect(listing.records(ofType: "STUDY").count == 1)
        #expect(listing.records(ofType: "SERIES").count == classes.count)
    }

    @Test(
        "sample file-set passes dciodvfy",
        .enabled(if: FileManager.default.isExecutableFile(atPath: dciodvfy)))
    func sampleFileSetPassesDciodvfy() throws {
        let work = try TestFiles.makeTemporaryFolder("extended")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let classes = try Self.sampleUIDs.map { try sopClass($0) }

        let (_, root) = try buildFileSet(classes, in: work)

        try expectDciodvfyPasses(root + "/DICOMDIR")
    }

    @Test("every extended class gets its record type")
    func everyClassRecordType() throws {
        let work = try TestFiles.makeTemporaryFolder("extended")
        defer { try? FileManager.default.removeItem(atPath: work) }

        let (listing, root) = try buildFileSet(SOPClassTable.extended, in: work)

        expectRecordTypes(listing, SOPClassTable.extended)
        if FileManager.default.isExecutableFile(atPath: Self.dciodvfy) {
            try expectDciodvfyPasses(root + "/DICOMDIR")
        }
    }

    @Test("file-set of shim-recorded classes only")
    func shimRecordedOnly() throws {
        let work = try TestFiles.makeTemporaryFolder("extended")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let classes = try Self.shimRecordedUIDs.prefix(2).map { try sopClass($0) }

        let (listing, root) = try buildFileSet(classes, in: work)

        expectRecordTypes(listing, classes)
        #expect(listing.records(ofType: "PATIENT").count == 1)
        #expect(listing.records(ofType: "SERIES").count == 2)
        // The second write of the DICOMDIR keeps this product's File Meta Information.
        let meta = try MetaHeader(path: root + "/DICOMDIR")
        #expect(meta[0x0012] == ImplementationIdentity.classUID)
        #expect(meta[0x0013] == ImplementationIdentity.versionName)
        if FileManager.default.isExecutableFile(atPath: Self.dciodvfy) {
            try expectDciodvfyPasses(root + "/DICOMDIR")
        }
    }

    @Test("shim-recorded class joins DCMTK's records")
    func shimRecordedJoinsSeries() throws {
        let work = try TestFiles.makeTemporaryFolder("extended")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let radiation = try sopClass("1.2.840.10008.5.1.4.1.1.481.13")
        let record = try sopClass("1.2.840.10008.5.1.4.1.1.481.19")
        let paths = try ExtendedInstances.write([radiation, record], into: work)
        // The radiation record goes into the series of the radiation, which DCMTK records.
        let series = try runValidator(
            "/usr/bin/dcmodify", ["-nb", "-m", "(0020,000E)=2.25.314159265358", paths[1]])
        try #require(series.status == 0, "\(series.output)")

        let result = try builder.build(try makePlan(paths), into: work + "/fileset")

        let listing = try DicomDirListing.read(result.root + "/DICOMDIR")
        #expect(listing.records(ofType: "SERIES").count == 1)
        #expect(listing.records(ofType: "RADIOTHERAPY").count == 2)
        #expect(result.seriesCount == 1)
    }

    @Test("shim-recorded file without Modality rejected")
    func shimRecordedMissingModality() throws {
        let work = try TestFiles.makeTemporaryFolder("extended")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let paths = try ExtendedInstances.write(
            [try sopClass("1.2.840.10008.5.1.4.1.1.104.4")], into: work)
        let modify = try runValidator("/usr/bin/dcmodify", ["-nb", "-ea", "(0008,0060)", paths[0]])
        try #require(modify.status == 0, "\(modify.output)")
        let plan = try makePlan(paths)

        let error = try #require(throws: MediaCenterError.self) {
            try builder.build(plan, into: work + "/fileset")
        }
        #expect(error.code == .unsupported)
        #expect(error.message.contains(plan.instances[0].sopInstanceUID))
        #expect(error.cause?.contains("Modality (0008,0060)") == true, "\(error)")
        #expect(error.cause?.contains("ENCAP DOC") == true, "\(error)")
        #expect(!FileManager.default.fileExists(atPath: work + "/fileset"))
    }

    @Test("shim-recorded file without Instance Number gets one")
    func shimRecordedInventsInstanceNumber() throws {
        let work = try TestFiles.makeTemporaryFolder("extended")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let paths = try ExtendedInstances.write(
            [try sopClass("1.2.840.10008.5.1.4.1.1.481.14")], into: work)
        let modify = try runValidator("/usr/bin/dcmodify", ["-nb", "-ea", "(0020,0013)", paths[0]])
        try #require(modify.status == 0, "\(modify.output)")

        let result = try builder.build(try makePlan(paths), into: work + "/fileset")

        let dump = try runValidator(
            "/usr/bin/dcmdump", ["+P", "0004,1430", "+P", "0020,0013", result.root + "/DICOMDIR"])
        #expect(dump.output.contains("[RADIOTHERAPY]"), "\(dump.output)")
        #expect(dump.output.contains("(0020,0013) IS [1]"), "\(dump.output)")
    }

    // MARK: - Helpers

    private func sopClass(_ uid: String) throws -> SOPClass {
        try #require(SOPClassTable.sopClass(uid: uid, includingExtended: true), "\(uid)")
    }

    /// Writes an instance of each of `classes` into `work`, builds their file-set in
    /// `work/fileset` and returns its DICOMDIR listing and root.
    private func buildFileSet(
        _ classes: [SOPClass], in work: String
    ) throws -> (DicomDirListing, String) {
        let paths = try ExtendedInstances.write(classes, into: work)
        let result = try builder.build(try makePlan(paths), into: work + "/fileset")
        #expect(result.files.count == classes.count)
        return (try DicomDirListing.read(result.root + "/DICOMDIR"), result.root)
    }

    /// Checks that the DICOMDIR has one instance record for each of `classes`, of the record
    /// type the table gives.
    private func expectRecordTypes(_ listing: DicomDirListing, _ classes: [SOPClass]) {
        let instanceRecords = listing.records.filter { !$0.referencedFileID.isEmpty }
        #expect(instanceRecords.count == classes.count)
        for sopClass in classes {
            let records = instanceRecords.filter { $0.referencedSOPClassUID == sopClass.uid }
            #expect(records.count == 1, "\(sopClass.name)")
            #expect(
                records.first?.recordType == sopClass.recordType?.rawValue,
                "\(sopClass.name): \(records.first?.recordType ?? "no record")")
        }
    }

    /// Runs dciodvfy on `dicomdir` and expects no error, except one for each record of a
    /// record type missing from dciodvfy's list.
    private func expectDciodvfyPasses(_ dicomdir: String) throws {
        let run = try runValidator(Self.dciodvfy, [dicomdir])
        let unknownType = Self.recordTypesUnknownToDciodvfy.map {
            "Error - Unrecognized enumerated value <\($0)> for value 1 of attribute "
                + "<Directory Record Type>"
        }
        let errors = run.errorLines.filter { !unknownType.contains($0) }
        #expect(errors.isEmpty, "dciodvfy DICOMDIR: \(run.output)")
    }
}
