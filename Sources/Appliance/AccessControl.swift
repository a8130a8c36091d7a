import DicomNetwork
import Foundation
import Glibc
import MediaCenterCore
import PatientStore
import Synchronization

/// Decides on association requests by the access list of remote AEs in the database.
///
/// A request passes when its calling AE title is in the list and the peer connects from
/// the host of that entry. The list is read into memory at start and after each change,
/// so a decision takes no database lock. In open mode every calling AE title passes.
public final class AccessControl: Sendable {
    /// Whether the access list applies; false is the open mode of a lab set-up.
    public var enabled: Bool { enabledFlag.load(ordering: .relaxed) }
    private let enabledFlag: Atomic<Bool>
    private let store: PatientStore
    private let entries = Mutex<[String: Entry]>([:])
    private let resolver: HostResolver

    private struct Entry {
        let remote: RemoteAE
        let pattern: HostPattern
    }

    /// Loads the access list from `store`.
    /// - Parameters:
    ///   - enabled: false accepts every calling AE title (open mode).
    ///   - resolve: Looks up the addresses of a host name; the default uses getaddrinfo.
    public init(
        store: PatientStore, enabled: Bool,
        resolve: @escaping @Sendable (String) throws -> [[UInt8]] = HostResolver.systemLookup
    ) throws {
        self.store = store
        self.enabledFlag = Atomic(enabled)
        self.resolver = HostResolver(lookup: resolve)
        try reload()
    }

    /// Turns the access list on or off for the next association request; associations
    /// accepted before keep going.
    public func setEnabled(_ enabled: Bool) {
        enabledFlag.store(enabled, ordering: .relaxed)
    }

    /// The access list, ordered by AE title.
    public var list: [RemoteAE] {
        entries.withLock { $0.values.map(\.remote) }.sorted { $0.aeTitle < $1.aeTitle }
    }

    /// Checks `entry`, adds it to the list and returns it as stored (AE title trimmed).
    /// - Throws: `MediaCenterError` with code `invalidArgument` naming the bad field or the
    ///   title that is listed already.
    @discardableResult
    public func add(_ entry: RemoteAE) throws -> RemoteAE {
        let checked = try Self.validated(entry)
        try store.addRemoteAE(checked)
        try reload()
        return checked
    }

    /// Removes the entry of `aeTitle` and returns it, or nil when the list has none.
    @discardableResult
    public func remove(_ aeTitle: String) throws -> RemoteAE? {
        let title = aeTitle.trimmingCharacters(in: .whitespaces)
        let removed = try store.removeRemoteAE(title)
        try reload()
        return removed
    }

    /// Decides on `request`, whose application context and called AE title have passed.
    public func decide(_ request: AssociationRequest) -> AssociationDecision {
        guard enabled else { return .accept }
        let title = request.callingAETitle
        guard let entry = entries.withLock({ $0[title] }) else {
            return .rejectCallingAETitle(
                reason: "calling AE title \"\(title)\" is not in the access list; add it with "
                    + "mediacenterctl aet add \(title) \(request.peerAddress)")
        }
        guard let peer = HostPattern.addressBytes(request.peerAddress) else {
            return .rejectCallingAETitle(
                reason: "the peer address \"\(request.peerAddress)\" cannot be read")
        }
        switch entry.pattern.matches(peer, resolver: resolver) {
        case .matches:
            return .accept
        case .differs:
            return .rejectCallingAETitle(
                reason: "calling AE title \"\(title)\" connected from \(request.peerAddress), "
                    + "but the access list allows it only from \(entry.remote.host)")
        case .unresolved(let failure):
            return .rejectCallingAETitle(
                reason: "calling AE title \"\(title)\" is allowed from host "
                    + "\(entry.remote.host), which cannot be resolved: \(failure)")
        }
    }

