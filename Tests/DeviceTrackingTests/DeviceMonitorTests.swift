import DeviceTracking
import MediaCenterCore
import Synchronization
import Testing

@Suite struct DeviceMonitorTests {
    @Test func startReportsDevicesPresent() throws {
        let source = try Fixtures.source(devices: "present-at-start.txt")
        let monitor = DeviceMonitor(source: source)
        let seen = Mutex<[DeviceEvent]>([])
        _ = monitor.registry.addObserver { event in seen.withLock { $0.append(event) } }

        try monitor.start()
        monitor.stop()

        #expect(monitor.registry.drives.map(\.devnode) == ["/dev/sr0"])
        #expect(seen.withLock { $0.count } == 1)
    }

    @Test func threadAppliesReplayedEvents() throws {
        let source = try Fixtures.source(events: "changer-added.txt")
        let monitor = DeviceMonitor(source: source)

        try monitor.start()
        let arrived = eventually {
            monitor.registry.changers.count == 1 && monitor.registry.drives.count == 1
        }
        monitor.stop()

        #expect(arrived)
        #expect(monitor.registry.changers.first?.nodes == ["/dev/sg3", "/dev/sch0"])
        #expect(monitor.registry.drives.first?.devnode == "/dev/sr2")
    }

    @Test func lostEventsTriggerReconcile() throws {
        let source = try Fixtures.source(devices: "present-at-start.txt")
        let monitor = DeviceMonitor(source: source)
        try monitor.start()
        #expect(monitor.registry.drives.count == 1)

        // The kernel drops the drive's removal, and the source reports only the loss.
        let drive = UdevDevice(devpath: Paths.ataDrive, subsystem: "block")
        source.append([.dropped(UdevEvent(action: .remove, device: drive)), .eventsLost])
        let reconciled = eventually { monitor.registry.drives.isEmpty }
        monitor.stop()

        #expect(reconciled)
        #expect(source.enumerationCount == 2)
    }

    @Test func failedReceiveRetriesEnumeration() throws {
        let source = try Fixtures.source(devices: "present-at-start.txt")
        let monitor = DeviceMonitor(source: source)
        try monitor.start()

        source.failEnumerations(with: [MediaCenterError(.ioFailure, "planned failure")])
        source.append([.failure(MediaCenterError(.ioFailure, "planned receive failure"))])
        // One failed enumeration and one that works, each after a retry delay.
        let retried = eventually(within: 5) { source.enumerationCount >= 3 }
        monitor.stop()

        #expect(retried)
        #expect(monitor.registry.drives.count == 1)
    }

    @Test func failedStartEnumerationThrows() throws {
        let source = ReplayedUdevSource()
        source.failEnumerations(with: [MediaCenterError(.ioFailure, "planned failure")])
        let monitor = DeviceMonitor(source: source)

        #expect(throws: MediaCenterError.self) { try monitor.start() }
        monitor.stop()
    }

    @Test func secondStartIsRejected() throws {
        let monitor = DeviceMonitor(source: ReplayedUdevSource())
        try monitor.start()

        let error = try #require(throws: MediaCenterError.self) { try monitor.start() }
        monitor.stop()

        #expect(error.code == .invalidArgument)
        try monitor.start()
        monitor.stop()
    }

    @Test func stopReturnsWithinOneSecond() throws {
        let monitor = DeviceMonitor(source: ReplayedUdevSource())
        try monitor.start()

        let clock = ContinuousClock()
        let elapsed = clock.measure { monitor.stop() }

        #expect(elapsed < .seconds(1))
        monitor.stop()
    }
}
