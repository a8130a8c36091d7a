import CUdev
import Glibc
import MediaCenterCore
import Synchronization

/// The udev devices and events of this machine, read through libudev: an enumeration of the
/// tracked subsystems, and the netlink monitor that receives the events udevd sends after
/// applying its rules.
///
/// The monitor socket is opened in init, before the first enumeration, so no event between
/// the two is missed. Without a running udevd, as in a container, libudev's monitor receives
/// nothing, but enumeration still lists the devices in sysfs, without the properties that
/// udev's database would add.
public final class LibudevSource: UdevSource {
    private let handles: Mutex<Handles>
    /// The monitor's socket, which poll(2) waits on.
    private let descriptor: Int32

    /// The receive buffer asked for the monitor socket, in bytes, so that a burst of events
    /// (a changer with many drives plugged in at once) is not dropped.
    static let receiveBufferBytes: Int32 = 4 * 1024 * 1024

    /// Opens libudev and its netlink monitor, filtered to the tracked subsystems.
    /// - Throws: `MediaCenterError` with `.ioFailure` when libudev cannot be opened or the
    ///   monitor cannot receive.
    public init() throws {
        let opened = try Handles()
        descriptor = udev_monitor_get_fd(opened.monitor)
        handles = Mutex(opened)
    }

    /// Lists the present devices of the tracked subsystems with `udev_enumerate_scan_devices`.
    public func enumerate() throws -> [UdevDevice] {
        try handles.withLock { try $0.enumerate() }
    }

    /// Waits with poll(2) on the monitor's socket, then reads one device with
    /// `udev_monitor_receive_device`.
    public func receive(timeoutMilliseconds: Int32) throws -> UdevReceiveResult {
        var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let ready = poll(&request, 1, timeoutMilliseconds)
        if ready < 0 {
            guard errno == EINTR else {
                throw MediaCenterError.fromErrno(
                    .ioFailure, "cannot wait for udev events on descriptor \(descriptor)",
                    call: "poll")
            }
            return .timedOut
        }
        guard ready > 0 else { return .timedOut }
        return try handles.withLock { try $0.receive() }
    }
}

/// The libudev context, monitor and their calls. One owner, guarded by the source's mutex,
/// because libudev objects are not safe to use from two threads at once.
private final class Handles {
    let udev: OpaquePointer
    let monitor: OpaquePointer

    init() throws {
        guard let udev = udev_new() else {
            throw MediaCenterError.fromErrno(
                .ioFailure, "cannot open libudev; check that /sys is mounted",
                call: "udev_new")
        }
        guard let monitor = udev_monitor_new_from_netlink(udev, "udev") else {
            let error = errno
            udev_unref(udev)
            throw MediaCenterError.fromErrno(
                .ioFailure, "cannot open the udev netlink monitor",
                call: "udev_monitor_new_from_netlink", errno: error)
        }
        self.udev = udev
        self.monitor = monitor

        for subsystem in trackedSubsystems {
            let result = udev_monitor_filter_add_match_subsystem_devtype(monitor, subsystem, nil)
            guard result >= 0 else {
                throw MediaCenterError.fromErrno(
                    .ioFailure, "cannot filter udev events for the subsystem \(subsystem)",
                    call: "udev_monitor_filter_add_match_subsystem_devtype", errno: -result)
            }
        }
        // Beyond net.core.rmem_max the kernel grants this size only with CAP_NET_ADMIN, which
        // the daemon lacks, so the buffer may stay smaller. Events lost to a full buffer are
        // recovered by enumerating again.
        _ = udev_monitor_set_receive_buffer_size(monitor, LibudevSource.receiveBufferBytes)
        let result = udev_monitor_enable_receiving(monitor)
        guard result >= 0 else {
            throw MediaCenterError.fromErrno(
                .ioFailure, "cannot receive udev events",
                call: "udev_monitor_enable_receiving", errno: -result)
        }
    }

    deinit {
        udev_monitor_unref(monitor)
        udev_unref(udev)
    }

