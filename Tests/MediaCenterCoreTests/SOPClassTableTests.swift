import MediaCenterCore
import Testing

@Suite struct SOPClassTableTests {
    @Test func verificationIsAccepted() {
        #expect(SOPClassTable.sopClass(uid: SOPClassTable.verificationUID) != nil)
    }

    @Test func imageClassesTakeCompressedSyntaxes() throws {
        let ct = try #require(SOPClassTable.sopClass(uid: "1.2.840.10008.5.1.4.1.1.2"))

        #expect(
            ct.transferSyntaxes == [
                .explicitVRLittleEndian, .implicitVRLittleEndian, .jpegLossless, .rleLossless,
            ])
    }

    @Test func nonImageClassesTakeOnlyUncompressed() throws {
        let plan = try #require(SOPClassTable.sopClass(uid: "1.2.840.10008.5.1.4.1.1.481.5"))

        #expect(plan.transferSyntaxes == [.explicitVRLittleEndian, .implicitVRLittleEndian])
    }

    @Test func tableHasOneLinePerClass() {
        let lines = SOPClassTable.presentationTable.split(separator: "\n")

        #expect(lines.count == SOPClassTable.all.count)
        #expect(Set(SOPClassTable.all.map(\.uid)).count == SOPClassTable.all.count)
    }
}

@Suite struct ExtendedSOPClassTableTests {
    @Test("no UID twice in both tables")
    func noDuplicates() {
        let uids = (SOPClassTable.all + SOPClassTable.extended).map(\.uid)

        #expect(Set(uids).count == uids.count)
        #expect(SOPClassTable.extended.count == 100)
    }

    @Test("no retired class in the extended set")
    func noRetiredClass() {
        for sopClass in SOPClassTable.extended {
            #expect(!sopClass.name.contains("Retired"), "\(sopClass.name)")
        }
    }

    @Test("every class has a record type")
    func everyClassHasRecordType() {
        for sopClass in SOPClassTable.all + SOPClassTable.extended {
            let isVerification = sopClass.uid == SOPClassTable.verificationUID
            #expect((sopClass.recordType == nil) == isVerification, "\(sopClass.name)")
        }
    }

    @Test("image classes are exactly the IMAGE records")
    func imageClassesAreImageRecords() {
        for sopClass in SOPClassTable.extended {
            #expect(sopClass.isImage == (sopClass.recordType == .image), "\(sopClass.name)")
        }
    }

    @Test("extended transfer syntaxes by kind")
    func extendedTransferSyntaxes() {
        for sopClass in SOPClassTable.extended {
            let expected: [TransferSyntax] =
                sopClass.isImage
                ? [.explicitVRLittleEndian, .implicitVRLittleEndian, .jpegLossless, .rleLossless]
                : [.explicitVRLittleEndian, .implicitVRLittleEndian]
            #expect(sopClass.transferSyntaxes == expected, "\(sopClass.name)")
        }
    }

