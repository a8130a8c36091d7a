import Foundation
import MediaCenterCore
import Synchronization
import Testing

@testable import Appliance

@Suite struct FolderSyncTests {
    /// A fake folder sync that takes a few milliseconds and records when each sync started
    /// and ended.
    final class SlowSync: Sendable {
        let log = Mutex<[(start: UInt64, end: UInt64)]>([])
        let clock = Atomic<UInt64>(0)
        let failing = Atomic<Bool>(false)

        func tick() -> UInt64 { clock.add(1, ordering: .sequentiallyConsistent).newValue }

        func sync(_ folder: String) throws {
            let start = tick()
            usleep(3_000)
            let end = tick()
            log.withLock { $0.append((start, end)) }
            if failing.load(ordering: .sequentiallyConsistent) {
                throw MediaCenterError(.ioFailure, "fsync failed")
            }
        }
    }

    @Test func concurrentCallersShareSyncs() throws {
        let fake = SlowSync()
        let folderSync = FolderSync { try fake.sync($0) }
        let callers = 8
        let rounds = 20
        let violations = Atomic<Int>(0)

        let finished = (0..<callers).map { _ in DispatchSemaphore(value: 0) }
        for done in finished {
            Thread {
                for _ in 0..<rounds {
                    let renamed = fake.tick()
                    try? folderSync.sync("/spool/20261204")
                    // A sync that started after the rename must have ended by now.
                    let covered = fake.log.withLock { log in
                        log.contains { $0.start > renamed }
                    }
                    if !covered { violations.add(1, ordering: .sequentiallyConsistent) }
                }
                done.signal()
            }.start()
        }
        for done in finished { done.wait() }

        #expect(violations.load(ordering: .sequentiallyConsistent) == 0)
        let syncs = fake.log.withLock { $0.count }
        #expect(syncs < callers * rounds)
        #expect(syncs >= rounds)
    }

    @Test func failureReachesEveryCoveredCaller() throws {
        let fake = SlowSync()
        fake.failing.store(true, ordering: .sequentiallyConsistent)
        let folderSync = FolderSync { try fake.sync($0) }

        #expect(throws: MediaCenterError.self) { try folderSync.sync("/spool/a") }

        fake.failing.store(false, ordering: .sequentiallyConsistent)
        try folderSync.sync("/spool/a")
        try folderSync.sync("/spool/b")
        #expect(fake.log.withLock { $0.count } == 3)
    }
}
