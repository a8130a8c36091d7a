import Foundation
import MediaCenterCore

/// The stage of a virtual disc's life.
public enum VirtualDiscState: String, Sendable, Codable {
    /// Never written: the image file does not exist yet.
    case blank
    /// A write started and has not ended. Found at start-up, it means the process stopped
    /// during a write, and it becomes ``failed``.
    case writing
    /// Written in full.
    case written
    /// A write started and failed. The file may contain part of an image, and like a
    /// spoiled CD-R, the disc is not blank any more.
    case failed
}

/// A disc that a simulated changer loads into a virtual drive: a blank, or one of the
/// faults that a batch of real media shows now and then.
public enum VirtualMedium: String, Sendable, Codable, CaseIterable {
    /// A good blank disc.
    case blank
    /// A disc that contains data already, which the blank check rejects.
    case written
    /// A blank disc whose write fails part-way.
    case writeError = "write-error"
    /// A blank disc that takes the write, but one sector reads back with other bytes.
    case verifyError = "verify-error"
    /// A rewritable disc that contains data: the rewritable kind of the drive's media (a
    /// CD-RW in a CD-R drive), which ``VirtualDrive/erase()`` makes blank again.
    case rewritableWritten = "rewritable-written"
}

/// The disc loaded in a virtual drive.
public struct VirtualDisc: Sendable, Equatable {
    /// The image file's name, such as `DISC0001.iso`.
    public var fileName: String
    /// The image file's full path.
    public var path: String
    public var state: VirtualDiscState
    /// The bytes written and their MD5 digest, once the disc is written.
    public var bytesWritten: Int64?
    public var md5: String?
}

/// The content of a virtual drive's state file. The file exists because a `stdio:` drive
/// cannot tell a written file from a blank one and has no capacity.
struct VirtualDriveRecord: Codable, Equatable {
    /// The capacity of a blank disc in bytes.
    var capacityBytes: Int64
    /// The image file name of the loaded disc.
    var discFileName: String
    var discState: VirtualDiscState
    /// The number the next sequentially named disc gets.
    var nextDiscNumber: Int
    var bytesWritten: Int64?
    var md5: String?
    /// The simulated fault of the loaded disc, or nil for a good disc. Absent in state
    /// files written before faults existed.
    var medium: VirtualMedium?
}

extension VirtualDriveRecord {
    /// Reads the record at `path`, or returns nil when there is no file.
    /// - Throws: `.invalidConfiguration` when the file exists but cannot be decoded.
    static func load(from path: String) throws -> VirtualDriveRecord? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            return try JSONDecoder().decode(VirtualDriveRecord.self, from: data)
        } catch {
            throw MediaCenterError(
                .invalidConfiguration,
                "the virtual drive state file \(path) is unreadable; repair it, or move it "
                    + "away to start over with a blank disc",
                cause: "\(error)")
        }
    }

    /// Writes the record to `path` durably: after the call, a crash leaves this record or
    /// the previous one.
    func save(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data: Data
        do {
            data = try encoder.encode(self)
        } catch {
            throw MediaCenterError(
                .internalFailure, "cannot encode the virtual drive state", cause: "\(error)")
        }
        try DurableFile.write(Array(data) + [UInt8(ascii: "\n")], to: path)
    }
}
