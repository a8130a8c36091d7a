import Foundation

/// The stage of a patient collection on its way from the network to a verified disc.
public enum CollectionState: String, Sendable, Codable, CaseIterable {
    /// Instances are still arriving; new ones for the same patient join this collection.
    case receiving
    /// The patient is finished and waits for a drive.
    case queued
    /// The file-set is being built and written.
    case burning
    /// The written disc is being read back and compared.
    case verifying
    /// Every disc of the collection was written and verified.
    case done
    /// The collection could not be burned; the reason is recorded.
    case failed

    /// Whether a collection may move from this state to `next`. A failed collection may be
    /// queued again for a retry, and a queued one fails when the console cancels it.
    public func allowsTransition(to next: CollectionState) -> Bool {
        switch (self, next) {
        case (.receiving, .queued), (.queued, .burning), (.burning, .verifying),
            (.burning, .failed), (.verifying, .done), (.verifying, .failed),
            (.verifying, .burning), (.failed, .queued), (.burning, .queued),
            (.verifying, .queued), (.queued, .failed):
            true
        default:
            false
        }
    }
}

/// An instance that is durably in the spool and is about to be recorded.
public struct IncomingInstance: Sendable {
    public var spoolPath: String
    public var size: Int64
    public var sopClassUID: String
    public var sopInstanceUID: String
    public var transferSyntaxUID: String
    public var studyInstanceUID: String
    public var seriesInstanceUID: String
    /// Patient's Name (0010,0010) exactly as received, for grouping.
    public var patientNameBytes: [UInt8]
    /// Patient's Name decoded to UTF-8 from the Specific Character Set, for display.
    public var patientName: String
    /// Patient ID as received, or the generated one when the instance had none.
    public var patientID: String
    /// Whether `patientID` was generated because the instance had no Patient ID.
    public var patientIDGenerated: Bool
    public var callingAETitle: String
    public var receivedAt: Date

    public init(
        spoolPath: String, size: Int64, sopClassUID: String, sopInstanceUID: String,
        transferSyntaxUID: String, studyInstanceUID: String, seriesInstanceUID: String,
        patientNameBytes: [UInt8], patientName: String, patientID: String,
        patientIDGenerated: Bool, callingAETitle: String, receivedAt: Date = Date()
    ) {
        self.spoolPath = spoolPath
        self.size = size
        self.sopClassUID = sopClassUID
        self.sopInstanceUID = sopInstanceUID
        self.transferSyntaxUID = transferSyntaxUID
        self.studyInstanceUID = studyInstanceUID
        self.seriesInstanceUID = seriesInstanceUID
        self.patientNameBytes = patientNameBytes
        self.patientName = patientName
        self.patientID = patientID
        self.patientIDGenerated = patientIDGenerated
        self.callingAETitle = callingAETitle
        self.receivedAt = receivedAt
    }
}

/// The result of recording an instance.
public struct RecordOutcome: Sendable, Equatable {
    /// The collection the instance joined.
    public var collectionID: Int64
    /// Whether the collection was opened by this instance.
    public var openedCollection: Bool
    /// The spool file of an earlier copy with the same SOP Instance UID, which this one
    /// replaced; the caller removes it.
    public var replacedSpoolPath: String?
    /// The collection the earlier copy was in, when that was another receiving collection
    /// (the instance was resent under other patient data).
    public var replacedInCollection: Int64?
    /// Whether that other collection was left without instances and so was removed.
    public var removedEmptyCollection = false
}

/// An instance of a collection, as recorded.
public struct StoredInstance: Sendable, Equatable {
    public var id: Int64
    public var spoolPath: String
    public var size: Int64
    public var sopClassUID: String
    public var sopInstanceUID: String
    public var transferSyntaxUID: String
    public var studyInstanceUID: String
    public var seriesInstanceUID: String
}

/// A written disc of a collection.
public struct DiscRecord: Sendable, Codable, Equatable {
    /// Position in the disc set, from 1.
    public var number: Int
    /// Discs in the set.
    public var count: Int
    /// The disc image file of a virtual drive, or the device of a real one.
    public var path: String
    public var bytes: Int64
    public var md5: String
    /// Whether the disc was read back and matched what was written.
    public var verified: Bool
    public var drive: String
    /// The application profile of the disc's file-set, such as `STD-GEN-CD`, or nil for a
    /// disc recorded before the store kept it.
    public var profile: String?

    public init(
        number: Int, count: Int, path: String, bytes: Int64, md5: String, verified: Bool,
        drive: String, profile: String? = nil
    ) {
        self.number = number
        self.count = count
        self.path = path
        self.bytes = bytes
        self.md5 = md5
        self.verified = verified
        self.drive = drive
        self.profile = profile
    }
}

/// A disc that was rejected on its way to become a disc of a collection: not blank, or its
/// write or read-back failed.
public struct RejectRecord: Sendable, Codable, Equatable {
    /// The position in the disc set that the rejected disc was to take, from 1.
    public var number: Int
    /// The reason the disc was rejected.
    public var reason: String
    /// The disc image file of a virtual drive, or the device of a real one, when known.
    public var path: String?
    public var drive: String
    /// When the disc was rejected.
    public var at: Date

    public init(number: Int, reason: String, path: String?, drive: String, at: Date = Date()) {
        self.number = number
        self.reason = reason
        self.path = path
        self.drive = drive
        self.at = at
    }
}

/// A patient collection and everything the console shows about it.
public struct CollectionRecord: Sendable, Codable, Equatable {
    public var id: Int64
    public var patientName: String
    public var patientID: String
    public var patientIDGenerated: Bool
    public var state: CollectionState
    public var instances: Int
    public var bytes: Int64
    public var createdAt: Date
    public var updatedAt: Date
    public var lastInstanceAt: Date
    /// The reason the collection failed, or nil.
    public var failureReason: String?
    public var discs: [DiscRecord]
    /// Discs rejected during the collection's jobs, oldest first.
    public var rejects: [RejectRecord] = []
}

/// A recorded change of a collection's state.
public struct TransitionRecord: Sendable, Codable, Equatable {
    public var from: CollectionState?
    public var to: CollectionState
    public var reason: String
    public var at: Date
}