    @Test(
        "record types named by PS3.3 Annex F",
        arguments: [
            ("1.2.840.10008.5.1.4.1.1.66.4", DirectoryRecordType.image),  // Segmentation
            ("1.2.840.10008.5.1.4.1.1.30", .image),  // Parametric Map
            ("1.2.840.10008.5.1.4.1.1.66.5", .surface),  // Surface Segmentation
            ("1.2.840.10008.5.1.4.1.1.68.1", .surfaceScan),  // Surface Scan Mesh
            ("1.2.840.10008.5.1.4.1.1.66.6", .tract),  // Tractography Results
            ("1.2.840.10008.5.1.4.1.1.90.1", .assessment),  // Content Assessment Results
            ("1.2.840.10008.5.1.4.1.1.104.3", .encapDoc),  // Encapsulated STL
            ("1.2.840.10008.5.1.4.1.1.481.12", .radiotherapy),  // RT Radiation Set
            ("1.2.840.10008.5.1.4.1.1.481.22", .radiotherapy),  // RT Treatment Preparation
            ("1.2.840.10008.5.1.4.34.7", .plan),  // RT Beams Delivery Instruction
            ("1.2.840.10008.5.1.4.1.1.481.8", .rtPlan),  // RT Ion Plan
            ("1.2.840.10008.5.1.4.1.1.481.9", .rtTreatRecord),  // RT Ion Beams Treatment Record
            ("1.2.840.10008.5.1.4.1.1.131", .presentation),  // Basic Structured Display
            ("1.2.840.10008.5.1.4.1.1.78.6", .srDocument),  // Spectacle Prescription Report
            ("1.2.840.10008.5.1.4.1.1.78.1", .measurement),  // Lensometry Measurements
            ("1.2.840.10008.5.1.4.1.1.66.3", .registration),  // Deformable Spatial Registration
            ("1.2.840.10008.5.1.4.1.1.67", .valueMap),  // Real World Value Mapping
            ("1.2.840.10008.5.1.4.1.1.91.1", .annotation),  // Microscopy Bulk Simple Annotations
        ])
    func recordTypes(_ uid: String, _ expected: DirectoryRecordType) throws {
        let sopClass = try #require(SOPClassTable.sopClass(uid: uid, includingExtended: true))

        #expect(sopClass.recordType == expected)
    }

    @Test("classes without patient or record left out")
    func classesLeftOut() {
        let leftOut = [
            "1.2.840.10008.5.1.4.38.1",  // Hanging Protocol
            "1.2.840.10008.5.1.4.39.1",  // Color Palette
            "1.2.840.10008.5.1.4.43.1",  // Generic Implant Template
            "1.2.840.10008.5.1.4.1.1.200.1",  // CT Defined Procedure Protocol
            "1.2.840.10008.5.1.4.1.1.200.2",  // CT Performed Procedure Protocol
            "1.2.840.10008.5.1.4.1.1.200.8",  // XA Performed Procedure Protocol
        ]
        for uid in leftOut {
            #expect(SOPClassTable.sopClass(uid: uid, includingExtended: true) == nil, "\(uid)")
        }
    }

    @Test("extended classes found only on request")
    func lookupIncludesExtendedOnRequest() {
        let segmentation = "1.2.840.10008.5.1.4.1.1.66.4"

        #expect(SOPClassTable.sopClass(uid: segmentation) == nil)
        #expect(SOPClassTable.sopClass(uid: segmentation, includingExtended: true) != nil)
        #expect(
            SOPClassTable.sopClass(uid: "1.2.840.10008.5.1.4.1.1.2", includingExtended: true) != nil
        )
    }

    @Test("presentation table off by default")
    func presentationTableDefault() {
        let lines = SOPClassTable.presentationTable.split(separator: "\n")

        #expect(
            SOPClassTable.presentationTable
                == SOPClassTable.presentationTable(includingExtended: false))
        #expect(lines.count == SOPClassTable.all.count)
        #expect(!SOPClassTable.presentationTable.contains("1.2.840.10008.5.1.4.1.1.66.4\t"))
    }

    @Test("presentation table with the extended set")
    func presentationTableExtended() {
        let table = SOPClassTable.presentationTable(includingExtended: true)
        let lines = table.split(separator: "\n").map(String.init)

        #expect(lines.count == SOPClassTable.all.count + SOPClassTable.extended.count)
        #expect(
            lines.contains(
                "1.2.840.10008.5.1.4.1.1.66.4\t1.2.840.10008.1.2.1\t1.2.840.10008.1.2\t"
                    + "1.2.840.10008.1.2.4.70\t1.2.840.10008.1.2.5"))
        #expect(
            lines.contains("1.2.840.10008.5.1.4.1.1.66.6\t1.2.840.10008.1.2.1\t1.2.840.10008.1.2"))
    }
}
