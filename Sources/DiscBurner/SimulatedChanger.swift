import Foundation
import MediaCenterCore
import MediaHardware
import Synchronization

/// A changer with no hardware, for the embedded default and the tests. It loads discs from
/// a supply list into one or more ``VirtualDrive``s and moves them to bins that are lists of
/// image file names. Each label is a text file and an SVG image next to the disc's image.
///
/// The drives share the bins. The input bin contains the supply in order and then as many
/// good blanks as needed, up to `inputCapacity` discs in all when that is set. With several
/// drives, each load takes the next disc, whichever drive it is for. The output and reject bins
/// take at most their capacity, when set, until `emptyBins()` is called.
/// With a state file, the bins and the position in the supply survive a restart. A supply
/// list other than the recorded one starts the input bin anew.
public final class SimulatedChanger: DiscChanger {
    /// A name for logs and the console, such as `simulated0`.
    public let name: String
    /// The drives this changer loads.
    public let drives: [VirtualDrive]
    /// The file name suffix of a label file, after the image file's name.
    public static let labelSuffix = ".label.txt"
    /// The file name suffix of a label image (SVG), after the image file's name.
    public static let imageLabelSuffix = ".label.svg"

    private struct Bins: Codable {
        /// Discs still to come from the input bin before the endless good blanks.
        var supply: [VirtualMedium]
        /// Discs taken from the input bin so far.
        var taken = 0
        /// The discs in the output and reject bins: image file names, prefixed with the
        /// drive's folder name when the changer has several drives.
        var output: [String] = []
        var reject: [String] = []
        /// The names of the drives that contain a disc this changer loaded.
        var loadedDrives: Set<String> = []

        /// Writes the bins to `path` durably, or does nothing without a path.
        func save(to path: String?) throws {
            guard let path else { return }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let data: Data
            do {
                data = try encoder.encode(self)
            } catch {
                throw MediaCenterError(
                    .internalFailure, "cannot encode the simulated changer's bins",
                    cause: "\(error)")
            }
            try DurableFile.write(Array(data) + [UInt8(ascii: "\n")], to: path)
        }
    }

    private let bins: Mutex<Bins>
    /// The file that keeps the bins across restarts, or nil to keep them in memory only.
    private let stateFile: String?
    private let inputCapacity: Int?
    private let outputCapacity: Int?
    private let rejectCapacity: Int?
    private let logger = Logger(label: "DiscBurner")

    public var driveNames: [String] { drives.map(\.name) }

    /// Makes a changer for `drives`.
    /// - Parameters:
    ///   - supply: the discs at the top of the input bin, in the order they are taken.
    ///     Good blanks follow them.
    ///   - inputCapacity: discs the input bin contains in all, or nil for no limit.
    ///   - outputCapacity: discs the output bin takes, or nil for no limit.
    ///   - rejectCapacity: discs the reject bin takes, or nil for no limit.
    ///   - stateFile: the file that keeps the bins across restarts, or nil.
    /// - Throws: `MediaCenterError` with `.invalidArgument` for an empty name, no drive or
    ///   two drives of one name, a capacity below 1, or an input capacity smaller than the
    ///   supply list, and `.invalidConfiguration` for a state file that cannot be read.
    public init(
        name: String, drives: [VirtualDrive], supply: [VirtualMedium] = [],
        inputCapacity: Int? = nil, outputCapacity: Int? = nil, rejectCapacity: Int? = nil,
        stateFile: String? = nil
    ) throws {
        guard !name.isEmpty else {
            throw MediaCenterError(
                .invalidArgument, "missing changer name; name the changer, such as simulated0")
        }
        guard !drives.isEmpty else {
            throw MediaCenterError(
                .invalidArgument, "changer \(name) has no drive; give it at least one")
        }
        guard Set(drives.map(\.name)).count == drives.count else {
            throw MediaCenterError(
                .invalidArgument,
                "changer \(name) has two drives of one name (\(drives.map(\.name))); name "
                    + "each drive differently")
        }
        for (bin, capacity) in [
            ("input", inputCapacity), ("output", outputCapacity), ("reject", rejectCapacity),
        ] {
            if let capacity, capacity < 1 {
                throw MediaCenterError(
                    .invalidArgument,
                    "invalid \(bin) bin capacity \(capacity) for \(name); give at least 1 "
                        + "disc, or no limit")
            }
        }
        if let inputCapacity, inputCapacity < supply.count {
            throw MediaCenterError(
                .invalidArgument,
                "the supply of \(supply.count) discs does not fit an input bin of "
                    + "\(inputCapacity) discs; shorten the supply or enlarge the bin")
        }
        self.name = name
        self.drives = drives
        self.inputCapacity = inputCapacity
        self.outputCapacity = outputCapacity
        self.rejectCapacity = rejectCapacity
        self.stateFile = stateFile
        var state = Bins(supply: supply)
        if let stateFile, FileManager.default.fileExists(atPath: stateFile) {
            do {
                let saved = try JSONDecoder().decode(
                    Bins.self, from: Data(contentsOf: URL(fileURLWithPath: stateFile)))
                if saved.supply == supply {
                    state = saved
                }
            } catch {
                throw MediaCenterError(
                    .invalidConfiguration,
                    "the simulated changer's state file \(stateFile) is unreadable; move it "
                        + "away to start with full input and empty output and reject bins",
                    cause: "\(error)")
            }
        }
        bins = Mutex(state)
    }

