import Appliance
import DiscBurner
import FileSetBuilder
import MediaCenterCore
import MediaHardware
import Testing

/// The values each key accepts and rejects, through the configuration file and through its
/// command-line option.
@Suite struct ConfigurationKeyTests {
    /// A key, values it accepts with the value `--print-config` then shows, and values it
    /// rejects. The first and last accepted numbers are the bounds; the first two rejected
    /// ones lie just outside them.
    struct Case: Sendable, CustomTestStringConvertible {
        let key: String
        let accepted: [(value: String, shown: String)]
        let rejected: [String]

        var testDescription: String { key }
    }

    static func bounds(_ key: String, _ range: ClosedRange<Int>) -> Case {
        Case(
            key: key,
            accepted: [
                ("\(range.lowerBound)", "\(range.lowerBound)"),
                ("\(range.upperBound)", "\(range.upperBound)"),
            ],
            rejected: ["\(range.lowerBound - 1)", "\(range.upperBound + 1)", "abc", "+5", "5.0"])
    }

    static let onOffValues: [(value: String, shown: String)] = [
        ("on", "on"), ("OFF", "off"), ("Yes", "on"), ("no", "off"), ("TRUE", "on"),
        ("false", "off"),
    ]

    static let sixteenTitles = (1...16).map { "T\($0)" }.joined(separator: ",")
    static let seventeenTitles = (1...17).map { "T\($0)" }.joined(separator: ",")

