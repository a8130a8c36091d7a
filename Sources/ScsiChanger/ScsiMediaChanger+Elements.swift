import MediaCenterCore
import MediaHardware

/// Operator instructions for a move that fails because an element was empty or full.
struct MoveRemedies {
    /// For a source element that turned out empty.
    var sourceEmpty: String
    /// For a destination element that turned out full.
    var destinationFull: String
    /// The drive in the move, named in a MEDIUM REMOVAL PREVENTED error.
    var drive: String
}

extension ScsiMediaChanger {
    /// Returns the configured drive named `drive`.
    /// - Throws: `MediaCenterError` with `.invalidArgument` for a drive this changer does
    ///   not serve.
    func driveElement(named drive: String) throws -> ScsiChangerConfiguration.Drive {
        guard let element = configuration.drives.first(where: { $0.name == drive }) else {
            throw MediaCenterError(
                .invalidArgument,
                "changer \(name) has no drive \(drive); its drives are "
                    + driveNames.joined(separator: ", "))
        }
        return element
    }

    /// Throws when the picker is in the Except state or still carries a disc, because a
    /// move would then fail or drop the disc it carries.
    func checkPicker(in report: ElementStatusReport) throws {
        guard let picker = report.element(at: transportAddress) else { return }
        if picker.except {
            throw MediaCenterError(
                .mediaFailure,
                "the picker (element \(hex(transportAddress))) of changer \(name) is in an "
                    + "exception state: \(picker.exceptionDescription); clear the fault at "
                    + "the changer, then retry the job")
        }
        if picker.full {
            throw MediaCenterError(
                .mediaFailure,
                "the picker (element \(hex(transportAddress))) of changer \(name) still "
                    + "carries a disc from an interrupted move; take it out or let the "
                    + "changer put it back, then retry the job")
        }
    }

    /// Returns the status of `drive`'s data transfer element after checking that it is
    /// usable: no exception, and a disc in it when `expectFull`, none otherwise. Its ACCESS
    /// bit is not checked, because the tray opens only after this check and a closed tray
    /// may keep the picker out until then.
    func usableDrive(
        _ drive: ScsiChangerConfiguration.Drive, in report: ElementStatusReport,
        expectFull: Bool
    ) throws -> ElementStatus {
        guard let element = report.element(at: drive.address) else {
            throw MediaCenterError(
                .mediaFailure,
                "changer \(name) no longer reports element \(hex(drive.address)) of drive "
                    + "\(drive.name); check the changer's configuration and its front panel")
        }
        if element.except {
            throw MediaCenterError(
                .mediaFailure,
                "drive \(drive.name) (element \(hex(drive.address))) of changer \(name) is in "
                    + "an exception state: \(element.exceptionDescription); clear the fault "
                    + "at the changer, then retry the job")
        }
        if expectFull && !element.full {
            throw MediaCenterError(
                .mediaFailure,
                "drive \(drive.name) (element \(hex(drive.address))) of changer \(name) "
                    + "contains no disc to move; check whether the disc fell out of the "
                    + "picker's path")
        }
        if !expectFull && element.full {
            // NOTE: a disc left in the drive by a daemon that stopped during a job stops
            // every later load until it is taken out by hand, because the DiscChanger
            // contract wants an empty drive here.
            throw MediaCenterError(
                .mediaFailure,
                "drive \(drive.name) (element \(hex(drive.address))) of changer \(name) "
                    + "still contains a disc; move it to a bin before loading the next one")
        }
        return element
    }

