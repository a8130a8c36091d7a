import MediaCenterCore
import MediaHardware

/// The roles of a SCSI medium changer's elements: the appliance's bins and drives. SMC-3
/// only numbers the elements, so the site configures which storage or import/export slots
/// contain blank discs, which take finished ones, and which data transfer element is which
/// drive.
public struct ScsiChangerConfiguration: Sendable, Equatable {
    /// Consecutive elements of one type: `count` addresses from `first`.
    public struct ElementRange: Sendable, Equatable {
        /// `.storage` or `.importExport`.
        public var type: ElementType
        public var first: UInt16
        public var count: UInt16

        public init(_ type: ElementType, first: UInt16, count: UInt16) {
            self.type = type
            self.first = first
            self.count = count
        }

        /// The addresses in the range, lowest first.
        public var addresses: [UInt16] {
            (0..<Int(count)).map { first + UInt16($0) }
        }
    }

    /// A drive of the changer: the appliance's name for it and its data transfer element.
    public struct Drive: Sendable, Equatable {
        /// The drive's ``DiscDrive/name``, such as `/dev/sr0`.
        public var name: String
        public var address: UInt16

        public init(name: String, address: UInt16) {
            self.name = name
            self.address = address
        }
    }

    /// A name for logs and the console, such as `changer0`.
    public var name: String
    /// The slots the blank discs are taken from, in the order they are tried.
    public var input: [ElementRange]
    /// The slots verified discs go to, in the order they are filled.
    public var output: [ElementRange]
    /// The slots rejected discs go to, in the order they are filled.
    public var reject: [ElementRange]
    public var drives: [Drive]
    /// The medium transport element that moves the discs, or nil for the first one the
    /// changer reports.
    public var transportAddress: UInt16?
    /// Whether READ ELEMENT STATUS requests volume tags, for a changer that reads labels.
    public var readsVolumeTags: Bool
    /// How long the changer may report that it is becoming ready at start, in seconds.
    public var readyTimeoutSeconds: Int

    public init(
        name: String, input: [ElementRange], output: [ElementRange], reject: [ElementRange],
        drives: [Drive], transportAddress: UInt16? = nil, readsVolumeTags: Bool = false,
        readyTimeoutSeconds: Int = 120
    ) {
        self.name = name
        self.input = input
        self.output = output
        self.reject = reject
        self.drives = drives
        self.transportAddress = transportAddress
        self.readsVolumeTags = readsVolumeTags
        self.readyTimeoutSeconds = readyTimeoutSeconds
    }

    /// Returns the ranges of `bin`.
    public func ranges(of bin: ChangerBin) -> [ElementRange] {
        switch bin {
        case .input: input
        case .output: output
        case .reject: reject
        }
    }

    /// Returns the bin whose ranges contain `address`, or nil. Element addresses are unique
    /// across the element types of a changer, because MOVE MEDIUM names them by address only.
    func bin(containing address: UInt16) -> ChangerBin? {
        for bin in [ChangerBin.input, .output, .reject] {
            if ranges(of: bin).contains(where: { $0.addresses.contains(address) }) {
                return bin
            }
        }
        return nil
    }

    /// Checks the configuration on its own, before any command goes to the changer.
    /// - Throws: `MediaCenterError` with `.invalidConfiguration` for an empty name, a bin
    ///   without slots, or a range of a type other than storage or import/export. The same
    ///   applies to a range past address FFFFh, an element in two bins, no drive, and two
    ///   drives of one name or address.
    public func validate() throws {
        guard !name.isEmpty else {
            throw invalid("missing changer name; name the changer, such as changer0")
        }
        var owners: [UInt16: ChangerBin] = [:]
        for bin in [ChangerBin.input, .output, .reject] {
            let ranges = ranges(of: bin)
            guard !ranges.isEmpty else {
                throw invalid(
                    "the \(bin.rawValue) bin of changer \(name) has no slots; give it at "
                        + "least one storage or import/export element")
            }
            for range in ranges {
                try check(range, of: bin)
                for address in range.addresses {
                    if let other = owners.updateValue(bin, forKey: address) {
                        throw invalid(
                            "element \(hex(address)) of changer \(name) is in "
                                + "both the \(other.rawValue) and the \(bin.rawValue) bin; "
                                + "give each slot to one bin")
                    }
                }
            }
        }
        try checkDrives()
        for drive in drives {
            if let bin = owners[drive.address] {
                throw invalid(
                    "element \(hex(drive.address)) of changer \(name) is both drive "
                        + "\(drive.name) and a slot of the \(bin.rawValue) bin; give the "
                        + "drive its data transfer element")
            }
        }
    }

    private func check(_ range: ElementRange, of bin: ChangerBin) throws {
        guard range.count > 0 else {
            throw invalid(
                "the \(bin.rawValue) bin range from \(hex(range.first)) of changer \(name) "
                    + "has 0 elements; give it at least one, or remove it")
        }
        guard range.type == .storage || range.type == .importExport else {
            throw invalid(
                "the \(bin.rawValue) bin of changer \(name) has a range of \(range.type) "
                    + "elements; a bin is made of storage or import/export elements")
        }
        guard Int(range.first) + Int(range.count) <= 0x1_0000 else {
            throw invalid(
                "the \(bin.rawValue) bin range of \(range.count) elements from "
                    + "\(hex(range.first)) runs past the last element address FFFFh; "
                    + "shorten it")
        }
    }

    private func checkDrives() throws {
        guard !drives.isEmpty else {
            throw invalid(
                "changer \(name) has no drive; give the data transfer element of at least "
                    + "one drive")
        }
        guard drives.allSatisfy({ !$0.name.isEmpty }) else {
            throw invalid("a drive of changer \(name) has no name; name it as the drive")
        }
        guard Set(drives.map(\.name)).count == drives.count else {
            throw invalid(
                "changer \(name) has two drives of one name (\(drives.map(\.name))); name "
                    + "each drive differently")
        }
        guard Set(drives.map(\.address)).count == drives.count else {
            throw invalid(
                "changer \(name) has two drives at one data transfer element "
                    + "(\(drives.map { hex($0.address) })); give each drive its own element")
        }
    }

    private func invalid(_ message: String) -> MediaCenterError {
        MediaCenterError(.invalidConfiguration, message)
    }
}
