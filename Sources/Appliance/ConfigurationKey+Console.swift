extension ConfigurationKey {
    static let engineersGroup = ConfigurationKey(
        name: "engineers_group", option: "--engineers-group", aliases: [],
        placeholder: "GROUP",
        summary: "group whose members may change the configuration and the access list "
            + "with mediacenterctl; root and the daemon's own user always may",
        allowed: "a group name of 1 to 32 letters, digits, \".\", \"_\" or \"-\", not "
            + "starting with \"-\"",
        inEffect: true,
        apply: { text, configuration in
            configuration.engineersGroup = try parseGroupName(text)
        },
        format: { $0.engineersGroup })
}

/// Checks a group name in the portable form that `groupadd` accepts.
private func parseGroupName(_ text: String) throws -> String {
    let allowed = text.utf8.allSatisfy { byte in
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A)
            || (byte >= 0x61 && byte <= 0x7A) || byte == UInt8(ascii: ".")
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }
    guard !text.isEmpty, text.utf8.count <= 32, allowed, !text.hasPrefix("-") else {
        throw InvalidValue()
    }
    return text
}
