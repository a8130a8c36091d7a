import DicomNetwork
import Foundation
import MediaCenterCore
import Synchronization
import TestSupport

/// A storage delegate that keeps every received file in its folder, records every call
/// and event, and responds as a test sets it up.
final class RecordingDelegate: StorageDelegate {
    /// The calls and events the delegate has seen, and its settings.
    struct Record {
        var instances: [ReceivedInstance] = []
        var events: [AssociationEvent] = []
        var response = StoreResponse.success
        /// Returned by `temporaryPath()` in place of a fresh path in `folder`.
        var fixedTemporaryPath: String?
        /// Calling AE titles that `authorize(_:)` rejects as not recognized.
        var rejectedCallingAETitles: Set<String> = []
        /// Calling AE titles that `authorize(_:)` rejects as transient, for a short resource.
        var busyCallingAETitles: Set<String> = []
    }

    /// Where temporary files are created.
    let folder: String
    private let record = Mutex(Record())

    init() throws {
        folder = try TestFiles.makeTemporaryFolder("scp")
    }

    deinit {
        try? FileManager.default.removeItem(atPath: folder)
    }

    func temporaryPath() -> String {
        record.withLock { $0.fixedTemporaryPath } ?? folder + "/" + UUID().uuidString + ".part"
    }

    func store(_ instance: ReceivedInstance) -> StoreResponse {
        record.withLock { record in
            record.instances.append(instance)
            return record.response
        }
    }

    func authorize(_ request: AssociationRequest) -> AssociationDecision {
        record.withLock { record in
            if record.rejectedCallingAETitles.contains(request.callingAETitle) {
                return .rejectCallingAETitle(reason: "test rejects \(request.callingAETitle)")
            }
            if record.busyCallingAETitles.contains(request.callingAETitle) {
                return .rejectResourceLimit(reason: "test is busy")
            }
            return .accept
        }
    }

    func associationEvent(_ event: AssociationEvent) {
        record.withLock { $0.events.append(event) }
    }

    /// Changes the delegate's settings.
    func configure(_ change: (inout Record) -> Void) {
        record.withLock { change(&$0) }
    }

    var instances: [ReceivedInstance] { record.withLock { $0.instances } }
    var events: [AssociationEvent] { record.withLock { $0.events } }

    var rejections: [AssociationRejection] {
        events.compactMap {
            if case .rejected(_, let rejection, _) = $0 { rejection } else { nil }
        }
    }

    var rejectedRequests: [AssociationRequest] {
        events.compactMap { if case .rejected(let request, _, _) = $0 { request } else { nil } }
    }

    var rejectionReasons: [String] {
        events.compactMap { if case .rejected(_, _, let reason) = $0 { reason } else { nil } }
    }

    var ends: [AssociationEnd] {
        events.compactMap { if case .closed(_, let end) = $0 { end } else { nil } }
    }

    var failures: [MediaCenterError] {
        events.compactMap { if case .failed(_, let error) = $0 { error } else { nil } }
    }

    var echoCount: Int {
        events.filter { if case .echo = $0 { true } else { false } }.count
    }

    var storeFailures: [(status: UInt16, error: MediaCenterError)] {
        events.compactMap {
            if case .storeFailed(_, _, let status, let error) = $0 { (status, error) } else { nil }
        }
    }

    /// Waits up to `timeout` seconds for `condition` to hold; returns whether it did.
    @discardableResult
    func wait(timeout: Double = 10, until condition: (RecordingDelegate) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition(self) { return true }
            usleep(10_000)
        }
        return condition(self)
    }
}
