import Foundation
import MediaCenterCore
import TestSupport
import Testing

@testable import FileSetBuilder

/// The viewer folder's check at start, and its copy into each file-set.
@Suite struct ViewerPayloadTests {
    /// Makes a viewer folder with `files` (relative paths) and returns its path.
    private func makeFolder(_ files: [String]) throws -> String {
        let folder = try TestFiles.makeTemporaryFolder("viewer")
        for file in files {
            let path = folder + "/" + file
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true)
            #expect(FileManager.default.createFile(atPath: path, contents: Data(file.utf8)))
        }
        return folder
    }

    /// Returns the message of the error that checking `folder` throws, or nil.
    private func checkMessage(_ folder: String, autorun: String? = nil) -> String? {
        do {
            _ = try ViewerPayload(folder: folder, autorun: autorun)
            return nil
        } catch let error as MediaCenterError {
            #expect(error.code == .invalidConfiguration)
            return error.message
        } catch {
            return "\(error)"
        }
    }

    @Test("level 1 names pass the check")
    func goodNamesPass() throws {
        let folder = try makeFolder(["VIEWER.EXE", "README", "BIN/LIB_2.DLL", "A/B/C/D/E/F/G.TXT"])
        defer { try? FileManager.default.removeItem(atPath: folder) }

        let viewer = try ViewerPayload(folder: folder, autorun: "VIEWER.EXE")

        #expect(
            viewer.files.sorted() == [
                "A/B/C/D/E/F/G.TXT", "BIN/LIB_2.DLL", "README", "VIEWER.EXE",
            ])
        #expect(viewer.folders.first == "A")
        #expect(viewer.folders.contains("A/B/C/D/E/F"))
        #expect(viewer.folders.contains("BIN"))
    }

    @Test(
        "bad names are rejected with path",
        arguments: [
            ("viewer.exe", "file name"),
            ("bin/VIEWER.EXE", "folder name"),
            ("LONGNAME9.EXE", "file name"),
            ("VIEWER.HTML", "file name"),
            ("MY VIEWER.EXE", "file name"),
            ("A.B.C", "file name"),
            ("NAME_THAT_IS_LONG/A.TXT", "folder name"),
        ])
    func badNamesRejected(_ file: String, _ rule: String) throws {
        let folder = try makeFolder(["GOOD.TXT", file])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let offending = String(file.split(separator: "/")[0])

        let message = try #require(checkMessage(folder))

        #expect(message.contains(folder + "/" + offending), "\(message)")
        #expect(message.contains(rule), "\(message)")
    }

    @Test("folder too deep is rejected")
    func deepPathRejected() throws {
        let folder = try makeFolder(["A/B/C/D/E/F/G/H.TXT"])
        defer { try? FileManager.default.removeItem(atPath: folder) }

        let message = try #require(checkMessage(folder))

        #expect(message.contains(folder + "/A/B/C/D/E/F/G:"), "\(message)")
        #expect(message.contains("8 directory levels"), "\(message)")
    }

    @Test("symbolic link out of folder is rejected")
    func symlinkOutRejected() throws {
        let folder = try makeFolder(["GOOD.TXT"])
        let outside = try makeFolder(["SECRET.TXT"])
        defer {
            try? FileManager.default.removeItem(atPath: folder)
            try? FileManager.default.removeItem(atPath: outside)
        }
        try FileManager.default.createSymbolicLink(
            atPath: folder + "/LINK.TXT", withDestinationPath: outside + "/SECRET.TXT")

        let message = try #require(checkMessage(folder))

        #expect(message.contains(folder + "/LINK.TXT"), "\(message)")
        #expect(message.contains("outside the viewer folder"), "\(message)")
    }

    @Test("symbolic link to folder itself is rejected")
    func symlinkToItselfRejected() throws {
        let folder = try makeFolder(["GOOD.TXT"])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createSymbolicLink(
            atPath: folder + "/LOOP", withDestinationPath: ".")

        let message = try #require(checkMessage(folder))

        #expect(message.contains(folder + "/LOOP"), "\(message)")
        #expect(message.contains("viewer folder itself"), "\(message)")
    }

    @Test("symbolic link inside folder is copied")
    func symlinkInsideCopied() throws {
        let folder = try makeFolder(["BIN/VIEWER.EXE"])
        let root = try TestFiles.makeTemporaryFolder("viewer-root")
        defer {
            try? FileManager.default.removeItem(atPath: folder)
            try? FileManager.default.removeItem(atPath: root)
        }
        try FileManager.default.createSymbolicLink(
            atPath: folder + "/START.EXE", withDestinationPath: "BIN/VIEWER.EXE")

        let viewer = try ViewerPayload(folder: folder, autorun: "START.EXE")
        _ = try viewer.copy(into: root)

        let copied = root + "/VIEWER/START.EXE"
        let attributes = try FileManager.default.attributesOfItem(atPath: copied)
        #expect(attributes[.type] as? FileAttributeType == .typeRegular)
        #expect(try String(contentsOfFile: copied, encoding: .utf8) == "BIN/VIEWER.EXE")
    }

    @Test("missing folder is rejected")
    func missingFolderRejected() throws {
        let message = try #require(checkMessage("/nonexistent/viewer"))

        #expect(message.contains("/nonexistent/viewer"), "\(message)")
        #expect(message.contains("not found"), "\(message)")
    }

    // root reads every file whatever its mode, so the check cannot fail there.
    @Test("unreadable file is rejected", .enabled(if: getuid() != 0, "root reads every file"))
    func unreadableFileRejected() throws {
        let folder = try makeFolder(["LOCKED.DAT"])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        chmod(folder + "/LOCKED.DAT", 0)

        let message = try #require(checkMessage(folder))

        #expect(message.contains(folder + "/LOCKED.DAT"), "\(message)")
        #expect(message.contains("not readable"), "\(message)")
    }

    @Test("autorun of missing file is rejected")
    func autorunMissingRejected() throws {
        let folder = try makeFolder(["VIEWER.EXE"])
        defer { try? FileManager.default.removeItem(atPath: folder) }

        let message = try #require(checkMessage(folder, autorun: "BIN/VIEWER.EXE"))

        #expect(message.contains(folder + "/BIN/VIEWER.EXE"), "\(message)")
        #expect(message.contains("viewer_autorun"), "\(message)")
    }

    @Test("copy writes files and AUTORUN.INF")
    func copyWritesFiles() throws {
        let folder = try makeFolder(["BIN/VIEWER.EXE", "README.TXT"])
        let root = try TestFiles.makeTemporaryFolder("viewer-root")
        defer {
            try? FileManager.default.removeItem(atPath: folder)
            try? FileManager.default.removeItem(atPath: root)
        }
        let viewer = try ViewerPayload(folder: folder, autorun: "BIN/VIEWER.EXE")

        let written = try viewer.copy(into: root)

        #expect(written.sorted() == ["AUTORUN.INF", "VIEWER/BIN/VIEWER.EXE", "VIEWER/README.TXT"])
        #expect(
            try String(contentsOfFile: root + "/VIEWER/BIN/VIEWER.EXE", encoding: .utf8)
                == "BIN/VIEWER.EXE")
        #expect(
            try String(contentsOfFile: root + "/AUTORUN.INF", encoding: .utf8)
                == "[autorun]\r\nopen=VIEWER\\BIN\\VIEWER.EXE\r\n")
    }

    @Test("copy without autorun writes no AUTORUN.INF")
    func copyWithoutAutorun() throws {
        let folder = try makeFolder(["VIEWER.EXE"])
        let root = try TestFiles.makeTemporaryFolder("viewer-root")
        defer {
            try? FileManager.default.removeItem(atPath: folder)
            try? FileManager.default.removeItem(atPath: root)
        }
        let viewer = try ViewerPayload(folder: folder, autorun: nil)

        let written = try viewer.copy(into: root)

        #expect(written == ["VIEWER/VIEWER.EXE"])
        #expect(!FileManager.default.fileExists(atPath: root + "/AUTORUN.INF"))
    }

    @Test("file-set with viewer passes its check")
    func fileSetWithViewer() throws {
        let folder = try makeFolder(["BIN/VIEWER.EXE", "HELP/INDEX.HTM"])
        let root = try TestFiles.makeTemporaryFolder("viewer-fileset")
        defer {
            try? FileManager.default.removeItem(atPath: folder)
            try? FileManager.default.removeItem(atPath: root)
        }
        let viewer = try ViewerPayload(folder: folder, autorun: "BIN/VIEWER.EXE")
        let builder = FileSetBuilder(viewer: viewer)

        let result = try builder.build(try makePlan(["CT_small.dcm"]), into: root)

        #expect(FileManager.default.fileExists(atPath: root + "/VIEWER/BIN/VIEWER.EXE"))
        #expect(FileManager.default.fileExists(atPath: root + "/VIEWER/HELP/INDEX.HTM"))
        #expect(FileManager.default.fileExists(atPath: root + "/AUTORUN.INF"))
        #expect(FileManager.default.fileExists(atPath: root + "/DICOMDIR"))
        #expect(result.files.count == 1)
        #expect(result.files.allSatisfy { $0.relativePath.hasPrefix("DICOM/") })
    }
}
