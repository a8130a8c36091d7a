import MediaHardware
import Testing

@testable import DeviceTracking

@Suite struct DeviceTrackerTests {
    @Test func enumerationFindsOnlyTheOpticalDrive() throws {
        let source = try Fixtures.source(devices: "present-at-start.txt")
        var tracker = DeviceTracker()

        let changes = tracker.reconcile(with: try source.enumerate())

        #expect(changes.count == 1)
        let drive = try #require(tracker.drives[Paths.ataDrive])
        #expect(changes.first == .driveAdded(drive))
        #expect(drive.devnode == "/dev/sr0")
        #expect(drive.syspath == "/sys" + Paths.ataDrive)
        #expect(tracker.changers.isEmpty)
    }

    @Test func enumeratedDriveCarriesIdentityAndMedia() throws {
        let source = try Fixtures.source(devices: "present-at-start.txt")
        var tracker = DeviceTracker()
        _ = tracker.reconcile(with: try source.enumerate())

        let drive = try #require(tracker.drives[Paths.ataDrive])

        // An ATA drive has no ID_VENDOR: ata_id puts the vendor into the model.
        #expect(drive.identity.vendor == nil)
        #expect(drive.identity.model == "HL-DT-ST DVDRAM GH24NSD5")
        #expect(drive.identity.revision == "LG00")
        #expect(drive.identity.serial == "K1HG8PL2345")
        let media = try #require(drive.media)
        #expect(media.profile == .cdr)
        #expect(media.udevProfileName == "cd_r")
        #expect(media.state == .blank)
        #expect(media.discStatus == .blank)
        #expect(media.sessionCount == 1)
        #expect(media.trackCount == 1)
    }

    @Test func usbDriveAddedThenMediaInsertedAndEjected() throws {
        let source = try Fixtures.source(events: "usb-drive-lifecycle.txt")
        var tracker = DeviceTracker()

        let changes = try replayAll(source, into: &tracker)

        // The sg node of a drive (type 5) is no changer, so its event changes nothing.
        #expect(changes.count == 6)
        #expect(changes[0] == [])
        guard changes.count == 6, case .driveAdded(let added) = changes[1].first else {
            Issue.record("expected the drive added second, got \(changes)")
            return
        }
        #expect(added.devnode == "/dev/sr1")
        #expect(added.media == nil)
        #expect(added.identity.vendor == "ASUS")
        #expect(added.identity.model == "SDRW-08D2S-U")
        #expect(added.identity.serial == "1D2A3B4C5D6E")

        guard case .mediaInserted(let inserted) = changes[2].first else {
            Issue.record("expected a medium inserted, got \(changes[2])")
            return
        }
        #expect(inserted.media?.profile == .cdr)
        #expect(inserted.media?.state == .blank)

        guard case .mediaChanged(let burned) = changes[3].first else {
            Issue.record("expected the medium changed after the write, got \(changes[3])")
            return
        }
        #expect(burned.media?.state == .complete)
        #expect(burned.media?.discStatus == .written)

        guard case .ejectRequested(let requested) = changes[4].first else {
            Issue.record("expected an eject request, got \(changes[4])")
            return
        }
        #expect(requested.media?.state == .complete)

        guard case .mediaEjected(let ejected) = changes[5].first else {
            Issue.record("expected the medium ejected, got \(changes[5])")
            return
        }
        #expect(ejected.media == nil)
        #expect(tracker.drives[Paths.usbDrive]?.media == nil)
    }

    @Test func ejectRequestKeepsTheMedium() throws {
        let source = try Fixtures.source(events: "usb-drive-lifecycle.txt")
        var tracker = DeviceTracker()

        // The fifth delivered event is the press of the eject button, which carries no
        // medium properties.
        var lastChanges: [DeviceEvent] = []
        for _ in 0..<5 {
            if case .event(let event) = try source.receive(timeoutMilliseconds: 0) {
                lastChanges = tracker.apply(event)
            }
        }

        #expect(lastChanges.count == 1)
        #expect(tracker.drives[Paths.usbDrive]?.media?.state == .complete)
        #expect(tracker.drives[Paths.usbDrive]?.media?.profile == .cdr)
    }

