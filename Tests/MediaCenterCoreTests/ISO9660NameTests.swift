import MediaCenterCore
import Testing

@Suite struct ISO9660NameTests {
    @Test func counterNamesArePaddedToEightCharacters() {
        #expect(ISO9660Name.make("P", 12) == "P0000012")
        #expect(ISO9660Name.make("ST", 1) == "ST000001")
        #expect(ISO9660Name.make("IMG", 99999) == "IMG99999")
    }

    @Test func madeNamesAreValid() {
        for number in [0, 1, 42, 999_999] {
            #expect(ISO9660Name.isValid(ISO9660Name.make("SE", number)))
        }
    }

    @Test(arguments: ["", "abc", "TOOLONGNAME", "A.B", "A/B", "..", "A*", "NAME;1", "É"])
    func invalidNamesAreRejected(_ name: String) {
        #expect(!ISO9660Name.isValid(name))
    }

    @Test(arguments: ["A", "DICOMDIR", "IM000001", "A_1"])
    func validNamesAreAccepted(_ name: String) {
        #expect(ISO9660Name.isValid(name))
    }
}
