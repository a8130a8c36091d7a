import CSystemd
import Glibc
import MediaCenterCore
import Synchronization

/// The keep-alive side of systemd's service watchdog (`WatchdogSec=` in the unit): a thread
/// that sends `WATCHDOG=1` at half the interval systemd expects, so one late wake-up does not
/// make systemd kill and restart the daemon.
public final class Watchdog: Sendable {
    /// The time between two keep-alive messages, in microseconds.
    public let intervalMicroseconds: UInt64

    private let send: @Sendable () -> Void
    private let stopped = Atomic<Bool>(false)

    /// Creates a watchdog that calls `send` every `intervalMicroseconds` once `start()` runs.
    /// Tests pass a `send` that records its calls.
    public init(intervalMicroseconds: UInt64, send: @escaping @Sendable () -> Void) {
        self.intervalMicroseconds = intervalMicroseconds
        self.send = send
    }

    /// Starts sending `WATCHDOG=1` when systemd runs this process with a watchdog, which
    /// `sd_watchdog_enabled` reads from `WATCHDOG_USEC` and `WATCHDOG_PID`.
    /// - Returns: the running watchdog, or nil when systemd expects no keep-alive messages.
    @discardableResult
    public static func startIfEnabled(logger: Logger) -> Watchdog? {
        var timeout: UInt64 = 0
        let enabled = sd_watchdog_enabled(0, &timeout)
        guard enabled > 0, timeout > 0 else {
            if enabled < 0 {
                logger.warning(
                    "WATCHDOG_USEC or WATCHDOG_PID is invalid (errno \(-enabled)), so no "
                        + "watchdog keep-alive is sent; fix WatchdogSec= in the unit")
            }
            return nil
        }

        let watchdog = Watchdog(intervalMicroseconds: max(timeout / 2, 1)) {
            _ = sd_notify(0, "WATCHDOG=1")
        }
        do {
            try watchdog.start()
        } catch {
            logger.error(
                "cannot start the watchdog thread, so systemd will restart the daemon "
                    + "when WatchdogSec= runs out: \(error)")
            return nil
        }
        logger.notice(
            "sending WATCHDOG=1 every \(watchdog.intervalMicroseconds / 1000) ms",
            ["watchdog.usec": String(timeout)])
        return watchdog
    }

    /// Starts the thread that calls `send` now and then once per interval until `stop()` or
    /// the end of the process. The thread is detached, because the daemon never stops it.
    /// - Throws: `MediaCenterError` with code `internalFailure` when pthread_create fails.
    public func start() throws {
        let context = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(
            &thread, nil,
            { context in
                let watchdog = Unmanaged<Watchdog>.fromOpaque(context!).takeRetainedValue()
                watchdog.run()
                return nil
            }, context)
        guard result == 0 else {
            Unmanaged<Watchdog>.fromOpaque(context).release()
            throw MediaCenterError.fromErrno(
                .internalFailure, "cannot start the watchdog thread", call: "pthread_create",
                errno: result)
        }
        pthread_detach(thread)
    }

    /// Ends the thread after its current pause, without one more `send`.
    public func stop() {
        stopped.store(true, ordering: .relaxed)
    }

    private func run() {
        let seconds = intervalMicroseconds / 1_000_000
        let nanoseconds = (intervalMicroseconds % 1_000_000) * 1000
        while !stopped.load(ordering: .relaxed) {
            send()
            var pause = timespec(tv_sec: Int(seconds), tv_nsec: Int(nanoseconds))
            var remaining = timespec()
            // nanosleep returns early when a signal arrives; sleep on for the rest.
            while nanosleep(&pause, &remaining) == -1 && errno == EINTR {
                pause = remaining
            }
        }
    }
}
