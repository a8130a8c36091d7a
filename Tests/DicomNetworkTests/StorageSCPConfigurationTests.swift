import DicomNetwork
import MediaCenterCore
import Testing

extension DicomNetworkSuite {
    @Suite struct StorageSCPConfigurationTests {
        @Test func defaultsMatchTheProduct() throws {
            let configuration = StorageSCPConfiguration(aeTitles: ["CDP_PRINTER"])

            #expect(configuration.bindAddress == "0.0.0.0")
            #expect(configuration.port == 104)
            #expect(configuration.maxAssociations == 5)
            #expect(configuration.maxPDUSize == 16384)
            #expect(configuration.associationTimeout == 10)
            #expect(configuration.dimseTimeout == 30)
            try configuration.validate()
        }

        @Test func acceptsSeveralTitlesAndIPv6() throws {
            let configuration = StorageSCPConfiguration(
                aeTitles: ["CDP_PRINTER", "BURNER 2"], bindAddress: "::1", port: 0)

            try configuration.validate()
        }

        /// Each case: a change that makes the configuration invalid, and a part of the message.
        static let invalidCases: [(String, @Sendable (inout StorageSCPConfiguration) -> Void)] = [
            ("no AE title", { $0.aeTitles = [] }),
            (
                "\"ABCDEFGHIJKLMNOPQ\" has 17 characters; use 1 to 16",
                {
                    $0.aeTitles = ["ABCDEFGHIJKLMNOPQ"]
                }
            ),
            ("AE title \"\" has 0 characters", { $0.aeTitles = ["CDP_PRINTER", ""] }),
            ("contains a backslash", { $0.aeTitles = ["A\\B"] }),
            ("contains a backslash, a control character", { $0.aeTitles = ["J\u{E9}R\u{D4}ME"] }),
            ("is all spaces", { $0.aeTitles = ["   "] }),
            ("bind address \"localhost\" is not a numeric", { $0.bindAddress = "localhost" }),
            ("port 65536 is outside 0 to 65535", { $0.port = 65536 }),
            ("port -1 is outside", { $0.port = -1 }),
            ("maximum associations 0 is outside 1 to 1000", { $0.maxAssociations = 0 }),
            ("maximum PDU size 4095 bytes is outside 4096 to 131072", { $0.maxPDUSize = 4095 }),
            ("maximum PDU size 131073 bytes", { $0.maxPDUSize = 131073 }),
            ("association timeout 0 s is outside 1 to 3600 s", { $0.associationTimeout = 0 }),
            ("DIMSE timeout 3601 s is outside 1 to 3600 s", { $0.dimseTimeout = 3601 }),
        ]

        @Test(arguments: 0..<invalidCases.count)
        func invalidValueIsNamed(_ index: Int) throws {
            let (expected, change) = Self.invalidCases[index]
            var configuration = StorageSCPConfiguration(aeTitles: ["CDP_PRINTER"])
            change(&configuration)

            let error = #expect(throws: MediaCenterError.self) { try configuration.validate() }
            #expect(error?.code == .invalidConfiguration)
            #expect(error?.message.contains(expected) == true, "message: \(error?.message ?? "")")
        }
    }
}
