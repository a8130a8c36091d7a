import ControlProtocol
import Foundation
import Glibc
import Testing

@Suite struct UnixSocketTests {
    @Test func peerCredentialsNameThisProcess() throws {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("mc-socket-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.path + "/test.sock"
        let listener = try UnixSocket.listen(path: path)
        defer { listener.close() }

        let client = try UnixSocket.connect(path: path)
        let server = try #require(listener.accept())
        let peer = try server.peerCredentials()
        let other = try client.peerCredentials()

        #expect(peer.processID == getpid())
        #expect(peer.userID == getuid())
        #expect(peer.groupID == getgid())
        #expect(other.userID == getuid())
    }
}