    static let cases: [Case] = [
        Case(
            key: "data_dir",
            accepted: [("/", "/"), ("/srv/media center", "/srv/media center")],
            rejected: ["", "/srv/a\u{7}b"]),
        Case(
            key: "ae_titles",
            accepted: [
                ("A", "A"), ("ABCDEFGHIJKLMNOP", "ABCDEFGHIJKLMNOP"),
                (sixteenTitles, sixteenTitles), (" FIRST , SECOND ", "FIRST,SECOND"),
                ("BURNER 2", "BURNER 2"),
            ],
            rejected: [
                "", "ABCDEFGHIJKLMNOPQ", seventeenTitles, "A,A", "A\\B", "A,,B", "A,", "A, ,B",
                "CAF\u{C9}",
            ]),
        bounds("port", 1...65535),
        Case(
            key: "bind_address",
            accepted: [("127.0.0.1", "127.0.0.1"), ("::1", "::1"), ("0.0.0.0", "0.0.0.0")],
            rejected: ["localhost", "256.0.0.1", "", "127.0.0.1:104"]),
        bounds("max_associations", 1...1000),
        bounds("max_pdu_size", 4096...131072),
        bounds("association_timeout", 1...3600),
        bounds("dimse_timeout", 1...3600),
        Case(key: "access_control", accepted: onOffValues, rejected: ["1", "enabled", ""]),
        Case(key: "extended_sop_classes", accepted: onOffValues, rejected: ["0", "y", ""]),
        Case(
            key: "transcode_to",
            accepted: [
                ("none", "none"), ("NONE", "none"),
                ("1.2.840.10008.1.2.1", "1.2.840.10008.1.2.1"),
                ("1.2.840.10008.1.2", "1.2.840.10008.1.2"),
            ],
            rejected: [
                "1.2.840.10008.1.2.4.70", "1.2.840.10008.1.2.5", "1.2.840.10008.1.2.2",
                "explicit", "",
            ]),
        bounds("spool_high_water", 1...99),
        // Values from 90 up are in range but not below the default spool_high_water.
        Case(
            key: "spool_low_water", accepted: [("0", "0"), ("89", "89")],
            rejected: ["-1", "99", "abc", "+5", "5.0"]),
        bounds("retention_days", 0...3650),
        bounds("retention_interval", 1...86400),
        bounds("completion_timeout", 1...86400),
        Case(
            key: "virtual_media",
            accepted: [
                ("cd-r", "cd-r"), ("CD-RW", "cd-rw"), ("dvd-r", "dvd-r"), ("dvd+r", "dvd+r"),
                ("dvd-rw", "dvd-rw"), ("dvd+rw", "dvd+rw"), ("bd-r", "bd-r"), ("BD-RE", "bd-re"),
            ],
            rejected: ["cd", "dvd", "unknown", "dvd-ram", ""]),
        bounds("virtual_disc_capacity", 1...1_000_000),
        bounds("virtual_drives", 1...8),
        Case(
            key: "drives",
            // optical is accepted only with changer = manual, which the end-to-end tests use.
            accepted: [("virtual", "virtual"), ("VIRTUAL", "virtual")],
            rejected: ["sr0", ""]),
        Case(
            key: "changer",
            accepted: [("simulated", "simulated"), ("manual", "manual"), ("MANUAL", "manual")],
            rejected: ["robot", ""]),
        Case(
            key: "media_profile",
            accepted: [("auto", "auto"), ("AUTO", "auto"), ("STD-GEN-CD", "STD-GEN-CD"),
                ("std-gen-cd", "STD-GEN-CD")],
            rejected: ["STD-GEN-DVD-JPEG", "STD-GEN-BD-JPEG", "cd", ""]),
        Case(key: "blank_rewritable", accepted: onOffValues, rejected: ["1", "erase", ""]),
        Case(
            key: "simulated_supply",
            accepted: [
                ("blank", "blank"),
                ("written, write-error,VERIFY-ERROR", "written,write-error,verify-error"),
            ],
            rejected: ["", "blank,", "scratched", "write_error"]),
        bounds("max_consecutive_rejects", 1...20),
        Case(
            key: "label_institution",
            accepted: [
                ("", ""), ("St. Mary's & <General>", "St. Mary's & <General>"),
                ("PACS#1", "PACS#1"), ("大学病院", "大学病院"),
                (String(repeating: "x", count: 64), String(repeating: "x", count: 64)),
            ],
            rejected: [String(repeating: "x", count: 65), "General\u{7}Hospital"]),
        Case(
            key: "consistency_flag",
            accepted: [("0000", "0000"), ("FFFF", "FFFF"), ("ffff", "FFFF")],
            rejected: ["0001", "FFFE", "0xFFFF", "0", ""]),
        Case(
            key: "log_level",
            accepted: [
                ("error", "error"), ("warning", "warning"), ("notice", "notice"),
                ("info", "info"), ("debug", "debug"), ("DEBUG", "debug"),
            ],
            rejected: ["loud", "warn", ""]),
        Case(
            key: "viewer_folder",
            accepted: [("", ""), ("/opt/viewer", "/opt/viewer")],
            rejected: ["viewer", "./viewer", "/opt/vi\u{7}ewer"]),
        Case(
            key: "viewer_autorun",
            accepted: [("", ""), ("VIEWER.EXE", "VIEWER.EXE"), ("BIN/START", "BIN/START")],
            rejected: ["/VIEWER.EXE", "viewer.exe", "BIN\\VIEWER.EXE", "../X.EXE", "A//B.EXE"]),
        Case(
            key: "panel",
            // gpio is accepted only with panel_board, which the panel tests set.
            accepted: [("simulated", "simulated"), ("SIMULATED", "simulated")],
            rejected: ["", "libgpiod", "sim"]),
        Case(
            key: "panel_board",
            accepted: [
                ("", ""), ("/etc/mediacenter/board.conf", "/etc/mediacenter/board.conf"),
                ("board/raspberry-pi-4.conf", "board/raspberry-pi-4.conf"),
            ],
            rejected: ["/etc/board\u{7}.conf"]),
        Case(
            key: "panel_fallback",
            accepted: [("simulated", "simulated"), ("none", "none"), ("NONE", "none")],
            rejected: ["", "stop", "off"]),
        Case(
            key: "burn_speed", accepted: [("max", "max"), ("MAX", "max"), ("16", "16")],
            rejected: ["0", "65", "fast", "16x"]),
        Case(
            key: "scsi_changer_device",
            accepted: [("", ""), ("/dev/sg3", "/dev/sg3")],
            rejected: ["sg3", "/dev/sg 3"]),
        Case(
            key: "scsi_changer_input",
            accepted: [
                ("", ""), ("slot:1-50", "slot:1-50"), ("slot:0x1000-0x1001", "slot:4096-4097"),
                ("mail:10", "mail:10-10"), ("slot:1-2,mail:3-4", "slot:1-2,mail:3-4"),
            ],
            rejected: ["1-50", "drawer:1-2", "slot:5-1", "slot:x", "slot:70000"]),
        Case(
            key: "scsi_changer_output", accepted: [("mail:20-21", "mail:20-21")],
            rejected: ["mail:"]),
        Case(
            key: "scsi_changer_reject", accepted: [("slot:30", "slot:30-30")],
            rejected: ["slot:30-"]),
        Case(
            key: "scsi_changer_drives",
            accepted: [
                ("", ""), ("/dev/sr0=256", "/dev/sr0=256"),
                ("/dev/sr0=0x100,/dev/sr1=257", "/dev/sr0=256,/dev/sr1=257"),
            ],
            rejected: ["sr0=256", "/dev/sr0", "/dev/sr0=x"]),
        Case(
            key: "engineers_group",
            accepted: [("wheel", "wheel"), ("field.eng_2", "field.eng_2")],
            rejected: ["", "-x", "a b", "grüppe", String(repeating: "g", count: 33)]),
    ]

