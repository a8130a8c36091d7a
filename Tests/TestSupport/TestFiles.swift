import Foundation

/// Real DICOM files that no one in this project wrote: pydicom's bundled test files and
/// the `pydicom-data` package, which the test setup installs from PyPI.
public enum TestFiles {
    /// Folders searched for test files: the colon-separated `MEDIACENTER_TEST_FILES`, which
    /// `scripts/test` sets, or else the same folders in the repository's `.venv`.
    public static var folders: [String] {
        let value = ProcessInfo.processInfo.environment["MEDIACENTER_TEST_FILES"] ?? ""
        let configured = value.split(separator: ":").map(String.init)
        return configured.isEmpty ? venvFolders() : configured
    }

    /// The Python interpreter with pydicom and pynetdicom: `MEDIACENTER_TEST_PYTHON`, which
    /// `scripts/test` sets, or else the repository's `.venv/bin/python`.
    public static var python: String {
        if let configured = ProcessInfo.processInfo.environment["MEDIACENTER_TEST_PYTHON"] {
            return configured
        }
        return repositoryRoot + "/.venv/bin/python"
    }

    /// The top folder of this repository.
    private static var repositoryRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().path
    }

    /// The pydicom (test and character set files) and pydicom-data folders of `.venv` at the
    /// top of the repository, the folders `scripts/test` lists.
    private static func venvFolders() -> [String] {
        let lib = repositoryRoot + "/.venv/lib"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: lib)) ?? []
        return versions.filter { $0.hasPrefix("python") }.flatMap { version in
            let site = lib + "/" + version + "/site-packages"
            return [
                site + "/pydicom/data/test_files", site + "/pydicom/data/charset_files",
                site + "/data_store/data",
            ]
        }
    }

    /// Returns the path of the test file `name`, such as `CT_small.dcm`.
    /// - Throws: when no folder has it, with the fix in the message.
    public static func path(_ name: String) throws -> String {
        for folder in folders {
            let candidate = folder + "/" + name
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
        }
        throw TestFileError(
            message: "test file \(name) not found in MEDIACENTER_TEST_FILES=\(folders); "
                + "run the tests through scripts/test, which installs pydicom and pydicom-data")
    }

    /// Makes an empty folder under the system temporary folder, for one test.
    public static func makeTemporaryFolder(_ label: String = "test") throws -> String {
        let path = NSTemporaryDirectory() + "mediacenter-\(label)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

/// A test file that could not be found.
public struct TestFileError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
