import ControlProtocol
import Foundation
import Glibc

extension ControlServer {
    /// Lists every key with the value in effect and where it came from.
    func configurationReport(_ loaded: LoadedConfiguration) -> ConfigurationReport {
        let entries = ConfigurationKey.all.map { key in
            let value = key.value(in: loaded.configuration)
            switch loaded.sources[key.name] {
            case .file(let path, let line):
                return ConfigurationEntry(
                    key: key.name, value: value, source: "file", origin: "\(path):\(line)")
            case .option(let option):
                return ConfigurationEntry(
                    key: key.name, value: value, source: "option", origin: option)
            case nil:
                return ConfigurationEntry(
                    key: key.name, value: value, source: "default", origin: nil)
            }
        }
        return ConfigurationReport(
            file: loaded.filePath, editableFile: loaded.editablePath, entries: entries)
    }

    /// Sets one key in the configuration file the daemon read, after checking the value
    /// with the key table and the whole edited file with the parser. The running daemon
    /// keeps its settings until it restarts or reloads.
    func respondToConfigSet(_ request: ControlRequest, _ loaded: LoadedConfiguration)
        -> ControlResponse
    {
        guard let name = request.key, let value = request.value else {
            return .failure("config set needs a key and a value")
        }
        guard let key = ConfigurationKey.named(name) else {
            let suggestion =
                closestMatch(to: name, among: ConfigurationKey.all.map(\.name))
                .map { "did you mean \"\($0)\"? " } ?? ""
            return .failure(
                "unknown key \(String(reflecting: name)); \(suggestion)mediacenterctl config "
                    + "show lists every key")
        }
        if let problem = invalidValue(value, for: key) { return .failure(problem) }

        // A link is followed, so that the edit reaches the file it points to and the link
        // stays a link.
        let path = URL(fileURLWithPath: loaded.editablePath).resolvingSymlinksInPath().path
        let text: String
        do {
            text = try currentText(of: path)
        } catch let error as ConfigurationError {
            return .failure(error.description)
        } catch {
            return .failure(String(describing: error))
        }
        let edited = ConfigurationFile.setting(key.name, to: value, in: text)
        do {
            _ = try Configuration.validated(
                try ConfigurationFile.parse(Array(edited.utf8), path: path))
        } catch let error as ConfigurationError {
            return .failure(
                "not changed, because the daemon would not start with \(path) after this "
                    + "change; fix these first (mediacenterctl config check \(path)):\n"
                    + error.problems.joined(separator: "\n"))
        } catch {
            return .failure(String(describing: error))
        }
        do {
            try ConfigurationFile.replace(path, with: edited)
        } catch {
            logger.error("config set \(key.name) failed: \(error)", ["config.file": path])
            return .failure(String(describing: error))
        }

        logger.notice(
            "configuration file changed on the console: \(key.name) = \(value)",
            ["config.file": path, "config.key": key.name])
        var message =
            key.reloads
            ? "Set \(key.name) = \(value) in \(path). The change takes effect at the next "
                + "reload (systemctl reload mediacenterd) or restart."
            : "Set \(key.name) = \(value) in \(path). The change takes effect at the next "
                + "restart (systemctl restart mediacenterd); a reload keeps the running value."
        if case .option(let option) = loaded.sources[key.name] {
            message +=
                " Note: the daemon was started with the option \(option), which "
                + "overrides the file."
        }
        return ControlResponse(ok: true, message: message)
    }

    /// Returns why `value` cannot be written for `key`, or nil when it can.
    private func invalidValue(_ value: String, for key: ConfigurationKey) -> String? {
        let quoted = String(reflecting: value)
        guard !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            return "invalid value \(quoted) for key \"\(key.name)\": it contains a control "
                + "character; expected \(key.allowed)"
        }
        guard value == value.trimmingCharacters(in: .whitespaces),
            ConfigurationFile.removingTrailingComment(value) == value
        else {
            return "invalid value \(quoted) for key \"\(key.name)\": spaces at its ends or "
                + "\" #\" would not be read back from the file; expected \(key.allowed)"
        }
        var check = Configuration()
        do {
            try key.apply(value, &check)
        } catch let error as InvalidValue {
            let reason = error.reason.map { "\($0); " } ?? ""
            return "invalid value \(quoted) for key \"\(key.name)\": \(reason)expected "
                + key.allowed
        } catch {
            return String(describing: error)
        }
        return nil
    }

    /// Reads the configuration file to edit. A missing file reads as empty, so that
    /// `config set` creates it.
    private func currentText(of path: String) throws -> String {
        var info = stat()
        guard stat(path, &info) == 0 else {
            guard errno == ENOENT else {
                throw ConfigurationError(problems: [
                    "cannot read the configuration file \(path) (stat: "
                        + "\(String(cString: strerror(errno)))); check its folder's permissions"
                ])
            }
            return ""
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw ConfigurationError(problems: [
                "the daemon's configuration \(path) is not a regular file, so config set "
                    + "cannot change it; start mediacenterd with --config FILE"
            ])
        }
        guard info.st_size <= ConfigurationFile.maxSize,
            let data = FileManager.default.contents(atPath: path)
        else {
            throw ConfigurationError(problems: [
                "cannot read the configuration file \(path); make it readable by the "
                    + "daemon's user and at most \(ConfigurationFile.maxSize / 1024) KiB long"
            ])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(problems: [
                "the configuration file \(path) is not valid UTF-8, so config set leaves it "
                    + "alone; see mediacenterctl config check \(path)"
            ])
        }
        return text
    }
}
