/// The appliance's activity, as the front panel shows it. When several apply, the one
/// listed first below wins. ``ApplianceStatus/errorUnacknowledged`` is separate, so that a
/// failure stays visible while the next job runs.
public enum ApplianceActivity: String, Sendable, CaseIterable, Codable {
    /// The daemon is starting and does not accept images yet.
    case starting
    /// No drive is available, so nothing can be burned.
    case noDrive = "no-drive"
    /// The drive needs a blank disc before it can burn.
    case mediaNeeded = "media-needed"
    /// A disc is being written or read back.
    case burning
    /// A patient is finished and waits for the drive.
    case queued
    /// Images are arriving, and the patient is not finished yet.
    case receiving
    /// Ready, with nothing to do.
    case idle
}

/// The appliance's state as the front panel shows it.
public struct ApplianceStatus: Sendable, Equatable {
    public var activity: ApplianceActivity
    /// Whether a job failed after the operator last acknowledged a failure (a long press of
    /// cancel).
    public var errorUnacknowledged: Bool

    /// Makes a status.
    public init(_ activity: ApplianceActivity, errorUnacknowledged: Bool = false) {
        self.activity = activity
        self.errorUnacknowledged = errorUnacknowledged
    }
}

extension PanelLights {
    /// Returns what each LED shows for `status`. This is the one place that decides it.
    ///
    /// - ready: blinking while starting, off without a drive, on otherwise.
    /// - busy: on while burning, blinking while work waits (receiving or queued).
    /// - error: on without a drive, blinking for an unacknowledged failure.
    /// - media needed: on while the drive needs a blank disc.
    public init(for status: ApplianceStatus) {
        var lights = PanelLights()
        switch status.activity {
        case .starting:
            lights.ready = .blinking
        case .noDrive:
            lights.error = .on
        case .mediaNeeded:
            lights.ready = .on
            lights.mediaNeeded = .on
        case .burning:
            lights.ready = .on
            lights.busy = .on
        case .queued, .receiving:
            lights.ready = .on
            lights.busy = .blinking
        case .idle:
            lights.ready = .on
        }
        // A missing drive is a fault that persists, so its steady error LED is not turned
        // into blinking by a failure that is still to be acknowledged.
        if status.errorUnacknowledged && lights.error == .off {
            lights.error = .blinking
        }
        self = lights
    }
}