    /// Makes a changer for one drive.
    public convenience init(
        name: String, drive: VirtualDrive, supply: [VirtualMedium] = [],
        inputCapacity: Int? = nil, outputCapacity: Int? = nil, rejectCapacity: Int? = nil,
        stateFile: String? = nil
    ) throws {
        try self.init(
            name: name, drives: [drive], supply: supply, inputCapacity: inputCapacity,
            outputCapacity: outputCapacity, rejectCapacity: rejectCapacity, stateFile: stateFile)
    }

    /// Returns the discs in `bin`, oldest first: for the output and reject bins the image
    /// file names, prefixed with the drive's folder name when the changer has several
    /// drives. For the input bin it returns the media still in the supply list, as their
    /// raw values.
    public func contents(of bin: ChangerBin) -> [String] {
        bins.withLock { bins in
            switch bin {
            case .input: Array(bins.supply.dropFirst(bins.taken).map(\.rawValue))
            case .output: bins.output
            case .reject: bins.reject
            }
        }
    }

    /// Empties the output and reject bins, as an operator who takes the discs out.
    public func emptyBins() {
        bins.withLock { bins in
            bins.output = []
            bins.reject = []
            try? bins.save(to: stateFile)
        }
    }

    /// Loads the next medium of the supply, or a good blank after the supply, into the
    /// drive named `driveName`. A blank disc already in the drive that this changer did not
    /// load (the virtual drive always has one) counts as an empty drive. A written disc
    /// that this changer did not load, left by a daemon that stopped during a job, is
    /// ejected first and stays in no bin. A disc that this changer loaded and that is still
    /// unwritten, because the job before stopped ahead of its write, stays loaded and is
    /// used.
    public func loadFromInput(into driveName: String) throws {
        let drive = try drive(named: driveName)
        try bins.withLock { bins in
            if bins.loadedDrives.contains(drive.name) {
                guard try drive.inspectMedia().status == .blank else {
                    throw MediaCenterError(
                        .mediaFailure,
                        "\(drive.name) still contains a written disc; move it to a bin "
                            + "before loading the next one")
                }
                return
            }
            if try drive.inspectMedia().status != .blank {
                logger.debug(
                    "ejecting a disc left in the drive",
                    ["changer.name": name, "disc.file": drive.currentDisc.fileName])
                try drive.eject()
            }
            if let inputCapacity, bins.taken >= inputCapacity {
                throw MediaCenterError(
                    .mediaFailure,
                    "the input bin of \(name) is empty after \(bins.taken) discs; fill it "
                        + "with blank discs")
            }
            let medium = bins.taken < bins.supply.count ? bins.supply[bins.taken] : .blank
            try drive.load(medium)
            bins.taken += 1
            try bins.save(to: stateFile)
            bins.loadedDrives.insert(drive.name)
            logger.debug(
                "disc loaded from the input bin",
                [
                    "changer.name": name, "drive.name": drive.name,
                    "disc.file": drive.currentDisc.fileName, "disc.medium": medium.rawValue,
                ])
        }
    }

    /// Writes `label` next to the image file of the disc in the drive named `driveName`
    /// twice: as text to `DISCnnnn.iso.label.txt`, one line per label line, and as the
    /// image a disc printer prints to `DISCnnnn.iso.label.svg`.
    public func printLabel(_ label: DiscLabel, onDiscIn driveName: String) throws {
        let drive = try drive(named: driveName)
        let text = label.lines.map { $0 + "\n" }.joined()
        let image = DiscLabelImage(label).svgDocument()
        for (suffix, content) in [(Self.labelSuffix, text), (Self.imageLabelSuffix, image)] {
            let path = drive.currentDisc.path + suffix
            do {
                try DurableFile.write(Array(content.utf8), to: path)
            } catch {
                throw MediaCenterError(
                    .ioFailure, "cannot print the label file \(path); check free space",
                    cause: "\(error)")
            }
        }
    }

    /// Moves the disc in the drive named `driveName` to `bin` by ejecting it from the
    /// virtual drive, which leaves its image file in place and records its file name in
    /// the bin.
    public func moveDisc(from driveName: String, to bin: ChangerBin) throws {
        let drive = try drive(named: driveName)
        try bins.withLock { bins in
            let count: Int
            let capacity: Int?
            switch bin {
            case .input:
                throw MediaCenterError(
                    .invalidArgument,
                    "a disc cannot go back to the input bin; move it to output or reject")
            case .output:
                count = bins.output.count
                capacity = outputCapacity
            case .reject:
                count = bins.reject.count
                capacity = rejectCapacity
            }
            if let capacity, count >= capacity {
                throw MediaCenterError(
                    .mediaFailure,
                    "the \(bin.rawValue) bin of \(name) is full with \(count) discs; empty it")
            }

            let fileName = drive.currentDisc.fileName
            let entry =
                drives.count == 1
                ? fileName : URL(fileURLWithPath: drive.folder).lastPathComponent + "/" + fileName
            try drive.eject()
            if bin == .output {
                bins.output.append(entry)
            } else {
                bins.reject.append(entry)
            }
            bins.loadedDrives.remove(drive.name)
            try bins.save(to: stateFile)
            logger.debug(
                "disc moved",
                ["changer.name": name, "disc.file": entry, "changer.bin": bin.rawValue])
        }
    }

    private func drive(named driveName: String) throws -> VirtualDrive {
        guard let drive = drives.first(where: { $0.name == driveName }) else {
            throw MediaCenterError(
                .invalidArgument,
                "changer \(name) has no drive \(driveName); its drives are "
                    + driveNames.joined(separator: ", "))
        }
        return drive
    }
}
