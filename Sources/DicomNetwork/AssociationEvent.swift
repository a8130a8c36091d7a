import MediaCenterCore

/// An event in the life of an association, which the SCP reports for the daemon to log.
/// `description` and `metadata` give a log line and its structured fields.
public enum AssociationEvent: Sendable, CustomStringConvertible {
    /// An association was accepted.
    case accepted(AssociationInfo)
    /// An A-ASSOCIATE-RQ was rejected with an A-ASSOCIATE-RJ, for `reason`.
    case rejected(AssociationRequest, AssociationRejection, reason: String)
    /// A connection ended before any association was established: the request did not
    /// arrive within the association timeout, could not be read, or the connection could
    /// not be served at all.
    case failed(peerAddress: String, MediaCenterError)
    /// A C-ECHO-RSP with status 0000 was sent.
    case echo(AssociationInfo)
    /// A C-STORE data set could not be written, and a C-STORE-RSP with `status` was sent.
    case storeFailed(AssociationInfo, sopInstanceUID: String, status: UInt16, MediaCenterError)
    /// The association ended.
    case closed(AssociationInfo, AssociationEnd)

    /// The event as one log line, without patient data.
    public var description: String {
        switch self {
        case .accepted(let info):
            "association \(info.id) accepted: \(info.callingAETitle) at \(info.peerAddress) "
                + "called \(info.calledAETitle); \(info.acceptedContexts) of "
                + "\(info.proposedContexts) presentation contexts accepted"
                + (info.rejectedContexts.isEmpty
                    ? ""
                    : "; rejected: "
                        + info.rejectedContexts.map(\.description).joined(separator: "; "))
        case .rejected(let request, let rejection, let reason):
            "association request from \(request.callingAETitle) at \(request.peerAddress) "
                + "calling \(request.calledAETitle) \(rejection)"
                + (reason.isEmpty ? "" : " (\(reason))")
        case .failed(let peerAddress, let error):
            "connection from \(peerAddress.isEmpty ? "an unknown peer" : peerAddress) "
                + "ended before an association: \(error)"
        case .echo(let info):
            "association \(info.id): C-ECHO answered with status 0000"
        case .storeFailed(let info, let sopInstanceUID, let status, let error):
            "association \(info.id): C-STORE of \(sopInstanceUID) answered with status "
                + "\(hexadecimal(status)): \(error)"
        case .closed(let info, let end):
            "association \(info.id) with \(info.callingAETitle) closed: \(end)"
        }
    }

    /// Structured log fields with dotted keys: `association.id`, `calling.ae`, `called.ae`,
    /// `peer.address`, and for a failed store `sop.instance` and `status`.
    public var metadata: LogMetadata {
        switch self {
        case .accepted(let info), .echo(let info), .closed(let info, _):
            info.metadata
        case .rejected(let request, _, _):
            [
                "calling.ae": request.callingAETitle, "called.ae": request.calledAETitle,
                "peer.address": request.peerAddress,
            ]
        case .failed(let peerAddress, _):
            ["peer.address": peerAddress]
        case .storeFailed(let info, let sopInstanceUID, let status, _):
            info.metadata.merging(
                ["sop.instance": sopInstanceUID, "status": hexadecimal(status)]) { $1 }
        }
    }
}

/// Formats a DIMSE status as four upper-case hexadecimal digits, such as "A700".
private func hexadecimal(_ status: UInt16) -> String {
    let digits = String(status, radix: 16, uppercase: true)
    return String(repeating: "0", count: 4 - digits.count) + digits
}

/// The parties of an association request, as read from the A-ASSOCIATE-RQ.
public struct AssociationRequest: Sendable, Equatable {
    /// The peer's AE title; empty when the request could not be read.
    public var callingAETitle: String
    /// The AE title the peer called; empty when the request could not be read.
    public var calledAETitle: String
    /// The peer's IP address.
    public var peerAddress: String

    /// Makes a request description.
    public init(callingAETitle: String, calledAETitle: String, peerAddress: String) {
        self.callingAETitle = callingAETitle
        self.calledAETitle = calledAETitle
        self.peerAddress = peerAddress
    }
}

/// An accepted association.
public struct AssociationInfo: Sendable, Equatable {
    /// A number that identifies the association within one SCP, counting from 1.
    public var id: UInt64
    /// The peer's AE title.
    public var callingAETitle: String
    /// The AE title the peer called.
    public var calledAETitle: String
    /// The peer's IP address.
    public var peerAddress: String
    /// Presentation contexts the peer proposed.
    public var proposedContexts: Int
    /// Presentation contexts accepted; the others were rejected one by one.
    public var acceptedContexts: Int
    /// The rejected presentation contexts, so that the log can name each and the cause.
    public var rejectedContexts: [RejectedContext] = []

    /// Log fields: `association.id`, `calling.ae`, `called.ae` and `peer.address`.
    public var metadata: LogMetadata {
        [
            "association.id": String(id), "calling.ae": callingAETitle,
            "called.ae": calledAETitle, "peer.address": peerAddress,
        ]
    }

    /// Makes an association description.
    public init(
        id: UInt64, callingAETitle: String, calledAETitle: String, peerAddress: String,
        proposedContexts: Int, acceptedContexts: Int, rejectedContexts: [RejectedContext] = []
    ) {
        self.rejectedContexts = rejectedContexts
        self.id = id
        self.callingAETitle = callingAETitle
        self.calledAETitle = calledAETitle
        self.peerAddress = peerAddress
        self.proposedContexts = proposedContexts
        self.acceptedContexts = acceptedContexts
    }
}