    private func reload() throws {
        let rows = try store.remoteAEs()
        var loaded: [String: Entry] = [:]
        for remote in rows {
            // A row that fails the checks of today (written by hand, or by an older
            // version) matches no peer instead of stopping the daemon.
            let pattern = (try? HostPattern(remote.host)) ?? .never
            loaded[remote.aeTitle] = Entry(remote: remote, pattern: pattern)
        }
        entries.withLock { $0 = loaded }
    }

    /// Checks every field of `entry` and returns it with the AE title trimmed.
    static func validated(_ entry: RemoteAE) throws -> RemoteAE {
        var checked = entry
        checked.aeTitle = try AETitle.validated(entry.aeTitle, role: "calling AE title")
        checked.host = entry.host.trimmingCharacters(in: .whitespaces)
        _ = try HostPattern(checked.host)
        if let port = entry.port, !(1...65535).contains(port) {
            throw MediaCenterError(
                .invalidArgument,
                "port \(port) is outside 1 to 65535; give the port on which "
                    + "\(checked.aeTitle) accepts associations, or leave it out")
        }
        guard entry.description.count <= 128 else {
            throw MediaCenterError(
                .invalidArgument,
                "the description has \(entry.description.count) characters; use at most 128")
        }
        guard entry.description.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F })
        else {
            throw MediaCenterError(
                .invalidArgument,
                "the description contains a control character, such as a tab or a line break; "
                    + "use printable characters only")
        }
        return checked
    }
}

/// The source a remote AE must connect from: an address, a subnet or a host name.
enum HostPattern: Equatable {
    /// One address: 4 bytes for IPv4, 16 for IPv6.
    case address([UInt8])
    /// Every address whose first `prefixLength` bits equal those of the network address.
    case subnet([UInt8], prefixLength: Int)
    /// A host name, looked up when a peer connects.
    case name(String)
    /// A pattern that matches nothing, for an entry that cannot be read.
    case never

    enum Match: Equatable {
        case matches
        case differs
        case unresolved(String)
    }

    /// Parses a numeric IPv4 or IPv6 address, a CIDR subnet such as 192.168.1.0/24, or a
    /// host name of letters, digits, hyphens and dots.
    /// - Throws: `MediaCenterError` with code `invalidArgument` naming the value.
    init(_ text: String) throws {
        if let bytes = Self.addressBytes(text) {
            self = .address(bytes)
            return
        }
        if let slash = text.firstIndex(of: "/") {
            let network = String(text[..<slash])
            let prefix = String(text[text.index(after: slash)...])
            guard let bytes = Self.addressBytes(network), let length = Int(prefix),
                (0...bytes.count * 8).contains(length)
            else {
                throw MediaCenterError(
                    .invalidArgument,
                    "host \"\(text)\" is not a valid subnet; write it as an address and a "
                        + "prefix length, such as 192.168.1.0/24")
            }
            self = .subnet(bytes, prefixLength: length)
            return
        }
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        let validName =
            !text.isEmpty && text.utf8.count <= 253
            && labels.allSatisfy { label in
                (1...63).contains(label.utf8.count) && label.first != "-" && label.last != "-"
                    && label.utf8.allSatisfy {
                        ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A)
                            || ($0 >= 0x61 && $0 <= 0x7A) || $0 == UInt8(ascii: "-")
                    }
            }
        guard validName, !labels.allSatisfy({ $0.allSatisfy(\.isNumber) }) else {
            throw MediaCenterError(
                .invalidArgument,
                "host \"\(text)\" is neither an IPv4 or IPv6 address, nor a subnet such as "
                    + "10.0.0.0/24, nor a host name")
        }
        self = .name(text.lowercased())
    }

    /// Compares the peer address `peer` (4 or 16 bytes) with the pattern.
    func matches(_ peer: [UInt8], resolver: HostResolver) -> Match {
        switch self {
        case .address(let bytes):
            return bytes == peer ? .matches : .differs
        case .subnet(let network, let prefixLength):
            guard network.count == peer.count else { return .differs }
            for bit in 0..<prefixLength {
                let mask = UInt8(0x80) >> UInt8(bit % 8)
                if network[bit / 8] & mask != peer[bit / 8] & mask { return .differs }
            }
            return .matches
        case .name(let name):
            switch resolver.addresses(of: name) {
            case .success(let addresses):
                return addresses.contains(peer) ? .matches : .differs
            case .failure(let error):
                return .unresolved(error.message)
            }
        case .never:
            return .differs
        }
    }

    /// Converts a numeric address to bytes: 4 for IPv4, and 16 for IPv6 unless it is an
    /// IPv4-mapped address (::ffff:a.b.c.d), which gives the 4 bytes of its IPv4 address.
    static func addressBytes(_ text: String) -> [UInt8]? {
        var ipv4 = in_addr()
        if inet_pton(AF_INET, text, &ipv4) == 1 {
            return withUnsafeBytes(of: &ipv4) { Array($0) }
        }
        var ipv6 = in6_addr()
        guard inet_pton(AF_INET6, text, &ipv6) == 1 else { return nil }
        return unmapped(withUnsafeBytes(of: &ipv6) { Array($0) })
    }

    /// Returns the 4 bytes of the IPv4 address inside an IPv4-mapped IPv6 address, and any
    /// other address unchanged.
    static func unmapped(_ bytes: [UInt8]) -> [UInt8] {
        let mappedPrefix: [UInt8] = Array(repeating: 0, count: 10) + [0xFF, 0xFF]
        return bytes.count == 16 && Array(bytes.prefix(12)) == mappedPrefix
            ? Array(bytes.suffix(4)) : bytes
    }
}

