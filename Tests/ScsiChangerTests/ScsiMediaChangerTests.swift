import MediaCenterCore
import MediaHardware
import ScsiChanger
import Synchronization
import Testing

/// The operation codes the changer sends.
private let inquiry: UInt8 = 0x12
private let testUnitReady: UInt8 = 0x00
private let initialize: UInt8 = 0x07
private let modeSense: UInt8 = 0x1A
private let readStatus: UInt8 = 0xB8
private let move: UInt8 = 0xA5

@Suite struct ScsiMediaChangerTests {
    /// A changer of one picker (0001h), 18 storage slots (1000h-1011h), one mail slot
    /// (0010h) and one drive (01F4h). Slots 1000h-1002h are the input bin, 1010h-1011h the
    /// output bin and the mail slot the reject bin.
    struct Rig {
        var elements: [FakeElement]
        let transport = ScriptedTransport()
        let tray = RecordingTray()

        init() {
            elements = [FakeElement(type: .mediumTransport, address: 0x0001)]
            elements += (0..<18).map { FakeElement(type: .storage, address: 0x1000 + UInt16($0)) }
            elements.append(FakeElement(type: .importExport, address: 0x0010))
            elements.append(FakeElement(type: .dataTransfer, address: 0x01F4))
        }

        static let configuration = ScsiChangerConfiguration(
            name: "changer0",
            input: [.init(.storage, first: 0x1000, count: 3)],
            output: [.init(.storage, first: 0x1010, count: 2)],
            reject: [.init(.importExport, first: 0x0010, count: 1)],
            drives: [.init(name: "sr0", address: 0x01F4)])

        /// The MODE SENSE(6) reply for the rig's element address assignment page.
        static let assignmentPage: [UInt8] = [
            0x17, 0x00, 0x00, 0x00,  // mode parameter header, no block descriptors
            0x1D, 0x12,  // page 1Dh, 18 bytes
            0x00, 0x01, 0x00, 0x01,  // medium transport 0001h, 1
            0x10, 0x00, 0x00, 0x12,  // storage 1000h, 18
            0x00, 0x10, 0x00, 0x01,  // import/export 0010h, 1
            0x01, 0xF4, 0x00, 0x01,  // data transfer 01F4h, 1
            0x00, 0x00,
        ]

        static var inquiryData: [UInt8] {
            [0x08, 0x80, 0x06, 0x02, 0x1F, 0, 0, 0] + Array("ACME    DiscRobot 50    1.0 ".utf8)
        }

        mutating func set(
            _ address: UInt16, full: Bool, except: Bool = false,
            asc: UInt8 = 0, ascq: UInt8 = 0
        ) {
            let index = elements.firstIndex { $0.address == address }!
            elements[index].full = full
            elements[index].except = except
            elements[index].asc = asc
            elements[index].ascq = ascq
        }

        /// The step that returns the element status as the rig has it now.
        var statusStep: ScriptedTransport.Step { .good(readStatus, FakeElement.report(elements)) }

        /// Scripts a normal start and starts the changer.
        func start(pause: @escaping @Sendable (Duration) -> Void = { _ in }) throws
            -> ScsiMediaChanger
        {
            transport.append([
                .good(inquiry, Self.inquiryData), .good(testUnitReady),
                .good(modeSense, Self.assignmentPage), statusStep,
            ])
            return try ScsiMediaChanger(
                configuration: Self.configuration, transport: transport, tray: tray,
                pause: pause)
        }
    }

    /// Returns the source and destination addresses of a MOVE MEDIUM command.
    func moveAddresses(_ command: ScsiCommand) -> (UInt16, UInt16) {
        (
            UInt16(command.cdb[4]) << 8 | UInt16(command.cdb[5]),
            UInt16(command.cdb[6]) << 8 | UInt16(command.cdb[7])
        )
    }

