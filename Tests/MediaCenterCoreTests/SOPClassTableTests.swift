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
