import MediaCenterCore

/// The elements of a failed MOVE MEDIUM, named for error messages.
struct MoveContext {
    var source: String
    var destination: String
    var remedy: MoveRemedies
}

extension ChangerCommands {
    /// Returns the error for a command that ended with `sense`, naming the element at fault
    /// and what to do.
    func failure(
        _ sense: SenseData, _ command: ScsiCommand, _ move: MoveContext?
    ) -> MediaCenterError {
        let cause = "\(command.name): \(sense.description)"
        let operation = "\(command.name) on changer \(name)"

        switch sense.senseKey {
        case .illegalRequest where sense.isCondition(AdditionalSense.sourceElementEmpty):
            let source = move?.source ?? "the source element"
            let fix = move?.remedy.sourceEmpty ?? "check where the disc is"
            return MediaCenterError(
                .mediaFailure, "\(operation) failed: \(source) is empty; \(fix)", cause: cause)
        case .illegalRequest where sense.isCondition(AdditionalSense.destinationElementFull):
            let destination = move?.destination ?? "the destination element"
            let fix = move?.remedy.destinationFull ?? "empty it"
            return MediaCenterError(
                .mediaFailure, "\(operation) failed: \(destination) is full; \(fix)", cause: cause)
        case .illegalRequest where sense.isCondition(AdditionalSense.mediumRemovalPrevented):
            let drive = move.map { "drive \($0.remedy.drive)" } ?? "the drive"
            return MediaCenterError(
                .mediaFailure,
                "\(operation) failed: \(drive) keeps its disc locked (medium removal prevented); "
                    + "stop any other program that has the drive open, then retry the job",
                cause: cause)
        case .illegalRequest where sense.isCondition(AdditionalSense.invalidElementAddress):
            return MediaCenterError(
                .invalidConfiguration,
                "\(operation) failed: the changer has no element at "
                    + "\(addresses(in: command, move)); correct the element addresses in the "
                    + "changer configuration",
                cause: cause)
        case .notReady:
            return notReady(sense, operation: operation, cause: cause)
        case .unitAttention:
            return MediaCenterError(
                .mediaFailure,
                "\(operation) failed: the changer still reported UNIT ATTENTION after "
                    + "\(Self.unitAttentionRetries) retries; check that its door is closed "
                    + "and that nothing resets it, then retry",
                cause: cause)
        case .hardwareError:
            return MediaCenterError(
                .mediaFailure,
                "\(operation) failed with a hardware error\(elements(move)); check the picker and "
                    + "the path between the bins and the drives, then retry the job",
                cause: cause)
        default:
            return MediaCenterError(
                .mediaFailure,
                "\(operation) failed with \(sense.description)\(elements(move)); check the "
                    + "changer's front panel, then retry the job",
                cause: cause)
        }
    }

    private func notReady(_ sense: SenseData, operation: String, cause: String) -> MediaCenterError
    {
        let fix: String
        if sense.isCondition(AdditionalSense.becomingReady) {
            fix =
                "the changer is still becoming ready; wait until its front panel shows it "
                + "ready, then retry"
        } else if sense.isCondition(AdditionalSense.initializationRequired) {
            fix =
                "the changer requires INITIALIZE ELEMENT STATUS and did not become ready "
                + "after it; close its door, wait for its inventory to finish, then retry"
        } else if sense.isCondition(AdditionalSense.manualInterventionRequired) {
            fix =
                "the changer requires manual intervention; close its door or clear the "
                + "fault its front panel shows, then retry"
        } else {
            fix =
                "the changer is not ready (\(sense.description)); check its front panel, "
                + "then retry"
        }
        return MediaCenterError(.mediaFailure, "\(operation) failed: \(fix)", cause: cause)
    }

    /// Returns the elements a command names, for an invalid element address.
    private func addresses(in command: ScsiCommand, _ move: MoveContext?) -> String {
        if let move {
            return "one of \(move.source) and \(move.destination)"
        }
        if command.operationCode == 0xB8, command.cdb.count >= 6 {
            let start = UInt16(command.cdb[2]) << 8 | UInt16(command.cdb[3])
            let count = UInt16(command.cdb[4]) << 8 | UInt16(command.cdb[5])
            return "the \(count) addresses from \(hex(start))"
        }
        return "an address of the command"
    }

    private func elements(_ move: MoveContext?) -> String {
        guard let move else { return "" }
        return " moving a disc from \(move.source) to \(move.destination)"
    }
}
