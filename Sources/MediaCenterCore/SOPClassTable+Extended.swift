extension SOPClassTable {
    /// The extended set: the other storage SOP classes of the current DICOM standard that
    /// DCMTK 3.6.7 lists in `dcmAllStorageSOPClassUIDs`, without retired classes and without
    /// those of `all`. The Storage SCP accepts them only when
    /// `StorageSCPConfiguration.acceptsExtendedSOPClasses` is on, which is off by default.
    ///
    /// Each record type is the one that PS3.3 Annex F names for instances of the class.
    /// Left out are the classes without the Patient IE (Hanging Protocol, Color Palette, the
    /// implant templates, the Defined Procedure Protocols and Protocol Approval), because a
    /// disc holds one patient's instances below PATIENT, STUDY and SERIES records. Left out
    /// too are the CT and XA Performed Procedure Protocols, because Annex F names no record
    /// type for them and every file on the disc needs a DICOMDIR record.
    public static let extended: [SOPClass] = [
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.13.1.4",
            name: "Breast Projection X-Ray Image Storage - For Presentation",
            recordType: .image, isImage: true),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.13.1.5",
            name: "Breast Projection X-Ray Image Storage - For Processing",
            recordType: .image, isImage: true),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.13.1.3", name: "Breast Tomosynthesis Image Storage",
            recordType: .image, isImage: true),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.82.1", name: "Corneal Topography Map Storage",
            recordType: .image, isImage: true),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.77.1.7", name: "Dermoscopic Photography Image Storage",
            recordType: .image, isImage: true),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.4.3", name: "Enhanced MR Color Image Storage",
            recordType: .image, isImage: true),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.130", name: "Enhanced PET Image Storage",
            recordType: .image, isImage: true),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.6.2", name: "Enhanced US Volume Storage",
            recordType: .image, isImage: true),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.12.1.1", name: "Enhanced XA Image Storage",
            recordType: .image, isImage: true),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.12.2.1", name: "Enhanced XRF Image Storage",
            recordType: .image, isImage: true),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.14.1",
            name: "Intravascular Optical Coherence Tomography Image Storage - For Presentation",
            recordType: .image, isImage: true),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.14.2",
            name: "Intravascular Optical Coherence Tomography Image Storage - For Processing",
            recordType: .image, isImage: true),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.2.2", name: "Legacy Converted Enhanced CT Image Storage",
            recordType: .image, isImage: true),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.4.4", name: "Legacy Converted Enhanced MR Image Storage",
            recordType: .image, isImage: true),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.128.1",
            name: "Legacy Converted Enhanced PET Image Storage",
            recordType: .image, isImage: true),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.77.1.5.8",
            name: "Ophthalmic Optical Coherence Tomography B-scan Volume Analysis Storage",
            recordType: .image, isImage: true),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.77.1.5.7",
            name: "Ophthalmic Optical Coherence Tomography En Face Image Storage",
            recordType: .image, isImage: true),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.81.1", name: "Ophthalmic Thickness Map Storage",
            recordType: .image, isImage: true),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.77.1.5.4", name: "Ophthalmic Tomography Image Storage",
            recordType: .image, isImage: true),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.30", name: "Parametric Map Storage",
            recordType: .image, isImage: true),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.66.4", name: "Segmentation Storage",
            recordType: .image, isImage: true),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.77.1.6", name: "VL Whole Slide Microscopy Image Storage",
            recordType: .image, isImage: true),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.77.1.5.6",
            name: "Wide Field Ophthalmic Photography 3D Coordinates Image Storage",
            recordType: .image, isImage: true),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.77.1.5.5",
            name: "Wide Field Ophthalmic Photography Stereographic Projection Image Storage",
            recordType: .image, isImage: true),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.13.1.1", name: "X-Ray 3D Angiographic Image Storage",
            recordType: .image, isImage: true),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.13.1.2", name: "X-Ray 3D Craniofacial Image Storage",
            recordType: .image, isImage: true),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.88.71", name: "Acquisition Context SR Storage",
            recordType: .srDocument, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.88.69", name: "Colon CAD SR Storage",
            recordType: .srDocument, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.88.34", name: "Comprehensive 3D SR Storage",
            recordType: .srDocument, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.88.76", name: "Enhanced X-Ray Radiation Dose SR Storage",
            recordType: .srDocument, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.88.35", name: "Extensible SR Storage",
            recordType: .srDocument, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.88.70", name: "Implantation Plan SR Storage",
            recordType: .srDocument, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.79.1",
            name: "Macular Grid Thickness and Volume Report Storage",
            recordType: .srDocument, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.88.73", name: "Patient Radiation Dose SR Storage",
            recordType: .srDocument, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.88.75",
            name: "Performed Imaging Agent Administration SR Storage",
            recordType: .srDocument, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.88.74",
            name: "Planned Imaging Agent Administration SR Storage",
            recordType: .srDocument, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.88.40", name: "Procedure Log Storage",
            recordType: .srDocument, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.88.68",
            name: "Radiopharmaceutical Radiation Dose SR Storage",
            recordType: .srDocument, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.88.72", name: "Simplified Adult Echo SR Storage",
            recordType: .srDocument, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.78.6", name: "Spectacle Prescription Report Storage",
            recordType: .srDocument, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.88.67", name: "X-Ray Radiation Dose SR Storage",
            recordType: .srDocument, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.11.8",
            name: "Advanced Blending Presentation State Storage",
            recordType: .presentation, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.131", name: "Basic Structured Display Storage",
            recordType: .presentation, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.11.4",
            name: "Blending Softcopy Presentation State Storage",
            recordType: .presentation, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.11.2", name: "Color Softcopy Presentation State Storage",
            recordType: .presentation, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.11.7",
            name: "Compositing Planar MPR Volumetric Presentation State Storage",
            recordType: .presentation, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.11.6",
            name: "Grayscale Planar MPR Volumetric Presentation State Storage",
            recordType: .presentation, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.11.11",
            name: "Multiple Volume Rendering Volumetric Presentation State Storage",
            recordType: .presentation, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.11.3",
            name: "Pseudo-Color Softcopy Presentation State Storage",
            recordType: .presentation, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.11.10",
            name: "Segmented Volume Rendering Volumetric Presentation State Storage",
            recordType: .presentation, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.11.9",
            name: "Volume Rendering Volumetric Presentation State Storage",
            recordType: .presentation, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.11.5",
            name: "XA/XRF Grayscale Softcopy Presentation State Storage",
            recordType: .presentation, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.9.5.1", name: "Arterial Pulse Waveform Storage",
            recordType: .waveform, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.9.8.1", name: "Body Position Waveform Storage",
            recordType: .waveform, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.9.7.2", name: "Electromyogram Waveform Storage",
            recordType: .waveform, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.9.7.3", name: "Electrooculogram Waveform Storage",
            recordType: .waveform, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.9.4.2", name: "General Audio Waveform Storage",
            recordType: .waveform, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.9.6.2",
            name: "Multi-channel Respiratory Waveform Storage",
            recordType: .waveform, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.9.6.1", name: "Respiratory Waveform Storage",
            recordType: .waveform, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.9.7.1",
            name: "Routine Scalp Electroencephalogram Waveform Storage",
            recordType: .waveform, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.9.7.4",
            name: "Sleep Electroencephalogram Waveform Storage",
            recordType: .waveform, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.78.2", name: "Autorefraction Measurements Storage",
            recordType: .measurement, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.78.8", name: "Intraocular Lens Calculations Storage",
            recordType: .measurement, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.78.3", name: "Keratometry Measurements Storage",
            recordType: .measurement, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.78.1", name: "Lensometry Measurements Storage",
            recordType: .measurement, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.78.7", name: "Ophthalmic Axial Measurements Storage",
            recordType: .measurement, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.80.1",
            name: "Ophthalmic Visual Field Static Perimetry Measurements Storage",
            recordType: .measurement, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.78.4", name: "Subjective Refraction Measurements Storage",
            recordType: .measurement, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.78.5", name: "Visual Acuity Measurements Storage",
            recordType: .measurement, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.104.2", name: "Encapsulated CDA Storage",
            recordType: .encapDoc, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.104.5", name: "Encapsulated MTL Storage",
            recordType: .encapDoc, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.104.4", name: "Encapsulated OBJ Storage",
            recordType: .encapDoc, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.104.1", name: "Encapsulated PDF Storage",
            recordType: .encapDoc, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.104.3", name: "Encapsulated STL Storage",
            recordType: .encapDoc, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.481.19",
            name: "C-Arm Photon-Electron Radiation Record Storage",
            recordType: .radiotherapy, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.481.13", name: "C-Arm Photon-Electron Radiation Storage",
            recordType: .radiotherapy, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.481.10", name: "RT Physician Intent Storage",
            recordType: .radiotherapy, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.481.16", name: "RT Radiation Record Set Storage",
            recordType: .radiotherapy, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.481.17", name: "RT Radiation Salvage Record Storage",
            recordType: .radiotherapy, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.481.21",
            name: "RT Radiation Set Delivery Instruction Storage",
            recordType: .radiotherapy, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.481.12", name: "RT Radiation Set Storage",
            recordType: .radiotherapy, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.481.11", name: "RT Segment Annotation Storage",
            recordType: .radiotherapy, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.481.22", name: "RT Treatment Preparation Storage",
            recordType: .radiotherapy, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.481.20", name: "Robotic Radiation Record Storage",
            recordType: .radiotherapy, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.481.15", name: "Robotic-Arm Radiation Storage",
            recordType: .radiotherapy, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.481.18", name: "Tomotherapeutic Radiation Record Storage",
            recordType: .radiotherapy, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.481.14", name: "Tomotherapeutic Radiation Storage",
            recordType: .radiotherapy, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.34.7", name: "RT Beams Delivery Instruction Storage",
            recordType: .plan, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.34.10",
            name: "RT Brachy Application Setup Delivery Instruction Storage",
            recordType: .plan, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.481.8", name: "RT Ion Plan Storage",
            recordType: .rtPlan, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.481.9", name: "RT Ion Beams Treatment Record Storage",
            recordType: .rtTreatRecord, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.66.3", name: "Deformable Spatial Registration Storage",
            recordType: .registration, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.66.5", name: "Surface Segmentation Storage",
            recordType: .surface, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.68.1", name: "Surface Scan Mesh Storage",
            recordType: .surfaceScan, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.68.2", name: "Surface Scan Point Cloud Storage",
            recordType: .surfaceScan, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.66.6", name: "Tractography Results Storage",
            recordType: .tract, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.90.1", name: "Content Assessment Results Storage",
            recordType: .assessment, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.66", name: "Raw Data Storage",
            recordType: .rawData, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.67", name: "Real World Value Mapping Storage",
            recordType: .valueMap, isImage: false),
        SOPClass(
            uid: "1.2.840.10008.5.1.4.1.1.91.1", name: "Microscopy Bulk Simple Annotations Storage",
            recordType: .annotation, isImage: false),
    ]
}
