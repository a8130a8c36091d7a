import Foundation
import MediaCenterCore
import TestSupport
import Testing

@testable import DicomNetwork

extension DicomNetworkSuite {
    /// The extended SOP classes in association negotiation, with a pynetdicom peer against a
    /// real SCP on 127.0.0.1.
    @Suite struct ExtendedSOPClassNegotiationTests {
        static let segmentation = "1.2.840.10008.5.1.4.1.1.66.4"
        static let explicitVRLittleEndian = "1.2.840.10008.1.2.1"
        static let jpegLossless = "1.2.840.10008.1.2.4.70"

        /// The peer's outcome: each proposed context, and the status of each C-STORE.
        struct Outcome: Decodable {
            let established: Bool
            let contexts: [Peers.NegotiatedContext]
            let ct_status: Int?
            let segmentation_status: Int?
        }

        /// Proposes, in this order: Segmentation in Explicit VR LE, CT Image in Explicit VR LE,
        /// Segmentation in JPEG Lossless and Tractography Results in JPEG Lossless. Then sends
        /// the CT file of its argument, and a Segmentation instance made in memory when its
        /// context was accepted. Usage: -c SCRIPT PORT CALLED_AE CT_PATH.
        static let peer = #"""
            import json
            import sys

            from pydicom import dcmread
            from pydicom.dataset import Dataset, FileMetaDataset
            from pydicom.uid import generate_uid
            from pynetdicom import AE

            SEGMENTATION = "1.2.840.10008.5.1.4.1.1.66.4"
            TRACTOGRAPHY = "1.2.840.10008.5.1.4.1.1.66.6"
            CT_IMAGE = "1.2.840.10008.5.1.4.1.1.2"
            EXPLICIT = "1.2.840.10008.1.2.1"
            JPEG_LOSSLESS = "1.2.840.10008.1.2.4.70"

            port, called, ct_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
            ae = AE(ae_title="PY_PEER")
            ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = 10
            for abstract, syntax in [(SEGMENTATION, EXPLICIT), (CT_IMAGE, EXPLICIT),
                                     (SEGMENTATION, JPEG_LOSSLESS), (TRACTOGRAPHY, JPEG_LOSSLESS)]:
                ae.add_requested_context(abstract, [syntax])
            assoc = ae.associate("127.0.0.1", port, ae_title=called)
            result = {"established": assoc.is_established, "contexts": []}
            if assoc.is_established:
                contexts = assoc.accepted_contexts + assoc.rejected_contexts
                for context in sorted(contexts, key=lambda c: c.context_id):
                    accepted = context.result == 0
                    result["contexts"].append({
                        "id": context.context_id,
                        "abstract": str(context.abstract_syntax),
                        "result": context.result,
                        "transfer_syntax": str(context.transfer_syntax[0]) if accepted else None,
                    })
                result["ct_status"] = int(assoc.send_c_store(dcmread(ct_path)).Status)
                if any(c.abstract_syntax == SEGMENTATION for c in assoc.accepted_contexts):
                    ds = Dataset()
                    ds.SOPClassUID, ds.SOPInstanceUID = SEGMENTATION, generate_uid()
                    ds.PatientName, ds.PatientID = "Test^Extended", "EXT-TEST-1"
                    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
                    ds.Modality = "SEG"
                    ds.file_meta = FileMetaDataset()
                    ds.file_meta.TransferSyntaxUID = EXPLICIT
                    result["segmentation_status"] = int(assoc.send_c_store(ds).Status)
                assoc.release()
            print(json.dumps(result))
            """#

        /// Runs the peer against an SCP whose extended set is `extended`, and returns the
        /// peer's outcome and the instances the SCP received.
        private func negotiate(extended: Bool) throws -> (Outcome, [ReceivedInstance]) {
            let delegate = try RecordingDelegate()
            var configuration = StorageSCPConfiguration(
                aeTitles: [Peers.calledAETitle], bindAddress: "127.0.0.1", port: 0)
            configuration.acceptsExtendedSOPClasses = extended
            let scp = StorageSCP(configuration: configuration, delegate: delegate)
            try scp.start()
            defer { scp.stop() }

            let run = try Peers.run(
                Peers.python,
                [
                    "-c", Self.peer, String(scp.port), Peers.calledAETitle,
                    try TestFiles.path("CT_small.dcm"),
                ])
            let outcome = try Peers.decode(run, as: Outcome.self)
            #expect(delegate.wait { $0.ends == [.released] })
            return (outcome, delegate.instances)
        }

        private func describe(_ outcome: Outcome) -> [String] {
            outcome.contexts.map { "\($0.id) \($0.result) \($0.transfer_syntax ?? "-")" }
        }

        @Test("extended set is off by default")
        func offByDefault() {
            let configuration = StorageSCPConfiguration(aeTitles: ["CDP_PRINTER"])

            #expect(!configuration.acceptsExtendedSOPClasses)
        }

        @Test("shim table follows the setting")
        func shimTableFollowsSetting() {
            var configuration = StorageSCPConfiguration(aeTitles: ["CDP_PRINTER"])
            let off = presentationTable(of: ShimConfiguration(configuration))
            configuration.acceptsExtendedSOPClasses = true
            let on = presentationTable(of: ShimConfiguration(configuration))

            #expect(off == SOPClassTable.presentationTable(includingExtended: false))
            #expect(on == SOPClassTable.presentationTable(includingExtended: true))
        }

        /// Returns a copy of the table that `shim` hands to the C code, read while it lives.
        private func presentationTable(of shim: ShimConfiguration) -> String {
            withExtendedLifetime(shim) { String(cString: shim.shimConfig.presentation_table) }
        }

        @Test("flag off rejects extended contexts")
        func flagOffRejectsExtended() throws {
            let (outcome, instances) = try negotiate(extended: false)

            try #require(outcome.established)
            #expect(
                describe(outcome) == [
                    // Abstract syntax not supported, context by context.
                    "1 3 -",
                    "3 0 \(Self.explicitVRLittleEndian)",
                    "5 3 -",
                    "7 3 -",
                ])
            #expect(outcome.ct_status == 0)
            #expect(outcome.segmentation_status == nil)
            #expect(instances.map(\.sopClassUID) == ["1.2.840.10008.5.1.4.1.1.2"])
        }

        @Test("flag on accepts extended contexts")
        func flagOnAcceptsExtended() throws {
            let (outcome, instances) = try negotiate(extended: true)

            try #require(outcome.established)
            #expect(
                describe(outcome) == [
                    "1 0 \(Self.explicitVRLittleEndian)",
                    "3 0 \(Self.explicitVRLittleEndian)",
                    "5 0 \(Self.jpegLossless)",
                    // Tractography Results is no image class: transfer syntaxes not supported.
                    "7 4 -",
                ])
            #expect(outcome.ct_status == 0)
            #expect(outcome.segmentation_status == 0)
            #expect(
                instances.map(\.sopClassUID) == ["1.2.840.10008.5.1.4.1.1.2", Self.segmentation])
        }
    }
}