    @Test func driveRemovedDuringBurn() throws {
        let source = try Fixtures.source(events: "usb-drive-removed-during-burn.txt")
        var tracker = DeviceTracker()

        let changes = try replayAll(source, into: &tracker).flatMap { $0 }

        #expect(changes.count == 2)
        guard changes.count == 2, case .driveAdded(let added) = changes[0],
            case .driveRemoved(let removed) = changes[1]
        else {
            Issue.record("expected the drive added and removed, got \(changes)")
            return
        }
        #expect(added.media?.profile == .dvdPlusR)
        #expect(removed.devnode == "/dev/sr1")
        #expect(removed.devpath == Paths.usbDrive)
        #expect(tracker.drives.isEmpty)
    }

    @Test func changerAddedWithSgAndSchNodes() throws {
        let source = try Fixtures.source(events: "changer-added.txt")
        var tracker = DeviceTracker()

        let changes = try replayAll(source, into: &tracker).flatMap { $0 }

        #expect(changes.count == 3)
        guard changes.count == 3, case .changerAdded(let added) = changes[0],
            case .changerUpdated(let updated) = changes[1],
            case .driveAdded(let drive) = changes[2]
        else {
            Issue.record("expected changer added, updated and a drive, got \(changes)")
            return
        }
        #expect(added.devpath == Paths.changer)
        #expect(added.genericNode == "/dev/sg3")
        #expect(added.changerNode == nil)
        #expect(added.identity.vendor == "RIMAGE")
        #expect(added.identity.model == "PRODISC 2000")
        #expect(added.identity.serial == "RM20A7715")
        #expect(updated.changerNode == "/dev/sch0")
        #expect(updated.nodes == ["/dev/sg3", "/dev/sch0"])
        #expect(updated.identity == added.identity)
        #expect(drive.devnode == "/dev/sr2")
        #expect(drive.identity.vendor == "PIONEER")
        #expect(tracker.changers.count == 1)
    }

