import DiscBurner
import Foundation
import MediaCenterCore
import MediaHardware
import Testing

extension DiscBurnerTests {
    @Suite struct SimulatedChangerTests {
        /// Makes a changer over a new virtual drive of 1 MB discs in `workspace`.
        func changer(
            _ workspace: Workspace, supply: [VirtualMedium] = [], inputCapacity: Int? = nil,
            outputCapacity: Int? = nil, rejectCapacity: Int? = nil
        ) throws -> SimulatedChanger {
            let drive = try VirtualDrive(
                name: "virtual0", folder: workspace.driveFolder, capacityBytes: 1_000_000)
            return try SimulatedChanger(
                name: "simulated0", drive: drive, supply: supply, inputCapacity: inputCapacity,
                outputCapacity: outputCapacity, rejectCapacity: rejectCapacity)
        }

        @Test func supplyIsTakenInOrderThenBlanks() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            let changer = try changer(workspace, supply: [.written, .blank])

            try changer.loadFromInput(into: "virtual0")
            #expect(try changer.drives[0].inspectMedia().status == .written)
            try changer.moveDisc(from: "virtual0", to: .reject)
            try changer.loadFromInput(into: "virtual0")
            #expect(try changer.drives[0].inspectMedia().status == .blank)

            #expect(changer.contents(of: .input) == [])
            #expect(changer.contents(of: .reject) == ["DISC0001.iso"])
            #expect(changer.drives[0].currentDisc.fileName == "DISC0002.iso")
        }

        @Test func writeErrorDiscFailsWrite() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            try makeSampleFileSet(at: workspace.fileSet)
            let changer = try changer(workspace, supply: [.writeError])

            try changer.loadFromInput(into: "virtual0")
            let error = #expect(throws: MediaCenterError.self) {
                try changer.drives[0].write(directory: workspace.fileSet, volumeID: "TEST")
            }

            #expect(error?.code == .mediaFailure)
            #expect(error?.message.contains("simulated write error") == true)
            #expect(changer.drives[0].currentDisc.state == .failed)
            #expect(try changer.drives[0].inspectMedia().status == .written)
        }

        @Test func verifyErrorDiscReadsBackOtherBytes() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            try makeSampleFileSet(at: workspace.fileSet)
            let changer = try changer(workspace, supply: [.verifyError])

            try changer.loadFromInput(into: "virtual0")
            let written = try changer.drives[0].write(
                directory: workspace.fileSet, volumeID: "TEST")
            let verification = try changer.drives[0].verify(written)

            #expect(!verification.matches)
            #expect(verification.md5 != written.md5)
        }

        @Test func goodBlankVerifies() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            try makeSampleFileSet(at: workspace.fileSet)
            let changer = try changer(workspace)

            try changer.loadFromInput(into: "virtual0")
            let written = try changer.drives[0].write(
                directory: workspace.fileSet, volumeID: "TEST")

            #expect(try changer.drives[0].verify(written).matches)
            try changer.moveDisc(from: "virtual0", to: .output)
            #expect(changer.contents(of: .output) == ["DISC0001.iso"])
        }

        @Test func labelIsWrittenNextToImage() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            let changer = try changer(workspace, supply: [.written])

            try changer.loadFromInput(into: "virtual0")
            try changer.printLabel(.reject(reason: "the disc is not blank"), onDiscIn: "virtual0")

            let path = workspace.driveFolder + "/DISC0001.iso" + SimulatedChanger.labelSuffix
            let text = try String(contentsOfFile: path, encoding: .utf8)
            #expect(text == "REJECT\nthe disc is not blank\n")
        }

        @Test func emptyInputBinIsError() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            let changer = try changer(workspace, supply: [.written], inputCapacity: 1)

            try changer.loadFromInput(into: "virtual0")
            try changer.moveDisc(from: "virtual0", to: .reject)
            let error = #expect(throws: MediaCenterError.self) {
                try changer.loadFromInput(into: "virtual0")
            }

            #expect(error?.message.contains("input bin of simulated0 is empty") == true)
        }

        @Test func fullRejectBinIsError() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            let changer = try changer(workspace, supply: [.written, .written], rejectCapacity: 1)

            try changer.loadFromInput(into: "virtual0")
            try changer.moveDisc(from: "virtual0", to: .reject)
            try changer.loadFromInput(into: "virtual0")
            let error = #expect(throws: MediaCenterError.self) {
                try changer.moveDisc(from: "virtual0", to: .reject)
            }

            #expect(error?.message.contains("reject bin of simulated0 is full") == true)
            changer.emptyBins()
            try changer.moveDisc(from: "virtual0", to: .reject)
            #expect(changer.contents(of: .reject) == ["DISC0002.iso"])
        }

        @Test func writtenDiscBlocksNextLoad() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            let changer = try changer(workspace, supply: [.written])

            try changer.loadFromInput(into: "virtual0")
            let error = #expect(throws: MediaCenterError.self) {
                try changer.loadFromInput(into: "virtual0")
            }

            #expect(error?.message.contains("still contains a written disc") == true)
        }

        @Test func discLeftInDriveIsEjectedFirst() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            try makeSampleFileSet(at: workspace.fileSet)
            let drive = try VirtualDrive(
                name: "virtual0", folder: workspace.driveFolder, capacityBytes: 1_000_000)
            _ = try drive.write(directory: workspace.fileSet, volumeID: "TEST")
            let changer = try SimulatedChanger(name: "simulated0", drive: drive)

            try changer.loadFromInput(into: "virtual0")

            #expect(try drive.inspectMedia().status == .blank)
            #expect(drive.currentDisc.fileName == "DISC0002.iso")
            #expect(FileManager.default.fileExists(atPath: workspace.driveFolder + "/DISC0001.iso"))
        }

        @Test func inputBinIsNoTarget() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            let changer = try changer(workspace)

            try changer.loadFromInput(into: "virtual0")

            #expect(throws: MediaCenterError.self) {
                try changer.moveDisc(from: "virtual0", to: .input)
            }
        }

        @Test func invalidBinCapacityIsError() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }

            #expect(throws: MediaCenterError.self) { try changer(workspace, outputCapacity: 0) }
            #expect(throws: MediaCenterError.self) {
                try changer(workspace, supply: [.blank, .blank], inputCapacity: 1)
            }
        }

        @Test func faultSurvivesReopen() throws {
            let workspace = try Workspace()
            defer { workspace.remove() }
            try makeSampleFileSet(at: workspace.fileSet)
            try changer(workspace, supply: [.writeError]).loadFromInput(into: "virtual0")

            let reopened = try VirtualDrive(
                name: "virtual0", folder: workspace.driveFolder, capacityBytes: 1_000_000)

            #expect(throws: MediaCenterError.self) {
                try reopened.write(directory: workspace.fileSet, volumeID: "TEST")
            }
        }
    }
}

