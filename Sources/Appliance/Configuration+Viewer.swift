import FileSetBuilder
import MediaCenterCore

extension ConfigurationKey {
    /// The key of the viewer program's folder.
    static let viewerFolder = ConfigurationKey(
        name: "viewer_folder", option: "--viewer-folder", aliases: [], placeholder: "DIR",
        summary: "folder of a viewer program copied to the VIEWER folder of every disc; "
            + "every name in it must be an ISO 9660 level 1 name, and empty puts no viewer "
            + "on the discs",
        allowed: "empty, or an absolute folder path without control characters",
        inEffect: true,
        apply: { text, configuration in
            configuration.viewerFolder = try parseViewerFolder(text)
        },
        format: { $0.viewerFolder })

    /// The key of the program that `AUTORUN.INF` starts.
    static let viewerAutorun = ConfigurationKey(
        name: "viewer_autorun", option: "--viewer-autorun", aliases: [], placeholder: "PATH",
        summary: "program of the viewer folder that AUTORUN.INF at the disc root starts, "
            + "relative to viewer_folder, such as BIN/VIEWER.EXE; empty writes no "
            + "AUTORUN.INF",
        allowed: "empty, or a relative path of ISO 9660 level 1 names separated by /",
        inEffect: true,
        apply: { text, configuration in
            configuration.viewerAutorun = try parseViewerAutorun(text)
        },
        format: { $0.viewerAutorun })
}

extension Configuration {
    /// Checks the viewer folder and everything in it, as the daemon does at start.
    /// - Returns: the viewer for every disc, or nil when `viewerFolder` is empty.
    /// - Throws: `MediaCenterError` with `.invalidConfiguration` naming the key, or the
    ///   path in the viewer folder and the rule it breaks.
    func checkViewer() throws -> ViewerPayload? {
        guard !viewerFolder.isEmpty else {
            guard viewerAutorun.isEmpty else {
                throw MediaCenterError(
                    .invalidConfiguration,
                    "viewer_autorun (--viewer-autorun) \(viewerAutorun) is set but "
                        + "viewer_folder (--viewer-folder) is empty; set the viewer's folder "
                        + "or leave viewer_autorun empty")
            }
            return nil
        }
        return try ViewerPayload(
            folder: viewerFolder, autorun: viewerAutorun.isEmpty ? nil : viewerAutorun)
    }
}

private func parseViewerFolder(_ text: String) throws -> String {
    guard !text.isEmpty else { return "" }
    guard text.hasPrefix("/") else {
        throw InvalidValue(reason: "the path is relative")
    }
    guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
    else {
        throw InvalidValue(reason: "the path contains a control character")
    }
    return text
}

/// Checks the path's names only; whether the file exists is checked at start, with the
/// folder.
private func parseViewerAutorun(_ text: String) throws -> String {
    guard !text.isEmpty else { return "" }
    let components = text.split(separator: "/", omittingEmptySubsequences: false)
        .map(String.init)
    guard let name = components.last, ViewerPayload.isValidFileName(name),
        components.dropLast().allSatisfy(ISO9660Name.isValid)
    else {
        throw InvalidValue(
            reason: "\"\(text)\" is not a relative path of level 1 names (folders of 1 to 8 "
                + "and a file of 1 to 8 plus an extension of 1 to 3 of A-Z, 0-9 and _)")
    }
    return text
}
