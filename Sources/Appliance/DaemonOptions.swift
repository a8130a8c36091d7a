import Foundation
import MediaCenterCore

/// The daemon's command line: the configuration file to read, and the settings given as
/// options, which override those of the file.
public struct DaemonOptions: Sendable, Equatable {
    /// The file given with `--config`; nil reads `Configuration.defaultFilePath` when it
    /// exists.
    public var configurationFile: String?
    /// The settings given as options, in command-line order, each checked already.
    public var settings: [ConfigurationSetting]

    /// Makes a command line without options.
    public init(configurationFile: String? = nil, settings: [ConfigurationSetting] = []) {
        self.configurationFile = configurationFile
        self.settings = settings
    }

    /// The result of parsing the command line.
    public enum Parsed: Equatable, Sendable {
        /// Run the daemon with these options.
        case run(DaemonOptions)
        /// Print the configuration these options give, as a configuration file, and exit.
        case printConfiguration(DaemonOptions)
        case help
        case version
    }

    /// Parses `arguments` (without the program name). An option's value follows it as the
    /// next argument or after `=`, as in `--port=11112`. When an option is given twice,
    /// the last one counts.
    /// - Throws: `ConfigurationError` naming the option, the value and what is allowed.
    public static func parse(_ arguments: [String]) throws -> Parsed {
        var options = DaemonOptions()
        var printsConfiguration = false
        var remaining = arguments[...]

        while let argument = remaining.popFirst() {
            var option = argument
            var attachedValue: String?
            if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
                option = String(argument[..<equals])
                attachedValue = String(argument[argument.index(after: equals)...])
            }
            func value() throws -> String {
                guard let text = attachedValue ?? remaining.popFirst() else {
                    throw ConfigurationError(problems: [
                        "missing value for \(option); see mediacenterd --help"
                    ])
                }
                return text
            }

            switch option {
            case "--help", "-h":
                return .help
            case "--version":
                return .version
            case "--print-config":
                printsConfiguration = true
            case "--config":
                let path = try value()
                guard !path.isEmpty else {
                    throw ConfigurationError(problems: [
                        "option --config \"\": expected the path of a configuration file"
                    ])
                }
                options.configurationFile = path
            default:
                guard let key = ConfigurationKey.forOption(option) else {
                    throw ConfigurationError(problems: [unknownOptionMessage(option)])
                }
                let setting = ConfigurationSetting(
                    key: key, value: try value().trimmingCharacters(in: .whitespaces),
                    source: .option(option))
                // Checked here so that a wrong option is reported before any file is read.
                var check = Configuration()
                try check.apply([setting])
                options.settings.append(setting)
            }
        }
        return printsConfiguration ? .printConfiguration(options) : .run(options)
    }

    /// Reads the configuration file and applies the options over it: built-in defaults,
    /// then the file, then the options.
    /// - Parameter defaultFilePath: The file read when `--config` was not given; its
    ///   absence is fine.
    /// - Throws: `ConfigurationError` when the file given with `--config` is missing, when
    ///   a file cannot be read, or when it has invalid lines or values.
    public func loadConfiguration(
        defaultFilePath: String = Configuration.defaultFilePath
    ) throws -> LoadedConfiguration {
        let path = configurationFile ?? defaultFilePath
        let fileSettings = try ConfigurationFile.read(
            path, missingIsFine: configurationFile == nil)

        var configuration = Configuration()
        if let fileSettings {
            try configuration.apply(fileSettings)
        }
        try configuration.apply(settings)
        try configuration.checkKeysTogether()
        var sources: [String: ConfigurationSetting.Source] = [:]
        for setting in (fileSettings ?? []) + settings {
            sources[setting.key.name] = setting.source
        }
        return LoadedConfiguration(
            configuration: configuration, filePath: fileSettings == nil ? nil : path,
            sources: sources, editablePath: path)
    }

    /// The usage text of `mediacenterd --help`, with one entry per configuration key.
    public static var usage: String {
        var lines = [
            "Usage: mediacenterd [--config FILE] [options]",
            "",
            "Receives DICOM images (C-STORE) and burns each patient to a verified disc.",
            "",
            "Settings come from the built-in defaults, then the configuration file, then the",
            "options below, each of which overrides the file's key of the same name.",
            "",
        ]
        lines += usageEntry(
            "--config FILE",
            "read settings from FILE, which must exist; without this option, "
                + "\(Configuration.defaultFilePath) is read when it exists")
        lines += usageEntry(
            "--print-config",
            "print the configuration that results from the file and the options, as a "
                + "configuration file, and exit")
        lines += usageEntry("--help", "show this text")
        lines += usageEntry("--version", "show the version")

        lines += ["", "Settings (option, then the key in the configuration file):"]
        for key in ConfigurationKey.all {
            let aliases = key.aliases.map { ", \($0)" }.joined()
            var text =
                "\(key.name): \(key.summary). Allowed: \(key.allowed). Default: "
                + "\(key.defaultDescription)."
            if !key.inEffect {
                text += " Not in effect yet: checked but ignored."
            }
            if key.reloads {
                text += " SIGHUP applies a change."
            }
            lines += usageEntry("\(key.option)\(aliases) \(key.placeholder)", text)
        }
        return lines.joined(separator: "\n")
    }

    /// Formats one entry of the usage text: the option from column 3 and its description
    /// from column 34, wrapped to 80 columns. A long option gets a line of its own.
    private static func usageEntry(_ option: String, _ text: String) -> [String] {
        let indent = String(repeating: " ", count: 33)
        let wrapped = wrapWords(text, width: 80 - indent.count)
        let head = "  " + option
        var lines: [String] = []
        if head.count < indent.count - 1 {
            let padding = String(repeating: " ", count: indent.count - head.count)
            lines.append(head + padding + (wrapped.first ?? ""))
            lines += wrapped.dropFirst().map { indent + $0 }
        } else {
            lines.append(head)
            lines += wrapped.map { indent + $0 }
        }
        return lines
    }

    private static func unknownOptionMessage(_ option: String) -> String {
        var message = "unknown option \(String(reflecting: option))"
        let options =
            ["--config", "--print-config", "--help", "--version"]
            + ConfigurationKey.all.flatMap { [$0.option] + $0.aliases }
        if let suggestion = closestMatch(to: option, among: options) {
            message += "; did you mean \(suggestion)?"
        } else {
            message += "; see mediacenterd --help"
        }
        return message
    }
}

/// The configuration the daemon runs with, and the file it came from.
public struct LoadedConfiguration: Sendable, Equatable {
    public var configuration: Configuration
    /// The configuration file that was read; nil when there was none.
    public var filePath: String?
    /// The source of each key that is not at its default, by key name. The last setting
    /// of a key wins, so an option shows over the file.
    public var sources: [String: ConfigurationSetting.Source]
    /// The file that `mediacenterctl config set` edits: the one given with `--config`, or
    /// the default path, which it creates when missing.
    public var editablePath: String

    /// Makes a loaded configuration.
    public init(
        configuration: Configuration, filePath: String?,
        sources: [String: ConfigurationSetting.Source] = [:],
        editablePath: String = Configuration.defaultFilePath
    ) {
        self.configuration = configuration
        self.filePath = filePath
        self.sources = sources
        self.editablePath = editablePath
    }
}
