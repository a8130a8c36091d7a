/// A strict reader of udev rules files for tests, usable where `udevadm` cannot run. It
/// catches the typos that make udev skip a rule or a whole line: an unknown key, a wrong
/// operator, a missing comma or quote. The keys and operators are those of udev(7) in
/// systemd 252.
struct UdevRulesSyntax {
    /// One `KEY{attribute}OP"value"` pair of a rule.
    struct Pair: Equatable {
        var key: String
        var attribute: String?
        var operation: String
        var value: String
    }

    /// One rule: its first line number in the file and its pairs.
    struct Rule {
        var line: Int
        var pairs: [Pair]

        /// Returns the value of the first pair with `key`, `attribute` and `operation`.
        func value(_ key: String, _ operation: String, attribute: String? = nil) -> String? {
            pairs.first {
                $0.key == key && $0.attribute == attribute && $0.operation == operation
            }?.value
        }

        /// Returns the values of every pair with `key` and `operation`.
        func values(_ key: String, _ operation: String) -> [String] {
            pairs.filter { $0.key == key && $0.operation == operation }.map(\.value)
        }
    }

    /// A line that udev would not read as written.
    struct Problem: Error, CustomStringConvertible {
        var line: Int
        var message: String
        var description: String { "line \(line): \(message)" }
    }

    static let matchOperators: Set<String> = ["==", "!="]
    static let assignOperators: Set<String> = ["=", "+=", "-=", ":="]

    /// Keys that only match.
    static let matchKeys: Set<String> = [
        "ACTION", "DEVPATH", "KERNEL", "SUBSYSTEM", "DRIVER", "KERNELS", "SUBSYSTEMS",
        "DRIVERS", "ATTRS", "TAGS", "CONST", "TEST", "PROGRAM", "RESULT",
    ]
    /// Keys that only assign.
    static let assignKeys: Set<String> = [
        "OWNER", "GROUP", "MODE", "SECLABEL", "RUN", "LABEL", "GOTO", "IMPORT", "OPTIONS",
    ]
    /// Keys that both match and assign.
    static let matchOrAssignKeys: Set<String> = ["NAME", "SYMLINK", "ATTR", "SYSCTL", "ENV", "TAG"]
    /// Keys that need an `{attribute}`.
    static let attributeKeys: Set<String> = [
        "ATTR", "ATTRS", "SYSCTL", "ENV", "CONST", "SECLABEL", "IMPORT",
    ]
    /// Keys that may have an `{attribute}`.
    static let optionalAttributeKeys: Set<String> = ["TEST", "RUN"]

    /// Reads every rule of `text`.
    /// - Throws: `Problem` for the first line that breaks the syntax.
    static func rules(in text: String) throws -> [Rule] {
        var rules: [Rule] = []
        var pending = ""
        var pendingLine = 0
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false)
            .enumerated()
        {
            let number = index + 1
            var line = String(rawLine)
            if pending.isEmpty {
                pendingLine = number
                let trimmed = line.drop { $0 == " " || $0 == "\t" }
                if trimmed.isEmpty || trimmed.first == "#" { continue }
            }
            if line.hasSuffix("\\") {
                line.removeLast()
                pending += line
                continue
            }
            pending += line
            rules.append(Rule(line: pendingLine, pairs: try pairs(in: pending, line: pendingLine)))
            pending = ""
        }
        guard pending.isEmpty else {
            throw Problem(line: pendingLine, message: "the file ends inside a continued line")
        }
        return rules
    }

    /// Splits one rule into its pairs, which a comma and optional white space separate.
    private static func pairs(in rule: String, line: Int) throws -> [Pair] {
        var rest = Substring(rule)
        var pairs: [Pair] = []
        while true {
            rest = rest.drop { $0 == " " || $0 == "\t" }
            let pair = try readPair(&rest, line: line)
            try check(pair, line: line)
            pairs.append(pair)

            rest = rest.drop { $0 == " " || $0 == "\t" }
            if rest.isEmpty { return pairs }
            guard rest.first == "," else {
                throw Problem(
                    line: line, message: "expected a comma after \(pair.key), found \"\(rest)\"")
            }
            rest = rest.dropFirst()
            // udev accepts a trailing comma at the end of a rule.
            if rest.allSatisfy({ $0 == " " || $0 == "\t" }) { return pairs }
        }
    }

    private static func readPair(_ rest: inout Substring, line: Int) throws -> Pair {
        let key = String(rest.prefix { $0.isUppercase || $0 == "_" })
        guard !key.isEmpty else {
            throw Problem(line: line, message: "expected a key, found \"\(rest)\"")
        }
        rest = rest.dropFirst(key.count)

        var attribute: String?
        if rest.first == "{" {
            guard let close = rest.firstIndex(of: "}") else {
                throw Problem(line: line, message: "the attribute of \(key) has no closing brace")
            }
            attribute = String(rest[rest.index(after: rest.startIndex)..<close])
            rest = rest[rest.index(after: close)...]
        }

        let operation = ["==", "!=", "+=", "-=", ":=", "="].first { rest.hasPrefix($0) }
        guard let operation else {
            throw Problem(line: line, message: "expected an operator after \(key)")
        }
        rest = rest.dropFirst(operation.count)

        guard rest.first == "\"" else {
            throw Problem(line: line, message: "the value of \(key) must be in double quotes")
        }
        rest = rest.dropFirst()
        var value = ""
        var escaped = false
        while let character = rest.first {
            rest = rest.dropFirst()
            if escaped {
                value.append(character)
                escaped = false
            } else if character == "\\" {
                value.append(character)
                escaped = true
            } else if character == "\"" {
                return Pair(key: key, attribute: attribute, operation: operation, value: value)
            } else {
                value.append(character)
            }
        }
        throw Problem(line: line, message: "the value of \(key) has no closing quote")
    }

    private static func check(_ pair: Pair, line: Int) throws {
        let isMatch = matchOperators.contains(pair.operation)
        let allowed: Bool
        if matchKeys.contains(pair.key) {
            allowed = isMatch
        } else if assignKeys.contains(pair.key) {
            allowed = !isMatch
        } else if matchOrAssignKeys.contains(pair.key) {
            allowed = true
        } else {
            throw Problem(line: line, message: "unknown key \(pair.key)")
        }
        guard allowed else {
            throw Problem(
                line: line, message: "\(pair.key) does not take the operator \(pair.operation)")
        }

        if attributeKeys.contains(pair.key), pair.attribute?.isEmpty ?? true {
            throw Problem(line: line, message: "\(pair.key) needs an {attribute}")
        }
        if pair.attribute != nil, !attributeKeys.contains(pair.key),
            !optionalAttributeKeys.contains(pair.key)
        {
            throw Problem(line: line, message: "\(pair.key) takes no {attribute}")
        }
        if pair.key == "MODE", !pair.value.allSatisfy({ ("0"..."7").contains($0) }) {
            throw Problem(line: line, message: "MODE \"\(pair.value)\" is not an octal mode")
        }
    }
}
