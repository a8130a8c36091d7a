import Testing

@testable import MediaCenterCore

@Suite struct LoggerTests {
    @Test func journalEntriesCarryFieldsSeparately() {
        let logger = Logger(label: "jobs")

        let entries = logger.journalEntries(
            .notice, "job done",
            [("calling.ae", "MODALITY"), ("drive.name", "virtual0"), ("job.id", "7")])

        #expect(entries.contains("MESSAGE=job done"))
        #expect(entries.contains("PRIORITY=5"))
        #expect(entries.contains("COMPONENT=jobs"))
        #expect(entries.contains("CALLING_AE=MODALITY"))
        #expect(entries.contains("DRIVE_NAME=virtual0"))
        #expect(entries.contains("JOB_ID=7"))
        #expect(entries.count == 6)
    }

    @Test func journalFieldNamesAreValid() {
        let entries = Logger(label: "ingest").journalEntries(
            .info, "x", [("sop.instance", "1.2.3"), ("purge-bytes", "10")])

        let names = entries.map { String($0.prefix { $0 != "=" }) }
        for name in names {
            #expect(name.allSatisfy { $0.isUppercase || $0.isNumber || $0 == "_" }, "\(name)")
            #expect(name.first?.isLetter == true, "\(name)")
        }
        #expect(names.contains("PURGE_BYTES"))
    }

    @Test func singleLineReplacesControlCharacters() {
        #expect(Logger.singleLine("first\nsecond\r\n\tthird") == "first second third")
    }
}