    /// Parses `key = value` as the only line of a configuration file.
    static func parseFileLine(_ key: String, _ value: String) throws -> Configuration {
        var configuration = Configuration()
        let settings = try ConfigurationFile.parse(
            Array("\(key) = \(value)\n".utf8), path: "test.conf")
        try configuration.apply(settings)
        return configuration
    }

    /// Parses the option of `key` with `value`, with no configuration file.
    static func parseOption(_ key: ConfigurationKey, _ value: String) throws -> Configuration {
        guard case .run(let options) = try DaemonOptions.parse([key.option, value]) else {
            throw ConfigurationError(problems: ["expected options to run with"])
        }
        return try options.loadConfiguration(defaultFilePath: "/nonexistent/mediacenter.conf")
            .configuration
    }

    @Test func casesCoverEveryKey() {
        #expect(Self.cases.map(\.key) == ConfigurationKey.all.map(\.name))
    }

    @Test(arguments: cases)
    func acceptedValuesAreStored(_ testCase: Case) throws {
        let key = try #require(ConfigurationKey.named(testCase.key))

        for (value, shown) in testCase.accepted {
            let fromFile = try Self.parseFileLine(key.name, value)
            let fromOption = try Self.parseOption(key, value)

            #expect(key.value(in: fromFile) == shown, "file value \(value)")
            #expect(key.value(in: fromOption) == shown, "option value \(value)")
        }
    }