    @Test func changerRemovedWithItsLastNode() throws {
        let source = try Fixtures.source(events: "changer-added.txt")
        var tracker = DeviceTracker()
        _ = try replayAll(source, into: &tracker)
        let changer = try #require(tracker.changers[Paths.changer])
        let generic = UdevDevice(
            devpath: try #require(changer.genericDevpath), subsystem: "scsi_generic")
        let schNode = UdevDevice(
            devpath: try #require(changer.changerDevpath), subsystem: "scsi_changer")

        let first = tracker.apply(UdevEvent(action: .remove, device: generic))
        let second = tracker.apply(UdevEvent(action: .remove, device: schNode))

        guard case .changerUpdated(let remaining) = first.first else {
            Issue.record("expected the changer updated, got \(first)")
            return
        }
        #expect(remaining.nodes == ["/dev/sch0"])
        guard case .changerRemoved(let removed) = second.first else {
            Issue.record("expected the changer removed, got \(second)")
            return
        }
        #expect(removed.devpath == Paths.changer)
        #expect(tracker.changers.isEmpty)
    }

    @Test func reconcileRemovesWhatIsGone() throws {
        let source = try Fixtures.source(devices: "present-at-start.txt")
        var tracker = DeviceTracker()
        _ = tracker.reconcile(with: try source.enumerate())

        let changes = tracker.reconcile(with: [])

        #expect(changes.count == 1)
        guard case .driveRemoved(let drive) = changes.first else {
            Issue.record("expected the drive removed, got \(changes)")
            return
        }
        #expect(drive.devnode == "/dev/sr0")
    }

    @Test func reconcileWithSameDevicesChangesNothing() throws {
        let source = try Fixtures.source(devices: "present-at-start.txt")
        var tracker = DeviceTracker()
        let devices = try source.enumerate()
        _ = tracker.reconcile(with: devices)

        #expect(tracker.reconcile(with: devices) == [])
    }

    @Test func srDiskWithoutUdevDatabaseIsADrive() {
        let device = UdevDevice(
            devpath: "/devices/platform/host0/target0:0:0/0:0:0:0/block/sr3",
            subsystem: "block", devtype: "disk", devnode: "/dev/sr3")
        let partition = UdevDevice(
            devpath: "/devices/platform/block/sr3/sr3p1", subsystem: "block",
            devtype: "partition", properties: ["ID_CDROM": "1"])
        let disk = UdevDevice(devpath: "/devices/virtual/block/srx", subsystem: "block")

        #expect(DeviceTracker.isOpticalDrive(device))
        #expect(!DeviceTracker.isOpticalDrive(partition))
        #expect(!DeviceTracker.isOpticalDrive(disk))
    }

    @Test func scsiGenericNodeOfDiskIsIgnored() {
        var tracker = DeviceTracker()
        let disk = UdevDevice(
            devpath: "/devices/x/0:0:0:0/scsi_generic/sg0", subsystem: "scsi_generic",
            devnode: "/dev/sg0",
            scsiDevice: SCSIDeviceIdentity(devpath: "/devices/x/0:0:0:0", peripheralType: 0))

        #expect(tracker.apply(UdevEvent(action: .add, device: disk)) == [])
        #expect(tracker.changers.isEmpty)
    }

    @Test func scsiInquiryFillsMissingVendor() {
        let device = UdevDevice(
            devpath: "/devices/x/0:0:0:0/scsi_changer/sch0", subsystem: "scsi_changer",
            scsiDevice: SCSIDeviceIdentity(
                devpath: "/devices/x/0:0:0:0", peripheralType: 8, vendor: "PRIMERA ",
                model: "BRAVO 4102      "))

        let identity = DeviceTracker.identity(of: device)

        #expect(identity.vendor == "PRIMERA")
        #expect(identity.model == "BRAVO 4102")
    }

    @Test func movedDriveKeepsItsMedium() throws {
        let source = try Fixtures.source(devices: "present-at-start.txt")
        var tracker = DeviceTracker()
        _ = tracker.reconcile(with: try source.enumerate())
        var moved = try #require(
            try source.enumerate().first { $0.devpath == Paths.ataDrive })
        moved.properties["DEVPATH_OLD"] = Paths.ataDrive
        moved.devpath = "/devices/pci0000:00/0000:00:17.0/ata3/host2/target2:0:0/2:0:0:0/block/sr0"

        let changes = tracker.apply(UdevEvent(action: .move, device: moved))

        #expect(changes == [])
        #expect(tracker.drives[Paths.ataDrive] == nil)
        #expect(tracker.drives[moved.devpath]?.media?.state == .blank)
    }

    @Test func encodedValuesAreDecoded() {
        #expect(DeviceTracker.decoded("PRODISC\\x202000\\x20\\x20") == "PRODISC 2000")
        #expect(DeviceTracker.decoded("A\\x2fB") == "A/B")
        #expect(DeviceTracker.decoded("\\x20\\x20") == nil)
        #expect(DeviceTracker.decoded("trailing\\x2") == "trailing\\x2")
    }

    @Test func mediaFlagsMapToProfiles() {
        let cases: [(String, MediaProfile)] = [
            ("CD_R", .cdr), ("CD_RW", .cdrw), ("DVD_R", .dvdr), ("DVD_RW_SEQ", .dvdrw),
            ("DVD_PLUS_R_DL", .dvdPlusR), ("DVD_PLUS_RW", .dvdPlusRW), ("BD_R", .bdr),
            ("BD_RE", .bdre), ("DVD_ROM", .unknown),
        ]
        for (flag, profile) in cases {
            let media = DeviceTracker.media(of: [
                "ID_CDROM_MEDIA": "1", "ID_CDROM_MEDIA_" + flag: "1",
                "ID_CDROM_MEDIA_STATE": "appendable",
            ])
            #expect(media?.profile == profile, "flag \(flag)")
            #expect(media?.state == .appendable, "flag \(flag)")
        }
        #expect(DeviceTracker.media(of: ["ID_CDROM_MEDIA_CD_R": "1"]) == nil)
        #expect(DeviceTracker.media(of: ["ID_CDROM_MEDIA": "1"])?.state == .other)
    }
}
