/// A remote application entity that may open associations: the access list's entry for
/// one calling AE title.
public struct RemoteAE: Sendable, Equatable, Codable {
    /// The calling AE title the peer sends, without padding.
    public var aeTitle: String
    /// The source the peer must connect from: a numeric IPv4 or IPv6 address, a subnet in
    /// CIDR notation such as 10.1.2.0/24, or a host name that resolves to the peer's address.
    public var host: String
    /// The port on which the peer itself accepts associations, for the record; nil when not
    /// given. Acceptance does not depend on it, because the peer's source port is random.
    public var port: Int?
    /// Free text for the field engineer, such as "CT scanner, room 2".
    public var description: String

    /// Makes an entry; the daemon's access control checks its fields before storing it.
    public init(aeTitle: String, host: String, port: Int? = nil, description: String = "") {
        self.aeTitle = aeTitle
        self.host = host
        self.port = port
        self.description = description
    }
}
