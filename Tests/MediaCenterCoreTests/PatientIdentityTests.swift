import MediaCenterCore
import Testing

@Suite struct PatientIdentityTests {
    @Test func receivedPatientIDIsKept() {
        let identity = PatientIdentity(
            patientID: "12345", accessionNumber: "ACC1", studyInstanceUID: "1.2.3")

        #expect(identity.patientID == "12345")
        #expect(!identity.generated)
    }

    @Test func missingIDComesFromAccessionNumber() {
        let identity = PatientIdentity(
            patientID: "", accessionNumber: "ACC1", studyInstanceUID: "1.2.3")

        #expect(identity.patientID == "ACC1")
        #expect(identity.generated)
    }

    @Test func missingIDAndAccessionUseStudyUID() {
        let identity = PatientIdentity(
            patientID: nil, accessionNumber: nil, studyInstanceUID: "1.2.3")

        #expect(identity.patientID == "1.2.3")
        #expect(identity.generated)
    }

    @Test func eachStudyWithoutIDsIsItsOwnPatient() {
        let first = PatientIdentity(patientID: nil, accessionNumber: "", studyInstanceUID: "1.1")
        let second = PatientIdentity(patientID: nil, accessionNumber: "", studyInstanceUID: "1.2")

        #expect(first.patientID != second.patientID)
    }
}

extension PatientIdentityTests {
    @Test func nonASCIIAccessionFallsBackToStudyUID() {
        let identity = PatientIdentity(
            patientID: nil, accessionNumber: "ÅSE-2", studyInstanceUID: "1.2.3")

        #expect(identity.patientID == "1.2.3")
        #expect(identity.generated)
    }

    @Test func nonASCIIPatientIDIsKept() {
        let identity = PatientIdentity(
            patientID: "MÜLLER-1", accessionNumber: nil, studyInstanceUID: "1.2.3")

        #expect(identity.patientID == "MÜLLER-1")
        #expect(!identity.generated)
    }
}
