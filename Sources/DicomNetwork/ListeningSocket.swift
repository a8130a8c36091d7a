import Glibc
import MediaCenterCore

/// An IPv4 or IPv6 socket address built from a numeric host.
struct SocketAddress {
    private var storage = sockaddr_storage()
    /// The length of the address in `storage`, for bind(2).
    private(set) var length: socklen_t = 0
    /// AF_INET or AF_INET6.
    private(set) var family: Int32 = AF_INET

    /// Parses `numericHost` as an IPv4 or IPv6 literal; nil when it is neither.
    init?(numericHost: String, port: Int) {
        var ipv4 = in_addr()
        var ipv6 = in6_addr()
        if inet_pton(AF_INET, numericHost, &ipv4) == 1 {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(truncatingIfNeeded: port).bigEndian)
            address.sin_addr = ipv4
            withUnsafeMutableBytes(of: &storage) { target in
                withUnsafeBytes(of: address) { target.copyMemory(from: $0) }
            }
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
            family = AF_INET
        } else if inet_pton(AF_INET6, numericHost, &ipv6) == 1 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = in_port_t(UInt16(truncatingIfNeeded: port).bigEndian)
            address.sin6_addr = ipv6
            withUnsafeMutableBytes(of: &storage) { target in
                withUnsafeBytes(of: address) { target.copyMemory(from: $0) }
            }
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            family = AF_INET6
        } else {
            return nil
        }
    }

    /// Calls `body` with the address as a `sockaddr` pointer.
    func withSockaddr<Result>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> Result) -> Result {
        withUnsafeBytes(of: storage) { bytes in
            body(bytes.baseAddress!.assumingMemoryBound(to: sockaddr.self), length)
        }
    }

    /// Formats the host of a peer address that accept(2) returned, such as "127.0.0.1".
    static func numericHost(of storage: sockaddr_storage) -> String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = Int32(storage.ss_family)
        let converted: UnsafePointer<CChar>? = withUnsafeBytes(of: storage) { bytes in
            switch family {
            case AF_INET:
                var address = bytes.load(as: sockaddr_in.self).sin_addr
                return inet_ntop(AF_INET, &address, &text, socklen_t(text.count))
            case AF_INET6:
                var address = bytes.load(as: sockaddr_in6.self).sin6_addr
                return inet_ntop(AF_INET6, &address, &text, socklen_t(text.count))
            default:
                return nil
            }
        }
        guard converted != nil else { return "unknown" }
        return String(
            decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// The SCP's own listening TCP socket, and the connections accepted on it.
enum ListeningSocket {
    /// Opens a socket listening on `host`:`port` with SO_REUSEADDR, and returns it with
    /// the port it is bound to (useful when `port` is 0).
    /// - Throws: `MediaCenterError` with code `networkFailure` naming the address.
    static func open(host: String, port: Int, backlog: Int32 = 64) throws -> (Int32, Int) {
        guard let address = SocketAddress(numericHost: host, port: port) else {
            throw MediaCenterError(
                .invalidConfiguration, "bind address \"\(host)\" is not a numeric IP address")
        }
        let listener = socket(
            address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard listener >= 0 else {
            throw MediaCenterError.fromErrno(
                .networkFailure, "cannot create a TCP socket to listen on \(host):\(port)",
                call: "socket")
        }
        do {
            var one: Int32 = 1
            guard
                setsockopt(
                    listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
                    == 0
            else {
                throw MediaCenterError.fromErrno(
                    .networkFailure, "cannot set SO_REUSEADDR on the listening socket",
                    call: "setsockopt")
            }
            let bound = address.withSockaddr { bind(listener, $0, $1) }
            guard bound == 0 else {
                let hint =
                    errno == EACCES
                    ? "; ports below 1024 need CAP_NET_BIND_SERVICE"
                    : errno == EADDRINUSE ? "; another process listens on it" : ""
                throw MediaCenterError.fromErrno(
                    .networkFailure, "cannot listen on \(host):\(port)\(hint)", call: "bind")
            }
            guard listen(listener, backlog) == 0 else {
                throw MediaCenterError.fromErrno(
                    .networkFailure, "cannot listen on \(host):\(port)", call: "listen")
            }
            return (listener, try boundPort(of: listener))
        } catch {
            close(listener)
            throw error
        }
    }

    private static func boundPort(of listener: Int32) throws -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutableBytes(of: &storage) { bytes in
            getsockname(
                listener, bytes.baseAddress!.assumingMemoryBound(to: sockaddr.self), &length)
        }
        guard result == 0 else {
            throw MediaCenterError.fromErrno(
                .networkFailure, "cannot read the port of the listening socket",
                call: "getsockname")
        }
        return withUnsafeBytes(of: storage) { bytes in
            switch Int32(storage.ss_family) {
            case AF_INET6: Int(UInt16(bigEndian: bytes.load(as: sockaddr_in6.self).sin6_port))
            default: Int(UInt16(bigEndian: bytes.load(as: sockaddr_in.self).sin_port))
            }
        }
    }

    /// A connection that accept(2) returned.
    struct Connection {
        /// The connected socket.
        let descriptor: Int32
        /// The peer's numeric IP address.
        let peerAddress: String
    }

    /// Accepts one connection and turns Nagle's algorithm off on it, because DICOM
    /// sends small PDUs that wait for their response. Returns nil with `errno` set on failure.
    static func accept(on listener: Int32) -> Connection? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let descriptor = withUnsafeMutableBytes(of: &storage) { bytes in
            Glibc.accept(
                listener, bytes.baseAddress!.assumingMemoryBound(to: sockaddr.self), &length)
        }
        guard descriptor >= 0 else { return nil }
        // Glibc's module map hides accept4, so close-on-exec is set afterwards.
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        var one: Int32 = 1
        _ = setsockopt(
            descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        return Connection(
            descriptor: descriptor, peerAddress: SocketAddress.numericHost(of: storage))
    }
}
