import MediaCenterCore
import PatientStore

/// The collection, instances and position in the set of one disc to burn.
public struct DiscPlan: Sendable {
    public var collection: CollectionRecord
    public var instances: [StoredInstance]
    /// Position of this disc in the set, from 1.
    public var discNumber: Int
    /// Discs in the set.
    public var discCount: Int
    /// The application profile of every disc of the set, chosen from the first blank.
    public var profile: ApplicationProfile

    public init(
        collection: CollectionRecord, instances: [StoredInstance], discNumber: Int,
        discCount: Int, profile: ApplicationProfile = .generalPurposeCD
    ) {
        self.collection = collection
        self.instances = instances
        self.discNumber = discNumber
        self.discCount = discCount
        self.profile = profile
    }
}

/// Builds the folder that becomes one disc. The daemon backs it with the DICOM file-set
/// builder; the engine only needs the folder to exist when the call returns.
public protocol FileSetMaking: Sendable {
    /// Writes the file-set for `plan` into the empty folder `directory`.
    /// - Returns: the size in bytes of the file written for each of `plan.instances`, in
    ///   the same order, which the engine splits a collection by when it spans discs.
    func makeFileSet(_ plan: DiscPlan, into directory: String) throws -> [Int64]
}
