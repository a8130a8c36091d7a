import Foundation
import Glibc
import MediaCenterCore
import TestSupport
import Testing

@testable import DicomNetwork

extension DicomNetworkSuite {
    /// Real peers against a real SCP on 127.0.0.1.
    @Suite struct StorageSCPTests {
        static let ctImage = "1.2.840.10008.5.1.4.1.1.2"
        static let explicitVRLittleEndian = "1.2.840.10008.1.2.1"
        static let implicitVRLittleEndian = "1.2.840.10008.1.2"
        static let jpegLossless = "1.2.840.10008.1.2.4.70"
        static let rleLossless = "1.2.840.10008.1.2.5"

        /// Starts an SCP on a free port of 127.0.0.1 with the AE title CDP_PRINTER.
        private func startSCP(
            _ delegate: RecordingDelegate,
            _ change: (inout StorageSCPConfiguration) -> Void = { _ in }
        ) throws -> StorageSCP {
            var configuration = StorageSCPConfiguration(
                aeTitles: [Peers.calledAETitle], bindAddress: "127.0.0.1", port: 0)
            change(&configuration)
            let scp = StorageSCP(configuration: configuration, delegate: delegate)
            try scp.start()
            return scp
        }

        /// Checks that the instance the delegate received matches the file that was sent.
        private func expectReceived(
            _ instance: ReceivedInstance, equals original: String, transferSyntax: String,
            sourceLocation: SourceLocation = #_sourceLocation
        ) throws {
            let sent = try DicomFile(path: original)
            let received = try DicomFile(path: instance.temporaryPath)

            #expect(
                instance.sopClassUID == sent.string(0x0008, 0x0016), sourceLocation: sourceLocation)
            #expect(
                instance.sopInstanceUID == sent.string(0x0008, 0x0018),
                sourceLocation: sourceLocation)
            #expect(instance.transferSyntaxUID == transferSyntax, sourceLocation: sourceLocation)
            #expect(received.transferSyntaxUID == transferSyntax, sourceLocation: sourceLocation)
            let meta = try DicomBytes.metaElements(ofFileAt: instance.temporaryPath)
            #expect(meta["0002,0002"] == instance.sopClassUID, sourceLocation: sourceLocation)
            #expect(meta["0002,0003"] == instance.sopInstanceUID, sourceLocation: sourceLocation)
            #expect(meta["0002,0010"] == transferSyntax, sourceLocation: sourceLocation)
            #expect(
                meta["0002,0012"] == ImplementationIdentity.classUID, sourceLocation: sourceLocation
            )
            #expect(
                meta["0002,0013"] == ImplementationIdentity.versionName,
                sourceLocation: sourceLocation)
            #expect(meta["0002,0016"] == instance.callingAETitle, sourceLocation: sourceLocation)
            #expect(
                try DicomBytes.dataSet(ofFileAt: instance.temporaryPath)
                    == DicomBytes.dataSet(ofFileAt: original),
                "data set bytes differ", sourceLocation: sourceLocation)

            let size = try DicomBytes.dataSet(ofFileAt: instance.temporaryPath).count
            if size <= ReceivedDataSet.maxParsedSize {
                try expectParsedEqualsFile(instance, sourceLocation: sourceLocation)
            } else {
                #expect(instance.dataSet == .notParsed, sourceLocation: sourceLocation)
            }
        }

        /// Elements whose values the parse in memory and the parse of the file must agree on:
        /// the keys an instance is filed by, and a few more of other VRs.
        static let comparedElements: [(UInt16, UInt16)] = [
            (0x0008, 0x0005), (0x0008, 0x0016), (0x0008, 0x0018), (0x0008, 0x0020),
            (0x0008, 0x0050), (0x0008, 0x0060), (0x0010, 0x0010), (0x0010, 0x0020),
            (0x0020, 0x000D), (0x0020, 0x000E), (0x0020, 0x0013), (0x0028, 0x0010),
        ]

        /// Checks that the data set parsed while it arrived has the values of the file.
        private func expectParsedEqualsFile(
            _ instance: ReceivedInstance, sourceLocation: SourceLocation = #_sourceLocation
        ) throws {
            guard case .parsed(let parsed) = instance.dataSet else {
                Issue.record(
                    "expected a parsed data set, got \(instance.dataSet)",
                    sourceLocation: sourceLocation)
                return
            }
            let file = try DicomFile(path: instance.temporaryPath)

            #expect(
                parsed.transferSyntaxUID == instance.transferSyntaxUID,
                sourceLocation: sourceLocation)
            #expect(
                parsed.string(0x0008, 0x0018) == instance.sopInstanceUID,
                sourceLocation: sourceLocation)
            for (group, element) in Self.comparedElements {
                let tag = String(format: "(%04X,%04X)", group, element)
                #expect(
                    parsed.bytes(group, element) == file.bytes(group, element), "\(tag)",
                    sourceLocation: sourceLocation)
                #expect(
                    parsed.utf8String(group, element) == file.utf8String(group, element),
                    "\(tag)", sourceLocation: sourceLocation)
            }
        }

        // MARK: - Verification and storage

        @Test func echoscuGetsSuccess() throws {
            let delegate = try RecordingDelegate()
            let scp = try startSCP(delegate)
            defer { scp.stop() }

            let result = try Peers.echo(port: scp.port)

            #expect(result.status == 0, "echoscu: \(result.errors)")
            #expect(delegate.wait { $0.ends == [.released] })
            #expect(delegate.echoCount == 1)
            let accepted = delegate.events.compactMap {
                if case .accepted(let info) = $0 { info } else { nil }
            }
            #expect(accepted.first?.callingAETitle == "ECHO_SCU")
            #expect(accepted.first?.calledAETitle == "CDP_PRINTER")
            #expect(accepted.first?.peerAddress == "127.0.0.1")
        }

        @Test func storescuFilesArriveIntact() throws {
            let delegate = try RecordingDelegate()
            let scp = try startSCP(delegate)
            defer { scp.stop() }
            let files = [try TestFiles.path("CT_small.dcm"), try TestFiles.path("MR_small.dcm")]

            let result = try Peers.store(port: scp.port, files: files)

            #expect(result.status == 0, "storescu: \(result.errors)")
            #expect(delegate.wait { $0.ends == [.released] })
            let instances = delegate.instances
            try #require(instances.count == 2)
            for (instance, file) in zip(instances, files) {
                #expect(instance.callingAETitle == "STORE_SCU")
                #expect(instance.calledAETitle == "CDP_PRINTER")
                #expect(instance.temporaryPath.hasPrefix(delegate.folder))
                try expectReceived(
                    instance, equals: file, transferSyntax: Self.explicitVRLittleEndian)
            }
        }

        @Test func implicitSyntaxIsKeptWhenProposedAlone() throws {
            let delegate = try RecordingDelegate()
            let scp = try startSCP(delegate)
            defer { scp.stop() }
            let files = [
                try TestFiles.path("MR_small_implicit.dcm"), try TestFiles.path("rtplan.dcm"),
            ]

            let result = try Peers.store(port: scp.port, files: files, options: ["-xi"])

            #expect(result.status == 0, "storescu: \(result.errors)")
            #expect(delegate.wait { $0.ends == [.released] })
            try #require(delegate.instances.count == 2)
            for (instance, file) in zip(delegate.instances, files) {
                try expectReceived(
                    instance, equals: file, transferSyntax: Self.implicitVRLittleEndian)
            }
        }

        @Test func jpegLosslessKeepsItsSyntax() throws {
            let delegate = try RecordingDelegate()
            let scp = try startSCP(delegate)
            defer { scp.stop() }
            let file = try TestFiles.path("JPGLosslessP14SV1_1s_1f_8b.dcm")

            let result = try Peers.store(port: scp.port, files: [file], options: ["-xs"])

            #expect(result.status == 0, "storescu: \(result.errors)")
            #expect(delegate.wait { $0.ends == [.released] })
            let instance = try #require(delegate.instances.first)
            try expectReceived(instance, equals: file, transferSyntax: Self.jpegLossless)
        }

        @Test func rleKeepsItsSyntax() throws {
            let delegate = try RecordingDelegate()
            let scp = try startSCP(delegate)
            defer { scp.stop() }
            let files = [
                try TestFiles.path("MR_small_RLE.dcm"), try TestFiles.path("emri_small_RLE.dcm"),
            ]

            let result = try Peers.store(port: scp.port, files: files, options: ["-xr"])

            #expect(result.status == 0, "storescu: \(result.errors)")
            #expect(delegate.wait { $0.ends == [.released] })
            try #require(delegate.instances.count == 2)
            for (instance, file) in zip(delegate.instances, files) {
                try expectReceived(instance, equals: file, transferSyntax: Self.rleLossless)
            }
        }

        @Test func smallPDUsCarryMultiFrameFile() throws {
            let delegate = try RecordingDelegate()
            let scp = try startSCP(delegate) { $0.maxPDUSize = 4096 }
            defer { scp.stop() }
            let file = try TestFiles.path("US1_UNCR.dcm")

            let result = try Peers.store(port: scp.port, files: [file])

            #expect(result.status == 0, "storescu: \(result.errors)")
            #expect(delegate.wait { $0.ends == [.released] })
            let instance = try #require(delegate.instances.first)
            try expectReceived(instance, equals: file, transferSyntax: Self.explicitVRLittleEndian)
        }

        // MARK: - Parsing while receiving

        @Test func dataSetAboveLimitIsNotParsed() throws {
            let delegate = try RecordingDelegate()
            let scp = try startSCP(delegate)
            defer { scp.stop() }
            // A 7 MB computed radiography image, then a small one on the same association.
            let files = [try TestFiles.path("RG1_UNCR.dcm"), try TestFiles.path("CT_small.dcm")]
            try #require(
                try DicomBytes.dataSet(ofFileAt: files[0]).count > ReceivedDataSet.maxParsedSize)

            let result = try Peers.store(port: scp.port, files: files)

            #expect(result.status == 0, "storescu: \(result.errors)")
            #expect(delegate.wait { $0.ends == [.released] })
            try #require(delegate.instances.count == 2)
            #expect(delegate.instances[0].dataSet == .notParsed)
            for (instance, file) in zip(delegate.instances, files) {
                try expectReceived(
                    instance, equals: file, transferSyntax: Self.explicitVRLittleEndian)
            }
        }

        @Test(arguments: ["half", "pixel-header"])
        func truncatedDataSetIsUnparsable(cut: String) throws {
            let delegate = try RecordingDelegate()
            let scp = try startSCP(delegate)
            defer { scp.stop() }

            let outcome = try Peers.script(
                "store-truncated", port: scp.port, [try TestFiles.path("CT_small.dcm"), cut],
                as: Stored.self)

            // The delegate decides the status, and this one returns 0000 for every instance.
            #expect(outcome.responses.map(\.status) == [0x0000])
            #expect(delegate.wait { $0.ends == [.released] })
            let instance = try #require(delegate.instances.first)
            guard case .unparsable(let error) = instance.dataSet else {
                Issue.record("expected an unparsable data set, got \(instance.dataSet)")
                return
            }
            #expect(error.code == .parseFailure)
            #expect(error.cause?.contains("ends inside an element") == true, "\(error)")
            #expect(error.cause?.contains(instance.sopInstanceUID) == true, "\(error)")
            // The file still contains every byte that arrived.
            #expect(FileManager.default.fileExists(atPath: instance.temporaryPath))
        }

        // MARK: - Negotiation

        struct Negotiation: Decodable {
            let established: Bool
            let contexts: [Peers.NegotiatedContext]
            let store_status: Int?
            let echo_status: Int?
        }

        @Test func contextsAreNegotiatedOneByOne() throws {
            let delegate = try RecordingDelegate()
            let scp = try startSCP(delegate)
            defer { scp.stop() }

            let outcome = try Peers.script(
                "negotiate", port: scp.port, [try TestFiles.path("CT_small.dcm")],
                as: Negotiation.self)

            try #require(outcome.established)
            let results = outcome.contexts.map {
                "\($0.id) \($0.result) \($0.transfer_syntax ?? "-")"
            }
            #expect(
                results == [
                    "1 0 \(Self.explicitVRLittleEndian)",
                    // A SOP class outside the table: abstract syntax not supported.
                    "3 3 -",
                    // Our order of preference wins over the peer's.
                    "5 0 \(Self.implicitVRLittleEndian)",
                    "7 0 \(Self.jpegLossless)",
                    // JPEG Baseline only: transfer syntaxes not supported.
                    "9 4 -",
                    // A duplicate of context 1.
                    "11 0 \(Self.explicitVRLittleEndian)",
                    "13 0 \(Self.implicitVRLittleEndian)",
                ])
            #expect(outcome.store_status == 0)
            #expect(outcome.echo_status == 0)
            #expect(delegate.wait { $0.ends == [.released] })
            #expect(delegate.instances.count == 1)
            let accepted = delegate.events.compactMap {
                if case .accepted(let info) = $0 { info } else { nil }
            }
            #expect(accepted.first?.proposedContexts == 7)
            #expect(accepted.first?.acceptedContexts == 5)
        }

        struct LargeRequest: Decodable {
            let established: Bool
            let accepted: Int?
            let rejected: Int?
            let first_transfer_syntax: String?
            let echo_status: Int?
        }

        @Test func maxContextsAndSyntaxesAreNegotiated() throws {
            let delegate = try RecordingDelegate()
            let scp = try startSCP(delegate)
            defer { scp.stop() }

            let outcome = try Peers.script("large-request", port: scp.port, as: LargeRequest.self)

            #expect(outcome.established)
            // 1 + 127 contexts, of which 31 (every fourth of the 127) name an unknown SOP class.
            #expect(outcome.accepted == 97)
            #expect(outcome.rejected == 31)
            #expect(outcome.first_transfer_syntax == Self.explicitVRLittleEndian)
            #expect(outcome.echo_status == 0)
        }

        @Test func wrongCalledTitleIsRejected() throws {
            let delegate = try RecordingDelegate()
            let scp = try startSCP(delegate)
            defer { scp.stop() }

            let result = try Peers.echo(port: scp.port, called: "NOT_ME")

            #expect(result.status != 0)
            #expect(result.errors.contains("Called AE Title Not Recognized"), "\(result.errors)")
            #expect(delegate.wait { !$0.rejections.isEmpty })
            #expect(delegate.rejections == [.calledAETitleNotRecognized])
            #expect(
                delegate.rejectedRequests == [
                    AssociationRequest(
                        callingAETitle: "ECHO_SCU", calledAETitle: "NOT_ME",
                        peerAddress: "127.0.0.1")
                ])
        }

        @Test func unauthorizedCallingTitleIsRejected() throws {
            let delegate = try RecordingDelegate()
            delegate.configure { $0.rejectedCallingAETitles = ["INTRUDER"] }
            let scp = try startSCP(delegate)
            defer { scp.stop() }

            let rejected = try Peers.echo(port: scp.port, calling: "INTRUDER")
            let allowed = try Peers.echo(port: scp.port, calling: "FRIEND")

            #expect(rejected.status != 0)
            #expect(
                rejected.errors.contains("Calling AE Title Not Recognized"), "\(rejected.errors)")
            #expect(allowed.status == 0, "echoscu: \(allowed.errors)")
            #expect(delegate.wait { $0.ends.count == 1 })
            #expect(delegate.wait { !$0.rejections.isEmpty })
            #expect(delegate.rejections == [.callingAETitleNotRecognized])
            #expect(delegate.rejectionReasons == ["test rejects INTRUDER"])
        }

        @Test func shortResourceRejectsAsTransientWithoutReason() throws {
            let delegate = try RecordingDelegate()
            delegate.configure { $0.busyCallingAETitles = ["BUSY_SCU"] }
            let scp = try startSCP(delegate)
            defer { scp.stop() }

            let rejected = try Peers.echo(port: scp.port, calling: "BUSY_SCU")

            #expect(rejected.status != 0)
            #expect(delegate.wait { !$0.rejections.isEmpty })
            #expect(delegate.rejections == [.resourceLimit])
            #expect(delegate.rejections.first?.result == 2)
            #expect(delegate.rejectionReasons == ["test is busy"])
        }

        struct Rejected: Decodable {
            struct Rejection: Decodable {
                let result: Int?
                let source: Int?
                let reason: Int?
            }

            let established: Bool
            let rejection: Rejection
        }

        @Test func foreignApplicationContextIsRejected() throws {
            let delegate = try RecordingDelegate()
            let scp = try startSCP(delegate)
            defer { scp.stop() }

            let outcome = try Peers.script(
                "wrong-application-context", port: scp.port, as: Rejected.self)

            #expect(!outcome.established)
            #expect(outcome.rejection.result == 1)
            #expect(outcome.rejection.source == 1)
            #expect(outcome.rejection.reason == 2)
            #expect(delegate.wait { !$0.rejections.isEmpty })
            #expect(delegate.rejections == [.applicationContextNotSupported])
        }

        // MARK: - Failures

        struct Aborted: Decodable {
            let established: Bool
            let fragments: Int
        }

        @Test func abortMidStoreLeavesNoFile() throws {
            let delegate = try RecordingDelegate()
            let scp = try startSCP(delegate)
            defer { scp.stop() }

            let outcome = try Peers.script(
                "abort-mid-store", port: scp.port, [try TestFiles.path("CT_small.dcm")],
                as: Aborted.self)

            #expect(outcome.established)
            #expect(outcome.fragments == 3)
            #expect(delegate.wait { $0.ends == [.abortedByPeer] })
            #expect(delegate.instances.isEmpty)
            let left = try FileManager.default.contentsOfDirectory(atPath: delegate.folder)
            #expect(left.isEmpty, "left behind: \(left)")

            let next = try Peers.echo(port: scp.port)
            #expect(next.status == 0, "echoscu after the abort: \(next.errors)")
        }

        @Test func vanishedPeerLeavesNoFile() throws {
            let delegate = try RecordingDelegate()
            let scp = try startSCP(delegate)
            defer { scp.stop() }

            let outcome = try Peers.script(
                "vanish-mid-store", port: scp.port, [try TestFiles.path("CT_small.dcm")],
                as: Aborted.self)

            #expect(outcome.fragments == 3)
            #expect(delegate.wait { $0.ends == [.abortedByPeer] })
            #expect(delegate.instances.isEmpty)
            let left = try FileManager.default.contentsOfDirectory(atPath: delegate.folder)
            #expect(left.isEmpty, "left behind: \(left)")
        }

        struct Stored: Decodable {
            struct Response: Decodable {
                let status: Int
                let comment: String
            }

            let established: Bool
            let responses: [Response]
        }

        @Test func unwritableTemporaryFileAnswersA700() throws {
            let delegate = try RecordingDelegate()
            delegate.configure {
                $0.fixedTemporaryPath = delegate.folder + "/missing/instance.part"
            }
            let scp = try startSCP(delegate)
            defer { scp.stop() }
            let files = [try TestFiles.path("CT_small.dcm"), try TestFiles.path("MR_small.dcm")]

            let outcome = try Peers.script("store", port: scp.port, files, as: Stored.self)

            #expect(outcome.established)
            #expect(outcome.responses.map(\.status) == [0xA700, 0xA700])
            #expect(outcome.responses.first?.comment == "cannot write the received data set")
            #expect(delegate.wait { $0.ends == [.released] })
            #expect(delegate.instances.isEmpty)
            #expect(delegate.storeFailures.map(\.status) == [0xA700, 0xA700])
            #expect(delegate.storeFailures.first?.error.code == .ioFailure)
        }

        @Test func writeFailureMidStoreAnswersA700() throws {
            let delegate = try RecordingDelegate()
            let scp = try startSCP(delegate)
            defer { scp.stop() }
            let files = [try TestFiles.path("CT_small.dcm"), try TestFiles.path("MR_small.dcm")]

            // A file size limit of 20000 bytes makes write(2) fail with EFBIG in the middle
            // of the 39 KB CT data set, as a full disk would with ENOSPC; the 10 KB MR fits.
            // The limit holds for the whole process and the peer it starts, so the suite runs
            // its tests one at a time.
            let previousHandler = signal(SIGXFSZ, SIG_IGN)
            var previousLimit = rlimit()
            getrlimit(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), &previousLimit)
            var limit = previousLimit
            limit.rlim_cur = 20_000
            setrlimit(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), &limit)
            let outcome = Result {
                try Peers.script("store", port: scp.port, files, as: Stored.self)
            }
            setrlimit(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), &previousLimit)
            signal(SIGXFSZ, previousHandler)

            let responses = try outcome.get().responses
            #expect(responses.map(\.status) == [0xA700, 0x0000])
            #expect(responses.first?.comment == "cannot write the received data set")
            #expect(delegate.wait { $0.ends == [.released] })
            #expect(delegate.instances.map(\.sopClassUID) == ["1.2.840.10008.5.1.4.1.1.4"])
            let failure = try #require(delegate.storeFailures.first)
            #expect(failure.status == 0xA700)
            #expect(failure.error.code == .ioFailure)
            #expect(failure.error.message.hasPrefix("cannot write the temporary file"))
            #expect(failure.error.message.contains("File too large"), "\(failure.error)")
            let left = try FileManager.default.contentsOfDirectory(atPath: delegate.folder)
            #expect(left.count == 1, "files: \(left)")
        }

        @Test func existingTemporaryFileIsKept() throws {
            let delegate = try RecordingDelegate()
            let existing = delegate.folder + "/existing.part"
            try "keep".write(toFile: existing, atomically: true, encoding: .utf8)
            delegate.configure { $0.fixedTemporaryPath = existing }
            let scp = try startSCP(delegate)
            defer { scp.stop() }

            let outcome = try Peers.script(
                "store", port: scp.port, [try TestFiles.path("CT_small.dcm")], as: Stored.self)

            #expect(outcome.responses.map(\.status) == [0xA700])
            #expect(try String(contentsOfFile: existing, encoding: .utf8) == "keep")
            #expect(delegate.wait { $0.ends == [.released] })
        }

        @Test func delegateStatusGoesBack() throws {
            let delegate = try RecordingDelegate()
            delegate.configure {
                $0.response = StoreResponse(status: 0xA900, errorComment: "does not match\\class")
            }
            let scp = try startSCP(delegate)
            defer { scp.stop() }

            let outcome = try Peers.script(
                "store", port: scp.port, [try TestFiles.path("CT_small.dcm")], as: Stored.self)

            #expect(outcome.responses.map(\.status) == [0xA900])
            // A backslash is not allowed in LO, so it becomes a space.
            #expect(outcome.responses.first?.comment == "does not match class")
        }

        @Test func storeOnForeignContextAnswers0122() throws {
            let delegate = try RecordingDelegate()
            let scp = try startSCP(delegate)
            defer { scp.stop() }
            let files = [try TestFiles.path("CT_small.dcm"), try TestFiles.path("MR_small.dcm")]

            let outcome = try Peers.script(
                "mismatched-store", port: scp.port, files, as: Stored.self)

            #expect(outcome.responses.map(\.status) == [0x0122, 0x0000])
            #expect(
                outcome.responses.first?.comment
                    == "SOP class differs from the presentation context")
            #expect(delegate.wait { $0.ends == [.released] })
            #expect(delegate.instances.map(\.sopClassUID) == [Self.ctImage])
            #expect(delegate.storeFailures.map(\.status) == [0x0122])
            #expect(delegate.storeFailures.first?.error.code == .unsupported)
        }

        @Test func findRequestAbortsAssociation() throws {
            let delegate = try RecordingDelegate()
            let scp = try startSCP(delegate)
            defer { scp.stop() }

            let outcome = try Peers.script("find-on-storage-context", port: scp.port, as: Idle.self)

            #expect(outcome.established)
            #expect(outcome.aborted)
            #expect(delegate.wait { !$0.ends.isEmpty })
            guard case .failed(let error)? = delegate.ends.first else {
                Issue.record("expected a failed association, got \(delegate.ends)")
                return
            }
            #expect(error.code == .unsupported)
            #expect(error.message.contains("C-FIND-RQ"))
        }

        struct Idle: Decodable {
            let established: Bool
            let aborted: Bool
        }

        @Test func idlePeerTimesOut() throws {
            let delegate = try RecordingDelegate()
            let scp = try startSCP(delegate) { $0.dimseTimeout = 1 }
            defer { scp.stop() }

            let outcome = try Peers.script("idle", port: scp.port, ["6"], as: Idle.self)

            #expect(outcome.established)
            #expect(outcome.aborted)
            #expect(delegate.wait { $0.ends == [.timedOut] })
        }

        // MARK: - Connections and threads

        /// Opens a TCP connection to the SCP that sends nothing.
        private func connectSilently(port: Int) throws -> Int32 {
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            try #require(descriptor >= 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            try #require(connected == 0)
            return descriptor
        }

        @Test func silentPeerBlocksNoOne() throws {
            let delegate = try RecordingDelegate()
            let scp = try startSCP(delegate) { $0.associationTimeout = 2 }
            defer { scp.stop() }
            let silent = try connectSilently(port: scp.port)
            defer { close(silent) }
            #expect(delegate.wait { _ in scp.workerCount == 1 })

            let started = Date()
            let result = try Peers.echo(port: scp.port)
            let elapsed = Date().timeIntervalSince(started)

            #expect(result.status == 0, "echoscu: \(result.errors)")
            #expect(elapsed < 1.5, "echo took \(elapsed) s while a silent peer was connected")
            #expect(delegate.wait { $0.failures.count == 1 })
            #expect(delegate.failures.first?.code == .networkFailure)
        }

        @Test func partialRequestTimesOut() throws {
            let delegate = try RecordingDelegate()
            let scp = try startSCP(delegate) {
                $0.associationTimeout = 1
                $0.dimseTimeout = 30
            }
            defer { scp.stop() }
            let peer = try connectSilently(port: scp.port)
            defer { close(peer) }

            // The header of an A-ASSOCIATE-RQ of 68 bytes, then 4 of them, then nothing.
            var bytes: [UInt8] = [0x01, 0x00, 0x00, 0x00, 0x00, 0x44, 0x00, 0x01, 0x00, 0x00]
            #expect(write(peer, &bytes, bytes.count) == bytes.count)

            // DCMTK reads the rest of that PDU in blocking mode; the association timeout must
            // still end it, long before the DIMSE timeout.
            #expect(delegate.wait(timeout: 8) { $0.failures.count == 1 })
            #expect(delegate.failures.first?.code == .networkFailure)
        }

        @Test func limitRejectsAsTransient() throws {
            let delegate = try RecordingDelegate()
            let scp = try startSCP(delegate) { $0.maxAssociations = 1 }
            defer { scp.stop() }
            let holder = try Peers.Running(
                Peers.python, try Peers.scriptArguments("idle", port: scp.port, ["3"]))
            #expect(
                delegate.wait {
                    $0.events.contains { if case .accepted = $0 { true } else { false } }
                })

            let rejected = try Peers.echo(port: scp.port)
            _ = holder.wait(timeout: 30)
            #expect(delegate.wait { $0.ends.count == 1 })
            let accepted = try Peers.echo(port: scp.port)

            #expect(rejected.status != 0)
            #expect(rejected.errors.contains("Local Limit Exceeded"), "\(rejected.errors)")
            #expect(delegate.rejections == [.localLimitExceeded])
            #expect(delegate.rejectionReasons.first?.contains("max_associations") == true)
            #expect(accepted.status == 0, "echoscu after the limit: \(accepted.errors)")
        }

        @Test func silentConnectionsTakeNoSlot() throws {
            let delegate = try RecordingDelegate()
            let scp = try startSCP(delegate) {
                $0.maxAssociations = 1
                $0.associationTimeout = 5
            }
            defer { scp.stop() }
            let silent = try (0..<3).map { _ in try connectSilently(port: scp.port) }
            defer { silent.forEach { close($0) } }
            #expect(delegate.wait { _ in scp.workerCount == 3 })

            let echo = try Peers.echo(port: scp.port)

            #expect(echo.status == 0, "echoscu beside idle connections: \(echo.errors)")
            #expect(delegate.rejections.isEmpty)
        }

        /// Returns the names of the threads of this process, from /proc/self/task.
        private func threadNames() throws -> [String] {
            let tasks = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")
            return tasks.compactMap { task in
                let name = try? String(
                    contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8)
                return name?.trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }

        struct EchoCount: Decodable {
            let succeeded: Int
        }

        @Test func threadsReturnAfterManyAssociations() throws {
            let delegate = try RecordingDelegate()
            let scp = try startSCP(delegate)
            defer { scp.stop() }
            // One association first, so that threads the test process makes once exist already.
            #expect(try Peers.echo(port: scp.port).status == 0)
            #expect(delegate.wait { _ in scp.workerCount == 0 })
            let before = try threadNames()

            let outcome = try Peers.script(
                "echo-many", port: scp.port, ["100", "4"], as: EchoCount.self)

            #expect(outcome.succeeded == 100)
            #expect(delegate.wait { $0.ends.count == 101 })
            #expect(delegate.wait { _ in scp.workerCount == 0 })
            var after = try threadNames()
            for _ in 0..<100 where after.count > before.count {
                usleep(20_000)
                after = try threadNames()
            }
            #expect(after.count <= before.count, "before: \(before), after: \(after)")
            #expect(after.filter { $0.hasPrefix("dicom-assoc") }.isEmpty)
            #expect(after.filter { $0 == "dicom-accept" }.count == 1)
        }

        @Test func stopAbortsIdleAssociation() throws {
            let delegate = try RecordingDelegate()
            let scp = try startSCP(delegate)
            let peer = try Peers.Running(
                Peers.python, try Peers.scriptArguments("idle", port: scp.port, ["20"]))
            #expect(
                delegate.wait {
                    $0.events.contains { if case .accepted = $0 { true } else { false } }
                })

            let started = Date()
            scp.stop(gracePeriod: .milliseconds(300))
            let elapsed = Date().timeIntervalSince(started)
            let outcome = try Peers.decode(peer.wait(timeout: 30), as: Idle.self)

            #expect(elapsed < 3, "stop took \(elapsed) s")
            #expect(delegate.ends == [.stopped])
            #expect(outcome.aborted)
            #expect(try threadNames().filter { $0.hasPrefix("dicom-") }.isEmpty)
            #expect(throws: MediaCenterError.self) { try scp.start() }
        }

        @Test func portInUseNamesTheAddress() throws {
            let delegate = try RecordingDelegate()
            let first = try startSCP(delegate)
            defer { first.stop() }
            let second = StorageSCP(
                configuration: StorageSCPConfiguration(
                    aeTitles: ["CDP_PRINTER"], bindAddress: "127.0.0.1", port: first.port),
                delegate: delegate)

            let error = #expect(throws: MediaCenterError.self) { try second.start() }

            #expect(error?.code == .networkFailure)
            #expect(error?.message.contains("127.0.0.1:\(first.port)") == true)
        }

        @Test func invalidConfigurationStopsStart() throws {
            let delegate = try RecordingDelegate()
            let scp = StorageSCP(
                configuration: StorageSCPConfiguration(aeTitles: [], port: 0), delegate: delegate)

            let error = #expect(throws: MediaCenterError.self) { try scp.start() }

            #expect(error?.code == .invalidConfiguration)
            #expect(scp.port == 0)
        }
    }
}
