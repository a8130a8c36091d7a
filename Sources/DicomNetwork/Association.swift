import CDCMTK
import Glibc
import MediaCenterCore

/// The shim's `mcd_scp_config`, with C copies of its strings that live as long as this
/// object.
final class ShimConfiguration: @unchecked Sendable {
    // @unchecked: the strings are copied in init, only read afterwards (by C code on any
    // association thread) and freed in deinit, when no thread can use them any more.
    private let aeTitles: UnsafeMutablePointer<CChar>
    private let presentationTable: UnsafeMutablePointer<CChar>
    private let implementationClassUID: UnsafeMutablePointer<CChar>
    private let implementationVersionName: UnsafeMutablePointer<CChar>
    private let maxPDUSize: UInt32
    private let associationTimeout: Int32
    private let dimseTimeout: Int32

    /// Copies the settings of `configuration`, the product's SOP class table (with the
    /// extended set when the configuration accepts it) and implementation identity.
    init(_ configuration: StorageSCPConfiguration) {
        aeTitles = strdup(configuration.aeTitles.joined(separator: "\\"))
        presentationTable = strdup(
            SOPClassTable.presentationTable(
                includingExtended: configuration.acceptsExtendedSOPClasses))
        implementationClassUID = strdup(ImplementationIdentity.classUID)
        implementationVersionName = strdup(ImplementationIdentity.versionName)
        maxPDUSize = UInt32(configuration.maxPDUSize)
        associationTimeout = Int32(configuration.associationTimeout)
        dimseTimeout = Int32(configuration.dimseTimeout)
    }

    deinit {
        free(aeTitles)
        free(presentationTable)
        free(implementationClassUID)
        free(implementationVersionName)
    }

    /// The C structure, valid while this object lives.
    var shimConfig: mcd_scp_config {
        var config = mcd_scp_config()
        config.ae_titles = UnsafePointer(aeTitles)
        config.max_pdu_size = maxPDUSize
        config.association_timeout = associationTimeout
        config.dimse_timeout = dimseTimeout
        config.presentation_table = UnsafePointer(presentationTable)
        config.implementation_class_uid = UnsafePointer(implementationClassUID)
        config.implementation_version_name = UnsafePointer(implementationVersionName)
        return config
    }
}

/// One association on the shim's `mcd_association` handle, used by one thread. Every
/// method names the shim function it calls.
final class Association {
    /// The result of reading an A-ASSOCIATE-RQ.
    enum Outcome {
        /// The association is established.
        case accepted(Association)
        /// This side sent an A-ASSOCIATE-RJ.
        case rejected(
            AssociationRejection, reason: String, callingAETitle: String, calledAETitle: String)
        /// No association came about; the AE titles are empty when no request was read.
        case failed(MediaCenterError, callingAETitle: String, calledAETitle: String)
    }

    /// The identification of a C-STORE request.
    struct StoreRequest {
        /// Affected SOP Class UID.
        let sopClassUID: String
        /// Affected SOP Instance UID.
        let sopInstanceUID: String
        /// The transfer syntax of the presentation context the request came on.
        let transferSyntaxUID: String
    }

    /// The outcome of `next(temporaryPath:)`.
    enum Event {
        /// A C-ECHO-RSP with status 0000 was sent.
        case echo
        /// The data set is in the temporary file, and parsed in memory when it is small
        /// enough; the request needs its response.
        case store(StoreRequest, ReceivedDataSet)
        /// The data set was not stored; the request still needs its response.
        case storeFailed(StoreRequest, MediaCenterError)
        /// The peer released the association.
        case released
        /// The peer aborted or closed the connection.
        case abortedByPeer
        /// The DIMSE timeout passed and the association was aborted.
        case timedOut
        /// The association was aborted after this failure.
        case failed(MediaCenterError)
    }

    private let handle: OpaquePointer
    /// The peer's AE title.
    let callingAETitle: String
    /// The AE title the peer called.
    let calledAETitle: String
    /// Presentation contexts the peer proposed.
    let proposedContexts: Int
    /// Presentation contexts accepted.
    let acceptedContexts: Int
    /// The presentation contexts that were rejected, and why.
    let rejectedContexts: [RejectedContext]

    private init(handle: OpaquePointer, request: mcd_association_request) {
        self.handle = handle
        callingAETitle = String(cString: mcd_association_calling_ae(handle))
        calledAETitle = String(cString: mcd_association_called_ae(handle))
        proposedContexts = Int(request.proposed_contexts)
        acceptedContexts = Int(request.accepted_contexts)
        rejectedContexts = RejectedContext.parse(Self.string(from: request.rejected_contexts))
    }

    deinit {
        mcd_association_free(handle)
    }

