import Appliance
import Foundation
import MediaCenterCore
import TestSupport
import Testing

@Suite struct DaemonOptionsTests {
    /// A default configuration path that does not exist, so no file on this machine counts.
    static let absentDefault = "/nonexistent/mediacenter.conf"

    /// Parses `arguments`, which must be a command line that runs the daemon.
    static func options(_ arguments: [String]) throws -> DaemonOptions {
        guard case .run(let options) = try DaemonOptions.parse(arguments) else {
            throw ConfigurationError(problems: ["\(arguments) does not run the daemon"])
        }
        return options
    }

    /// Writes `text` as a configuration file in a new temporary folder.
    static func writeFile(_ text: String) throws -> String {
        let path = try TestFiles.makeTemporaryFolder("config") + "/mediacenter.conf"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Removes the temporary folder that contains `path`.
    static func removeFolder(of path: String) {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try? FileManager.default.removeItem(atPath: folder)
    }

    @Test func noOptionsAndNoFileGiveDefaults() throws {
        let loaded = try Self.options([]).loadConfiguration(defaultFilePath: Self.absentDefault)

        #expect(loaded.configuration == Configuration())
        #expect(loaded.filePath == nil)
    }

    @Test func optionsAreParsed() throws {
        let options = try Self.options([
            "--data-dir", "/tmp/x", "--port", "11112", "--ae-titles", "BURNER,SECOND",
            "--completion-timeout", "5", "--virtual-disc-capacity", "10",
            "--dimse-timeout=45", "--consistency-flag", "FFFF",
        ])
        let configuration = try options.loadConfiguration(defaultFilePath: Self.absentDefault)
            .configuration

        #expect(configuration.dataDirectory == "/tmp/x")
        #expect(configuration.port == 11112)
        #expect(configuration.aeTitles == ["BURNER", "SECOND"])
        #expect(configuration.completionTimeout == 5)
        #expect(configuration.virtualDiscCapacityMiB == 10)
        #expect(configuration.dimseTimeout == 45)
        #expect(configuration.consistencyFlag == .inconsistenciesMayBePresent)
    }

    @Test func aeTitleIsAnAliasOfAETitles() throws {
        let configuration = try Self.options(["--ae-title", "BURNER"])
            .loadConfiguration(defaultFilePath: Self.absentDefault).configuration

        #expect(configuration.aeTitles == ["BURNER"])
    }

    @Test func lastOfARepeatedOptionCounts() throws {
        let configuration = try Self.options(["--port", "11112", "--port", "11113"])
            .loadConfiguration(defaultFilePath: Self.absentDefault).configuration

        #expect(configuration.port == 11113)
    }

    @Test func optionsOverrideTheFile() throws {
        let path = try Self.writeFile("port = 11112\ndimse_timeout = 45\nlog_level = debug\n")
        defer { Self.removeFolder(of: path) }

        let loaded = try Self.options(["--config", path, "--port", "11113", "--log-level", "error"])
            .loadConfiguration(defaultFilePath: Self.absentDefault)

        #expect(loaded.filePath == path)
        #expect(loaded.configuration.port == 11113)
        #expect(loaded.configuration.logLevel == .error)
        #expect(loaded.configuration.dimseTimeout == 45)
        #expect(loaded.configuration.maxPDUSize == 16384)
    }

    @Test func defaultFileIsReadWhenItExists() throws {
        let path = try Self.writeFile("completion_timeout = 7\n")
        defer { Self.removeFolder(of: path) }

        let loaded = try Self.options([]).loadConfiguration(defaultFilePath: path)

        #expect(loaded.filePath == path)
        #expect(loaded.configuration.completionTimeout == 7)
    }

    @Test func configOptionReplacesTheDefaultFile() throws {
        let defaultFile = try Self.writeFile("completion_timeout = 7\n")
        let configFile = try Self.writeFile("dimse_timeout = 45\n")
        defer {
            Self.removeFolder(of: defaultFile)
            Self.removeFolder(of: configFile)
        }

        let loaded = try Self.options(["--config", configFile])
            .loadConfiguration(defaultFilePath: defaultFile)

        #expect(loaded.filePath == configFile)
        #expect(loaded.configuration.completionTimeout == 60)
        #expect(loaded.configuration.dimseTimeout == 45)
    }

    @Test func missingConfigFileIsAnError() throws {
        let missing = try TestFiles.makeTemporaryFolder("config") + "/absent.conf"
        defer { Self.removeFolder(of: missing) }

        let error = #expect(throws: ConfigurationError.self) {
            try Self.options(["--config", missing])
                .loadConfiguration(defaultFilePath: Self.absentDefault)
        }

        #expect(error?.description.contains(missing) == true)
        #expect(error?.description.contains("No such file or directory") == true)
    }

    @Test func daemonExitsWith2ForMissingConfigFile() throws {
        let missing = try TestFiles.makeTemporaryFolder("config") + "/absent.conf"
        defer { Self.removeFolder(of: missing) }

        #expect(Daemon.run(["--config", missing]) == 2)
    }

    @Test func daemonExitsWith2ForInvalidFile() throws {
        let path = try Self.writeFile("max_pdu_size = 2\n")
        defer { Self.removeFolder(of: path) }

        #expect(Daemon.run(["--config", path]) == 2)
    }

    @Test(arguments: [
        (
            ["--port", "0"],
            "option --port \"0\" (key port): expected a whole number from 1 to 65535"
        ),
        (["--port", "70000"], "from 1 to 65535"),
        (["--port", "abc"], "\"abc\""),
        (["--ae-title", "THIS_TITLE_IS_TOO_LONG"], "1 to 16"),
        (["--ae-titles", "A\\B"], "backslash"),
        (["--completion-timeout", "0"], "from 1 to 86400"),
        (["--bind-address", "localhost"], "IPv4 or IPv6"),
        (["--log-level", "loud"], "debug"),
        (["--access-control", "maybe"], "on or off"),
        (["--port"], "missing value for --port"),
        (["--config"], "missing value for --config"),
        (["--config", ""], "path of a configuration file"),
        (["--frobnicate"], "unknown option \"--frobnicate\"; see mediacenterd --help"),
        (["--prot", "5"], "did you mean --port?"),
    ])
    func invalidOptionsNameValueAndFix(arguments: [String], expected: String) {
        let error = #expect(throws: ConfigurationError.self, "\(arguments)") {
            try DaemonOptions.parse(arguments)
        }

        #expect(error?.description.contains(expected) == true, "\(error?.description ?? "")")
    }

    @Test func helpVersionAndPrintConfigAreRecognised() throws {
        #expect(try DaemonOptions.parse(["--help"]) == .help)
        #expect(try DaemonOptions.parse(["--version"]) == .version)
        #expect(
            try DaemonOptions.parse(["--print-config", "--config", "/tmp/x.conf"])
                == .printConfiguration(DaemonOptions(configurationFile: "/tmp/x.conf")))
    }

    @Test func helpListsEveryKey() {
        let usage = DaemonOptions.usage

        for key in ConfigurationKey.all {
            #expect(usage.contains("  \(key.option)"), "\(key.option)")
            #expect(usage.contains("\(key.name): "), "\(key.name)")
            #expect(usage.contains("Default: \(key.defaultDescription)."), "\(key.name)")
        }
        #expect(usage.contains("--ae-title "))
        #expect(usage.contains("--config FILE"))
        #expect(usage.contains("--print-config"))
        #expect(usage.split(separator: "\n").allSatisfy { $0.count <= 80 })
    }
}
