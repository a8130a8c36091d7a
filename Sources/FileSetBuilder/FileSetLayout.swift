import MediaCenterCore

/// The paths of the instances below the file-set root: `DICOM/STnnnnnn/SEnnnnnn/IMnnnnnn`,
/// one folder per study and per series, numbered in the order of the plan. Names come
/// from counters only, never from attribute values.
struct FileSetLayout {
    /// An instance and the path of its media file.
    struct Entry: Sendable {
        var instance: FileSetInstance
        var relativePath: String
    }

    /// The folder below the root that contains the study folders.
    static let imageFolder = "DICOM"

    /// The entries in the order of the plan's instances.
    let entries: [Entry]
    /// The series folders below the root, each after its study folder.
    let folders: [String]
    let studyCount: Int
    let seriesCount: Int

    init(_ instances: [FileSetInstance]) {
        var studyFolders: [String: String] = [:]
        var seriesFolders: [String: String] = [:]
        var seriesPerStudy: [String: Int] = [:]
        var instancesPerSeries: [String: Int] = [:]
        var folders: [String] = []
        var entries: [Entry] = []

        for instance in instances {
            let study = instance.studyInstanceUID
            // A Series Instance UID is unique on its own, but keying by both keeps a
            // malformed store entry from merging two studies' series.
            let series = study + "|" + instance.seriesInstanceUID
            if studyFolders[study] == nil {
                let name = ISO9660Name.make("ST", studyFolders.count + 1)
                studyFolders[study] = Self.imageFolder + "/" + name
            }
            if seriesFolders[series] == nil {
                let number = (seriesPerStudy[study] ?? 0) + 1
                seriesPerStudy[study] = number
                let folder = studyFolders[study]! + "/" + ISO9660Name.make("SE", number)
                seriesFolders[series] = folder
                folders.append(folder)
            }
            let number = (instancesPerSeries[series] ?? 0) + 1
            instancesPerSeries[series] = number
            let path = seriesFolders[series]! + "/" + ISO9660Name.make("IM", number)
            entries.append(Entry(instance: instance, relativePath: path))
        }
        self.entries = entries
        self.folders = folders
        self.studyCount = studyFolders.count
        self.seriesCount = seriesFolders.count
    }
}
