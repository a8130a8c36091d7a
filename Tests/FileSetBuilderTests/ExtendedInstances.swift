import Foundation
import MediaCenterCore
import TestSupport

/// Small synthetic instances of the extended SOP classes, written by pydicom at test time.
/// All are in one study of one made-up test patient. Each has the Patient, Study, Series and
/// SOP Common keys, the keys its DICOMDIR record needs and, for image classes, one frame of
/// 2 x 2 pixels. They are not complete IODs.
enum ExtendedInstances {
    /// One instance to write: its file, its class and its series.
    struct Spec: Encodable {
        var path: String
        var sopClassUID: String
        var recordType: String
        var isImage: Bool
        var modality: String
        var seriesInstanceUID: String
    }

    /// Writes one instance of each SOP class of `classes` into `folder`, each in a series of
    /// its own, and returns their paths in the same order.
    static func write(_ classes: [SOPClass], into folder: String) throws -> [String] {
        var specs: [Spec] = []
        for (index, sopClass) in classes.enumerated() {
            guard let recordType = sopClass.recordType else { continue }
            specs.append(
                Spec(
                    path: folder + "/EXT\(index)", sopClassUID: sopClass.uid,
                    recordType: recordType.rawValue, isImage: sopClass.isImage,
                    modality: modality(of: sopClass),
                    seriesInstanceUID: "2.25.\(314_159_265_358 + index)"))
        }
        let json = String(decoding: try JSONEncoder().encode(specs), as: UTF8.self)
        let run = try TestSupport.runTool(TestFiles.python, ["-c", script, json])
        guard run.status == 0 else {
            throw MediaCenterError(
                .ioFailure, "pydicom failed to write the test instances", cause: run.text)
        }
        return specs.map(\.path)
    }

    /// Returns the Modality (0008,0060) of an instance of `sopClass`: the one its IOD
    /// prescribes where the tests depend on it, else one that fits its record type.
    static func modality(of sopClass: SOPClass) -> String {
        let byClass: [String: String] = [
            "1.2.840.10008.5.1.4.1.1.66.4": "SEG",
            "1.2.840.10008.5.1.4.1.1.66.5": "SEG",
            "1.2.840.10008.5.1.4.1.1.30": "MR",
            "1.2.840.10008.5.1.4.1.1.13.1.3": "MG",
            "1.2.840.10008.5.1.4.1.1.6.2": "US",
            "1.2.840.10008.5.1.4.1.1.2.2": "CT",
            "1.2.840.10008.5.1.4.1.1.66.6": "MR",
            "1.2.840.10008.5.1.4.1.1.90.1": "ASMT",
            "1.2.840.10008.5.1.4.1.1.481.10": "RTINTENT",
            "1.2.840.10008.5.1.4.1.1.481.11": "RTSEGANN",
        ]
        if let modality = byClass[sopClass.uid] { return modality }
        switch sopClass.recordType {
        case .srDocument: return "SR"
        case .presentation: return "PR"
        case .waveform: return "ECG"
        case .encapDoc: return "DOC"
        case .measurement: return "OPT"
        case .radiotherapy: return sopClass.name.contains("Record") ? "RTRECORD" : "RTRAD"
        case .plan: return "PLAN"
        case .rtPlan: return "RTPLAN"
        case .rtTreatRecord: return "RTRECORD"
        case .registration: return "REG"
        case .surfaceScan: return "OSS"
        case .valueMap: return "RWV"
        case .annotation: return "ANN"
        default: return "OT"
        }
    }

    /// The pydicom program. Its argument is the JSON list of `Spec`.
    private static let script = #"""
        import json
        import sys

        from pydicom.dataset import Dataset, FileMetaDataset
        from pydicom.sequence import Sequence
        from pydicom.uid import ExplicitVRLittleEndian, generate_uid

        DATE, TIME = "20240301", "120000"
        CDA = "1.2.840.10008.5.1.4.1.1.104.2"
        SEGMENTATION = "1.2.840.10008.5.1.4.1.1.66.4"
        PARAMETRIC_MAP = "1.2.840.10008.5.1.4.1.1.30"
        MIME_TYPES = {
            "1.2.840.10008.5.1.4.1.1.104.1": ("application/pdf", b"%PDF-1.4\n%%EOF\n"),
            CDA: ("text/XML", b"<ClinicalDocument/>\n"),
            "1.2.840.10008.5.1.4.1.1.104.3": ("model/stl", b"solid t\nendsolid t\n"),
            "1.2.840.10008.5.1.4.1.1.104.4": ("model/obj", b"v 0 0 0\n"),
            "1.2.840.10008.5.1.4.1.1.104.5": ("model/mtl", b"newmtl m\n"),
        }


        def code(value, scheme, meaning):
            item = Dataset()
            item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = value, scheme, meaning
            return item


        def content_identification(ds):
            ds.ContentLabel = "TEST"
            ds.ContentDescription = "synthetic test instance"
            ds.ContentCreatorName = "Test^Creator"


