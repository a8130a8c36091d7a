// swift-tools-version: 6.0
// The firmware layer of a DICOM burn appliance. Every dependency is a Debian library:
// system-library targets wrap libburn, libisofs, libudev, libgpiod, SQLite and libsystemd,
// and CDCMTK is a small C++ target with a C API over DCMTK.
import PackageDescription

let dcmtkLibraries = [
    "dcmjpls", "dcmjpeg", "dcmimage", "dcmimgle", "dcmnet", "dcmdata", "oflog", "ofstd",
    "ijg8", "ijg12", "ijg16", "dcmtkcharls", "stdc++",
]

let package = Package(
    name: "MediaCenter",
    products: [
        .executable(name: "mediacenterd", targets: ["mediacenterd"]),
        .executable(name: "mediacenterctl", targets: ["mediacenterctl"]),
    ],
    targets: [
        // System libraries, found through pkg-config.
        .systemLibrary(
            name: "CBurn", path: "Sources/CBurn", pkgConfig: "libburn-1",
            providers: [.apt(["libburn-dev"])]),
        .systemLibrary(
            name: "CIsofs", path: "Sources/CIsofs", pkgConfig: "libisofs-1",
            providers: [.apt(["libisofs-dev"])]),
        .systemLibrary(
            name: "CUdev", path: "Sources/CUdev", pkgConfig: "libudev",
            providers: [.apt(["libudev-dev"])]),
        .systemLibrary(
            name: "CGpiod", path: "Sources/CGpiod", pkgConfig: "libgpiod",
            providers: [.apt(["libgpiod-dev"])]),
        .systemLibrary(
            name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(
            name: "CSystemd", path: "Sources/CSystemd", pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]),

        // C++ shim with a plain C API over DCMTK. pkg-config for DCMTK is broken on
        // Debian 12, so the libraries are linked by name.
        .target(
            name: "CDCMTK",
            path: "Sources/CDCMTK",
            linkerSettings: dcmtkLibraries.map { .linkedLibrary($0) }),

        // Plain C helpers over libburn and libisofs.
        .target(
            name: "CBurnSupport",
            dependencies: ["CBurn", "CIsofs"],
            path: "Sources/CBurnSupport"),

        // Plain C helper over the SCSI generic driver's SG_IO ioctl.
        .target(name: "CScsiGeneric", path: "Sources/CScsiGeneric"),

        // Swift modules, one concern each.
        .target(name: "MediaCenterCore", dependencies: ["CSystemd"]),
        .target(name: "DicomNetwork", dependencies: ["CDCMTK", "MediaCenterCore"]),
        .target(name: "PatientStore", dependencies: ["CSQLite", "MediaCenterCore"]),
        .target(name: "FileSetBuilder", dependencies: ["CDCMTK", "MediaCenterCore"]),
        .target(name: "MediaHardware", dependencies: ["MediaCenterCore"]),
        .target(
            name: "DiscBurner",
            dependencies: ["CBurn", "CIsofs", "CBurnSupport", "MediaHardware", "MediaCenterCore"]),
        .target(
            name: "JobEngine",
            dependencies: ["PatientStore", "MediaHardware", "MediaCenterCore"]),
        .target(
            name: "ScsiChanger",
            dependencies: ["CScsiGeneric", "MediaHardware", "MediaCenterCore"]),
        .target(name: "ControlProtocol", dependencies: ["MediaCenterCore"]),
        .target(name: "FrontPanel", dependencies: ["MediaCenterCore"]),
        .target(name: "GpioPanel", dependencies: ["CGpiod", "FrontPanel", "MediaCenterCore"]),
        .target(
            name: "DeviceTracking", dependencies: ["CUdev", "MediaHardware", "MediaCenterCore"]),
        .target(
            name: "Appliance",
            dependencies: [
                "DicomNetwork", "PatientStore", "FileSetBuilder", "MediaHardware", "DiscBurner",
                "JobEngine", "ControlProtocol", "MediaCenterCore", "CSystemd", "FrontPanel",
                "GpioPanel", "DeviceTracking", "ScsiChanger",
            ]),
        .executableTarget(name: "mediacenterd", dependencies: ["Appliance"]),
        .executableTarget(
            name: "mediacenterctl",
            dependencies: ["Appliance", "ControlProtocol", "MediaCenterCore"]),

        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "MediaCenterCoreTests", dependencies: ["MediaCenterCore"]),
        .testTarget(name: "ControlProtocolTests", dependencies: ["ControlProtocol"]),
        .testTarget(
            name: "DicomNetworkTests", dependencies: ["DicomNetwork", "CDCMTK", "TestSupport"]),
        .testTarget(name: "PatientStoreTests", dependencies: ["PatientStore", "TestSupport"]),
        .testTarget(
            name: "FileSetBuilderTests",
            dependencies: [
                "FileSetBuilder", "CDCMTK", "DiscBurner", "MediaHardware", "TestSupport",
            ]),
        .testTarget(
            name: "DiscBurnerTests", dependencies: ["DiscBurner", "MediaHardware", "TestSupport"]),
        .testTarget(
            name: "ApplianceTests",
            dependencies: [
                "Appliance", "ControlProtocol", "DicomNetwork", "TestSupport", "FrontPanel",
                "JobEngine", "MediaHardware", "PatientStore", "DeviceTracking",
            ]),
        .testTarget(name: "FrontPanelTests", dependencies: ["FrontPanel", "GpioPanel"]),
        .testTarget(
            name: "DeviceTrackingTests",
            dependencies: ["DeviceTracking", "MediaHardware", "MediaCenterCore"],
            exclude: ["Fixtures"]),
        .testTarget(
            name: "JobEngineTests",
            dependencies: [
                "JobEngine", "PatientStore", "MediaHardware", "DiscBurner", "TestSupport",
            ]),
        .testTarget(
            name: "ScsiChangerTests",
            dependencies: ["ScsiChanger", "MediaHardware", "MediaCenterCore"]),
    ],
    swiftLanguageModes: [.v6],
    cxxLanguageStandard: .cxx17
)