/// The end of an association.
public enum AssociationEnd: Sendable, Equatable, CustomStringConvertible {
    /// The peer released it.
    case released
    /// The peer aborted it or closed the connection.
    case abortedByPeer
    /// No DIMSE message arrived within the DIMSE timeout, so the SCP aborted it.
    case timedOut
    /// `StorageSCP.stop()` aborted it after the grace period.
    case stopped
    /// The SCP aborted it after a protocol or network failure.
    case failed(MediaCenterError)

    /// The end in words, such as "released by the peer".
    public var description: String {
        switch self {
        case .released: "released by the peer"
        case .abortedByPeer: "aborted by the peer"
        case .timedOut: "aborted after the DIMSE timeout"
        case .stopped: "aborted because the Storage SCP stopped"
        case .failed(let error): "aborted after a failure: \(error)"
        }
    }
}

/// The parameters of an A-ASSOCIATE-RJ, as coded in the PDU (PS3.8 section 9.3.4).
public struct AssociationRejection: Sendable, Equatable, CustomStringConvertible {
    /// 1 rejected permanent, 2 rejected transient.
    public var result: Int
    /// 1 service user, 2 service provider (ACSE), 3 service provider (presentation).
    public var source: Int
    /// The reason, whose meaning depends on `source`.
    public var reason: Int

    /// Makes a rejection from its PDU fields.
    public init(result: Int, source: Int, reason: Int) {
        self.result = result
        self.source = source
        self.reason = reason
    }

    /// Permanent, service user: no reason given.
    public static let noReason = AssociationRejection(result: 1, source: 1, reason: 1)
    /// Permanent, service user: application context name not supported.
    public static let applicationContextNotSupported =
        AssociationRejection(result: 1, source: 1, reason: 2)
    /// Permanent, service user: calling AE title not recognized.
    public static let callingAETitleNotRecognized =
        AssociationRejection(result: 1, source: 1, reason: 3)
    /// Permanent, service user: called AE title not recognized.
    public static let calledAETitleNotRecognized =
        AssociationRejection(result: 1, source: 1, reason: 7)
    /// Transient, service user: no reason given, which this node sends when a resource
    /// other than the association pool is short.
    public static let resourceLimit = AssociationRejection(result: 2, source: 1, reason: 1)
    /// Transient, service provider (presentation): local limit exceeded.
    public static let localLimitExceeded = AssociationRejection(result: 2, source: 3, reason: 2)

    /// The rejection in words, such as "rejected permanent by the service user: called AE
    /// title not recognized".
    public var description: String {
        let kind = result == 2 ? "transiently" : "permanently"
        let by =
            switch source {
            case 1: "the service user"
            case 2: "the service provider (ACSE)"
            default: "the service provider (presentation)"
            }
        let why =
            switch (source, reason) {
            case (1, 2): "application context name not supported"
            case (1, 3): "calling AE title not recognized"
            case (1, 7): "called AE title not recognized"
            case (2, 2): "protocol version not supported"
            case (3, 1): "temporary congestion"
            case (3, 2): "local limit exceeded"
            default: "no reason given"
            }
        return "rejected \(kind) by \(by): \(why)"
    }
}

/// A presentation context that the SCP rejected in its A-ASSOCIATE-AC.
public struct RejectedContext: Sendable, Equatable, CustomStringConvertible {
    /// The abstract syntax (SOP class UID) of the context.
    public var abstractSyntax: String
    /// The result of the A-ASSOCIATE-AC (PS3.8 section 9.3.3.2): 3 abstract syntax not
    /// supported, 4 transfer syntaxes not supported.
    public var result: Int
    /// The transfer syntax UIDs the peer proposed.
    public var proposedTransferSyntaxes: [String]

    public init(abstractSyntax: String, result: Int, proposedTransferSyntaxes: [String]) {
        self.abstractSyntax = abstractSyntax
        self.result = result
        self.proposedTransferSyntaxes = proposedTransferSyntaxes
    }

    /// The context in words, with names from the SOP class tables or DCMTK's UID dictionary
    /// and a hint where the configuration could accept it, such as "Segmentation Storage:
    /// SOP class not accepted (it is in the extended set, which extended_sop_classes turns
    /// on)".
    public var description: String {
        let name =
            SOPClassTable.sopClass(uid: abstractSyntax, includingExtended: true)?.name
            ?? DicomToolkit.name(ofUID: abstractSyntax).map { "\($0) \(abstractSyntax)" }
            ?? abstractSyntax
        if result == 4 {
            // DCMTK names transfer syntaxes by keyword, such as JPEGBaseline.
            let syntaxes = proposedTransferSyntaxes.map { uid in
                DicomToolkit.name(ofUID: uid).map { "\($0) \(uid)" } ?? uid
            }
            return "\(name): none of the proposed transfer syntaxes is accepted ("
                + syntaxes.joined(separator: ", ") + ")"
        }
        let extended = SOPClassTable.extended.contains { $0.uid == abstractSyntax }
        return "\(name): SOP class not accepted"
            + (extended ? " (it is in the extended set, which extended_sop_classes turns on)" : "")
    }

    /// Reads the lines of the shim's `rejected_contexts` field.
    static func parse(_ text: String) -> [RejectedContext] {
        text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 3, let result = Int(fields[1]) else { return nil }
            return RejectedContext(
                abstractSyntax: String(fields[0]), result: result,
                proposedTransferSyntaxes: fields[2].split(separator: ",").map(String.init))
        }
    }
}
