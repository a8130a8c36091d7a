import MediaCenterCore
import ScsiChanger
import Testing

@Suite struct SenseDataTests {
    /// Fixed-format sense of a MOVE MEDIUM whose source element is empty.
    static let fixedSourceEmpty: [UInt8] = [
        0xF0,  // VALID and response code 70h (current, fixed)
        0x00,  // obsolete
        0x05,  // sense key 5: ILLEGAL REQUEST
        0x00, 0x00, 0x10, 0x00,  // information: 00001000h, the element address
        0x0A,  // additional sense length: 10 bytes follow
        0x00, 0x00, 0x00, 0x00,  // command-specific information
        0x3B,  // ASC
        0x0E,  // ASCQ: medium source element empty
        0x00,  // field replaceable unit code
        0x00, 0x00, 0x00,  // sense-key specific
    ]

    @Test func fixedFormatIsParsed() throws {
        let sense = try SenseData(parsing: Self.fixedSourceEmpty)
        #expect(sense.format == .fixed)
        #expect(sense.responseCode == 0x70)
        #expect(sense.isCurrent)
        #expect(sense.senseKey == .illegalRequest)
        #expect(sense.additionalSenseCode == 0x3B)
        #expect(sense.additionalSenseCodeQualifier == 0x0E)
        #expect(sense.isCondition(AdditionalSense.sourceElementEmpty))
        #expect(sense.information == 0x1000)
        #expect(
            sense.description
                == "ILLEGAL REQUEST, ASC/ASCQ 3Bh/0Eh (medium source element empty)")
    }

    @Test func deferredFixedFormatIsNotCurrent() throws {
        var bytes = Self.fixedSourceEmpty
        bytes[0] = 0x71  // deferred error, VALID off
        let sense = try SenseData(parsing: bytes)
        #expect(!sense.isCurrent)
        #expect(sense.information == nil)
    }

    @Test func informationIsBigEndian32Bits() throws {
        var bytes = Self.fixedSourceEmpty
        bytes[3...6] = [0x12, 0x34, 0x56, 0x78]
        #expect(try SenseData(parsing: bytes).information == 0x1234_5678)
    }

    @Test func shortFixedFormatHasNoASC() throws {
        // Only the 8-byte minimum: additional sense length 0.
        let bytes: [UInt8] = [0x70, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00]
        let sense = try SenseData(parsing: bytes)
        #expect(sense.senseKey == .unitAttention)
        #expect(sense.additionalSenseCode == 0)
        #expect(sense.additionalSenseCodeQualifier == 0)
    }

    @Test func descriptorFormatIsParsed() throws {
        let bytes: [UInt8] = [
            0x72,  // response code 72h (current, descriptor)
            0x02,  // sense key 2: NOT READY
            0x04,  // ASC
            0x02,  // ASCQ: initializing command required
            0x00, 0x00, 0x00,  // reserved
            0x0C,  // additional sense length: 12
            0x00,  // descriptor type 00h: information
            0x0A,  // additional length 10
            0x80,  // VALID
            0x00,  // reserved
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xF4,  // information: 01F4h
        ]
        let sense = try SenseData(parsing: bytes)
        #expect(sense.format == .descriptor)
        #expect(sense.isCurrent)
        #expect(sense.senseKey == .notReady)
        #expect(sense.isCondition(AdditionalSense.initializationRequired))
        #expect(sense.information == 0x01F4)
    }

    @Test func deferredDescriptorFormatWithoutDescriptors() throws {
        let bytes: [UInt8] = [
            0x73,  // response code 73h (deferred, descriptor)
            0x05,  // ILLEGAL REQUEST
            0x53, 0x02,  // medium removal prevented
            0x00, 0x00, 0x00,
            0x00,  // no descriptors
        ]
        let sense = try SenseData(parsing: bytes)
        #expect(!sense.isCurrent)
        #expect(sense.isCondition(AdditionalSense.mediumRemovalPrevented))
        #expect(sense.information == nil)
    }

    @Test func changerConditionsAreNamed() throws {
        let cases: [(UInt8, UInt8, UInt8, String)] = [
            (0x05, 0x3B, 0x0D, "medium destination element full"),
            (0x02, 0x04, 0x01, "becoming ready"),
            (0x02, 0x04, 0x02, "INITIALIZE ELEMENT STATUS required"),
            (0x05, 0x53, 0x02, "medium removal prevented"),
            (0x05, 0x21, 0x01, "invalid element address"),
        ]
        for (key, code, qualifier, text) in cases {
            let bytes: [UInt8] = [0x72, key, code, qualifier, 0, 0, 0, 0]
            let sense = try SenseData(parsing: bytes)
            #expect(sense.description.contains(text), "\(sense.description)")
        }
    }

    @Test func unknownResponseCodeThrows() {
        let error = #expect(throws: MediaCenterError.self) {
            try SenseData(parsing: [0x7F, 0x00, 0x05, 0, 0, 0, 0, 0])
        }
        #expect(error?.code == .parseFailure)
        #expect(error?.message.contains("7Fh") == true)
    }

    @Test func truncatedSenseThrows() {
        // The additional length announces the ASC and ASCQ, but the buffer stops before.
        let error = #expect(throws: MediaCenterError.self) {
            try SenseData(parsing: Array(Self.fixedSourceEmpty.prefix(12)))
        }
        #expect(error?.message.contains("sense data is truncated") == true)
        #expect(throws: MediaCenterError.self) { try SenseData(parsing: []) }
        #expect(throws: MediaCenterError.self) { try SenseData(parsing: [0x72, 0x05]) }
    }
}
