@testable import JobEngine
import MediaCenterCore
import MediaHardware
import PatientStore
import Synchronization
import Testing

@Suite struct DiscLabelContentTests {
    @Test func labelListsEveryDetail() {
        let details = DiscLabelDetails(
            birthDate: "19700131", studyDates: ["20240507", "20240506", "20240507"],
            modalities: ["MR", "CT", "MR"], institution: "General Hospital")
        let content = DiscLabelContent(
            patientName: "Doe^John", patientID: "P-1", details: details, discNumber: 2,
            discCount: 3)

        let label = content.label()

        #expect(label.kind == .patient)
        #expect(
            label.lines == [
                "Doe, John", "ID P-1", "Born 1970-01-31", "Studies 2024-05-06, 2024-05-07",
                "CT, MR", "General Hospital", "Disc 2 of 3",
            ])
    }

    @Test func labelLeavesOutUnknownDetails() {
        let content = DiscLabelContent(
            patientName: "", patientID: "P-1", details: DiscLabelDetails(), discNumber: 1,
            discCount: 1)

        #expect(content.label().lines == ["", "ID P-1", "Disc 1 of 1"])
    }

    @Test func manyStudyDatesShowTheirRange() {
        let details = DiscLabelDetails(
            studyDates: ["20240104", "20240101", "20240103", "20240102"])
        let content = DiscLabelContent(
            patientName: "A", patientID: "1", details: details, discNumber: 1, discCount: 1)

        #expect(content.label().lines.contains("4 studies 2024-01-01 to 2024-01-04"))
    }

    @Test func personNameGroupsAreJoined() {
        #expect(
            DiscLabelContent.displayName("Suzuki^Hanako=鈴木^花子=すずき^はなこ")
                == "Suzuki, Hanako = 鈴木, 花子 = すずき, はなこ")
        #expect(DiscLabelContent.displayName("Doe^John^^Dr^") == "Doe, John Dr")
        #expect(DiscLabelContent.displayName("Doe") == "Doe")
        #expect(DiscLabelContent.displayName("^John") == "John")
        #expect(DiscLabelContent.displayName("=山田^太郎") == "山田, 太郎")
        #expect(DiscLabelContent.displayName("../*<x>") == "../*<x>")
    }

    @Test func datesAreFormattedOnlyWhenValid() {
        #expect(DiscLabelContent.displayDate("20240506") == "2024-05-06")
        #expect(DiscLabelContent.displayDate("2024") == "2024")
        #expect(DiscLabelContent.displayDate("2024.05.06") == "2024.05.06")
    }
}

/// A label reader that returns planned details, or throws, and counts its calls.
final class ScriptedLabelReader: DiscLabelReading {
    let details: DiscLabelDetails?
    private let calls = Mutex(0)

    /// Makes a reader that returns `details`, or throws when they are nil.
    init(details: DiscLabelDetails?) {
        self.details = details
    }

    var callCount: Int { calls.withLock { $0 } }

    func labelDetails(of instances: [StoredInstance]) throws -> DiscLabelDetails {
        calls.withLock { $0 += 1 }
        guard let details else {
            throw MediaCenterError(.parseFailure, "planned label read failure")
        }
        return details
    }
}

extension ChangerJobTests {
    @Test func verifiedDiscLabelShowsReadDetails() async throws {
        _ = try receive(uid: "1.1")
        _ = try receive(uid: "1.2")
        let reader = ScriptedLabelReader(
            details: DiscLabelDetails(
                birthDate: "19700131", studyDates: ["20240506"], modalities: ["CT"],
                institution: "General Hospital"))
        let drive = ScriptedChangerDrive(supply: [.written])

        let record = try await run(drive, maxRejects: 3, labelReader: reader)

        #expect(record.state == .done, "\(record.failureReason ?? "")")
        #expect(reader.callCount == 1)
        #expect(drive.labels.map(\.kind) == [.reject, .patient])
        #expect(
            drive.labels.last?.lines == [
                "DOE, J", "ID P1", "Born 1970-01-31", "Study 2024-05-06", "CT",
                "General Hospital", "Disc 1 of 1",
            ])
    }

    @Test func unreadableDetailsStillGiveLabel() async throws {
        _ = try receive(uid: "1.1")
        let reader = ScriptedLabelReader(details: nil)
        let drive = ScriptedChangerDrive(supply: [])

        let record = try await run(drive, maxRejects: 3, labelReader: reader)

        #expect(record.state == .done, "\(record.failureReason ?? "")")
        #expect(drive.labels.last?.lines == ["DOE, J", "ID P1", "Disc 1 of 1"])
    }
}
