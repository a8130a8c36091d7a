import Foundation
import Synchronization
import Testing

@testable import Appliance

@Suite struct WatchdogTests {
    /// Records the monotonic time of each keep-alive.
    final class Recorder: Sendable {
        let times = Mutex<[UInt64]>([])

        func record() {
            times.withLock { $0.append(DispatchTime.now().uptimeNanoseconds) }
        }
    }

    @Test func sendsOncePerInterval() async throws {
        let recorder = Recorder()
        let watchdog = Watchdog(intervalMicroseconds: 50_000) { recorder.record() }

        let started = DispatchTime.now().uptimeNanoseconds
        try watchdog.start()
        try await Task.sleep(for: .milliseconds(520))
        watchdog.stop()
        let elapsed = DispatchTime.now().uptimeNanoseconds - started

        let times = recorder.times.withLock { $0 }
        // One at start and one every 50 ms: 11 in 520 ms, fewer on a loaded machine. The
        // sleep itself lasts longer while other tests keep the cooperative pool busy.
        #expect(times.count >= 6)
        #expect(times.count <= Int(elapsed / 50_000_000) + 2)
        for (earlier, later) in zip(times, times.dropFirst()) {
            #expect(later - earlier >= 50_000_000)
        }
    }

    @Test func stopEndsSending() async throws {
        let recorder = Recorder()
        let watchdog = Watchdog(intervalMicroseconds: 20_000) { recorder.record() }

        try watchdog.start()
        try await Task.sleep(for: .milliseconds(100))
        watchdog.stop()
        // stop() may come during a pause, and the thread ends only after that pause.
        try await Task.sleep(for: .milliseconds(40))
        let atStop = recorder.times.withLock { $0.count }
        try await Task.sleep(for: .milliseconds(100))

        #expect(atStop > 0)
        #expect(recorder.times.withLock { $0.count } == atStop)
    }

    @Test func intervalIsKeptAsGiven() {
        let watchdog = Watchdog(intervalMicroseconds: 15_000_000) {}
        #expect(watchdog.intervalMicroseconds == 15_000_000)
    }
}
