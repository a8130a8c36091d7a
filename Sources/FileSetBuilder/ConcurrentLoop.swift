import Foundation
import Synchronization

/// Runs a blocking body for each index of a range on a few dedicated threads, off Swift's
/// cooperative pool, and returns only after every thread has finished.
///
/// Threads take the indices in increasing order. Once a body returns a failure, no thread
/// starts another index, so every index below the first failed one runs.
struct ConcurrentLoop: Sendable {
    /// The number of threads the loop starts.
    let threadCount: Int
    /// The name of the threads the loop starts, for debuggers and `top -H`.
    let threadName: String

    /// Makes a loop of `threadCount` threads (at least 1).
    init(threadCount: Int, threadName: String) {
        self.threadCount = max(1, threadCount)
        self.threadName = threadName
    }

    /// Returns the thread count that uses every core the process may run on, up to `limit`.
    static func coreCount(limit: Int) -> Int {
        min(max(1, ProcessInfo.processInfo.activeProcessorCount), limit)
    }
}

extension ConcurrentLoop {
    /// Calls `produce` for each index in `0..<count` on `threadCount` new threads, while the
    /// calling thread passes each result to `consume` in index order as soon as it is there.
    /// An index gets nil when a failure stopped the loop before any thread started it.
    /// Once `consume` throws, no thread starts another index, and the error is rethrown
    /// after every thread has finished.
    func runInOrder<Success: Sendable>(
        count: Int, produce: @escaping @Sendable (Int) -> Result<Success, any Error>,
        consume: (Int, Result<Success, any Error>?) throws -> Void
    ) throws {
        let shared = LoopShared<Success>(count: count)
        let produced = DispatchSemaphore(value: 0)
        let finished = DispatchGroup()
        for number in 0..<min(threadCount, count) {
            finished.enter()
            let thread = Thread {
                while let index = shared.state.withLock({ $0.takeIndex() }) {
                    let result = produce(index)
                    shared.state.withLock { $0.record(result, at: index) }
                    produced.signal()
                }
                finished.leave()
            }
            thread.name = "\(threadName)-\(number + 1)"
            thread.start()
        }
        defer { finished.wait() }

        for index in 0..<count {
            // Each recorded result signals once, so a wait ends when some index is done.
            while !shared.state.withLock({ $0.isSettled(index) }) {
                produced.wait()
            }
            do {
                try consume(index, shared.state.withLock { $0.results[index] })
            } catch {
                shared.state.withLock { $0.failed = true }
                throw error
            }
        }
    }
}

/// The state that the threads of one `ConcurrentLoop.runInOrder` share.
private final class LoopShared<Success: Sendable>: Sendable {
    let state: Mutex<LoopState<Success>>

    init(count: Int) {
        state = Mutex(LoopState(results: Array(repeating: nil, count: count)))
    }
}

private struct LoopState<Success> {
    var results: [Result<Success, any Error>?]
    var nextIndex = 0
    var failed = false

    mutating func takeIndex() -> Int? {
        guard !failed, nextIndex < results.count else { return nil }
        defer { nextIndex += 1 }
        return nextIndex
    }

    /// Returns whether `index` has its result or will never get one, because a failure
    /// stopped the loop before any thread took it.
    func isSettled(_ index: Int) -> Bool {
        results[index] != nil || (failed && index >= nextIndex)
    }

    mutating func record(_ result: Result<Success, any Error>, at index: Int) {
        results[index] = result
        if case .failure = result { failed = true }
    }
}
