import Appliance
import ControlProtocol
import Glibc
import Testing

/// A user and group database from a table.
struct TableUserDatabase: UserDatabase {
    var groups: [String: gid_t] = ["mediacenter-engineers": 900, "users": 100]
    var users: [uid_t: (name: String, primaryGroup: gid_t)] = [
        1000: ("alice", 100), 1001: ("bob", 100), 1002: ("carol", 900),
    ]
    var supplementary: [String: [gid_t]] = ["alice": [900]]

    func groupID(named name: String) -> gid_t? { groups[name] }

    func user(_ userID: uid_t) -> (name: String, primaryGroup: gid_t)? { users[userID] }

    func groupIDs(ofUser name: String, primaryGroup: gid_t) -> [gid_t] {
        [primaryGroup] + (supplementary[name] ?? [])
    }
}

@Suite struct EngineerAuthorizationTests {
    let check = EngineerAuthorization(
        groupName: "mediacenter-engineers", daemonUserID: 500, database: TableUserDatabase())

    func peer(_ uid: uid_t, _ gid: gid_t = 100) -> PeerCredentials {
        PeerCredentials(processID: 42, userID: uid, groupID: gid)
    }

    @Test func rootIsAllowed() {
        #expect(check.refusal(for: peer(0, 0), action: "config set") == nil)
    }

    @Test func daemonUserIsAllowed() {
        #expect(check.refusal(for: peer(500), action: "config set") == nil)
    }

    @Test func supplementaryMemberIsAllowed() {
        #expect(check.refusal(for: peer(1000), action: "config set") == nil)
    }

    @Test func primaryGroupMemberIsAllowed() {
        #expect(check.refusal(for: peer(1002, 900), action: "aet add") == nil)
    }

    @Test func peerGroupAtConnectIsAllowed() {
        // A user who is not listed in the group but runs with it (newgrp, setgid).
        #expect(check.refusal(for: peer(1001, 900), action: "aet add") == nil)
    }

    @Test func otherUserIsRefusedWithGroupName() throws {
        let message = try #require(check.refusal(for: peer(1001), action: "aet remove"))

        #expect(message.contains("aet remove"))
        #expect(message.contains("mediacenter-engineers"))
        #expect(message.contains("usermod -aG"))
    }

    @Test func unknownUserIsRefused() {
        #expect(check.refusal(for: peer(4242), action: "config set") != nil)
    }

    @Test func missingGroupIsRefused() throws {
        let missing = EngineerAuthorization(
            groupName: "no-such-group", daemonUserID: 500, database: TableUserDatabase())

        let message = try #require(missing.refusal(for: peer(1000), action: "config set"))

        #expect(message.contains("no-such-group"))
        #expect(message.contains("does not exist"))
    }

    @Test func systemDatabaseFindsRoot() {
        let database = SystemUserDatabase()

        #expect(database.user(0)?.name == "root")
        #expect(database.groupID(named: "root") == 0)
        #expect(database.groupIDs(ofUser: "root", primaryGroup: 0).contains(0))
    }
}

@Suite struct ConfigurationEditTests {
    @Test func valueChangesAndCommentsStay() {
        let text = "# header\nport = 104 # the DICOM port\n\ndimse_timeout = 30\n"

        let edited = ConfigurationFile.setting("port", to: "11112", in: text)

        #expect(edited == "# header\nport = 11112 # the DICOM port\n\ndimse_timeout = 30\n")
    }

    @Test func indentationIsKept() {
        let edited = ConfigurationFile.setting("port", to: "5", in: "  port=1\n")

        #expect(edited == "  port = 5\n")
    }

    @Test func commentedKeyIsNotChanged() {
        let edited = ConfigurationFile.setting("port", to: "5", in: "# port = 1\n")

        #expect(edited == "# port = 1\nport = 5\n")
    }

    @Test func missingKeyIsAppended() {
        #expect(ConfigurationFile.setting("port", to: "5", in: "") == "port = 5\n")
        #expect(ConfigurationFile.setting("port", to: "5", in: "a = 1") == "a = 1\nport = 5\n")
    }

    @Test func editedFileParses() throws {
        let edited = ConfigurationFile.setting(
            "engineers_group", to: "wheel", in: "port = 104 # p\n")

        let settings = try ConfigurationFile.parse(Array(edited.utf8), path: "test.conf")

        #expect(settings.map(\.key.name) == ["port", "engineers_group"])
        #expect(settings.map(\.value) == ["104", "wheel"])
    }

    @Test func invalidGroupNameIsRejected() {
        #expect(throws: ConfigurationError.self) {
            _ = try ConfigurationFile.parse(Array("engineers_group = -x\n".utf8), path: "t")
        }
    }
}
