import Glibc
import MediaCenterCore

/// Settings of the Storage SCP: its AE titles, where it listens, and its limits.
public struct StorageSCPConfiguration: Sendable, Equatable {
    /// Called AE titles the SCP accepts: 1 to 16 characters of the default character
    /// repertoire each, without backslash, not all spaces.
    public var aeTitles: [String]
    /// The IPv4 or IPv6 address to listen on, as a numeric literal; "0.0.0.0" is every
    /// IPv4 interface.
    public var bindAddress: String
    /// The TCP port to listen on, 0 to 65535. Port 0 takes any free port, which
    /// `StorageSCP.port` then returns. Ports below 1024 need `CAP_NET_BIND_SERVICE`.
    public var port: Int
    /// Associations served at once, 1 to 1000. A request beyond them is rejected as
    /// transient with reason "local limit exceeded".
    public var maxAssociations: Int
    /// The largest PDU the SCP receives, in bytes, 4096 to 131072.
    public var maxPDUSize: Int
    /// Seconds to wait for the A-ASSOCIATE-RQ after a connection opens (ARTIM), 1 to 3600.
    public var associationTimeout: Int
    /// Seconds to wait for each DIMSE message or data PDU, 1 to 3600.
    public var dimseTimeout: Int
    /// Whether the SCP accepts the SOP classes of `SOPClassTable.extended` besides those of
    /// `SOPClassTable.all`. Off by default.
    public var acceptsExtendedSOPClasses: Bool

    /// The valid range of `maxAssociations`.
    public static let maxAssociationsRange = 1...1000
    /// The valid range of `maxPDUSize`, in bytes: DCMTK 3.6.7 receives PDUs of 4 KiB to
    /// 128 KiB.
    public static let maxPDUSizeRange = 4096...131072
    /// The valid range of both timeouts, in seconds.
    public static let timeoutRange = 1...3600

    /// Makes a configuration; `validate()` checks it.
    public init(
        aeTitles: [String], bindAddress: String = "0.0.0.0", port: Int = 104,
        maxAssociations: Int = 5, maxPDUSize: Int = 16384, associationTimeout: Int = 10,
        dimseTimeout: Int = 30, acceptsExtendedSOPClasses: Bool = false
    ) {
        self.aeTitles = aeTitles
        self.bindAddress = bindAddress
        self.port = port
        self.maxAssociations = maxAssociations
        self.maxPDUSize = maxPDUSize
        self.associationTimeout = associationTimeout
        self.dimseTimeout = dimseTimeout
        self.acceptsExtendedSOPClasses = acceptsExtendedSOPClasses
    }

    /// Checks every setting.
    /// - Throws: `MediaCenterError` with code `invalidConfiguration`, naming the first
    ///   invalid value and the allowed range.
    public func validate() throws {
        guard !aeTitles.isEmpty else {
            throw invalid("no AE title is configured; set at least one, such as CDP_PRINTER")
        }
        for title in aeTitles {
            try Self.validateAETitle(title)
        }
        guard SocketAddress(numericHost: bindAddress, port: 0) != nil else {
            throw invalid(
                "bind address \"\(bindAddress)\" is not a numeric IPv4 or IPv6 address; "
                    + "use for example 0.0.0.0 or 127.0.0.1")
        }
        guard (0...65535).contains(port) else {
            throw invalid("port \(port) is outside 0 to 65535")
        }
        guard Self.maxAssociationsRange.contains(maxAssociations) else {
            throw invalid("maximum associations \(maxAssociations) is outside 1 to 1000")
        }
        guard Self.maxPDUSizeRange.contains(maxPDUSize) else {
            throw invalid("maximum PDU size \(maxPDUSize) bytes is outside 4096 to 131072")
        }
        guard Self.timeoutRange.contains(associationTimeout) else {
            throw invalid("association timeout \(associationTimeout) s is outside 1 to 3600 s")
        }
        guard Self.timeoutRange.contains(dimseTimeout) else {
            throw invalid("DIMSE timeout \(dimseTimeout) s is outside 1 to 3600 s")
        }
    }

    private static func validateAETitle(_ title: String) throws {
        let bytes = Array(title.utf8)
        guard (1...16).contains(bytes.count) else {
            throw invalid(
                "AE title \"\(title)\" has \(bytes.count) characters; use 1 to 16")
        }
        // AE: default character repertoire without backslash and control characters.
        let allowed = bytes.allSatisfy { $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\\") }
        guard allowed else {
            throw invalid(
                "AE title \"\(title)\" contains a backslash, a control character or a "
                    + "character outside ASCII; use printable ASCII characters without a backslash")
        }
        guard bytes.contains(where: { $0 != UInt8(ascii: " ") }) else {
            throw invalid("AE title \"\(title)\" is all spaces; use 1 to 16 visible characters")
        }
    }
}

private func invalid(_ message: String) -> MediaCenterError {
    MediaCenterError(.invalidConfiguration, message)
}
