import Appliance
import Foundation
import TestSupport
import Testing

@Suite struct ConfigurationFileTests {
    /// The committed example file, `docs/mediacenter.conf`.
    static let documentedPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docs/mediacenter.conf").path

    static func parse(_ text: String) throws -> Configuration {
        var configuration = Configuration()
        try configuration.apply(ConfigurationFile.parse(Array(text.utf8), path: "test.conf"))
        return configuration
    }

    /// Returns the messages of the `ConfigurationError` that parsing `text` throws.
    static func problems(_ text: String) -> [String] {
        do {
            _ = try parse(text)
            return []
        } catch let error as ConfigurationError {
            return error.problems
        } catch {
            return ["unexpected error: \(error)"]
        }
    }

    @Test func committedFileEqualsPrintedDefaults() throws {
        let committed = try String(contentsOfFile: Self.documentedPath, encoding: .utf8)

        // On a mismatch, run: mediacenterd --print-config --config /dev/null >docs/mediacenter.conf
        #expect(committed == ConfigurationFile.format(Configuration()))
    }

    @Test func committedFileParsesToDefaults() throws {
        let settings = try ConfigurationFile.read(Self.documentedPath, missingIsFine: false)
        var configuration = Configuration()
        try configuration.apply(try #require(settings))

        // The file sets virtual_disc_capacity to the CD default, which then no longer
        // follows virtual_media, and spool_low_water, which no longer follows
        // spool_high_water.
        var defaults = Configuration()
        defaults.virtualDiscCapacityMiB = 700
        defaults.spoolLowWater = 80
        #expect(configuration == defaults)
        #expect(settings?.count == ConfigurationKey.all.count)
    }

    @Test func printedFileReadsBackEveryValue() throws {
        var configuration = Configuration()
        configuration.dataDirectory = "/srv/media center"
        configuration.aeTitles = ["FIRST", "BURNER 2"]
        configuration.port = 11112
        configuration.bindAddress = "::1"
        configuration.maxAssociations = 1000
        configuration.maxPDUSize = 131072
        configuration.associationTimeout = 1
        configuration.dimseTimeout = 3600
        configuration.accessControl = false
        configuration.extendedSOPClasses = true
        configuration.transcodeTo = .explicitVRLittleEndian
        configuration.spoolHighWater = 99
        configuration.spoolLowWater = 0
        configuration.retentionDays = 3650
        configuration.retentionInterval = 1
        configuration.completionTimeout = 86400
        configuration.virtualDiscCapacityMiB = 1
        configuration.consistencyFlag = .inconsistenciesMayBePresent
        configuration.logLevel = .warning

        let text = ConfigurationFile.format(configuration)

        #expect(try Self.parse(text) == configuration)
    }

    @Test func printedFileCommentsEveryKey() {
        let lines = ConfigurationFile.format(Configuration()).split(separator: "\n")

        for key in ConfigurationKey.all {
            let index = lines.firstIndex {
                $0.hasPrefix("\(key.name) = ") || $0 == "\(key.name) ="
            }
            let above = index.map { lines[$0 - 1] } ?? ""
            #expect(index != nil, "\(key.name) is missing")
            #expect(above.hasPrefix("# "), "\(key.name) has no comment above it")
        }
        #expect(lines.allSatisfy { $0.count <= 79 })
    }

    @Test func commentAfterValueIsDropped() throws {
        let configuration = try Self.parse(
            "ae_titles = PACS#1, WARD3 # ward 3\ndata_dir = /srv/mc\t# on the SSD\nport = 11112 #\n"
        )

        #expect(configuration.aeTitles == ["PACS#1", "WARD3"])
        #expect(configuration.dataDirectory == "/srv/mc")
        #expect(configuration.port == 11112)
    }

    @Test func commentsBlankLinesAndSpacesAreIgnored() throws {
        let text =
            "\u{FEFF}# a comment\r\n\r\n   # indented comment\n\t port\t=  11112  \r\n"
            + "ae_titles=FIRST\n"

        let configuration = try Self.parse(text)

        #expect(configuration.port == 11112)
        #expect(configuration.aeTitles == ["FIRST"])
    }

    @Test func emptyFileGivesDefaults() throws {
        #expect(try Self.parse("") == Configuration())
        #expect(try Self.parse("\n# only a comment\n") == Configuration())
    }

    @Test func valueRunsFromFirstEqualsToComment() throws {
        let configuration = try Self.parse("data_dir = /srv/a=b#c # a comment\n")

        #expect(configuration.dataDirectory == "/srv/a=b#c")
    }

    @Test func invalidValueNamesFileLineKeyValueAndRange() {
        let problems = Self.problems("# settings\nport = 11112\nmax_pdu_size = 2\n")

        #expect(
            problems == [
                "test.conf:3: key \"max_pdu_size\" = \"2\": expected a whole number from 4096 "
                    + "to 131072"
            ])
    }

