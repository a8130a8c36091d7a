import Glibc

/// A POSIX thread that runs one closure and is joined by its owner. Foundation's `Thread`
/// cannot be joined, and the Storage SCP and the udev monitor join every thread they start,
/// so that none outlives `stop()` and finished ones do not pile up.
public final class JoinableThread: @unchecked Sendable {
    // @unchecked: `thread` is written once in init, before the object is shared, and
    // pthread_join is called once, by the single owner that `join()` documents.
    private let thread: pthread_t

    /// Starts a thread named `name` that runs `body`. Linux keeps at most 15 bytes of a
    /// thread name; `ps -L` and `/proc/PID/task/TID/comm` show it.
    /// - Throws: `MediaCenterError` with code `internalFailure` when pthread_create fails,
    ///   for example because the process reached its thread limit.
    public init(name: String, body: @escaping @Sendable () -> Void) throws {
        let shortName = String(decoding: name.utf8.prefix(15), as: UTF8.self)
        let context = Unmanaged.passRetained(
            Body {
                Self.setCurrentThreadName(shortName)
                body()
            }
        ).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(
            &thread, nil,
            { context in
                let body = Unmanaged<Body>.fromOpaque(context!).takeRetainedValue()
                body.run()
                return nil
            }, context)
        guard result == 0 else {
            Unmanaged<Body>.fromOpaque(context).release()
            throw MediaCenterError.fromErrno(
                .internalFailure, "cannot start the thread \(name)", call: "pthread_create",
                errno: result)
        }
        self.thread = thread
    }

    /// Waits for the thread to end and releases it. The owner calls it exactly once,
    /// because pthread_join on a thread that was joined before is undefined behaviour.
    public func join() {
        _ = pthread_join(thread, nil)
    }

    /// Names the calling thread through procfs, because Glibc's module map hides
    /// pthread_setname_np. A failure only leaves the thread unnamed.
    private static func setCurrentThreadName(_ name: String) {
        let descriptor = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        var bytes = Array(name.utf8)
        _ = write(descriptor, &bytes, bytes.count)
        close(descriptor)
    }

    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }
}
