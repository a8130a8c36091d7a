import Foundation
import Synchronization

/// A blocking call started on a thread of Dispatch's global pool, whose result the caller
/// waits for. Used to overlap a parse of a received file with its fsync; it never runs on
/// Swift's cooperative pool.
final class Background<Value: Sendable>: Sendable {
    private let result = Mutex<Result<Value, any Error>?>(nil)
    private let finished = DispatchSemaphore(value: 0)

    /// Starts `work` at once.
    init(_ work: @escaping @Sendable () throws -> Value) {
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            let outcome = Result { try work() }
            result.withLock { $0 = outcome }
            finished.signal()
        }
    }

    /// Waits for the work to end and returns how it ended. Call it once.
    func wait() -> Result<Value, any Error> {
        finished.wait()
        guard let outcome = result.withLock({ $0 }) else {
            preconditionFailure("Background finished without a result")
        }
        return outcome
    }
}
