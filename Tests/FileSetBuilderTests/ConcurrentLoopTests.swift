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

        func enter(_ index: Int) {
            let now = running.add(1, ordering: .sequentiallyConsistent).newValue
            maxRunning.max(now, ordering: .sequentiallyConsistent)
            calls.withLock { $0.append(index) }
        }

        func leave() {
            running.subtract(1, ordering: .sequentiallyConsistent)
        }
    }

    struct PlannedFailure: Error, Equatable {
        let index: Int
    }

    @Test("in-order run hands results in order")
    func inOrderRunConsumesInOrder() throws {
        let probe = Probe()
        let loop = ConcurrentLoop(threadCount: 2, threadName: "loop-test")
        var consumed: [Int] = []

        try loop.runInOrder(count: 300) { index -> Result<Int, any Error> in
            probe.enter(index)
            defer { probe.leave() }
            // Later indices finish first now and then, so the caller has to wait for order.
            usleep(index % 7 == 0 ? 900 : 50)
            return .success(index * 2)
        } consume: { index, result in
            let value = try result?.get()
            #expect(value == index * 2)
            consumed.append(index)
        }

        #expect(consumed == Array(0..<300))
        #expect(probe.running.load(ordering: .sequentiallyConsistent) == 0)
        #expect(probe.maxRunning.load(ordering: .sequentiallyConsistent) <= 2)
    }

    @Test("in-order consumer error stops producers")
    func inOrderConsumerErrorStops() {
        let probe = Probe()
        let loop = ConcurrentLoop(threadCount: 2, threadName: "loop-test")
        var consumed: [Int] = []

        #expect(throws: PlannedFailure(index: 5)) {
            try loop.runInOrder(count: 1000) { index -> Result<Int, any Error> in
                probe.enter(index)
                defer { probe.leave() }
                usleep(200)
                return .success(index)
            } consume: { index, _ in
                consumed.append(index)
                if index == 5 { throw PlannedFailure(index: index) }
            }
        }

        // Every producer has returned before the error reaches the caller.
        #expect(probe.running.load(ordering: .sequentiallyConsistent) == 0)
        #expect(consumed == Array(0...5))
        #expect(probe.calls.withLock { $0.count } < 1000)
    }

    @Test("in-order producer failure reaches consumer")
    func inOrderProducerFailure() throws {
        let loop = ConcurrentLoop(threadCount: 2, threadName: "loop-test")
        var outcomes: [Int: Bool] = [:]

        try loop.runInOrder(count: 500) { index -> Result<Int, any Error> in
            usleep(100)
            return index == 3 ? .failure(PlannedFailure(index: index)) : .success(index)
        } consume: { index, result in
            if let result { outcomes[index] = (try? result.get()) != nil }
        }

        #expect(outcomes[0] == true)
        #expect(outcomes[1] == true)
        #expect(outcomes[2] == true)
        #expect(outcomes[3] == false)
        #expect(outcomes.count < 500)
    }

    @Test("in-order run of zero indices")
    func inOrderZeroIndices() throws {
        let loop = ConcurrentLoop(threadCount: 2, threadName: "loop-test")
        var consumed = 0

        try loop.runInOrder(count: 0) { _ -> Result<Int, any Error> in
            .success(1)
        } consume: {
            _, _ in
            consumed += 1
        }

        #expect(consumed == 0)
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
        #expect(
            images.map(\.referencedFileID)
                == (1...24).reversed().map {
                    String(format: "DICOM/ST000001/SE000001/IM%06d", $0)
                })
        #expect(
            images.map(\.referencedSOPInstanceUID)
                == plan.instances.reversed().map(\.sopInstanceUID))
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
