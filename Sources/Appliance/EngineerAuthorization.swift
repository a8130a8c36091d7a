import ControlProtocol
import Glibc

/// The user and group database as the authorization check reads it. The system one calls
/// `getpwuid_r(3)`, `getgrnam_r(3)` and `getgrouplist(3)`; tests give a table.
public protocol UserDatabase: Sendable {
    /// Returns the ID of the group `name`, or nil when there is no such group.
    func groupID(named name: String) -> gid_t?
    /// Returns the login name and primary group of `userID`, or nil for an unknown user.
    func user(_ userID: uid_t) -> (name: String, primaryGroup: gid_t)?
    /// Returns every group of the user `name`: the primary one and the supplementary ones.
    func groupIDs(ofUser name: String, primaryGroup: gid_t) -> [gid_t]
}

/// Decides which console requests the peer of the control socket may make. Changing the
/// configuration or the access list needs root, the daemon's own user, or membership in
/// the engineers' group. Reading needs only access to the socket.
public struct EngineerAuthorization: Sendable {
    /// The group whose members may change settings, the key `engineers_group`.
    public let groupName: String
    /// The user the daemon runs as, which is always allowed.
    public let daemonUserID: uid_t
    private let database: any UserDatabase

    /// Makes the check for `groupName`, with the daemon's user `daemonUserID`.
    public init(
        groupName: String, daemonUserID: uid_t = getuid(),
        database: any UserDatabase = SystemUserDatabase()
    ) {
        self.groupName = groupName
        self.daemonUserID = daemonUserID
        self.database = database
    }

    /// Returns nil when `peer` may change settings, or else the message of the refusal,
    /// which names the group needed.
    public func refusal(for peer: PeerCredentials, action: String) -> String? {
        if peer.userID == 0 || peer.userID == daemonUserID { return nil }

        guard let group = database.groupID(named: groupName) else {
            return "\(action) needs membership in the group \(groupName), which does not "
                + "exist on this system; create it (groupadd \(groupName)) and add the "
                + "engineers to it, or run the command as root"
        }
        if peer.groupID == group { return nil }
        if let user = database.user(peer.userID),
            database.groupIDs(ofUser: user.name, primaryGroup: user.primaryGroup)
                .contains(group)
        {
            return nil
        }
        return "permission denied: \(action) needs membership in the group \(groupName) "
            + "(user ID \(peer.userID) is not a member); ask an administrator to run "
            + "usermod -aG \(groupName) USER, then log in again"
    }
}

/// The system's user and group database.
public struct SystemUserDatabase: UserDatabase {
    public init() {}

    /// Calls `getgrnam_r(3)`.
    public func groupID(named name: String) -> gid_t? {
        var entry = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 16384)
        let status = getgrnam_r(name, &entry, &buffer, buffer.count, &result)
        guard status == 0, result != nil else { return nil }
        return entry.gr_gid
    }

    /// Calls `getpwuid_r(3)`.
    public func user(_ userID: uid_t) -> (name: String, primaryGroup: gid_t)? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16384)
        let status = getpwuid_r(userID, &entry, &buffer, buffer.count, &result)
        guard status == 0, result != nil, let name = entry.pw_name else { return nil }
        return (String(cString: name), entry.pw_gid)
    }

    /// Calls `getgrouplist(3)`, again with a larger list when the first is too small.
    public func groupIDs(ofUser name: String, primaryGroup: gid_t) -> [gid_t] {
        var count: Int32 = 64
        while true {
            var groups = [gid_t](repeating: 0, count: Int(count))
            let previous = count
            if getgrouplist(name, primaryGroup, &groups, &count) >= 0 {
                return Array(groups.prefix(Int(count)))
            }
            // glibc sets count to the number needed; guard against a library that does not.
            count = max(count, previous * 2)
            if count > 65536 { return [primaryGroup] }
        }
    }
}