extension DiscBurnerTests.SimulatedChangerTests {
    @Test func drivesShareTheSupplyAndBins() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let drives = try (0..<2).map { number in
            try VirtualDrive(
                name: "virtual\(number)", folder: workspace.driveFolder + "/virtual\(number)",
                capacityBytes: 1_000_000)
        }
        let changer = try SimulatedChanger(
            name: "simulated0", drives: drives, supply: [.written, .writeError])

        try changer.loadFromInput(into: "virtual1")
        try changer.loadFromInput(into: "virtual0")
        #expect(try drives[1].inspectMedia().status == .written)
        #expect(try drives[0].inspectMedia().status == .blank)
        try changer.moveDisc(from: "virtual1", to: .reject)
        try changer.moveDisc(from: "virtual0", to: .reject)

        #expect(changer.driveNames == ["virtual0", "virtual1"])
        #expect(
            changer.contents(of: .reject) == ["virtual1/DISC0001.iso", "virtual0/DISC0001.iso"])
    }

    @Test func unknownDriveIsError() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let changer = try changer(workspace)

        let error = #expect(throws: MediaCenterError.self) {
            try changer.loadFromInput(into: "virtual9")
        }

        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains("virtual9") == true)
        #expect(error?.message.contains("virtual0") == true)
    }
}

extension DiscBurnerTests.SimulatedChangerTests {
    @Test func binsSurviveRestartWithStateFile() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let stateFile = workspace.root + "/changer.json"
        let drive = try VirtualDrive(
            name: "virtual0", folder: workspace.driveFolder, capacityBytes: 1_000_000)
        let first = try SimulatedChanger(
            name: "simulated0", drive: drive, supply: [.written, .writeError, .blank],
            stateFile: stateFile)
        try first.loadFromInput(into: "virtual0")
        try first.moveDisc(from: "virtual0", to: .reject)

        let restarted = try SimulatedChanger(
            name: "simulated0", drive: drive, supply: [.written, .writeError, .blank],
            stateFile: stateFile)
        let otherSupply = try SimulatedChanger(
            name: "simulated0", drive: drive, supply: [.blank], stateFile: stateFile)

        #expect(restarted.contents(of: .input) == ["write-error", "blank"])
        #expect(restarted.contents(of: .reject) == ["DISC0001.iso"])
        #expect(otherSupply.contents(of: .input) == ["blank"])
        #expect(otherSupply.contents(of: .reject) == [])
    }
}
