import DicomNetwork
import Testing

extension DicomNetworkSuite {
    @Suite struct AssociationRejectionTests {
        @Test func describesCalledTitleRejection() {
            #expect(
                AssociationRejection.calledAETitleNotRecognized.description
                    == "rejected permanently by the service user: called AE title not recognized")
        }

        @Test func describesLocalLimitRejection() {
            #expect(
                AssociationRejection.localLimitExceeded.description
                    == "rejected transiently by the service provider (presentation): "
                    + "local limit exceeded")
        }
    }
}
