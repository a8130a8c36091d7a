import Appliance
import MediaCenterCore
import Testing

@Suite struct DaemonOptionsTests {
    @Test func defaultsMatchTheProduct() throws {
        guard case .run(let options) = try DaemonOptions.parse([]) else {
            Issue.record("expected options to run with")
            return
        }

        #expect(options.port == 104)
        #expect(options.aeTitle == "CDP_PRINTER")
        #expect(options.completionTimeout == 60)
        #expect(options.maxAssociations == 5)
        #expect(options.virtualDiscCapacityMB == 700)
        #expect(options.bindAddress == "0.0.0.0")
    }

    @Test func contractOptionsAreParsed() throws {
        let parsed = try DaemonOptions.parse([
            "--data-dir", "/tmp/x", "--port", "11112", "--ae-title", "BURNER",
            "--completion-timeout", "5", "--virtual-disc-capacity", "10",
        ])
        guard case .run(let options) = parsed else {
            Issue.record("expected options to run with")
            return
        }

        #expect(options.dataDirectory == "/tmp/x")
        #expect(options.port == 11112)
        #expect(options.aeTitle == "BURNER")
        #expect(options.completionTimeout == 5)
        #expect(options.virtualDiscCapacityMB == 10)
    }

    @Test(arguments: [
        (["--port", "0"], "'0' for --port"),
        (["--port", "70000"], "1 to 65535"),
        (["--port", "abc"], "'abc'"),
        (["--ae-title", "THIS_TITLE_IS_TOO_LONG"], "1 to 16"),
        (["--ae-title", "A\\B"], "backslash"),
        (["--completion-timeout", "0"], "1 to 86400"),
        (["--bind-address", "localhost"], "IPv4"),
        (["--log-level", "loud"], "debug"),
        (["--port"], "missing value"),
        (["--frobnicate"], "unknown option"),
    ])
    func invalidOptionsNameValueAndFix(arguments: [String], expected: String) {
        do {
            _ = try DaemonOptions.parse(arguments)
            Issue.record("\(arguments) was accepted")
        } catch {
            #expect(String(describing: error).contains(expected))
        }
    }

    @Test func helpAndVersionAreRecognised() throws {
        #expect(try DaemonOptions.parse(["--help"]) == .help)
        #expect(try DaemonOptions.parse(["--version"]) == .version)
    }
}
