import Foundation
import Testing

/// Checks udev/60-mediacenter.rules without udev: its syntax, and that each device class
/// the daemon uses gets the daemon's group, a mode for it and the systemd tag.
/// `scripts/check-udev-rules` runs the same file through `udevadm test` where it can.
@Suite struct UdevRulesTests {
    private func productRules() throws -> [UdevRulesSyntax.Rule] {
        let url = Fixtures.repositoryFolder.appendingPathComponent("udev/60-mediacenter.rules")
        return try UdevRulesSyntax.rules(in: String(contentsOf: url, encoding: .utf8))
    }

    @Test func rulesFileParses() throws {
        let rules = try productRules()

        #expect(rules.count == 3)
    }

    @Test func everyRuleGrantsDaemonGroup() throws {
        for rule in try productRules() {
            #expect(rule.value("GROUP", "=") == "cdrom", "rule on line \(rule.line)")
            #expect(rule.value("MODE", "=") == "0660", "rule on line \(rule.line)")
            #expect(rule.values("TAG", "+=").contains("systemd"), "rule on line \(rule.line)")
            #expect(rule.values("TAG", "+=").contains("mediacenter"), "rule on line \(rule.line)")
        }
    }

    @Test func opticalDriveRuleMatchesCdrom() throws {
        let rules = try productRules()

        let drive = rules.first { $0.value("ENV", "==", attribute: "ID_CDROM") == "1" }

        #expect(drive?.value("SUBSYSTEM", "==") == "block")
    }

    @Test func changerRulesMatchTypeEightAndSch() throws {
        let rules = try productRules()

        let generic = rules.first { $0.value("SUBSYSTEM", "==") == "scsi_generic" }
        let changer = rules.first { $0.value("SUBSYSTEM", "==") == "scsi_changer" }

        #expect(generic?.value("ATTRS", "==", attribute: "type") == "8")
        #expect(generic?.value("SUBSYSTEMS", "==") == "scsi")
        #expect(changer?.value("KERNEL", "==") == "sch[0-9]*")
    }

    @Test(arguments: [
        ("SUBSYSTEM==\"block\" GROUP=\"cdrom\"", "expected a comma"),
        ("SUBSYSTEM==\"block\", GRUOP=\"cdrom\"", "unknown key GRUOP"),
        ("SUBSYSTEM=\"block\", GROUP=\"cdrom\"", "SUBSYSTEM does not take the operator ="),
        ("SUBSYSTEM==\"block\", GROUP==\"cdrom\"", "GROUP does not take the operator =="),
        ("SUBSYSTEM==\"block\", GROUP=\"cdrom", "no closing quote"),
        ("SUBSYSTEM==block, GROUP=\"cdrom\"", "double quotes"),
        ("SUBSYSTEM==\"scsi_generic\", ATTRS==\"8\"", "ATTRS needs an {attribute}"),
        ("SUBSYSTEM==\"block\", MODE=\"0o660\"", "not an octal mode"),
        ("SUBSYSTEM==\"block\", \\", "ends inside a continued line"),
    ])
    func syntaxErrorIsCaught(rule: String, expected: String) {
        do {
            _ = try UdevRulesSyntax.rules(in: "# comment\n" + rule)
            Issue.record("no problem found in: \(rule)")
        } catch let problem as UdevRulesSyntax.Problem {
            #expect(problem.message.contains(expected), "\(problem)")
            #expect(problem.line == 2)
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func continuedLinesJoin() throws {
        let rules = try UdevRulesSyntax.rules(
            in: "SUBSYSTEM==\"block\", \\\n  GROUP=\"cdrom\", MODE=\"0660\",\n")

        #expect(rules.count == 1)
        #expect(rules.first?.pairs.count == 3)
        #expect(rules.first?.value("GROUP", "=") == "cdrom")
    }
}
