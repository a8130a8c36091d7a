import MediaCenterCore

/// The ISO 9660 directory tree of a written disc, read back from the disc's own sectors:
/// every file and directory with its path, size and first sector.
///
/// The reader takes only what the product writes: one session whose Primary Volume
/// Descriptor is at sector 16, with 2048-byte sectors, and no Rock Ridge or Joliet names.
/// It reads directory extents only, never file content, so memory grows with the number
/// of entries and not with the size of the disc.
public struct DiscDirectory: Sendable, Equatable {
    /// One file or directory on the disc.
    public struct Entry: Sendable, Equatable {
        /// The path from the root with `/` between the names, such as `DICOM/ST000001`.
        /// A file's name is shown without its `;1` version and without the dot that ends
        /// a name without extension, so `IM000001.;1` is `IM000001`.
        public var path: String
        /// Whether the entry is a directory.
        public var isDirectory: Bool
        /// The size of a file in bytes. For a directory, the size of its extent.
        public var size: Int64
        /// The first sector of the entry's extent.
        public var sector: Int64
    }

    /// The sector size of every disc the product writes.
    public static let sectorSize = 2048
    /// The sector of the Primary Volume Descriptor.
    static let primaryVolumeDescriptorSector = 16
    /// The maximum number of directory levels, the root counted as level 1: the ISO 9660
    /// limit, which deeper entries break.
    public static let maxDirectoryLevels = 8

    /// Every entry below the root, parents before their children.
    public let entries: [Entry]
    /// The index in ``entries`` of each path.
    private let indexByPath: [String: Int]

    /// Returns the entry at `path`, or nil when the disc has none there.
    public func entry(at path: String) -> Entry? {
        indexByPath[path].map { entries[$0] }
    }

    /// Reads the tree of a disc whose first `byteCount` bytes are written.
    /// - Parameters:
    ///   - byteCount: the bytes written, a multiple of 2048. An extent past them is an
    ///     error, because nothing was written there.
    ///   - readSectors: reads `count` sectors starting at `sector` and returns their
    ///     bytes, `count` times 2048 of them.
    /// - Throws: `MediaCenterError` with `.mediaFailure` when the volume descriptor or a
    ///   directory record is damaged, an extent lies past the written bytes, or the tree
    ///   is deeper than ISO 9660 allows. Errors of `readSectors` pass through.
    public init(
        byteCount: Int64, readSectors: (_ sector: Int64, _ count: Int) throws -> [UInt8]
    ) throws {
        let sectorCount = byteCount / Int64(Self.sectorSize)
        let descriptor = try readSectors(Int64(Self.primaryVolumeDescriptorSector), 1)
        guard descriptor.count == Self.sectorSize, descriptor[0] == 1,
            descriptor[1...5].elementsEqual("CD001".utf8)
        else {
            throw Self.damaged("sector 16 contains no ISO 9660 Primary Volume Descriptor")
        }
        let root = try Self.record(in: descriptor, at: 156)

        var entries: [Entry] = []
        var pending: [(extent: DirectoryRecord, path: String, level: Int)] = [(root, "", 1)]
        var visitedSectors = Set<Int64>()
        while !pending.isEmpty {
            let (directory, parentPath, level) = pending.removeFirst()
            guard visitedSectors.insert(directory.sector).inserted else {
                throw Self.damaged(
                    "the directory at sector \(directory.sector) is recorded twice in the tree")
            }
            let extent = try Self.readExtent(
                directory, sectorCount: sectorCount, readSectors: readSectors)

            for child in try Self.records(in: extent) {
                let name = child.isDirectory ? child.identifier : Self.fileName(child.identifier)
                let path = parentPath.isEmpty ? name : parentPath + "/" + name
                guard child.sector + (child.size + 2047) / 2048 <= sectorCount else {
                    throw Self.damaged(
                        "\(path) lies at sector \(child.sector), past the \(sectorCount) "
                            + "sectors written")
                }
                entries.append(
                    Entry(
                        path: path, isDirectory: child.isDirectory, size: child.size,
                        sector: child.sector))
                guard child.isDirectory else { continue }
                guard level < Self.maxDirectoryLevels else {
                    throw Self.damaged(
                        "the directory \(path) is deeper than \(Self.maxDirectoryLevels) levels")
                }
                pending.append((child, path, level + 1))
            }
        }
        self.entries = entries
        indexByPath = Dictionary(
            entries.enumerated().map { ($1.path, $0) }, uniquingKeysWith: { first, _ in first })
    }

