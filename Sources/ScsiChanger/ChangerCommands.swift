import MediaCenterCore

/// The SMC-3 commands the changer sends, each checked for its status and sense.
struct ChangerCommands {
    let name: String
    let transport: any ScsiTransport
    let logger: Logger
    let pause: @Sendable (Duration) -> Void

    /// How often a command is sent again after UNIT ATTENTION, which a changer reports once
    /// for each reset or opened door before it accepts commands again.
    static let unitAttentionRetries = 3

    /// The result of a command: its data, or the sense of a CHECK CONDITION.
    enum Outcome {
        case data([UInt8])
        case sense(SenseData)
    }

    /// Sends INQUIRY and checks that the device is a medium changer.
    func inquiry() throws -> InquiryData {
        let data = try run(.inquiry())
        let inquiry = try InquiryData(parsing: data)
        guard inquiry.isMediumChanger else {
            throw MediaCenterError(
                .unsupported,
                "\(transport.devicePath) is not a medium changer: INQUIRY reports "
                    + "peripheral device type \(hex(inquiry.peripheralDeviceType)) with "
                    + "qualifier \(inquiry.peripheralQualifier) (\(inquiry.vendor) "
                    + "\(inquiry.product)), not type 08h; give the changer's own sg device")
        }
        return inquiry
    }

    /// Sends TEST UNIT READY until the changer is ready. While the changer reports that it
    /// is becoming ready, it is asked again each second for up to `timeoutSeconds`. When
    /// it requires INITIALIZE ELEMENT STATUS, that is sent once.
    func waitUntilReady(timeoutSeconds: Int) throws {
        var waited = 0
        var initialized = false
        while true {
            guard case .sense(let sense) = try outcome(of: .testUnitReady()) else { return }
            if sense.senseKey == .notReady, sense.isCondition(AdditionalSense.becomingReady),
                waited < timeoutSeconds
            {
                waited += 1
                pause(.seconds(1))
                continue
            }
            if sense.senseKey == .notReady,
                sense.isCondition(AdditionalSense.initializationRequired), !initialized
            {
                logger.debug(
                    "changer requires INITIALIZE ELEMENT STATUS", ["changer.name": name])
                _ = try run(.initializeElementStatus())
                initialized = true
                continue
            }
            throw failure(sense, .testUnitReady(), nil)
        }
    }

    /// Reads the element address assignment page, or returns nil when the changer rejects
    /// the request as ILLEGAL REQUEST, which a changer without the page does.
    func elementAddressAssignment() throws -> ElementAddressAssignment? {
        let command = ScsiCommand.modeSenseElementAddressAssignment()
        switch try outcome(of: command) {
        case .data(let data):
            return try ElementAddressAssignment(parsingModeSense6: data)
        case .sense(let sense) where sense.senseKey == .illegalRequest:
            logger.debug(
                "changer has no element address assignment page; reading every element",
                ["changer.name": name, "scsi.sense": sense.description])
            return nil
        case .sense(let sense):
            throw failure(sense, command, nil)
        }
    }

    /// Reads the status of every element: those of `assignment` when given, else every
    /// address. A reply longer than the allocation length is asked for once more at its
    /// full length. INITIALIZE ELEMENT STATUS is sent once when the changer requires it.
    func readElementStatus(
        assignment: ElementAddressAssignment?, volumeTags: Bool
    ) throws -> ElementStatusReport {
        let start = assignment?.lowestAddress ?? 0
        let count = UInt16(clamping: assignment?.totalCount ?? 0xFFFF)
        // A descriptor is 12 bytes, plus 36 for each volume tag and any vendor bytes, so
        // 128 bytes per element leave room for most. A longer reply is read again.
        let perElement = 128
        var allocation = UInt32(
            min(0xFF_FFFF, 8 + 4 * 8 + Int(count == 0xFFFF ? 64 : count) * perElement))
        var initialized = false
        var enlarged = false

        while true {
            let command = ScsiCommand.readElementStatus(
                startingAddress: start, count: count, volumeTags: volumeTags,
                allocationLength: allocation)
            switch try outcome(of: command) {
            case .data(let data):
                let required = try ElementStatusReport.requiredLength(parsingHeaderOf: data)
                if required > data.count, data.count >= Int(allocation), !enlarged {
                    allocation = UInt32(min(required, 0xFF_FFFF))
                    enlarged = true
                    continue
                }
                return try ElementStatusReport(parsing: data)
            case .sense(let sense)
            where sense.senseKey == .notReady
                && sense.isCondition(AdditionalSense.initializationRequired) && !initialized:
                _ = try run(.initializeElementStatus())
                initialized = true
            case .sense(let sense):
                throw failure(sense, command, nil)
            }
        }
    }

    /// Sends MOVE MEDIUM.
    /// - Parameters:
    ///   - describe: names an element address in error messages.
    ///   - remedy: what to tell the operator when an element was empty or full.
    func moveMedium(
        transport picker: UInt16, source: UInt16, destination: UInt16,
        describe: (UInt16) -> String, remedy: MoveRemedies
    ) throws {
        let command = ScsiCommand.moveMedium(
            transport: picker, source: source, destination: destination)
        guard case .sense(let sense) = try outcome(of: command) else { return }
        let context = MoveContext(
            source: describe(source), destination: describe(destination), remedy: remedy)
        throw failure(sense, command, context)
    }

    /// Sends `command` and returns its data.
    /// - Throws: the mapped `MediaCenterError` for a CHECK CONDITION.
    func run(_ command: ScsiCommand) throws -> [UInt8] {
        switch try outcome(of: command) {
        case .data(let data): return data
        case .sense(let sense): throw failure(sense, command, nil)
        }
    }

    /// Sends `command`, again after UNIT ATTENTION up to ``unitAttentionRetries`` times,
    /// and returns its data or its sense.
    /// - Throws: `MediaCenterError` for a status other than GOOD and CHECK CONDITION,
    ///   unreadable sense, or a transport failure.
    func outcome(of command: ScsiCommand) throws -> Outcome {
        var attempt = 0
        while true {
            let response = try transport.send(command)
            switch response.status {
            case .good:
                return .data(response.data)
            case .checkCondition:
                let sense = try parseSense(response.sense, command)
                if sense.senseKey == .unitAttention, attempt < Self.unitAttentionRetries {
                    attempt += 1
                    logger.debug(
                        "changer reported UNIT ATTENTION; sending the command again",
                        [
                            "changer.name": name, "scsi.command": command.name,
                            "scsi.sense": sense.description,
                        ])
                    continue
                }
                return .sense(sense)
            default:
                throw MediaCenterError(
                    .mediaFailure,
                    "\(command.name) on changer \(name) (\(transport.devicePath)) ended with "
                        + "SCSI status \(response.status); another program may be using the "
                        + "changer, so stop it and retry")
            }
        }
    }

    private func parseSense(_ bytes: [UInt8], _ command: ScsiCommand) throws -> SenseData {
        do {
            return try SenseData(parsing: bytes)
        } catch let error as MediaCenterError {
            throw MediaCenterError(
                .mediaFailure,
                "\(command.name) on changer \(name) failed with CHECK CONDITION and sense "
                    + "data that cannot be read; check the changer's front panel for the "
                    + "fault",
                cause: error.message)
        }
    }
}