    @Test func invalidAETitlesNameTheReason() {
        let problems = Self.problems("ae_titles = FIRST, SECOND,FIRST\n")

        #expect(problems.count == 1)
        #expect(problems.first?.hasPrefix("test.conf:1: key \"ae_titles\"") == true)
        #expect(problems.first?.contains("\"FIRST\" is listed twice") == true)
        #expect(problems.first?.contains("1 to 16 AE titles") == true)
    }

    @Test func unknownKeyNamesLineAndClosestKey() {
        #expect(
            Self.problems("\nmax_pdu_sise = 16384\n")
                == ["test.conf:2: unknown key \"max_pdu_sise\"; did you mean \"max_pdu_size\"?"])
        #expect(
            Self.problems("prot = 11112\n")
                == ["test.conf:1: unknown key \"prot\"; did you mean \"port\"?"])
        #expect(
            Self.problems("max-pdu-size = 16384\n")
                == ["test.conf:1: unknown key \"max-pdu-size\"; did you mean \"max_pdu_size\"?"])
        #expect(
            Self.problems("ae_title = A\n")
                == ["test.conf:1: unknown key \"ae_title\"; did you mean \"ae_titles\"?"])
    }

    @Test func unknownKeyFarFromAnyGetsNoGuess() {
        let problems = Self.problems("colour = red\n")

        #expect(problems.count == 1)
        #expect(problems.first?.hasPrefix("test.conf:1: unknown key \"colour\"") == true)
        #expect(problems.first?.contains("did you mean") == false)
        #expect(problems.first?.contains("--print-config") == true)
    }

    @Test func duplicateKeyNamesBothLines() {
        let problems = Self.problems("port = 11112\n\n# again\nport = 11113\n")

        #expect(
            problems == [
                "test.conf:4: key \"port\" is set on line 1 and again on line 4; keep one of them"
            ])
    }

    @Test func lineWithoutEqualsIsNamed() {
        let problems = Self.problems("port = 11112\nport 11113\n")

        #expect(problems.count == 1)
        #expect(problems.first?.hasPrefix("test.conf:2: the line has no \"=\"") == true)
    }

    @Test func lineWithoutKeyIsNamed() {
        #expect(Self.problems(" = 11112\n") == ["test.conf:1: the line has no key before \"=\""])
    }

    @Test func invalidUTF8IsNamedByLine() throws {
        let bytes: [UInt8] = Array("port = 11112\ndata_dir = /srv/".utf8) + [0xFF, 0x0A]

        let error = #expect(throws: ConfigurationError.self) {
            try ConfigurationFile.parse(bytes, path: "test.conf")
        }

        #expect(
            error?.problems == ["test.conf:2: the line is not valid UTF-8; save the file as UTF-8"])
    }

    @Test func everyProblemIsReportedInLineOrder() {
        let problems = Self.problems("port = 0\ncolour = red\nport = 11112\nlog_level = loud\n")
        let locations = problems.map { $0.split(separator: ":").prefix(2).joined(separator: ":") }

        #expect(locations == ["test.conf:1", "test.conf:2", "test.conf:3", "test.conf:4"])
        #expect(problems.first?.contains("key \"port\" = \"0\"") == true)
        #expect(problems.dropFirst(1).first?.contains("unknown key \"colour\"") == true)
        #expect(problems.dropFirst(2).first?.contains("set on line 1 and again on line 3") == true)
        #expect(problems.dropFirst(3).first?.contains("key \"log_level\" = \"loud\"") == true)
    }

    @Test func missingFileIsAnErrorUnlessAllowed() throws {
        let folder = try TestFiles.makeTemporaryFolder("config")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/absent.conf"

        #expect(try ConfigurationFile.read(path, missingIsFine: true) == nil)
        let error = #expect(throws: ConfigurationError.self) {
            try ConfigurationFile.read(path, missingIsFine: false)
        }
        #expect(error?.description.contains(path) == true)
        #expect(error?.description.contains("No such file or directory") == true)
        #expect(error?.description.contains("--config") == true)
    }

    @Test func folderIsNotAFile() throws {
        let folder = try TestFiles.makeTemporaryFolder("config")
        defer { try? FileManager.default.removeItem(atPath: folder) }

        let error = #expect(throws: ConfigurationError.self) {
            try ConfigurationFile.read(folder, missingIsFine: true)
        }

        #expect(error?.description.contains("Is a directory") == true)
    }

    @Test func endlessFileIsRejected() {
        let error = #expect(throws: ConfigurationError.self) {
            try ConfigurationFile.read("/dev/zero", missingIsFine: false)
        }

        #expect(error?.description.contains("larger than 1024 KiB") == true)
    }
}
