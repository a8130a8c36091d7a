import Foundation
import Synchronization

/// A blocking call started on a thread of Dispatch's global pool, whose result the caller
/// waits for. Used to overlap two short system calls of one C-STORE, such as an fsync
/// and a parse; it never runs on Swift's cooperative pool.
final class Background: Sendable {
    private let result = Mutex<Result<Void, any Error>?>(nil)
    private let finished = DispatchSemaphore(value: 0)

    /// Starts `work` at once.
    init(_ work: @escaping @Sendable () throws -> Void) {
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            let outcome = Result { try work() }
            result.withLock { $0 = outcome }
            finished.signal()
        }
    }

    /// Waits for the work to end and returns how it ended. Call it once.
    func wait() -> Result<Void, any Error> {
        finished.wait()
        return result.withLock { $0 } ?? .success(())
    }
}
