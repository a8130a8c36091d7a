import Glibc

/// The size and use of the spool's file system, in bytes, as `statvfs(3)` reports them.
public struct FileSystemSpace: Sendable, Equatable {
    /// Bytes in use: all blocks minus the free ones.
    public var usedBytes: Int64
    /// Bytes an unprivileged process can still write; blocks reserved for root are left
    /// out.
    public var availableBytes: Int64

    /// Makes a measurement, for tests that give fake numbers.
    public init(usedBytes: Int64, availableBytes: Int64) {
        self.usedBytes = usedBytes
        self.availableBytes = availableBytes
    }

    /// The share in use, in percent from 0 to 100, as `df` computes it: used bytes against
    /// used plus available ones. An empty file system counts as 0 %.
    public var usedPercent: Double {
        let usable = Double(usedBytes) + Double(availableBytes)
        return usable > 0 ? Double(usedBytes) / usable * 100 : 0
    }

    /// Returns the share in use after `bytes` more are freed, in percent.
    public func usedPercent(afterFreeing bytes: Int64) -> Double {
        let freed = min(bytes, usedBytes)
        return FileSystemSpace(
            usedBytes: usedBytes - freed, availableBytes: availableBytes + freed
        ).usedPercent
    }
}

extension FileSystemSpace {
    /// Measures the file system of `path` with `statvfs(3)`, or returns nil when that fails.
    public static func measure(path: String) -> FileSystemSpace? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        let block = Int64(info.f_frsize)
        return FileSystemSpace(
            usedBytes: (Int64(info.f_blocks) - Int64(info.f_bfree)) * block,
            availableBytes: Int64(info.f_bavail) * block)
    }
}

extension Spool {
    /// Measures the spool's file system with `statvfs(3)`, or returns nil when that fails.
    public func fileSystemSpace() -> FileSystemSpace? {
        FileSystemSpace.measure(path: root)
    }
}
