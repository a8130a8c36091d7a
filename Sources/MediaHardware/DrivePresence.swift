/// A source of whether a drive is attached. On the appliance the device tracker reports it
/// from udev events, and a virtual drive is always attached.
public protocol DrivePresence: Sendable {
    /// Returns whether the drive named `driveName` is attached now.
    func isPresent(_ driveName: String) -> Bool
}
