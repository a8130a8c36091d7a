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

@Suite struct UIDMaskTests {
    @Test(arguments: [
        ("stored sop.instance=1.2.826.0.1.3680043.8.498.123", "stored sop.instance=<uid>"),
        ("instance 1.2.3.4.5 is too large.", "instance <uid> is too large."),
        ("from 10.0.0.5 port 104", "from 10.0.0.5 port 104"),
        ("DCMTK 3.6.7", "DCMTK 3.6.7"),
        ("syntax 1.2.840.10008.1.2.4.70 kept", "syntax 1.2.840.10008.1.2.4.70 kept"),
        ("a:1.2.3.4.5,b:1.2.3.4.6", "a:<uid>,b:<uid>"),
        ("no uid here", "no uid here"),
    ])
    func masksInstanceUIDs(_ text: String, _ expected: String) {
        #expect(Logger.maskingUIDs(text) == expected)
    }
}
