import CDCMTK
import MediaCenterCore

/// Decides what happens to what the Storage SCP receives. The SCP calls it from each
/// association's own thread, so calls for different associations run at the same time.
/// A delegate method must not call `StorageSCP.stop()`, which waits for these threads.
public protocol StorageDelegate: Sendable {
    /// Returns a path that does not exist yet, on the filesystem where received instances
    /// are kept, for the next C-STORE. The SCP creates the file there; when no C-STORE
    /// comes, no file is created.
    func temporaryPath() -> String

    /// Takes a received instance and returns the status of its C-STORE-RSP. From this call
    /// on the delegate owns `instance.temporaryPath`: it renames or removes the file.
    func store(_ instance: ReceivedInstance) -> StoreResponse

    /// Decides whether an association request may go on, once its application context and
    /// called AE title passed. The default accepts every request.
    func authorize(_ request: AssociationRequest) -> AssociationDecision

    /// Receives every association event, for logging: accepted, rejected, failed and
    /// closed associations, echoes and failed stores. The SCP itself logs at debug level
    /// only. The default does nothing.
    func associationEvent(_ event: AssociationEvent)
}

extension StorageDelegate {
    /// Accepts every request.
    public func authorize(_ request: AssociationRequest) -> AssociationDecision { .accept }

    /// Ignores the event.
    public func associationEvent(_ event: AssociationEvent) {}
}

/// The verdict of `StorageDelegate.authorize(_:)` on an association request.
public enum AssociationDecision: Sendable, Equatable {
    /// The association goes on to the negotiation of its presentation contexts.
    case accept
    /// Rejected permanent by the service user with reason "calling AE title not
    /// recognized": the calling AE title is unknown, or it called from another address.
    /// `reason` names the cause for the log.
    case rejectCallingAETitle(reason: String)
    /// Rejected transient by the service user with reason "no reason given": a resource of
    /// this node is short for now, and `reason` names it for the log.
    case rejectResourceLimit(reason: String)
    /// Rejected transient by the service provider (presentation) with reason "local limit
    /// exceeded": the maximum number of associations is open. The Storage SCP decides this
    /// itself after the delegate accepted.
    case rejectLocalLimit(reason: String)

    /// The A-ASSOCIATE-RJ this decision sends; nil for `accept`.
    public var rejection: AssociationRejection? {
        switch self {
        case .accept: nil
        case .rejectCallingAETitle: .callingAETitleNotRecognized
        case .rejectResourceLimit: .resourceLimit
        case .rejectLocalLimit: .localLimitExceeded
        }
    }

    /// The cause of the rejection, for the log; nil for `accept`.
    public var reason: String? {
        switch self {
        case .accept: nil
        case .rejectCallingAETitle(let reason), .rejectResourceLimit(let reason),
            .rejectLocalLimit(let reason):
            reason
        }
    }
}

/// A C-STORE data set that the SCP wrote to a temporary file, in PS3.10 format: File Meta
/// Information made by the SCP, then the data set exactly as received.
public struct ReceivedInstance: Sendable, Equatable {
    /// The file holding the instance; the delegate owns it once `store(_:)` is called.
    public var temporaryPath: String
    /// The data set as the SCP parsed it while it arrived, which spares a second parse of
    /// the file.
    public var dataSet: ReceivedDataSet
    /// Affected SOP Class UID of the C-STORE request.
    public var sopClassUID: String
    /// Affected SOP Instance UID of the C-STORE request.
    public var sopInstanceUID: String
    /// The transfer syntax negotiated for the presentation context the data set came on.
    public var transferSyntaxUID: String
    /// The peer's AE title.
    public var callingAETitle: String
    /// The AE title of this node that the peer called.
    public var calledAETitle: String
    /// The peer's IP address.
    public var peerAddress: String
    /// The association the instance came on, as in `AssociationInfo.id`.
    public var associationID: UInt64

    /// Makes a received instance.
    public init(
        temporaryPath: String, dataSet: ReceivedDataSet = .notParsed, sopClassUID: String,
        sopInstanceUID: String, transferSyntaxUID: String, callingAETitle: String,
        calledAETitle: String, peerAddress: String, associationID: UInt64
    ) {
        self.temporaryPath = temporaryPath
        self.dataSet = dataSet
        self.sopClassUID = sopClassUID
        self.sopInstanceUID = sopInstanceUID
        self.transferSyntaxUID = transferSyntaxUID
        self.callingAETitle = callingAETitle
        self.calledAETitle = calledAETitle
        self.peerAddress = peerAddress
        self.associationID = associationID
    }
}

/// A received data set as the SCP parsed it while it arrived, in the transfer syntax of
/// its presentation context.
public enum ReceivedDataSet: Sendable, Equatable {
    /// The parsed data set, with every value in memory. Its `transferSyntaxUID` is the one
    /// of the presentation context.
    case parsed(DicomFile)
    /// DCMTK cannot parse the data set; the error's cause has DCMTK's condition text.
    case unparsable(MediaCenterError)
    /// The data set was not parsed in memory, because it has more than `maxParsedSize`
    /// bytes or memory ran out; parse the temporary file instead.
    case notParsed

    /// The largest data set, in bytes, that the SCP parses while it arrives. A parse in
    /// memory holds every value, pixel data included.
    public static let maxParsedSize = Int(MCD_MAX_PARSED_DATA_SET_SIZE)

    /// Whether both are the same parsed object, the same failure, or both not parsed.
    public static func == (left: ReceivedDataSet, right: ReceivedDataSet) -> Bool {
        switch (left, right) {
        case (.parsed(let one), .parsed(let other)): one === other
        case (.unparsable(let one), .unparsable(let other)): one == other
        case (.notParsed, .notParsed): true
        default: false
        }
    }
}

/// The response to one C-STORE.
public struct StoreResponse: Sendable, Equatable {
    /// The DIMSE status (PS3.4 Annex B): 0000 success, A7xx out of resources, A9xx data set
    /// does not match SOP class, Cxxx cannot understand.
    public var status: UInt16
    /// Error Comment (0000,0902) sent with a status other than 0000, cut to 64 ASCII
    /// characters.
    public var errorComment: String?

    /// Makes a response.
    public init(status: UInt16, errorComment: String? = nil) {
        self.status = status
        self.errorComment = errorComment
    }

    /// Status 0000: the instance is stored.
    public static let success = StoreResponse(status: 0x0000)
}
