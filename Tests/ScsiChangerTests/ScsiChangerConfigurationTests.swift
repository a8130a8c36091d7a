import MediaCenterCore
import ScsiChanger
import Testing

@Suite struct ScsiChangerConfigurationTests {
    static let valid = ScsiChangerConfiguration(
        name: "changer0",
        input: [.init(.storage, first: 0x1000, count: 10)],
        output: [.init(.storage, first: 0x1010, count: 5)],
        reject: [.init(.importExport, first: 0x0010, count: 1)],
        drives: [.init(name: "sr0", address: 0x01F4), .init(name: "sr1", address: 0x01F5)])

    @Test func validConfigurationPasses() throws {
        try Self.valid.validate()
    }

    @Test func invalidConfigurationsAreNamed() {
        var overlap = Self.valid
        overlap.output = [.init(.storage, first: 0x1009, count: 2)]
        var emptyBin = Self.valid
        emptyBin.reject = []
        var wrongType = Self.valid
        wrongType.input = [.init(.dataTransfer, first: 0x01F4, count: 1)]
        var pastEnd = Self.valid
        pastEnd.output = [.init(.storage, first: 0xFFFF, count: 2)]
        var sameDrive = Self.valid
        sameDrive.drives = [.init(name: "sr0", address: 1), .init(name: "sr0", address: 2)]
        var sameElement = Self.valid
        sameElement.drives = [.init(name: "sr0", address: 1), .init(name: "sr1", address: 1)]
        var noDrive = Self.valid
        noDrive.drives = []
        var emptyRange = Self.valid
        emptyRange.input.append(.init(.storage, first: 0x1020, count: 0))
        var driveInBin = Self.valid
        driveInBin.drives = [.init(name: "sr0", address: 0x1001)]

        let cases: [(ScsiChangerConfiguration, String)] = [
            (overlap, "element 1009h of changer changer0 is in both the input and the output"),
            (emptyBin, "the reject bin of changer changer0 has no slots"),
            (wrongType, "has a range of data transfer elements"),
            (pastEnd, "runs past the last element address FFFFh"),
            (sameDrive, "two drives of one name"),
            (sameElement, "two drives at one data transfer element"),
            (noDrive, "has no drive"),
            (emptyRange, "the input bin range from 1020h of changer changer0 has 0 elements"),
            (driveInBin, "element 1001h of changer changer0 is both drive sr0 and a slot"),
        ]
        for (configuration, text) in cases {
            let error = #expect(throws: MediaCenterError.self) { try configuration.validate() }
            #expect(error?.code == .invalidConfiguration)
            #expect(error?.message.contains(text) == true, "\(error?.message ?? "")")
        }
    }
}