    /// Returns the address of the first slot of `bin` that is full (for a source) or empty
    /// (for a destination), skipping slots in the Except state and slots the picker cannot
    /// reach.
    /// - Throws: `MediaCenterError` with `.mediaFailure` when there is none: an empty input
    ///   bin or a full output or reject bin.
    func firstSlot(
        of bin: ChangerBin, full: Bool, in report: ElementStatusReport
    ) throws -> UInt16 {
        var skipped: [String] = []
        var slotCount = 0
        for range in configuration.ranges(of: bin) {
            for address in range.addresses {
                slotCount += 1
                guard let element = report.element(at: address) else { continue }
                if element.except {
                    skipped.append("\(hex(address)): \(element.exceptionDescription)")
                    continue
                }
                if !element.access {
                    skipped.append("\(hex(address)): not accessible to the picker")
                    continue
                }
                if element.full == full {
                    return address
                }
            }
        }

        let faults =
            skipped.isEmpty
            ? "" : " Slots skipped: " + skipped.joined(separator: "; ") + "."
        if full {
            throw MediaCenterError(
                .mediaFailure,
                "the input bin of changer \(name) is empty: none of its \(slotCount) slots "
                    + "contains a disc; fill it with blank discs.\(faults)")
        }
        throw MediaCenterError(
            .mediaFailure,
            "the \(bin.rawValue) bin of changer \(name) is full: all of its \(slotCount) "
                + "slots contain a disc; empty it.\(faults)")
    }

    /// Returns the element, such as `slot 1001h of the input bin` or `drive /dev/sr0
    /// (element 0100h)`, for error messages.
    func describeElement(_ address: UInt16) -> String {
        if let drive = configuration.drives.first(where: { $0.address == address }) {
            return "drive \(drive.name) (element \(hex(address)))"
        }
        if let bin = configuration.bin(containing: address) {
            return "slot \(hex(address)) of the \(bin.rawValue) bin"
        }
        if address == transportAddress {
            return "the picker (element \(hex(address)))"
        }
        return "element \(hex(address))"
    }

    func moveRemedies(drive: String) -> MoveRemedies {
        MoveRemedies(
            sourceEmpty: "the changer's element status was out of date; check where the disc "
                + "is, then retry the job",
            destinationFull: "the changer's element status was out of date; empty the bin or "
                + "the drive, then retry the job",
            drive: drive)
    }

    /// Checks that every configured element exists in `report` with its configured type.
    /// - Returns: the medium transport element to use.
    /// - Throws: `MediaCenterError` with `.invalidConfiguration` for a missing element or
    ///   one of another type.
    static func checkMapping(
        _ configuration: ScsiChangerConfiguration, against report: ElementStatusReport
    ) throws -> UInt16 {
        let name = configuration.name
        var expected: [(address: UInt16, type: ElementType, role: String)] = []
        for bin in [ChangerBin.input, .output, .reject] {
            for range in configuration.ranges(of: bin) {
                expected += range.addresses.map { ($0, range.type, "\(bin.rawValue) bin") }
            }
        }
        for drive in configuration.drives {
            expected.append((drive.address, .dataTransfer, "drive \(drive.name)"))
        }
        if let address = configuration.transportAddress {
            expected.append((address, .mediumTransport, "picker"))
        }

        for item in expected {
            guard let element = report.element(at: item.address) else {
                throw MediaCenterError(
                    .invalidConfiguration,
                    "changer \(name) has no element \(hex(item.address)) for the "
                        + "\(item.role); its elements are \(summary(of: report)). Correct "
                        + "the changer configuration")
            }
            guard element.type == item.type else {
                throw MediaCenterError(
                    .invalidConfiguration,
                    "element \(hex(item.address)) of changer \(name), configured for the "
                        + "\(item.role) as a \(item.type) element, is a \(element.type) "
                        + "element; its elements are \(summary(of: report)). Correct the "
                        + "changer configuration")
            }
        }

        if let address = configuration.transportAddress {
            return address
        }
        guard
            let picker = report.elements.first(where: { $0.type == .mediumTransport })
        else {
            throw MediaCenterError(
                .unsupported,
                "changer \(name) reports no medium transport element, so nothing can move a "
                    + "disc; check that the device is the changer and not one of its drives")
        }
        return picker.address
    }

    /// Returns the element ranges of `report` by type, such as `storage 1000h-1031h`.
    static func summary(of report: ElementStatusReport) -> String {
        report.pages.map { page in
            let addresses = page.elements.map(\.address)
            guard let low = addresses.min(), let high = addresses.max() else {
                return "no \(page.type) elements"
            }
            return "\(page.type) \(hex(low))-\(hex(high))"
        }.joined(separator: ", ")
    }
}