    // MARK: - Directory records

    /// The fields of one directory record that the tree needs.
    private struct DirectoryRecord {
        var identifier: String
        var isDirectory: Bool
        var sector: Int64
        var size: Int64
        /// The record's length in bytes.
        var length: Int
    }

    /// Reads the extent of `directory`, after checking that it lies in the written bytes.
    private static func readExtent(
        _ directory: DirectoryRecord, sectorCount: Int64,
        readSectors: (Int64, Int) throws -> [UInt8]
    ) throws -> [UInt8] {
        let count = Int((directory.size + 2047) / 2048)
        guard count > 0, directory.sector + Int64(count) <= sectorCount else {
            throw damaged(
                "the directory at sector \(directory.sector) with \(directory.size) bytes "
                    + "lies outside the \(sectorCount) sectors written")
        }
        let bytes = try readSectors(directory.sector, count)
        guard bytes.count == count * sectorSize else {
            throw damaged("the directory at sector \(directory.sector) was read short")
        }
        return Array(bytes.prefix(Int(directory.size)))
    }

    /// Returns the records of a directory extent without its `.` and `..` records. A
    /// record never crosses a sector boundary, so a length byte of 0 means the rest of the
    /// sector is padding.
    private static func records(in extent: [UInt8]) throws -> [DirectoryRecord] {
        var records: [DirectoryRecord] = []
        var offset = 0
        while offset < extent.count {
            guard extent[offset] != 0 else {
                offset = (offset / sectorSize + 1) * sectorSize
                continue
            }
            let record = try record(in: extent, at: offset)
            offset += record.length
            // The identifiers 0x00 and 0x01 are the directory itself and its parent.
            if record.identifier != "\u{0}" && record.identifier != "\u{1}" {
                records.append(record)
            }
        }
        return records
    }

    /// Decodes the directory record at `offset` of `bytes`. ISO 9660 puts its length at
    /// byte 0, the extent at 2 and the data length at 10 (each stored both-endian, the
    /// little-endian copy first), the flags at 25, the identifier length at 32 and the
    /// identifier from 33.
    private static func record(in bytes: [UInt8], at offset: Int) throws -> DirectoryRecord {
        guard offset + 34 <= bytes.count else {
            throw damaged("a directory record at byte \(offset) is cut off")
        }
        let length = Int(bytes[offset])
        let identifierLength = Int(bytes[offset + 32])
        guard length >= 34, 33 + identifierLength <= length, offset + length <= bytes.count,
            identifierLength > 0
        else {
            throw damaged("the directory record at byte \(offset) has an invalid length")
        }
        let identifierBytes = bytes[(offset + 33)..<(offset + 33 + identifierLength)]
        return DirectoryRecord(
            identifier: String(decoding: identifierBytes, as: UTF8.self),
            isDirectory: bytes[offset + 25] & 0x02 != 0,
            sector: Int64(littleEndian32(bytes, offset + 2)),
            size: Int64(littleEndian32(bytes, offset + 10)),
            length: length)
    }

    /// Returns a file identifier without its version and without a final dot, the way
    /// readers show `NAME.;1` as `NAME` and `NAME.EXT;1` as `NAME.EXT`.
    private static func fileName(_ identifier: String) -> String {
        var name = Substring(identifier)
        if let semicolon = name.lastIndex(of: ";") {
            name = name[..<semicolon]
        }
        if name.last == "." {
            name = name.dropLast()
        }
        return String(name)
    }

    private static func littleEndian32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { value, index in
            value | UInt32(bytes[offset + index]) << (8 * index)
        }
    }

    private static func damaged(_ detail: String) -> MediaCenterError {
        MediaCenterError(
            .mediaFailure,
            "the ISO 9660 directory read back from the disc is damaged: \(detail); reject "
                + "this disc and write a new one")
    }
}
