/// A drive's presence at one moment, taken before work on the drive starts, so that a later
/// check can tell whether that same drive went away meanwhile. A drive unplugged and plugged
/// in again gets a new generation, so a mark taken before the removal still reports it gone.
public struct DrivePresenceMark: Sendable, Hashable {
    /// The drive's name, its device node such as `/dev/sr0`.
    public let driveName: String
    /// The number the tracker gave this appearance of the drive; it grows with each
    /// drive added.
    public let generation: UInt64

    /// Makes a mark for the appearance `generation` of the drive `driveName`.
    public init(driveName: String, generation: UInt64) {
        self.driveName = driveName
        self.generation = generation
    }
}

/// A source of whether a real optical drive is plugged in, for the job engine. On the
/// appliance the device tracker reports it from udev events. Virtual drives are never
/// tracked, so a caller asks only about drives whose names are device nodes.
public protocol DrivePresence: AnyObject, Sendable {
    /// Returns whether a drive with the device node `driveName` is plugged in now.
    func isPresent(_ driveName: String) -> Bool

    /// Marks the drive named `driveName` as present now.
    /// - Returns: the mark, or nil when no drive with that device node is present.
    func markPresence(ofDrive driveName: String) -> DrivePresenceMark?

    /// Returns whether the drive that `mark` was taken of has been removed since, even if a
    /// drive with the same node has appeared again.
    func hasDriveGone(since mark: DrivePresenceMark) -> Bool
}