/// Looks up host names for the access list and caches each result for a minute, so that a
/// modality sending many associations costs one lookup a minute.
public final class HostResolver: Sendable {
    private let lookup: @Sendable (String) throws -> [[UInt8]]
    private let cache = Mutex<[String: (addresses: [[UInt8]], expires: ContinuousClock.Instant)]>(
        [:])
    private static let lifetime = Duration.seconds(60)

    init(lookup: @escaping @Sendable (String) throws -> [[UInt8]]) {
        self.lookup = lookup
    }

    func addresses(of name: String) -> Result<[[UInt8]], MediaCenterError> {
        let now = ContinuousClock.now
        if let cached = cache.withLock({ $0[name] }), cached.expires > now {
            return .success(cached.addresses)
        }
        do {
            let addresses = try lookup(name)
            cache.withLock { $0[name] = (addresses, now + Self.lifetime) }
            return .success(addresses)
        } catch {
            return .failure(
                error as? MediaCenterError
                    ?? MediaCenterError(.networkFailure, "lookup of \(name) failed: \(error)"))
        }
    }

    /// Looks `name` up with getaddrinfo, which reads /etc/hosts and queries the configured
    /// name servers, and returns each address as 4 or 16 bytes.
    public static let systemLookup: @Sendable (String) throws -> [[UInt8]] = { name in
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(name, nil, &hints, &list)
        guard status == 0 else {
            throw MediaCenterError(
                .networkFailure,
                "getaddrinfo(\(name)) failed: \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        var addresses: [[UInt8]] = []
        var current = list
        while let info = current {
            let entry = info.pointee
            if entry.ai_family == AF_INET, let address = entry.ai_addr {
                var ipv4 = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                    $0.pointee.sin_addr
                }
                addresses.append(withUnsafeBytes(of: &ipv4) { Array($0) })
            } else if entry.ai_family == AF_INET6, let address = entry.ai_addr {
                var ipv6 = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    $0.pointee.sin6_addr
                }
                addresses.append(HostPattern.unmapped(withUnsafeBytes(of: &ipv6) { Array($0) }))
            }
            current = entry.ai_next
        }
        return addresses
    }
}
