import DeviceTracking
import Testing

/// The libudev backend against this machine's sysfs. A machine without optical drives,
/// changers or udevd still enumerates, so these tests run everywhere.
@Suite struct LibudevSourceTests {
    @Test func enumeratesTrackedSubsystemsHere() throws {
        let source = try LibudevSource()

        let devices = try source.enumerate()

        for device in devices {
            #expect(trackedSubsystems.contains(device.subsystem), "\(device.devpath)")
            #expect(device.devpath.hasPrefix("/devices/"), "\(device.devpath)")
        }
    }

    @Test func receiveTimesOutWithoutEvents() throws {
        let source = try LibudevSource()

        let result = try source.receive(timeoutMilliseconds: 10)

        // With udevd running an event may arrive, which is fine too.
        if case .eventsLost = result {
            Issue.record("no events can be lost in 10 ms on an idle machine")
        }
    }

    @Test func monitorStartsAndStopsWithinOneSecond() throws {
        let monitor = DeviceMonitor(source: try LibudevSource())

        try monitor.start()
        let clock = ContinuousClock()
        let elapsed = clock.measure { monitor.stop() }

        #expect(elapsed < .seconds(1))
    }
}
