import DicomNetwork
import Foundation
import Synchronization
import MediaCenterCore
import PatientStore
import TestSupport
import Testing

@testable import Appliance

@Suite struct AccessControlTests {
    let folder: String
    let store: PatientStore

    init() throws {
        folder = try TestFiles.makeTemporaryFolder("access")
        store = try PatientStore(path: folder + "/mediacenter.db")
    }

    /// Resolves only the names given, like a small /etc/hosts, and counts lookups.
    final class FakeNames: Sendable {
        let table: [String: [[UInt8]]]
        let lookups = Mutex(0)
        init(_ table: [String: [[UInt8]]]) { self.table = table }
        func resolve(_ name: String) throws -> [[UInt8]] {
            lookups.withLock { $0 += 1 }
            guard let found = table[name] else {
                throw MediaCenterError(.networkFailure, "\(name) is unknown")
            }
            return found
        }
    }

    func request(_ calling: String, from address: String) -> AssociationRequest {
        AssociationRequest(
            callingAETitle: calling, calledAETitle: "CDP_PRINTER", peerAddress: address)
    }

    func control(enabled: Bool = true, names: FakeNames = FakeNames([:])) throws -> AccessControl {
        try AccessControl(store: store, enabled: enabled, resolve: { try names.resolve($0) })
    }

    @Test func unknownCallingTitleIsRejectedWithTheFix() throws {
        let access = try control()

        let decision = access.decide(request("STRANGER", from: "127.0.0.1"))

        #expect(decision.rejection == .callingAETitleNotRecognized)
        #expect(decision.reason?.contains("mediacenterctl aet add STRANGER 127.0.0.1") == true)
    }

    @Test func listedTitleIsAcceptedOnlyFromItsAddress() throws {
        let access = try control()
        try access.add(RemoteAE(aeTitle: "CT_ROOM2", host: "10.1.2.3"))

        #expect(access.decide(request("CT_ROOM2", from: "10.1.2.3")) == .accept)
        #expect(access.decide(request("CT_ROOM2", from: "::ffff:10.1.2.3")) == .accept)
        let elsewhere = access.decide(request("CT_ROOM2", from: "10.1.2.4"))
        #expect(elsewhere.rejection == .callingAETitleNotRecognized)
        #expect(elsewhere.reason?.contains("only from 10.1.2.3") == true)
    }

    @Test func subnetsMatchByPrefix() throws {
        let access = try control()
        try access.add(RemoteAE(aeTitle: "WARD", host: "192.168.10.0/23"))
        try access.add(RemoteAE(aeTitle: "V6", host: "fd00:1::/32"))

        #expect(access.decide(request("WARD", from: "192.168.11.200")) == .accept)
        #expect(access.decide(request("WARD", from: "192.168.12.1")) != .accept)
        #expect(access.decide(request("V6", from: "fd00:1:ffff::9")) == .accept)
        #expect(access.decide(request("V6", from: "fd00:2::9")) != .accept)
        #expect(access.decide(request("V6", from: "10.0.0.1")) != .accept)
    }

    @Test func hostNamesAreLookedUpOncePerMinute() throws {
        let names = FakeNames(["pacs.example": [[10, 0, 0, 7]]])
        let access = try control(names: names)
        try access.add(RemoteAE(aeTitle: "PACS", host: "PACS.example"))
        try access.add(RemoteAE(aeTitle: "GONE", host: "gone.example"))

        #expect(access.decide(request("PACS", from: "10.0.0.7")) == .accept)
        #expect(access.decide(request("PACS", from: "10.0.0.7")) == .accept)
        #expect(access.decide(request("PACS", from: "10.0.0.8")) != .accept)
        #expect(names.lookups.withLock { $0 } == 1)
        let unresolved = access.decide(request("GONE", from: "10.0.0.7"))
        #expect(unresolved.reason?.contains("cannot be resolved") == true)
    }

    @Test func localhostResolvesThroughTheSystem() throws {
        let access = try AccessControl(store: store, enabled: true)
        try access.add(RemoteAE(aeTitle: "LOCAL", host: "localhost"))

        #expect(access.decide(request("LOCAL", from: "127.0.0.1")) == .accept)
    }

    @Test func openModeAcceptsEveryone() throws {
        let access = try control(enabled: false)

        #expect(access.decide(request("ANYONE", from: "10.9.9.9")) == .accept)
    }

    @Test func removalTakesEffectAtOnce() throws {
        let access = try control()
        try access.add(RemoteAE(aeTitle: "CT", host: "127.0.0.1"))
        #expect(access.decide(request("CT", from: "127.0.0.1")) == .accept)

        #expect(try access.remove(" CT ")?.aeTitle == "CT")
        #expect(access.decide(request("CT", from: "127.0.0.1")) != .accept)
        #expect(try access.remove("CT") == nil)
    }

    @Test(
        arguments: [
            ("", "10.0.0.1", nil, "empty"),
            ("SEVENTEEN_CHARS_X", "10.0.0.1", nil, "at most 16"),
            ("BACK\\SLASH", "10.0.0.1", nil, "backslash"),
            ("CT", "10.0.0.0/33", nil, "not a valid subnet"),
            ("CT", "999.1.1.1", nil, "neither"),
            ("CT", "bad_name!", nil, "neither"),
            ("CT", "10.0.0.1", 0, "outside 1 to 65535"),
            ("CT", "10.0.0.1", 70000, "outside 1 to 65535"),
        ] as [(String, String, Int?, String)])
    func invalidEntriesAreRejectedByName(
        title: String, host: String, port: Int?, expected: String
    ) throws {
        let access = try control()
        let error = #expect(throws: MediaCenterError.self) {
            try access.add(RemoteAE(aeTitle: title, host: host, port: port))
        }
        #expect(error?.message.contains(expected) == true, "\(error?.message ?? "")")
        #expect(access.list.isEmpty)
    }

    @Test func listIsSortedAndSurvivesARestart() throws {
        let access = try control()
        try access.add(RemoteAE(aeTitle: "ZETA", host: "10.0.0.2", port: 11112, description: "MR"))
        try access.add(RemoteAE(aeTitle: "ALPHA", host: "10.0.0.1"))

        let again = try control()

        #expect(again.list.map(\.aeTitle) == ["ALPHA", "ZETA"])
        #expect(again.list.last?.port == 11112)
        #expect(again.decide(request("ZETA", from: "10.0.0.2")) == .accept)
    }
}