    func enumerate() throws -> [UdevDevice] {
        guard let enumeration = udev_enumerate_new(udev) else {
            throw MediaCenterError.fromErrno(
                .ioFailure, "cannot list udev devices", call: "udev_enumerate_new")
        }
        defer { udev_enumerate_unref(enumeration) }

        for subsystem in trackedSubsystems {
            let result = udev_enumerate_add_match_subsystem(enumeration, subsystem)
            guard result >= 0 else {
                throw MediaCenterError.fromErrno(
                    .ioFailure, "cannot list udev devices of the subsystem \(subsystem)",
                    call: "udev_enumerate_add_match_subsystem", errno: -result)
            }
        }
        let result = udev_enumerate_scan_devices(enumeration)
        guard result >= 0 else {
            throw MediaCenterError.fromErrno(
                .ioFailure, "cannot scan /sys for udev devices",
                call: "udev_enumerate_scan_devices", errno: -result)
        }

        var devices: [UdevDevice] = []
        var entry = udev_enumerate_get_list_entry(enumeration)
        while let current = entry {
            defer { entry = udev_list_entry_get_next(current) }
            guard let syspath = udev_list_entry_get_name(current),
                let device = udev_device_new_from_syspath(udev, syspath)
            else {
                // The device went away between the scan and this read; the monitor
                // reports its removal, if it was ever seen.
                continue
            }
            defer { udev_device_unref(device) }
            if let description = Self.describe(device) {
                devices.append(description)
            }
        }
        return devices
    }

    func receive() throws -> UdevReceiveResult {
        errno = 0
        guard let device = udev_monitor_receive_device(monitor) else {
            switch errno {
            case ENOBUFS:
                return .eventsLost
            case 0, EAGAIN, EINTR:
                // The message was for a subsystem the filter drops, or was not from udevd.
                return .timedOut
            default:
                throw MediaCenterError.fromErrno(
                    .ioFailure, "cannot receive a udev event",
                    call: "udev_monitor_receive_device")
            }
        }
        defer { udev_device_unref(device) }

        guard let description = Self.describe(device),
            let actionName = udev_device_get_action(device).map({ String(cString: $0) }),
            let action = UdevAction(rawValue: actionName)
        else { return .timedOut }
        return .event(UdevEvent(action: action, device: description))
    }

    /// Copies what the tracker needs out of a libudev device: path, subsystem, type, node,
    /// properties and the `scsi_device` parent's type, vendor and model.
    static func describe(_ device: OpaquePointer) -> UdevDevice? {
        guard let devpath = udev_device_get_devpath(device).map({ String(cString: $0) }),
            let subsystem = udev_device_get_subsystem(device).map({ String(cString: $0) })
        else { return nil }

        var properties: [String: String] = [:]
        var entry = udev_device_get_properties_list_entry(device)
        while let current = entry {
            if let name = udev_list_entry_get_name(current) {
                let value = udev_list_entry_get_value(current).map { String(cString: $0) }
                properties[String(cString: name)] = value ?? ""
            }
            entry = udev_list_entry_get_next(current)
        }

        return UdevDevice(
            devpath: devpath,
            subsystem: subsystem,
            devtype: udev_device_get_devtype(device).map { String(cString: $0) },
            devnode: udev_device_get_devnode(device).map { String(cString: $0) },
            properties: properties,
            scsiDevice: scsiDevice(of: device))
    }

    /// Reads the `scsi_device` parent of `device` with
    /// `udev_device_get_parent_with_subsystem_devtype`. The parent belongs to `device`, so
    /// it is not unreferenced here.
    private static func scsiDevice(of device: OpaquePointer) -> SCSIDeviceIdentity? {
        guard
            let parent = udev_device_get_parent_with_subsystem_devtype(
                device, "scsi", "scsi_device"),
            let devpath = udev_device_get_devpath(parent).map({ String(cString: $0) }),
            let typeText = attribute(parent, "type"),
            let type = Int(typeText)
        else { return nil }
        return SCSIDeviceIdentity(
            devpath: devpath, peripheralType: type,
            vendor: DeviceTracker.nonEmpty(attribute(parent, "vendor")),
            model: DeviceTracker.nonEmpty(attribute(parent, "model")))
    }

    /// Reads the sysfs attribute `name` with `udev_device_get_sysattr_value`.
    private static func attribute(_ device: OpaquePointer, _ name: String) -> String? {
        udev_device_get_sysattr_value(device, name).map { String(cString: $0) }
    }
}
