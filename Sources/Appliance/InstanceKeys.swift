import DicomNetwork
import Foundation
import MediaCenterCore
import PatientStore

/// The values of a stored instance that decide where it is filed.
struct InstanceKeys: Equatable {
    var sopClassUID: String
    var sopInstanceUID: String
    var studyInstanceUID: String
    var seriesInstanceUID: String
    var transferSyntaxUID: String
    /// Patient's Name exactly as stored, for grouping.
    var patientNameBytes: [UInt8]
    /// Patient's Name decoded to UTF-8, for display.
    var patientName: String
    var identity: PatientIdentity

    /// Elements longer than this are not read while the keys are taken, so pixel data of
    /// large multi-frame instances stays on disk.
    static let maxValueLength: UInt32 = 4096

    /// Reads the keys of a received instance from the data set that the Storage SCP parsed
    /// while it arrived, or from its temporary file when the SCP did not parse it in memory.
    /// - Throws: `MediaCenterError` with `.parseFailure` when the data set cannot be parsed
    ///   or has no Study or Series Instance UID, which every stored instance needs.
    init(_ instance: ReceivedInstance) throws {
        switch instance.dataSet {
        case .parsed(let file):
            try self.init(file: file)
        case .unparsable(let error):
            throw error
        case .notParsed:
            try self.init(path: instance.temporaryPath)
        }
    }

    /// Reads the keys of the PS3.10 file at `path`.
    /// - Throws: `MediaCenterError` with `.parseFailure` when the file cannot be parsed or
    ///   has no Study or Series Instance UID, which every stored instance needs.
    init(path: String) throws {
        try self.init(
            file: DicomFile(path: path, maxValueLength: InstanceKeys.maxValueLength))
    }

    /// Reads the keys of a parsed data set whose `transferSyntaxUID` is known.
    init(file: DicomFile) throws {
        sopClassUID = file.string(0x0008, 0x0016) ?? ""
        sopInstanceUID = file.string(0x0008, 0x0018) ?? ""
        transferSyntaxUID = file.transferSyntaxUID ?? ""

        guard let study = file.string(0x0020, 0x000D), !study.isEmpty,
            let series = file.string(0x0020, 0x000E), !series.isEmpty
        else {
            throw MediaCenterError(
                .parseFailure, "data set has no Study or Series Instance UID")
        }
        studyInstanceUID = study
        seriesInstanceUID = series
        // Decoded from the Specific Character Set, so an ID in Latin-1 reads correctly on
        // the console and two different IDs stay different.
        identity = PatientIdentity(
            patientID: file.utf8String(0x0010, 0x0020),
            accessionNumber: file.utf8String(0x0008, 0x0050), studyInstanceUID: study)
        patientNameBytes = file.bytes(0x0010, 0x0010) ?? []
        patientName = file.utf8String(0x0010, 0x0010) ?? ""
    }

    /// Makes the record of this instance at `spoolPath`.
    func incoming(
        spoolPath: String, size: Int64, callingAETitle: String, receivedAt: Date = Date()
    ) -> IncomingInstance {
        IncomingInstance(
            spoolPath: spoolPath, size: size, sopClassUID: sopClassUID,
            sopInstanceUID: sopInstanceUID, transferSyntaxUID: transferSyntaxUID,
            studyInstanceUID: studyInstanceUID, seriesInstanceUID: seriesInstanceUID,
            patientNameBytes: patientNameBytes, patientName: patientName,
            patientID: identity.patientID, patientIDGenerated: identity.generated,
            callingAETitle: callingAETitle, receivedAt: receivedAt)
    }
}
