import Glibc
import MediaCenterCore
import Synchronization

/// A connected or listening Unix stream socket. Every socket call of the control channel
/// is in this file.
public final class UnixSocket: Sendable {
    private let owned: Atomic<Int32>

    /// The file descriptor, owned by this object until `close()`; -1 once closed.
    public var descriptor: Int32 { owned.load(ordering: .acquiring) }

    private init(descriptor: Int32) {
        self.owned = Atomic(descriptor)
    }

    deinit {
        close()
    }

    /// Closes the socket with `close(2)`. Later calls do nothing.
    public func close() {
        let descriptor = owned.exchange(-1, ordering: .acquiringAndReleasing)
        if descriptor >= 0 { Glibc.close(descriptor) }
    }

    /// Creates a socket, removes a stale socket file at `path`, then binds and listens
    /// with `bind(2)` and `listen(2)`. The socket file is made readable and writable by its
    /// owner and group only.
    public static func listen(path: String) throws -> UnixSocket {
        let socket = try make()
        unlink(path)
        try withAddress(path) { address, length in
            guard bind(socket.descriptor, address, length) == 0 else {
                throw MediaCenterError.fromErrno(
                    .ioFailure, "cannot create the control socket \(path)", call: "bind")
            }
        }
        chmod(path, 0o660)
        guard Glibc.listen(socket.descriptor, 16) == 0 else {
            throw MediaCenterError.fromErrno(
                .ioFailure, "cannot listen on the control socket \(path)", call: "listen")
        }
        return socket
    }

    /// Connects to the socket at `path` with `connect(2)`.
    public static func connect(path: String) throws -> UnixSocket {
        let socket = try make()
        try withAddress(path) { address, length in
            guard Glibc.connect(socket.descriptor, address, length) == 0 else {
                throw MediaCenterError.fromErrno(
                    .notFound,
                    "cannot reach the daemon at \(path); check that mediacenterd runs "
                        + "with the same --data-dir",
                    call: "connect")
            }
        }
        return socket
    }

    /// Waits for a client with `accept(2)`. Returns nil once the socket was closed.
    public func accept() -> UnixSocket? {
        while true {
            let client = Glibc.accept(descriptor, nil, nil)
            if client >= 0 { return UnixSocket(descriptor: client) }
            if errno == EINTR || errno == ECONNABORTED { continue }
            return nil
        }
    }

    /// Reads the connected peer's process, user and group IDs with `getsockopt(2)` and
    /// `SO_PEERCRED`. The kernel records them when the peer connects, so the peer cannot
    /// forge them.
    public func peerCredentials() throws -> PeerCredentials {
        // struct ucred of <sys/socket.h>, which Glibc hides without _GNU_SOURCE: three
        // 32-bit fields without padding.
        var credentials = (pid: pid_t(0), uid: uid_t(0), gid: gid_t(0))
        var size = socklen_t(MemoryLayout.size(ofValue: credentials))
        guard getsockopt(descriptor, SOL_SOCKET, SO_PEERCRED, &credentials, &size) == 0 else {
            throw MediaCenterError.fromErrno(
                .ioFailure, "cannot read the control socket peer's credentials",
                call: "getsockopt")
        }
        return PeerCredentials(
            processID: credentials.pid, userID: credentials.uid, groupID: credentials.gid)
    }

    /// Limits each later send and receive to `seconds` with `SO_SNDTIMEO` and
    /// `SO_RCVTIMEO`, so a peer that stops talking cannot block the other side for long.
    public func setTimeout(seconds: Int) {
        var limit = timeval(tv_sec: seconds, tv_usec: 0)
        let size = socklen_t(MemoryLayout<timeval>.size)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &limit, size)
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &limit, size)
    }

    /// Stops a blocked `accept()` with `shutdown(2)`, so the serving thread can end.
    public func shutdownListening() {
        Glibc.shutdown(descriptor, Int32(SHUT_RDWR))
    }

    /// Sends all of `bytes` with `send(2)`, then shuts down the sending side.
    public func sendAll(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes {
                Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if sent < 0 {
                if errno == EINTR { continue }
                throw MediaCenterError.fromErrno(
                    .ioFailure, "control socket send failed", call: "send")
            }
            offset += sent
        }
        Glibc.shutdown(descriptor, Int32(SHUT_WR))
    }

    /// Reads with `recv(2)` until the peer shuts down its side, up to `limit` bytes.
    public func receiveAll(limit: Int = 64 << 20) throws -> [UInt8] {
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while result.count < limit {
            let count = buffer.withUnsafeMutableBytes {
                Glibc.recv(descriptor, $0.baseAddress, $0.count, 0)
            }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw MediaCenterError.fromErrno(
                    .ioFailure, "control socket receive failed", call: "recv")
            }
            result.append(contentsOf: buffer[0..<count])
        }
        return result
    }

    private static func make() throws -> UnixSocket {
        let descriptor = socket(
            AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else {
            throw MediaCenterError.fromErrno(
                .ioFailure, "cannot create a Unix socket", call: "socket")
        }
        return UnixSocket(descriptor: descriptor)
    }

    private static func withAddress(
        _ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) throws -> Void
    ) throws {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else {
            throw MediaCenterError(
                .invalidArgument,
                "the control socket path \(path) is longer than \(capacity - 1) bytes; "
                    + "use a shorter --data-dir")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
        }
        let length = socklen_t(MemoryLayout<sockaddr_un>.size)
        try withUnsafePointer(to: &address) {
            try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { try body($0, length) }
        }
    }
}

/// The process, user and group IDs of a Unix socket's peer, as the kernel recorded them.
public struct PeerCredentials: Sendable, Equatable {
    public var processID: pid_t
    public var userID: uid_t
    /// The peer's primary group when it connected.
    public var groupID: gid_t

    public init(processID: pid_t, userID: uid_t, groupID: gid_t) {
        self.processID = processID
        self.userID = userID
        self.groupID = groupID
    }
}