    @Test(arguments: cases)
    func rejectedValuesNameKeyValueAndRange(_ testCase: Case) throws {
        let key = try #require(ConfigurationKey.named(testCase.key))

        for value in testCase.rejected {
            let fileError = #expect(throws: ConfigurationError.self, "file value \(value)") {
                try Self.parseFileLine(key.name, value)
            }
            let fileMessage = fileError?.description ?? ""
            #expect(fileMessage.hasPrefix("test.conf:1: key \"\(key.name)\" = "))
            #expect(fileMessage.contains(String(reflecting: value)))
            #expect(fileMessage.hasSuffix("expected \(key.allowed)"))

            let optionError = #expect(throws: ConfigurationError.self, "option value \(value)") {
                try Self.parseOption(key, value)
            }
            let optionMessage = optionError?.description ?? ""
            #expect(optionMessage.contains(key.option))
            #expect(optionMessage.contains(String(reflecting: value)))
            #expect(optionMessage.hasSuffix("expected \(key.allowed)"))
        }
    }

    @Test func capacityDefaultFollowsVirtualMedia() throws {
        let media: [(String, Int)] = [("cd-rw", 700), ("dvd+r", 4482), ("bd-re", 23866)]
        for (name, capacity) in media {
            let configuration = try Self.parseFileLine("virtual_media", name)
            #expect(configuration.virtualDiscCapacityMiB == capacity, "\(name)")
        }

        let text = "virtual_disc_capacity = 700\nvirtual_media = dvd-r\n"
        var configuration = Configuration()
        try configuration.apply(ConfigurationFile.parse(Array(text.utf8), path: "test.conf"))
        #expect(configuration.virtualDiscCapacityMiB == 700)
        #expect(configuration.virtualMedia == .dvdr)
    }

    @Test func defaultsMatchTheProduct() {
        let configuration = Configuration()

        #expect(configuration.dataDirectory == "/var/lib/mediacenter")
        #expect(configuration.aeTitles == ["CDP_PRINTER"])
        #expect(configuration.port == 104)
        #expect(configuration.bindAddress == "0.0.0.0")
        #expect(configuration.maxAssociations == 5)
        #expect(configuration.maxPDUSize == 16384)
        #expect(configuration.associationTimeout == 10)
        #expect(configuration.dimseTimeout == 30)
        #expect(configuration.accessControl == true)
        #expect(configuration.extendedSOPClasses == false)
        #expect(configuration.transcodeTo == nil)
        #expect(configuration.spoolHighWater == 90)
        #expect(configuration.completionTimeout == 60)
        #expect(configuration.virtualDiscCapacityMiB == 700)
        #expect(configuration.consistencyFlag == .noKnownInconsistencies)
        #expect(configuration.logLevel == .info)
    }

    @Test func defaultValuesAreFormattedAsInTheFile() {
        let expected = [
            "data_dir": "/var/lib/mediacenter", "ae_titles": "CDP_PRINTER", "port": "104",
            "bind_address": "0.0.0.0", "max_associations": "5", "max_pdu_size": "16384",
            "association_timeout": "10", "dimse_timeout": "30", "access_control": "on",
            "extended_sop_classes": "off", "transcode_to": "none", "spool_high_water": "90",
            "spool_low_water": "80", "retention_days": "7", "retention_interval": "300",
            "completion_timeout": "60", "virtual_media": "cd-r", "virtual_disc_capacity": "700",
            "media_profile": "auto", "blank_rewritable": "off", "virtual_drives": "2",
            "changer": "simulated", "drives": "virtual", "burn_speed": "max",
            "scsi_changer_device": "",
            "scsi_changer_input": "", "scsi_changer_output": "", "scsi_changer_reject": "",
            "scsi_changer_drives": "",
            "simulated_supply": "blank", "max_consecutive_rejects": "3", "label_institution": "",
            "consistency_flag": "0000", "log_level": "info", "viewer_folder": "",
            "viewer_autorun": "", "panel": "simulated", "panel_board": "",
            "panel_fallback": "simulated", "engineers_group": "mediacenter-engineers",
        ]

        for key in ConfigurationKey.all {
            #expect(key.defaultValue == expected[key.name], "\(key.name)")
        }
        #expect(ConfigurationKey.all.count == expected.count)
    }

    @Test func storedValuesReachTheirProperties() throws {
        let text = """
            data_dir = /srv/mediacenter
            ae_titles = FIRST,SECOND
            port = 11112
            bind_address = ::1
            max_associations = 7
            max_pdu_size = 65536
            association_timeout = 11
            dimse_timeout = 31
            access_control = off
            extended_sop_classes = on
            transcode_to = 1.2.840.10008.1.2
            spool_high_water = 80
            completion_timeout = 61
            virtual_disc_capacity = 4700
            simulated_supply = written,blank
            max_consecutive_rejects = 5
            consistency_flag = FFFF
            log_level = debug
            panel = gpio
            panel_board = /etc/mediacenter/board.conf
            panel_fallback = none
            engineers_group = wheel
            """
        var configuration = Configuration()
        try configuration.apply(ConfigurationFile.parse(Array(text.utf8), path: "test.conf"))

        #expect(configuration.dataDirectory == "/srv/mediacenter")
        #expect(configuration.aeTitles == ["FIRST", "SECOND"])
        #expect(configuration.port == 11112)
        #expect(configuration.bindAddress == "::1")
        #expect(configuration.maxAssociations == 7)
        #expect(configuration.maxPDUSize == 65536)
        #expect(configuration.associationTimeout == 11)
        #expect(configuration.dimseTimeout == 31)
        #expect(configuration.accessControl == false)
        #expect(configuration.extendedSOPClasses == true)
        #expect(configuration.transcodeTo == .implicitVRLittleEndian)
        #expect(configuration.spoolHighWater == 80)
        #expect(configuration.completionTimeout == 61)
        #expect(configuration.virtualDiscCapacityMiB == 4700)
        #expect(configuration.simulatedSupply == [.written, .blank])
        #expect(configuration.maxConsecutiveRejects == 5)
        #expect(configuration.consistencyFlag == .inconsistenciesMayBePresent)
        #expect(configuration.logLevel == .debug)
        #expect(configuration.panel == .gpio)
        #expect(configuration.panelBoard == "/etc/mediacenter/board.conf")
        #expect(configuration.panelFallback == PanelFallback.none)
        #expect(configuration.engineersGroup == "wheel")
    }

    @Test func storageSCPSettingsComeFromTheKeys() throws {
        var configuration = Configuration()
        configuration.aeTitles = ["FIRST", "SECOND"]
        configuration.bindAddress = "127.0.0.1"
        configuration.port = 11112
        configuration.maxAssociations = 7
        configuration.maxPDUSize = 65536
        configuration.associationTimeout = 11
        configuration.dimseTimeout = 31

        let scp = configuration.storageSCP

        #expect(scp.aeTitles == ["FIRST", "SECOND"])
        #expect(scp.bindAddress == "127.0.0.1")
        #expect(scp.port == 11112)
        #expect(scp.maxAssociations == 7)
        #expect(scp.maxPDUSize == 65536)
        #expect(scp.associationTimeout == 11)
        #expect(scp.dimseTimeout == 31)
        try scp.validate()
    }

    @Test func keysAndOptionsAreUnique() {
        let names = ConfigurationKey.all.map(\.name)
        let options = ConfigurationKey.all.flatMap { [$0.option] + $0.aliases }

        #expect(Set(names).count == names.count)
        #expect(Set(options).count == options.count)
    }
}

extension ConfigurationKeyTests {
    @Test func labelInstitutionOptionRejectsCommentMark() throws {
        let key = try #require(ConfigurationKey.named("label_institution"))

        let error = #expect(throws: ConfigurationError.self) {
            try Self.parseOption(key, "Clinic #2")
        }
        #expect(error?.description.contains("starts a comment") == true)
    }

    @Test func lowWaterFollowsHighWaterWhenNotSet() throws {
        let key = try #require(ConfigurationKey.named("spool_high_water"))

        let configuration = try Self.parseOption(key, "50")

        #expect(configuration.spoolLowWater == 40)
    }

    @Test func lowWaterNotBelowHighWaterIsRejected() throws {
        let arguments = ["--spool-high-water", "70", "--spool-low-water", "70"]
        guard case .run(let options) = try DaemonOptions.parse(arguments) else {
            Issue.record("expected options to run with")
            return
        }

        let error = #expect(throws: ConfigurationError.self) {
            try options.loadConfiguration(defaultFilePath: "/nonexistent/mediacenter.conf")
        }

        #expect(error?.description.contains("spool_low_water 70") == true)
        #expect(error?.description.contains("spool_high_water 70") == true)
    }
}
