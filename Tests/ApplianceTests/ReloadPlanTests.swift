import MediaCenterCore
import Testing

@testable import Appliance

@Suite struct ReloadPlanTests {
    @Test func reloadableChangesApply() {
        let running = Configuration()
        var loaded = running
        loaded.logLevel = .debug
        loaded.accessControl = false
        loaded.retentionDays = 1

        let plan = ReloadPlan(running: running, loaded: loaded)

        #expect(plan.configuration == loaded)
        #expect(plan.applied.map(\.key) == ["access_control", "retention_days", "log_level"])
        #expect(plan.needsRestart.isEmpty)
    }

    @Test func restartKeysKeepRunningValues() {
        let running = Configuration()
        var loaded = running
        loaded.port = 11113
        loaded.dataDirectory = "/elsewhere"
        loaded.completionTimeout = 5

        let plan = ReloadPlan(running: running, loaded: loaded)

        #expect(plan.configuration.port == running.port)
        #expect(plan.configuration.dataDirectory == running.dataDirectory)
        #expect(plan.configuration.completionTimeout == 5)
        #expect(plan.needsRestart.map(\.key) == ["data_dir", "port"])
        #expect(
            plan.needsRestart.first
                == ReloadPlan.Change(
                    key: "data_dir", running: running.dataDirectory,
                    loaded: "/elsewhere"))
    }

    @Test func unchangedFileChangesNothing() {
        let plan = ReloadPlan(running: Configuration(), loaded: Configuration())

        #expect(plan.applied.isEmpty)
        #expect(plan.needsRestart.isEmpty)
    }

    @Test func listenerAndDriveKeysNeedRestart() {
        for name in ["port", "bind_address", "data_dir", "ae_titles", "virtual_drives"] {
            #expect(ConfigurationKey.named(name)?.reloads == false, "\(name)")
        }
        for name in ["log_level", "access_control", "completion_timeout", "spool_high_water"] {
            #expect(ConfigurationKey.named(name)?.reloads == true, "\(name)")
        }
    }
}
