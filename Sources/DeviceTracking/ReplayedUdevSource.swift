import MediaCenterCore
import Synchronization

/// A ``UdevSource`` that replays recorded devices and events, for tests and for machines
/// without udev. It delivers only devices of the tracked subsystems, as libudev's filter
/// does. It keeps the set of present devices up to date with each event received, so a new
/// enumeration matches them. It fills in each device's `scsi_device` parent from the `scsi`
/// records it has seen.
///
/// A `scsi_device` record gives its peripheral device type in `MODALIAS=scsi:t-0xNN`, the
/// property the kernel sets on it, because a recording contains properties and no sysfs
/// attributes.
public final class ReplayedUdevSource: UdevSource {
    /// One step of a replay.
    public enum Step: Sendable, Equatable {
        /// Delivers the event.
        case event(UdevEvent)
        /// Applies the event to the present devices without delivering it, as the kernel
        /// does with events it drops when the socket's buffer is full.
        case dropped(UdevEvent)
        /// Reports that events were lost.
        case eventsLost
        /// Fails the receive with `error`.
        case failure(MediaCenterError)
    }

    private struct State {
        /// Every device present, tracked or not, in the order first seen.
        var present: [UdevDevice] = []
        var steps: [Step]
        var nextStep = 0
        var enumerationCount = 0
        var plannedEnumerationFailures: [MediaCenterError] = []
    }

    private let state: Mutex<State>

    /// Makes a source whose devices are `devices` at start and whose receives return
    /// `steps` in order, then time out.
    public init(devices: [UdevDevice] = [], steps: [Step] = []) {
        state = Mutex(State(present: devices, steps: steps))
    }

    /// Makes a source from a device recording and an event recording, as
    /// ``UdevRecording`` reads them.
    /// - Throws: `MediaCenterError` with `.parseFailure` for a malformed recording.
    public convenience init(deviceRecording: String, eventRecording: String = "") throws {
        let devices = try UdevRecording.devices(from: deviceRecording)
        let events = try UdevRecording.events(from: eventRecording)
        self.init(devices: devices, steps: events.map(Step.event))
    }

    /// Adds steps after the ones not yet replayed.
    public func append(_ steps: [Step]) {
        state.withLock { $0.steps += steps }
    }

    /// Makes the next enumerations fail with `errors`, one each.
    public func failEnumerations(with errors: [MediaCenterError]) {
        state.withLock { $0.plannedEnumerationFailures += errors }
    }

    /// The number of enumerations so far, failed ones included.
    public var enumerationCount: Int {
        state.withLock { $0.enumerationCount }
    }

    /// Whether every step has been received.
    public var isDrained: Bool {
        state.withLock { $0.nextStep >= $0.steps.count }
    }

    /// Lists the present devices of the tracked subsystems.
    public func enumerate() throws -> [UdevDevice] {
        try state.withLock { state in
            state.enumerationCount += 1
            if !state.plannedEnumerationFailures.isEmpty {
                throw state.plannedEnumerationFailures.removeFirst()
            }
            let present = state.present
            return present.filter(Self.isTracked).map { Self.resolved($0, among: present) }
        }
    }

    /// Returns the next step's result at once, or sleeps `timeoutMilliseconds` and times
    /// out when all steps are replayed. Steps with untracked devices, such as a `scsi` add,
    /// update the present devices and are skipped, as libudev's filter drops them.
    public func receive(timeoutMilliseconds: Int32) throws -> UdevReceiveResult {
        while true {
            let result: UdevReceiveResult?? = try state.withLock { state in
                guard state.nextStep < state.steps.count else { return .none }
                let step = state.steps[state.nextStep]
                state.nextStep += 1
                switch step {
                case .event(let event):
                    let delivered = Self.record(event, in: &state.present)
                    return .some(delivered.map(UdevReceiveResult.event))
                case .dropped(let event):
                    _ = Self.record(event, in: &state.present)
                    return .some(nil)
                case .eventsLost:
                    return .some(.eventsLost)
                case .failure(let error):
                    throw error
                }
            }
            switch result {
            case .none:
                usleepMilliseconds(timeoutMilliseconds)
                return .timedOut
            case .some(.some(let received)):
                return received
            case .some(.none):
                continue
            }
        }
    }

    // MARK: - Helpers

    private static func isTracked(_ device: UdevDevice) -> Bool {
        trackedSubsystems.contains(device.subsystem)
    }

    /// Updates `present` with `event`, and returns the event as libudev would deliver it,
    /// or nil when its subsystem is not tracked.
    private static func record(_ event: UdevEvent, in present: inout [UdevDevice]) -> UdevEvent? {
        // The parent is looked up before the removal updates the present devices, so a
        // removed node still names its scsi_device when that record is present.
        let device = resolved(event.device, among: present)
        let index = present.firstIndex { $0.devpath == event.device.devpath }
        switch (event.action, index) {
        case (.remove, let index?):
            present.remove(at: index)
        case (.remove, nil):
            break
        case (_, let index?):
            present[index] = event.device
        case (_, nil):
            present.append(event.device)
        }
        guard isTracked(event.device) else { return nil }
        return UdevEvent(action: event.action, device: device)
    }

    /// Fills in the `scsi_device` parent of `device`: the present `scsi` record of device
    /// type `scsi_device` whose path is the longest prefix of the device's path.
    static func resolved(_ device: UdevDevice, among present: [UdevDevice]) -> UdevDevice {
        guard device.scsiDevice == nil else { return device }
        let parents = present.filter { candidate in
            candidate.subsystem == "scsi" && candidate.devtype == "scsi_device"
                && device.devpath.hasPrefix(candidate.devpath + "/")
        }
        guard let parent = parents.max(by: { $0.devpath.count < $1.devpath.count }),
            let type = peripheralType(fromModalias: parent.properties["MODALIAS"])
        else { return device }

        var result = device
        result.scsiDevice = SCSIDeviceIdentity(devpath: parent.devpath, peripheralType: type)
        return result
    }

    /// Reads the type from a modalias such as `scsi:t-0x08`.
    static func peripheralType(fromModalias modalias: String?) -> Int? {
        guard let modalias, modalias.hasPrefix("scsi:t-0x") else { return nil }
        return Int(modalias.dropFirst("scsi:t-0x".count), radix: 16)
    }
}
