import Foundation
import Synchronization

/// Runs a blocking body for each index of a range on a few dedicated threads, off Swift's
/// cooperative pool, and returns only after every thread has finished.
///
/// Threads take the indices in increasing order. Once a body returns a failure, no thread
/// starts another index, so every index below the first failed one has run when `run`
/// returns.
struct ConcurrentLoop: Sendable {
    /// The number of threads, the calling thread included.
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

    /// Calls `body` for each index in `0..<count`, on the calling thread and
    /// `threadCount - 1` more, and returns the results by index. An index has no result
    /// when a body failed before any thread started it.
    func run<Success: Sendable>(
        count: Int, _ body: @escaping @Sendable (Int) -> Result<Success, any Error>
    ) -> [Result<Success, any Error>?] {
        let shared = LoopShared<Success>(count: count)
        let work: @Sendable () -> Void = {
            while let index = shared.state.withLock({ $0.takeIndex() }) {
                let result = body(index)
                shared.state.withLock { $0.record(result, at: index) }
            }
        }

        let helperCount = min(threadCount, count) - 1
        let finished = DispatchGroup()
        for number in 0..<max(0, helperCount) {
            finished.enter()
            let thread = Thread {
                work()
                finished.leave()
            }
            thread.name = "\(threadName)-\(number + 1)"
            thread.start()
        }
        work()
        finished.wait()
        return shared.state.withLock { $0.results }
    }
}

/// The state that the threads of one `ConcurrentLoop.run` share.
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

    mutating func record(_ result: Result<Success, any Error>, at index: Int) {
        results[index] = result
        if case .failure = result { failed = true }
    }
}
