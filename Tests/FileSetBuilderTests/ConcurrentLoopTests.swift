import Foundation
import MediaCenterCore
import Synchronization
import TestSupport
import Testing

@testable import FileSetBuilder

@Suite struct ConcurrentLoopTests {
    /// A recorder of the calls of one run, shared by its threads.
    final class Probe: Sendable {
        let running = Atomic<Int>(0)
        let maxRunning = Atomic<Int>(0)
        let calls = Mutex<[Int]>([])
        let threadNames = Mutex<Set<String>>([])

        func enter(_ index: Int) {
            let now = running.add(1, ordering: .sequentiallyConsistent).newValue
            maxRunning.max(now, ordering: .sequentiallyConsistent)
            calls.withLock { $0.append(index) }
            threadNames.withLock { _ = $0.insert(Thread.current.name ?? "") }
        }

        func leave() {
            running.subtract(1, ordering: .sequentiallyConsistent)
        }
    }

    struct PlannedFailure: Error, Equatable {
        let index: Int
    }

    @Test("every index runs once, results in order")
    func everyIndexRunsOnce() {
        let probe = Probe()
        let loop = ConcurrentLoop(threadCount: 2, threadName: "loop-test")

        let results = loop.run(count: 200) { index -> Result<Int, any Error> in
            probe.enter(index)
            defer { probe.leave() }
            usleep(100)
            return .success(index * 3)
        }

        #expect(results.count == 200)
        #expect(results.map { try? $0?.get() } == (0..<200).map { $0 * 3 })
        #expect(probe.calls.withLock { $0.sorted() } == Array(0..<200))
        #expect(probe.running.load(ordering: .sequentiallyConsistent) == 0)
        #expect(probe.maxRunning.load(ordering: .sequentiallyConsistent) <= 2)
    }

    @Test("helper threads carry the loop's name")
    func helperThreadsNamed() {
        let probe = Probe()
        let loop = ConcurrentLoop(threadCount: 3, threadName: "loop-test")

        _ = loop.run(count: 60) { index -> Result<Void, any Error> in
            probe.enter(index)
            defer { probe.leave() }
            usleep(500)
            return .success(())
        }

        let helpers = probe.threadNames.withLock { $0 }.filter { $0.hasPrefix("loop-test-") }
        #expect(helpers.isSubset(of: ["loop-test-1", "loop-test-2"]))
    }

    @Test("failure stops new indices, earlier ones finish")
    func failureStopsLoop() {
        let probe = Probe()
        let loop = ConcurrentLoop(threadCount: 2, threadName: "loop-test")

        let results = loop.run(count: 1000) { index -> Result<Int, any Error> in
            probe.enter(index)
            defer { probe.leave() }
            usleep(200)
            return index == 10 ? .failure(PlannedFailure(index: index)) : .success(index)
        }

        // Every body has returned before run does, so no thread is left working.
        #expect(probe.running.load(ordering: .sequentiallyConsistent) == 0)
        for index in 0..<10 {
            #expect((try? results[index]?.get()) == index)
        }
        #expect(throws: PlannedFailure(index: 10)) { try results[10]?.get() }
        // The other thread takes a few more indices at most while index 10 runs.
        let callCount = probe.calls.withLock { $0.count }
        #expect(callCount < 100)
        #expect(results.compactMap { $0 }.count == callCount)
    }

    @Test("one thread runs on the caller")
    func singleThreadUsesCaller() {
        let caller = pthread_self()
        let sameThread = Mutex(true)
        let loop = ConcurrentLoop(threadCount: 1, threadName: "loop-test")

        let results = loop.run(count: 5) { index -> Result<Int, any Error> in
            if pthread_equal(pthread_self(), caller) == 0 { sameThread.withLock { $0 = false } }
            return .success(index)
        }

        #expect(results.compactMap { try? $0?.get() } == [0, 1, 2, 3, 4])
        #expect(sameThread.withLock { $0 })
    }

    @Test("zero indices return at once")
    func zeroIndices() {
        let loop = ConcurrentLoop(threadCount: 2, threadName: "loop-test")
        let results = loop.run(count: 0) { _ -> Result<Int, any Error> in .success(1) }
        #expect(results.isEmpty)
    }
}

/// File-set builds of many instances, which run on more than one thread.
@Suite struct ConcurrentBuildTests {
    let builder = FileSetBuilder()

    /// Copies CT_small.dcm `count` times into `folder`, each copy with its own SOP Instance
    /// UID and Instance Number `count - index` (so the last copy has number 1).
    private func makeSlices(_ count: Int, in folder: String) throws -> [String] {
        let source = try TestFiles.path("CT_small.dcm")
        var paths: [String] = []
        for index in 0..<count {
            let path = folder + "/SLICE\(index).dcm"
            try FileManager.default.copyItem(atPath: source, toPath: path)
            let output = try runTool(
                "/usr/bin/dcmodify",
                [
                    "-nb", "-m", "(0008,0018)=1.2.826.0.1.3680043.10.1078.99.\(index + 1)",
                    "-m", "(0020,0013)=\(count - index)", path,
                ])
            try #require(output.status == 0, "dcmodify failed: \(output.text)")
            paths.append(path)
        }
        return paths
    }

    @Test("many instances keep DCMTK's record order")
    func manyInstancesRecordOrder() throws {
        let work = try TestFiles.makeTemporaryFolder("fileset-many")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let root = work + "/root"
        let plan = try makePlan(try makeSlices(24, in: work))

        let result = try builder.build(plan, into: root)
        let listing = try DicomDirListing.read(root + "/DICOMDIR")

        #expect(result.files.count == 24)
        let images = listing.records.filter { $0.recordType == "IMAGE" }
        // DCMTK sorts instance records by Instance Number, so the last file comes first.
        #expect(images.map(\.referencedFileID) == (1...24).reversed().map {
            String(format: "DICOM/ST000001/SE000001/IM%06d", $0)
        })
        #expect(images.map(\.referencedSOPInstanceUID) == plan.instances.reversed().map(\.sopInstanceUID))
    }

    @Test("damaged instance among many fails the build")
    func damagedInstanceFailsBuild() throws {
        let work = try TestFiles.makeTemporaryFolder("fileset-many")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let root = work + "/root"
        let paths = try makeSlices(16, in: work)
        let plan = try makePlan(paths)
        // Cut the ninth file in the middle of its data set, after the plan has its UIDs.
        let handle = try #require(FileHandle(forUpdatingAtPath: paths[8]))
        try handle.truncate(atOffset: 1000)
        try handle.close()

        let error = try #require(throws: MediaCenterError.self) {
            try builder.build(plan, into: root)
        }

        #expect(error.code == .parseFailure)
        #expect(error.message.contains(plan.instances[8].sopInstanceUID))
        #expect(!FileManager.default.fileExists(atPath: root))
    }
}
