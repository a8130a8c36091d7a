import Testing

/// The parent of every suite in this target. Its tests run one at a time, because some of
/// them change or read state of the whole process: its threads and its file size limit.
@Suite(.serialized) enum DicomNetworkSuite {}
