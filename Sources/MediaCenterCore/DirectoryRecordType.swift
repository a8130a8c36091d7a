/// A Directory Record Type (0004,1430) of a DICOMDIR record that references an instance,
/// as PS3.3 Annex F defines them. The raw value is the code string in the record.
public enum DirectoryRecordType: String, Sendable, CaseIterable {
    case image = "IMAGE"
    case rtDose = "RT DOSE"
    case rtStructureSet = "RT STRUCTURE SET"
    case rtPlan = "RT PLAN"
    case rtTreatRecord = "RT TREAT RECORD"
    case presentation = "PRESENTATION"
    case waveform = "WAVEFORM"
    case srDocument = "SR DOCUMENT"
    case keyObjectDoc = "KEY OBJECT DOC"
    case spectroscopy = "SPECTROSCOPY"
    case rawData = "RAW DATA"
    case registration = "REGISTRATION"
    case fiducial = "FIDUCIAL"
    case encapDoc = "ENCAP DOC"
    case valueMap = "VALUE MAP"
    case stereometric = "STEREOMETRIC"
    case measurement = "MEASUREMENT"
    case surface = "SURFACE"
    case surfaceScan = "SURFACE SCAN"
    case tract = "TRACT"
    case assessment = "ASSESSMENT"
    /// RT Second Generation instances.
    case radiotherapy = "RADIOTHERAPY"
    /// Delivery instructions with Modality PLAN, not to be confused with `rtPlan`.
    case plan = "PLAN"
    case annotation = "ANNOTATION"
    /// Retired in PS3.3-2004 with the standalone overlay SOP class, still written for it.
    case overlay = "OVERLAY"
    /// Retired in PS3.3-2004 with the standalone modality LUT SOP class, still written for it.
    case modalityLUT = "MODALITY LUT"
    /// Retired in PS3.3-2004 with the standalone VOI LUT SOP class, still written for it.
    case voiLUT = "VOI LUT"
    /// Retired in PS3.3-2004 with the standalone curve SOP class, still written for it.
    case curve = "CURVE"
}