    @Test func fullCycleLoadsAndUnloads() throws {
        var rig = Rig()
        rig.set(0x1000, full: true)
        rig.set(0x1001, full: true)
        let changer = try rig.start()
        #expect(changer.inquiry.product == "DiscRobot 50")
        #expect(changer.transportAddress == 0x0001)
        #expect(changer.driveNames == ["sr0"])
        #expect(changer.addressAssignment?.storage.count == 18)

        rig.transport.append([rig.statusStep, .good(move)])
        try changer.loadFromInput(into: "sr0")
        rig.set(0x1000, full: false)
        rig.set(0x01F4, full: true)

        try changer.printLabel(DiscLabel(lines: ["DOE^JANE"]), onDiscIn: "sr0")

        rig.transport.append([rig.statusStep, .good(move)])
        try changer.moveDisc(from: "sr0", to: .output)
        rig.set(0x01F4, full: false)
        rig.set(0x1010, full: true)

        rig.transport.append([rig.statusStep, .good(move)])
        try changer.loadFromInput(into: "sr0")

        #expect(
            rig.transport.sentCodes == [
                inquiry, testUnitReady, modeSense, readStatus,
                readStatus, move, readStatus, move, readStatus, move,
            ])
        let moves = rig.transport.sent.filter { $0.operationCode == move }
        #expect(moves.map { moveAddresses($0).0 } == [0x1000, 0x01F4, 0x1001])
        #expect(moves.map { moveAddresses($0).1 } == [0x01F4, 0x1010, 0x01F4])
        #expect(moves.allSatisfy { $0.cdb[2] == 0x00 })
        #expect(moves.allSatisfy { $0.cdb[3] == 0x01 })
        #expect(
            rig.tray.events == [
                "open sr0", "close sr0", "open sr0", "close sr0", "open sr0", "close sr0",
            ])
        #expect(rig.transport.remaining == 0)
    }

    @Test func readElementStatusCoversAssignedRange() throws {
        let rig = Rig()
        _ = try rig.start()
        let read = try #require(rig.transport.sent.last)
        #expect(read.cdb[1] == 0x00)  // all types, no volume tags
        #expect(Array(read.cdb[2...5]) == [0x00, 0x01, 0x00, 21])
    }

    @Test func emptyInputBinFails() throws {
        let rig = Rig()
        let changer = try rig.start()
        rig.transport.append([rig.statusStep])

        let error = #expect(throws: MediaCenterError.self) {
            try changer.loadFromInput(into: "sr0")
        }
        #expect(error?.code == .mediaFailure)
        #expect(error?.message.contains("input bin of changer changer0 is empty") == true)
        #expect(error?.message.contains("fill it with blank discs") == true)
        #expect(!rig.transport.sentCodes.contains(move))
        #expect(rig.tray.events.isEmpty)
    }

    @Test func fullOutputBinFails() throws {
        var rig = Rig()
        rig.set(0x01F4, full: true)
        rig.set(0x1010, full: true)
        rig.set(0x1011, full: true)
        let changer = try rig.start()
        rig.transport.append([rig.statusStep])

        let error = #expect(throws: MediaCenterError.self) {
            try changer.moveDisc(from: "sr0", to: .output)
        }
        #expect(error?.code == .mediaFailure)
        #expect(error?.message.contains("output bin of changer changer0 is full") == true)
        #expect(error?.message.contains("empty it") == true)
        #expect(rig.tray.events.isEmpty)

        // The reject bin still has room.
        rig.transport.append([rig.statusStep, .good(move)])
        try changer.moveDisc(from: "sr0", to: .reject)
        let last = try #require(rig.transport.sent.last)
        #expect(moveAddresses(last) == (0x01F4, 0x0010))
    }

    @Test func notReadyChangerFailsAtStart() throws {
        let rig = Rig()
        rig.transport.append([
            .good(inquiry, Rig.inquiryData),
            .sense(testUnitReady, key: 0x02, asc: 0x04, ascq: 0x03),
        ])
        let error = #expect(throws: MediaCenterError.self) {
            try ScsiMediaChanger(
                configuration: Rig.configuration, transport: rig.transport, tray: rig.tray,
                pause: { _ in })
        }
        #expect(error?.code == .mediaFailure)
        #expect(error?.message.contains("TEST UNIT READY on changer changer0") == true)
        #expect(error?.message.contains("manual intervention") == true)
        #expect(error?.cause?.contains("NOT READY, ASC/ASCQ 04h/03h") == true)
    }

    @Test func becomingReadyIsAwaited() throws {
        var rig = Rig()
        rig.set(0x1000, full: true)
        let pauses = Mutex(0)
        rig.transport.append([
            .good(inquiry, Rig.inquiryData),
            .sense(testUnitReady, key: 0x02, asc: 0x04, ascq: 0x01),
            .sense(testUnitReady, key: 0x02, asc: 0x04, ascq: 0x01),
            .sense(testUnitReady, key: 0x02, asc: 0x04, ascq: 0x02),
            .good(initialize),
            .good(testUnitReady),
            .good(modeSense, Rig.assignmentPage), rig.statusStep,
        ])
        let changer = try ScsiMediaChanger(
            configuration: Rig.configuration, transport: rig.transport, tray: rig.tray,
            pause: { _ in pauses.withLock { $0 += 1 } })
        #expect(pauses.withLock { $0 } == 2)
        #expect(rig.transport.sentCodes.filter { $0 == initialize }.count == 1)
        #expect(changer.lastElementStatus.element(at: 0x1000)?.full == true)
    }

    @Test func becomingReadyTimesOut() throws {
        let rig = Rig()
        var configuration = Rig.configuration
        configuration.readyTimeoutSeconds = 2
        rig.transport.append(
            [.good(inquiry, Rig.inquiryData)]
                + Array(
                    repeating: .sense(testUnitReady, key: 0x02, asc: 0x04, ascq: 0x01), count: 3))
        let error = #expect(throws: MediaCenterError.self) {
            try ScsiMediaChanger(
                configuration: configuration, transport: rig.transport, tray: rig.tray,
                pause: { _ in })
        }
        #expect(error?.message.contains("still becoming ready") == true)
    }

    @Test func exceptInputSlotIsSkipped() throws {
        var rig = Rig()
        rig.set(0x1000, full: true, except: true, asc: 0x15, ascq: 0x01)
        rig.set(0x1001, full: true)
        let changer = try rig.start()

        rig.transport.append([rig.statusStep, .good(move)])
        try changer.loadFromInput(into: "sr0")
        let last = try #require(rig.transport.sent.last)
        #expect(moveAddresses(last) == (0x1001, 0x01F4))
    }

    @Test func onlyExceptSlotsAreNamed() throws {
        var rig = Rig()
        rig.set(0x1000, full: true, except: true, asc: 0x15, ascq: 0x01)
        let changer = try rig.start()
        rig.transport.append([rig.statusStep])

        let error = #expect(throws: MediaCenterError.self) {
            try changer.loadFromInput(into: "sr0")
        }
        #expect(error?.message.contains("is empty") == true)
        #expect(
            error?.message.contains("1000h: ASC/ASCQ 15h/01h (mechanical positioning error)")
                == true)
    }

    @Test func exceptDriveFails() throws {
        var rig = Rig()
        rig.set(0x1000, full: true)
        rig.set(0x01F4, full: false, except: true, asc: 0x3B, ascq: 0x0E)
        let changer = try rig.start()
        rig.transport.append([rig.statusStep])

        let error = #expect(throws: MediaCenterError.self) {
            try changer.loadFromInput(into: "sr0")
        }
        #expect(error?.code == .mediaFailure)
        #expect(error?.message.contains("drive sr0 (element 01F4h)") == true)
        #expect(error?.message.contains("exception state: ASC/ASCQ 3Bh/0Eh") == true)
        #expect(rig.tray.events.isEmpty)
    }

    @Test func loadIntoFullDriveFails() throws {
        var rig = Rig()
        rig.set(0x1000, full: true)
        rig.set(0x01F4, full: true)
        let changer = try rig.start()
        rig.transport.append([rig.statusStep])

        let error = #expect(throws: MediaCenterError.self) {
            try changer.loadFromInput(into: "sr0")
        }
        #expect(error?.message.contains("still contains a disc") == true)
    }

    @Test func moveFromEmptyDriveFails() throws {
        let rig = Rig()
        let changer = try rig.start()
        rig.transport.append([rig.statusStep])

        let error = #expect(throws: MediaCenterError.self) {
            try changer.moveDisc(from: "sr0", to: .output)
        }
        #expect(error?.message.contains("contains no disc to move") == true)
    }

    @Test func emptySourceSenseNamesElement() throws {
        var rig = Rig()
        rig.set(0x1000, full: true)
        let changer = try rig.start()
        rig.transport.append([
            rig.statusStep, .sense(move, key: 0x05, asc: 0x3B, ascq: 0x0E),
        ])

        let error = #expect(throws: MediaCenterError.self) {
            try changer.loadFromInput(into: "sr0")
        }
        #expect(error?.message.contains("slot 1000h of the input bin is empty") == true)
        #expect(error?.cause?.contains("3Bh/0Eh") == true)
        #expect(rig.tray.events == ["open sr0", "close sr0"])
    }

    @Test func fullDestinationSenseNamesElement() throws {
        var rig = Rig()
        rig.set(0x01F4, full: true)
        let changer = try rig.start()
        rig.transport.append([
            rig.statusStep, .sense(move, key: 0x05, asc: 0x3B, ascq: 0x0D),
        ])

        let error = #expect(throws: MediaCenterError.self) {
            try changer.moveDisc(from: "sr0", to: .output)
        }
        #expect(error?.message.contains("slot 1010h of the output bin is full") == true)
    }

    @Test func removalPreventedNamesDrive() throws {
        var rig = Rig()
        rig.set(0x01F4, full: true)
        let changer = try rig.start()
        rig.transport.append([
            rig.statusStep, .sense(move, key: 0x05, asc: 0x53, ascq: 0x02),
        ])

        let error = #expect(throws: MediaCenterError.self) {
            try changer.moveDisc(from: "sr0", to: .reject)
        }
        #expect(error?.message.contains("drive sr0 keeps its disc locked") == true)
    }

    @Test func invalidElementAddressIsConfiguration() throws {
        var rig = Rig()
        rig.set(0x1000, full: true)
        let changer = try rig.start()
        rig.transport.append([
            rig.statusStep, .sense(move, key: 0x05, asc: 0x21, ascq: 0x01),
        ])

        let error = #expect(throws: MediaCenterError.self) {
            try changer.loadFromInput(into: "sr0")
        }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.message.contains("slot 1000h of the input bin") == true)
    }

    @Test func unitAttentionIsRetried() throws {
        var rig = Rig()
        rig.set(0x1000, full: true)
        let changer = try rig.start()
        rig.transport.append([
            .sense(readStatus, key: 0x06, asc: 0x28, ascq: 0x00), rig.statusStep,
            .sense(move, key: 0x06, asc: 0x29, ascq: 0x00), .good(move),
        ])
        try changer.loadFromInput(into: "sr0")
        #expect(rig.transport.remaining == 0)
    }

    @Test func hardwareErrorNamesMove() throws {
        var rig = Rig()
        rig.set(0x1000, full: true)
        let changer = try rig.start()
        rig.transport.append([
            rig.statusStep, .sense(move, key: 0x04, asc: 0x15, ascq: 0x01),
        ])
        let error = #expect(throws: MediaCenterError.self) {
            try changer.loadFromInput(into: "sr0")
        }
        #expect(error?.message.contains("hardware error") == true)
        #expect(
            error?.message.contains(
                "from slot 1000h of the input bin to drive sr0 (element 01F4h)") == true)
    }

    @Test func stuckTrayStopsBeforeMove() throws {
        var rig = Rig()
        rig.set(0x1000, full: true)
        let changer = try rig.start()
        rig.tray.failOpening()
        rig.transport.append([rig.statusStep])

        let error = #expect(throws: MediaCenterError.self) {
            try changer.loadFromInput(into: "sr0")
        }
        #expect(error?.message.contains("tray of drive sr0 did not open") == true)
        #expect(!rig.transport.sentCodes.contains(move))
    }

    @Test func missingAssignmentPageReadsEveryAddress() throws {
        let rig = Rig()
        rig.transport.append([
            .good(inquiry, Rig.inquiryData), .good(testUnitReady),
            .sense(modeSense, key: 0x05, asc: 0x24, ascq: 0x00), rig.statusStep,
        ])
        let changer = try ScsiMediaChanger(
            configuration: Rig.configuration, transport: rig.transport, tray: rig.tray,
            pause: { _ in })
        #expect(changer.addressAssignment == nil)
        let read = try #require(rig.transport.sent.last)
        #expect(Array(read.cdb[2...5]) == [0x00, 0x00, 0xFF, 0xFF])
    }

    @Test func otherDeviceTypeIsRejected() throws {
        let rig = Rig()
        var data = Rig.inquiryData
        data[0] = 0x05  // a CD/DVD drive
        rig.transport.append([.good(inquiry, data)])
        let error = #expect(throws: MediaCenterError.self) {
            try ScsiMediaChanger(
                configuration: Rig.configuration, transport: rig.transport, tray: rig.tray)
        }
        #expect(error?.code == .unsupported)
        #expect(error?.message.contains("device type 05h") == true)
        #expect(error?.message.contains("/dev/sg-scripted") == true)
    }

    @Test func configuredElementMustExist() throws {
        let rig = Rig()
        var configuration = Rig.configuration
        configuration.drives = [.init(name: "sr0", address: 0x01F5)]
        rig.transport.append([
            .good(inquiry, Rig.inquiryData), .good(testUnitReady),
            .good(modeSense, Rig.assignmentPage), rig.statusStep,
        ])
        let error = #expect(throws: MediaCenterError.self) {
            try ScsiMediaChanger(
                configuration: configuration, transport: rig.transport, tray: rig.tray)
        }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.message.contains("no element 01F5h for the drive sr0") == true)
        #expect(error?.message.contains("data transfer 01F4h-01F4h") == true)
    }

    @Test func configuredElementMustHaveItsType() throws {
        let rig = Rig()
        var configuration = Rig.configuration
        configuration.reject = [.init(.importExport, first: 0x1011, count: 1)]
        configuration.output = [.init(.storage, first: 0x1010, count: 1)]
        rig.transport.append([
            .good(inquiry, Rig.inquiryData), .good(testUnitReady),
            .good(modeSense, Rig.assignmentPage), rig.statusStep,
        ])
        let error = #expect(throws: MediaCenterError.self) {
            try ScsiMediaChanger(
                configuration: configuration, transport: rig.transport, tray: rig.tray)
        }
        #expect(error?.message.contains("is a storage element") == true)
    }

    @Test func badCallsAreInvalidArguments() throws {
        var rig = Rig()
        rig.set(0x01F4, full: true)
        let changer = try rig.start()

        let input = #expect(throws: MediaCenterError.self) {
            try changer.moveDisc(from: "sr0", to: .input)
        }
        #expect(input?.code == .invalidArgument)
        let unknown = #expect(throws: MediaCenterError.self) {
            try changer.loadFromInput(into: "sr9")
        }
        #expect(unknown?.code == .invalidArgument)
        #expect(unknown?.message.contains("no drive sr9; its drives are sr0") == true)
        #expect(throws: MediaCenterError.self) {
            try changer.printLabel(.reject(reason: "test"), onDiscIn: "sr9")
        }
        #expect(rig.transport.remaining == 0)
    }

    @Test func pickerInExceptStateFails() throws {
        var rig = Rig()
        rig.set(0x1000, full: true)
        let changer = try rig.start()
        rig.set(0x0001, full: false, except: true, asc: 0x15, ascq: 0x01)
        rig.transport.append([rig.statusStep])

        let error = #expect(throws: MediaCenterError.self) {
            try changer.loadFromInput(into: "sr0")
        }
        #expect(error?.message.contains("the picker (element 0001h)") == true)
        #expect(error?.message.contains("mechanical positioning error") == true)
        #expect(rig.tray.events.isEmpty)
    }

    @Test func loadedPickerFails() throws {
        var rig = Rig()
        rig.set(0x01F4, full: true)
        let changer = try rig.start()
        rig.set(0x0001, full: true)
        rig.transport.append([rig.statusStep])

        let error = #expect(throws: MediaCenterError.self) {
            try changer.moveDisc(from: "sr0", to: .output)
        }
        #expect(error?.message.contains("still carries a disc") == true)
    }

    @Test func longReportIsReadAgain() throws {
        // The page announces 3 elements, so the first READ ELEMENT STATUS allocates
        // 8 + 4 x 8 + 3 x 128 = 424 bytes, but the changer reports 43 elements (556 bytes).
        var rig = Rig()
        rig.elements += (18..<40).map {
            FakeElement(type: .storage, address: 0x1000 + UInt16($0))
        }
        rig.set(0x1000, full: true)
        var page = Rig.assignmentPage
        page[13] = 0x01  // storage: 1 element
        page[17] = 0x00  // import/export: none
        let report = FakeElement.report(rig.elements)
        #expect(report.count == 556)

        rig.transport.append([
            .good(inquiry, Rig.inquiryData), .good(testUnitReady), .good(modeSense, page),
            .good(readStatus, report), .good(readStatus, report),
        ])
        let changer = try ScsiMediaChanger(
            configuration: Rig.configuration, transport: rig.transport, tray: rig.tray,
            pause: { _ in })
        let reads = rig.transport.sent.filter { $0.operationCode == readStatus }
        #expect(
            reads.map(\.direction) == [
                .fromDevice(allocationLength: 424), .fromDevice(allocationLength: 556),
            ])
        #expect(changer.lastElementStatus.elements.count == 43)
    }

    @Test func truncatedStatusFails() throws {
        let rig = Rig()
        let report = FakeElement.report(rig.elements)
        rig.transport.append([
            .good(inquiry, Rig.inquiryData), .good(testUnitReady),
            .good(modeSense, Rig.assignmentPage), .good(readStatus, Array(report.prefix(60))),
        ])
        let error = #expect(throws: MediaCenterError.self) {
            try ScsiMediaChanger(
                configuration: Rig.configuration, transport: rig.transport, tray: rig.tray)
        }
        #expect(error?.code == .parseFailure)
        #expect(error?.message.contains("element status data is truncated") == true)
    }

    @Test func secondDriveUsesItsElement() throws {
        var rig = Rig()
        rig.elements.append(FakeElement(type: .dataTransfer, address: 0x01F5))
        rig.set(0x1002, full: true)
        var configuration = Rig.configuration
        configuration.drives.append(.init(name: "sr1", address: 0x01F5))
        rig.transport.append([
            .good(inquiry, Rig.inquiryData), .good(testUnitReady),
            .good(modeSense, Rig.assignmentPage), rig.statusStep,
        ])
        let changer = try ScsiMediaChanger(
            configuration: configuration, transport: rig.transport, tray: rig.tray,
            pause: { _ in })
        #expect(changer.driveNames == ["sr0", "sr1"])

        rig.transport.append([rig.statusStep, .good(move)])
        try changer.loadFromInput(into: "sr1")
        let last = try #require(rig.transport.sent.last)
        #expect(moveAddresses(last) == (0x1002, 0x01F5))
        #expect(rig.tray.events == ["open sr1", "close sr1"])
    }

    @Test func descriptorSenseIsMapped() throws {
        var rig = Rig()
        rig.set(0x01F4, full: true)
        let changer = try rig.start()
        let sense: [UInt8] = [
            0x72,  // current, descriptor format
            0x05,  // ILLEGAL REQUEST
            0x3B, 0x0D,  // medium destination element full
            0x00, 0x00, 0x00, 0x00,
        ]
        rig.transport.append([
            rig.statusStep,
            .init(operationCode: move, response: .checkCondition(sense: sense)),
        ])

        let error = #expect(throws: MediaCenterError.self) {
            try changer.moveDisc(from: "sr0", to: .reject)
        }
        #expect(error?.message.contains("slot 0010h of the reject bin is full") == true)
    }

    @Test func unreadableSenseFails() throws {
        var rig = Rig()
        rig.set(0x1000, full: true)
        let changer = try rig.start()
        rig.transport.append([
            rig.statusStep, .init(operationCode: move, response: .checkCondition(sense: [])),
        ])
        let error = #expect(throws: MediaCenterError.self) {
            try changer.loadFromInput(into: "sr0")
        }
        #expect(error?.message.contains("sense data that cannot be read") == true)
    }

    @Test func busyStatusFails() throws {
        var rig = Rig()
        rig.set(0x1000, full: true)
        let changer = try rig.start()
        rig.transport.append([
            rig.statusStep, .init(operationCode: move, response: ScsiResponse(status: .busy)),
        ])
        let error = #expect(throws: MediaCenterError.self) {
            try changer.loadFromInput(into: "sr0")
        }
        #expect(error?.message.contains("ended with SCSI status BUSY") == true)
    }

    @Test func trayActionsCallClosures() throws {
        let calls = Mutex<[String]>([])
        let tray = DriveTrayActions(
            open: { drive in calls.withLock { $0.append("open \(drive)") } },
            close: { drive in calls.withLock { $0.append("close \(drive)") } })
        try tray.openTray(of: "sr0")
        try tray.closeTray(of: "sr0")
        #expect(calls.withLock { $0 } == ["open sr0", "close sr0"])
    }
}
