import Foundation
import MediaCenterCore

/// The daemon's command-line options, with their defaults and allowed ranges.
public struct DaemonOptions: Sendable, Equatable {
    /// Folder for the database, the spool, the disc images and the control socket.
    public var dataDirectory = "/var/lib/mediacenter"
    /// The address the DICOM listener binds to; all interfaces by default.
    public var bindAddress = "0.0.0.0"
    public var port = 104
    public var aeTitle = "CDP_PRINTER"
    /// Seconds without a new instance after which a patient counts as finished.
    public var completionTimeout = 60
    public var maxAssociations = 5
    /// Capacity of each virtual disc, in MiB.
    public var virtualDiscCapacityMB = 700
    public var logLevel = LogLevel.info

    public init() {}

    /// The usage text of `mediacenterd --help`.
    public static let usage = """
        Usage: mediacenterd [options]

        Receives DICOM images (C-STORE) and burns each patient to a verified disc.

        Options:
          --data-dir DIR                 database, spool, disc images and control socket
                                         (default /var/lib/mediacenter)
          --port N                       DICOM listening port, 1-65535 (default 104)
          --bind-address ADDRESS         IPv4 address to listen on (default 0.0.0.0, all)
          --ae-title AET                 called AE title, 1-16 characters (default CDP_PRINTER)
          --completion-timeout SECONDS   idle time after which a patient is finished,
                                         1-86400 (default 60)
          --max-associations N           simultaneous associations, 1-64 (default 5)
          --virtual-disc-capacity MB     capacity of each virtual disc in MiB, 1-1000000
                                         (default 700, a CD)
          --log-level LEVEL              error, warning, notice, info or debug (default info)
          --help                         show this text
          --version                      show the version
        """

    /// The result of parsing the command line.
    public enum Parsed: Equatable, Sendable {
        case run(DaemonOptions)
        case help
        case version
    }

    /// Parses `arguments` (without the program name).
    /// - Throws: `MediaCenterError` with code `.invalidArgument`, naming the option, the
    ///   value and what is allowed.
    public static func parse(_ arguments: [String]) throws -> Parsed {
        var options = DaemonOptions()
        var remaining = arguments[...]

        func value(for option: String) throws -> String {
            guard let next = remaining.popFirst() else {
                throw MediaCenterError(.invalidArgument, "missing value for \(option); see --help")
            }
            return next
        }

        func number(for option: String, in range: ClosedRange<Int>) throws -> Int {
            let text = try value(for: option)
            guard let parsed = Int(text), range.contains(parsed) else {
                throw MediaCenterError(
                    .invalidArgument,
                    "invalid value '\(text)' for \(option): expected a whole number from "
                        + "\(range.lowerBound) to \(range.upperBound)")
            }
            return parsed
        }

        while let argument = remaining.popFirst() {
            switch argument {
            case "--help", "-h":
                return .help
            case "--version":
                return .version
            case "--data-dir":
                options.dataDirectory = try value(for: argument)
            case "--port":
                options.port = try number(for: argument, in: 1...65535)
            case "--bind-address":
                let address = try value(for: argument)
                var parsed = in_addr()
                guard inet_pton(AF_INET, address, &parsed) == 1 else {
                    throw MediaCenterError(
                        .invalidArgument,
                        "invalid value '\(address)' for --bind-address: expected an IPv4 "
                            + "address such as 0.0.0.0 or 127.0.0.1")
                }
                options.bindAddress = address
            case "--ae-title":
                options.aeTitle = try validatedAETitle(try value(for: argument))
            case "--completion-timeout":
                options.completionTimeout = try number(for: argument, in: 1...86400)
            case "--max-associations":
                options.maxAssociations = try number(for: argument, in: 1...64)
            case "--virtual-disc-capacity":
                options.virtualDiscCapacityMB = try number(for: argument, in: 1...1_000_000)
            case "--log-level":
                let text = try value(for: argument)
                guard let level = LogLevel.named(text) else {
                    throw MediaCenterError(
                        .invalidArgument,
                        "invalid value '\(text)' for --log-level: expected error, warning, "
                            + "notice, info or debug")
                }
                options.logLevel = level
            default:
                throw MediaCenterError(
                    .invalidArgument, "unknown option '\(argument)'; see mediacenterd --help")
            }
        }
        return .run(options)
    }

    /// Checks an AE title: 1 to 16 characters of printable ASCII without backslash, and not
    /// only spaces.
    static func validatedAETitle(_ title: String) throws -> String {
        let trimmed = title.trimmingCharacters(in: .whitespaces)
        let printable = title.utf8.allSatisfy {
            $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\\")
        }
        guard !trimmed.isEmpty, title.utf8.count <= 16, printable else {
            throw MediaCenterError(
                .invalidArgument,
                "invalid value '\(title)' for --ae-title: expected 1 to 16 printable ASCII "
                    + "characters without a backslash")
        }
        return trimmed
    }
}

extension LogLevel {
    /// The level with the name `name`, as `--log-level` takes it.
    public static func named(_ name: String) -> LogLevel? {
        [LogLevel.error, .warning, .notice, .info, .debug].first { $0.description == name }
    }
}