    /// Reads the A-ASSOCIATE-RQ on `socket` and accepts or rejects it, with
    /// `mcd_association_receive`, which takes ownership of the descriptor. `authorize`
    /// decides on the calling and called AE titles once the application context and the
    /// called AE title passed.
    static func receive(
        socket: Int32, configuration: ShimConfiguration,
        authorize: @escaping (String, String) -> AssociationDecision
    ) -> Outcome {
        let box = AuthorizationBox(authorize)
        var config = configuration.shimConfig
        config.authorize = { context, calling, called in
            let box = Unmanaged<AuthorizationBox>.fromOpaque(context!).takeUnretainedValue()
            let decision = box.decide(String(cString: calling!), String(cString: called!))
            box.decision = decision
            return switch decision {
            case .accept: Int32(MCD_ACCEPT)
            case .rejectCallingAETitle: Int32(MCD_REJECT_CALLING_AE_NOT_RECOGNIZED)
            case .rejectResourceLimit: Int32(MCD_REJECT_TRANSIENT_NO_REASON)
            case .rejectLocalLimit: Int32(MCD_REJECT_LOCAL_LIMIT)
            }
        }
        config.authorize_context = Unmanaged.passUnretained(box).toOpaque()

        var request = mcd_association_request()
        var error = mcd_error()
        let handle = withExtendedLifetime(box) {
            mcd_association_receive(socket, &config, &request, &error)
        }
        if let handle {
            return .accepted(Association(handle: handle, request: request))
        }
        return outcome(
            of: request, error: error, result: error.code, reason: box.decision?.reason)
    }

    /// Turns what the shim filled in into an outcome. `reason` explains a rejection that
    /// the peer check decided; other rejections take the shim's message.
    private static func outcome(
        of request: mcd_association_request, error: mcd_error, result: Int32,
        reason: String? = nil
    ) -> Outcome {
        let calling = string(from: request.calling_ae)
        let called = string(from: request.called_ae)
        if request.reject_result != 0 {
            let rejection = AssociationRejection(
                result: Int(request.reject_result), source: Int(request.reject_source),
                reason: Int(request.reject_reason))
            let explanation = reason ?? DicomToolkit.message(of: error)
            return .rejected(
                rejection, reason: explanation, callingAETitle: calling, calledAETitle: called)
        }
        let failure = MediaCenterError(shimError: error, result: result)
        return .failed(failure, callingAETitle: calling, calledAETitle: called)
    }

    /// Waits for the next DIMSE command with `mcd_association_next`; a C-STORE data set
    /// goes to `temporaryPath`.
    func next(temporaryPath: String) -> Event {
        var error = mcd_error()
        let result = mcd_association_next(handle, temporaryPath, &error)
        switch result {
        case Int32(MCD_EVENT_ECHO): return .echo
        case Int32(MCD_EVENT_STORE): return .store(storeRequest, takeParsedDataSet())
        case Int32(MCD_EVENT_STORE_FAILED):
            return .storeFailed(
                storeRequest, MediaCenterError(shimError: error, result: error.code))
        case Int32(MCD_EVENT_RELEASED): return .released
        case Int32(MCD_EVENT_ABORTED): return .abortedByPeer
        case Int32(MCD_EVENT_TIMED_OUT): return .timedOut
        default: return .failed(MediaCenterError(shimError: error, result: result))
        }
    }

    /// The last C-STORE request, from `mcd_association_store_sop_class`,
    /// `mcd_association_store_sop_instance` and `mcd_association_store_transfer_syntax`.
    private var storeRequest: StoreRequest {
        StoreRequest(
            sopClassUID: String(cString: mcd_association_store_sop_class(handle)),
            sopInstanceUID: String(cString: mcd_association_store_sop_instance(handle)),
            transferSyntaxUID: String(cString: mcd_association_store_transfer_syntax(handle)))
    }

    /// Takes the data set of the last C-STORE as parsed while it arrived, with
    /// `mcd_association_take_store_dataset`. A failure other than a parse failure leaves
    /// the file to be parsed, which then decides.
    private func takeParsedDataSet() -> ReceivedDataSet {
        var dataSet: OpaquePointer?
        var error = mcd_error()
        let result = mcd_association_take_store_dataset(handle, &dataSet, &error)
        if result == Int32(MCD_ERROR_PARSE) {
            return .unparsable(
                MediaCenterError(
                    .parseFailure,
                    "the data set is not valid DICOM in the transfer syntax of its presentation "
                        + "context; check the sending system",
                    cause: DicomToolkit.message(of: error)))
        }
        guard result == Int32(MCD_OK), let dataSet else { return .notParsed }
        return .parsed(DicomFile(adopting: dataSet))
    }

    /// Sends the C-STORE-RSP of the last C-STORE with `mcd_association_respond_store`.
    /// - Throws: `MediaCenterError` when it cannot be sent; the association is then aborted.
    func respondToStore(_ response: StoreResponse) throws {
        var error = mcd_error()
        let result = mcd_association_respond_store(
            handle, response.status, response.errorComment, &error)
        guard result == Int32(MCD_OK) else {
            throw MediaCenterError(shimError: error, result: result)
        }
    }

    /// The peer check and its last decision. The shim calls the check on this thread
    /// only, so the decision needs no lock.
    private final class AuthorizationBox {
        let decide: (String, String) -> AssociationDecision
        var decision: AssociationDecision?
        init(_ decide: @escaping (String, String) -> AssociationDecision) { self.decide = decide }
    }

    private static func string<Tuple>(from characters: Tuple) -> String {
        withUnsafeBytes(of: characters) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