        def add_pixels(ds, spec):
            ds.Rows, ds.Columns, ds.SamplesPerPixel = 2, 2, 1
            ds.PhotometricInterpretation = "MONOCHROME2"
            ds.ImageType = ["DERIVED", "PRIMARY"]
            ds.NumberOfFrames = 1
            if spec["sopClassUID"] == SEGMENTATION:
                ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 1, 1, 0, 0
                ds.SegmentationType = "BINARY"
                segment = Dataset()
                segment.SegmentNumber = 1
                segment.SegmentLabel = "region"
                segment.SegmentAlgorithmType = "MANUAL"
                segment.SegmentedPropertyCategoryCodeSequence = [
                    code("91723000", "SCT", "Anatomical Structure")]
                segment.SegmentedPropertyTypeCodeSequence = [code("39607008", "SCT", "Lung")]
                ds.SegmentSequence = [segment]
                ds.PixelData = b"\x0f\x00"
            elif spec["sopClassUID"] == PARAMETRIC_MAP:
                ds.BitsAllocated = 32
                ds.FloatPixelData = b"\x00\x00\x80\x3f" * 4
            else:
                ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
                ds.PixelData = b"\x00\x01" * 4


        def make(spec):
            ds = Dataset()
            ds.SpecificCharacterSet = "ISO_IR 100"
            ds.SOPClassUID = spec["sopClassUID"]
            ds.SOPInstanceUID = generate_uid()
            ds.PatientName = "Test^Extended"
            ds.PatientID = "EXT-TEST-1"
            ds.PatientBirthDate = ""
            ds.PatientSex = "O"
            ds.StudyInstanceUID = "2.25.271828182845904523536028747135266249"
            ds.StudyDate, ds.StudyTime = DATE, TIME
            ds.StudyID = "1"
            ds.AccessionNumber = ""
            ds.ReferringPhysicianName = ""
            ds.Modality = spec["modality"]
            ds.SeriesInstanceUID = spec["seriesInstanceUID"]
            ds.SeriesNumber = 1
            ds.Manufacturer = "Test"
            ds.InstanceNumber = 1
            ds.ContentDate, ds.ContentTime = DATE, TIME
            ds.InstanceCreationDate, ds.InstanceCreationTime = DATE, TIME

            record = spec["recordType"]
            if spec["isImage"]:
                ds.FrameOfReferenceUID = "2.25.161803398874989484820458683436563811"
                ds.PositionReferenceIndicator = ""
                add_pixels(ds, spec)
            if record == "SR DOCUMENT":
                ds.ValueType = "CONTAINER"
                ds.ContinuityOfContent = "SEPARATE"
                ds.CompletionFlag, ds.VerificationFlag = "COMPLETE", "UNVERIFIED"
                ds.ConceptNameCodeSequence = [code("18748-4", "LN", "Diagnostic imaging report")]
            elif record == "PRESENTATION":
                content_identification(ds)
                ds.PresentationCreationDate, ds.PresentationCreationTime = DATE, TIME
                image = Dataset()
                image.ReferencedSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
                image.ReferencedSOPInstanceUID = "2.25.141421356237309504880168872420969807"
                series = Dataset()
                series.SeriesInstanceUID = "2.25.173205080756887729352744634150587236"
                series.ReferencedImageSequence = [image]
                ds.ReferencedSeriesSequence = [series]
            elif record == "ENCAP DOC":
                mime_type, document = MIME_TYPES[spec["sopClassUID"]]
                ds.MIMETypeOfEncapsulatedDocument = mime_type
                ds.EncapsulatedDocument = document
                ds.EncapsulatedDocumentLength = len(document)
                ds.DocumentTitle = "synthetic test document"
                ds.ConceptNameCodeSequence = []
                ds.BurnedInAnnotation = "NO"
                if spec["sopClassUID"] == CDA:
                    ds.HL7InstanceIdentifier = "2.25.1^1"
            elif record == "RADIOTHERAPY":
                ds.UserContentLabel = "TEST"
                ds.ContentDescription = "synthetic test instance"
                ds.ContentCreatorName = "Test^Creator"
            elif record == "RT PLAN":
                ds.RTPlanLabel = "TEST"
                ds.RTPlanDate, ds.RTPlanTime = DATE, TIME
                ds.RTPlanGeometry = "PATIENT"
            elif record == "RT TREAT RECORD":
                ds.TreatmentDate, ds.TreatmentTime = DATE, TIME
            elif record in ("REGISTRATION", "SURFACE", "TRACT", "MEASUREMENT", "VALUE MAP",
                            "RAW DATA", "ANNOTATION"):
                content_identification(ds)

            meta = FileMetaDataset()
            meta.MediaStorageSOPClassUID = ds.SOPClassUID
            meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
            meta.TransferSyntaxUID = ExplicitVRLittleEndian
            ds.file_meta = meta
            ds.save_as(spec["path"], enforce_file_format=True)


        for spec in json.loads(sys.argv[1]):
            make(spec)
        """#
}
