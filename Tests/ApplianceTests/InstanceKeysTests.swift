import DicomNetwork
import Foundation
import MediaCenterCore
import Synchronization
import TestSupport
import Testing

@testable import Appliance

/// Reads the keys of each instance from the data set parsed while it arrived and from its
/// file, while the SCP hands the instance over.
private final class KeysDelegate: StorageDelegate {
    struct Read {
        var sopInstanceUID: String
        var dataSet: ReceivedDataSet
        var fromInstance: Result<InstanceKeys, any Error>
        var fromFile: Result<InstanceKeys, any Error>
    }

    let folder: String
    private let reads = Mutex<[Read]>([])

    init() throws {
        folder = try TestFiles.makeTemporaryFolder("keys")
    }

    deinit {
        try? FileManager.default.removeItem(atPath: folder)
    }

    var all: [Read] { reads.withLock { $0 } }

    func temporaryPath() -> String {
        folder + "/" + UUID().uuidString + ".part"
    }

    func store(_ instance: ReceivedInstance) -> StoreResponse {
        let read = Read(
            sopInstanceUID: instance.sopInstanceUID, dataSet: instance.dataSet,
            fromInstance: Result { try InstanceKeys(instance) },
            fromFile: Result { try InstanceKeys(path: instance.temporaryPath) })
        reads.withLock { $0.append(read) }
        return .success
    }
}

@Suite struct InstanceKeysTests {
    /// Sends `files` with DCMTK's storescu, and `options` selects the proposed syntaxes.
    private func send(_ files: [String], options: [String] = [], port: Int) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/storescu")
        process.arguments =
            ["-aet", "KEYS_SCU", "-aec", "CDP_PRINTER"] + options
            + ["127.0.0.1", String(port)] + files
        // Debian's DCMTK leaves Nagle's algorithm on unless this is set.
        var environment = ProcessInfo.processInfo.environment
        environment["TCP_NODELAY"] = "1"
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "storescu exited \(process.terminationStatus)")
    }

    @Test func receivedKeysEqualFileKeys() throws {
        let delegate = try KeysDelegate()
        let scp = StorageSCP(
            configuration: StorageSCPConfiguration(
                aeTitles: ["CDP_PRINTER"], bindAddress: "127.0.0.1", port: 0),
            delegate: delegate)
        try scp.start()
        defer { scp.stop() }

        // Explicit and Implicit VR, JPEG Lossless, RLE, an instance without Patient ID and one
        // without name and ID, and one above the size parsed in memory.
        try send(["CT_small.dcm", "RG1_UNCR.dcm"].map(TestFiles.path), port: scp.port)
        try send(
            ["MR_small_implicit.dcm", "rtplan.dcm"].map(TestFiles.path), options: ["-xi"],
            port: scp.port)
        try send(
            [TestFiles.path("JPGLosslessP14SV1_1s_1f_8b.dcm")], options: ["-xs"], port: scp.port)
        try send([TestFiles.path("emri_small_RLE.dcm")], options: ["-xr"], port: scp.port)

        let reads = delegate.all
        try #require(reads.count == 6)
        for read in reads {
            let fromFile = try read.fromFile.get()
            #expect(try read.fromInstance.get() == fromFile, "\(read.sopInstanceUID)")
            #expect(fromFile.sopInstanceUID == read.sopInstanceUID)
        }
        let parsedInMemory = reads.map { if case .parsed = $0.dataSet { true } else { false } }
        #expect(parsedInMemory == [true, false, true, true, true, true])
    }
}
