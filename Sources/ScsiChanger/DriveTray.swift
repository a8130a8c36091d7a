/// The trays of the drives a changer serves. A disc drive's tray must be open before the
/// picker can put a disc in or take one out, and only the drive opens it. The changer
/// therefore has the drive open and close its tray around each move.
public protocol DriveTray: Sendable {
    /// Opens the tray of the drive named `drive`, ejecting its disc if it has one, and
    /// returns once the tray is out.
    func openTray(of drive: String) throws

    /// Closes the tray of the drive named `drive`, loading the disc on it if there is one.
    func closeTray(of drive: String) throws
}

/// A ``DriveTray`` made of two closures, for a caller that reaches its drives by name.
public struct DriveTrayActions: DriveTray {
    private let open: @Sendable (String) throws -> Void
    private let close: @Sendable (String) throws -> Void

    /// Makes a tray that calls `open` and `close` with the drive's name.
    public init(
        open: @escaping @Sendable (String) throws -> Void,
        close: @escaping @Sendable (String) throws -> Void
    ) {
        self.open = open
        self.close = close
    }

    public func openTray(of drive: String) throws { try open(drive) }

    public func closeTray(of drive: String) throws { try close(drive) }
}
