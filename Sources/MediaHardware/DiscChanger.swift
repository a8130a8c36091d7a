/// A bin of a disc changer.
public enum ChangerBin: String, Sendable, Codable {
    /// Blank discs waiting to be written.
    case input
    /// Written and verified discs.
    case output
    /// Discs that were not blank, or failed their write or read-back.
    case reject
}

/// The text printed on a disc.
public struct DiscLabel: Sendable, Equatable {
    /// The kind of disc a label is for, which sets its layout.
    public enum Kind: Sendable, Equatable {
        /// A verified disc: the patient's name first, then one detail per line.
        case patient
        /// A rejected disc: `REJECT`, then the reason.
        case reject
    }

    /// The lines of the label, top to bottom.
    public var lines: [String]
    /// The kind of disc the label is for.
    public var kind: Kind

    /// Makes a label of `lines`.
    public init(lines: [String], kind: Kind = .patient) {
        self.lines = lines
        self.kind = kind
    }

    /// Makes the label of a rejected disc: `REJECT` and the reason.
    public static func reject(reason: String) -> DiscLabel {
        DiscLabel(lines: ["REJECT", reason], kind: .reject)
    }
}

/// A robot that moves discs between its bins and its drives, and prints labels. A changer
/// may serve several drives, named as their ``DiscDrive/name``; their bins are shared. Every
/// method blocks, so callers run them on a thread of their own, never on the cooperative
/// pool. Calls for different drives may come from different threads at once.
public protocol DiscChanger: AnyObject, Sendable {
    /// A name for logs and the console, such as `simulated0`.
    var name: String { get }

    /// The names of the drives this changer loads.
    var driveNames: [String] { get }

    /// Takes the next disc from the input bin and loads it into the drive named `drive`.
    /// The drive must be empty.
    /// - Throws: `MediaCenterError` with `.mediaFailure` when the input bin is empty or the
    ///   drive still contains a disc, and `.invalidArgument` for a drive this changer does
    ///   not serve.
    func loadFromInput(into drive: String) throws

    /// Prints `label` on the disc in the drive named `drive`. A changer without a printer
    /// does nothing.
    func printLabel(_ label: DiscLabel, onDiscIn drive: String) throws

    /// Moves the disc in the drive named `drive` to `bin` (`output` or `reject`), which
    /// leaves the drive empty.
    /// - Throws: `MediaCenterError` with `.mediaFailure` when the bin is full, and
    ///   `.invalidArgument` for the input bin or a drive this changer does not serve.
    func moveDisc(from drive: String, to bin: ChangerBin) throws

    /// Makes a load that waits, for example for an operator, throw instead, so that the
    /// daemon can stop. The default implementation, for changers that never wait, does
    /// nothing.
    func interruptWaits()
}

extension DiscChanger {
    public func interruptWaits() {}
}
