import Glibc
import MediaCenterCore

/// A POSIX thread that runs one closure and that its owner joins once. The device monitor
/// blocks in poll(2), so it needs a thread of its own rather than a task on the cooperative
/// pool.
final class MonitorThread: @unchecked Sendable {
    // @unchecked: `thread` is set once in init before the object is shared, and only the
    // owner calls join(), once.
    private let thread: pthread_t

    /// Starts a thread named `name` (Linux keeps its first 15 bytes) that runs `body`.
    /// - Throws: `MediaCenterError` with `.internalFailure` when pthread_create fails.
    init(name: String, body: @escaping @Sendable () -> Void) throws {
        let shortName = String(decoding: name.utf8.prefix(15), as: UTF8.self)
        let box = Unmanaged.passRetained(
            Closure {
                Self.nameCurrentThread(shortName)
                body()
            }
        ).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(
            &thread, nil,
            { context in
                Unmanaged<Closure>.fromOpaque(context!).takeRetainedValue().body()
                return nil
            }, box)
        guard result == 0 else {
            Unmanaged<Closure>.fromOpaque(box).release()
            throw MediaCenterError.fromErrno(
                .internalFailure,
                "cannot start the thread \(name); the process may have "
                    + "reached its thread limit", call: "pthread_create", errno: result)
        }
        self.thread = thread
    }

    /// Waits for the thread to end. The owner must call it exactly once, because joining a
    /// thread twice is undefined behaviour; ``DeviceMonitor`` takes it out of its mutex
    /// before joining.
    func join() {
        _ = pthread_join(thread, nil)
    }

    /// Names the calling thread through procfs, where `ps -L` shows it; Glibc's module map
    /// does not export pthread_setname_np. A failure leaves the thread unnamed.
    private static func nameCurrentThread(_ name: String) {
        let descriptor = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        var bytes = Array(name.utf8)
        _ = write(descriptor, &bytes, bytes.count)
        close(descriptor)
    }

    private final class Closure {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
}
