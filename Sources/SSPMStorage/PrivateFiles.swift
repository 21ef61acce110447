import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The data directory and the files in it hold password hashes, sessions, sealed secrets, the
/// master key and Zoom user data: the directory is 0700 and each file 0600 from the moment it
/// exists (never created wider and narrowed afterwards). Files an older release left wider are
/// narrowed when the server starts.
public enum PrivateFiles {
    public static let directoryMode: mode_t = 0o700
    public static let fileMode: mode_t = 0o600

    /// Creates `path` (and missing parents) 0700; with `narrowing`, an existing one of ours is
    /// narrowed to 0700 too (never a shared sticky directory such as /tmp).
    public static func directory(_ path: String, narrowing: Bool = true) throws {
        guard !path.isEmpty else { return }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw StorageError("\(path) exists and is not a directory: pass another --data-dir.") }
            var info = stat()
            if narrowing, stat(path, &info) == 0, info.st_mode & S_ISVTX == 0 { try narrow(path, to: directoryMode) }
            return
        }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty, !FileManager.default.fileExists(atPath: parent) {
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true, attributes: [.posixPermissions: Int(directoryMode)])
        }
        guard mkdir(path, directoryMode) == 0 || errno == EEXIST else {
            throw StorageError("Cannot create the data directory \(path): \(String(cString: strerror(errno))). Check the parent's permissions or pass another --data-dir.")
        }
        try narrow(path, to: directoryMode)
    }

    /// Creates `path` empty with mode 0600 unless it exists; an existing file is narrowed to 0600.
    public static func file(_ path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, fileMode)
        if fd >= 0 {
            close(fd)
        } else if errno != EEXIST {
            throw StorageError("Cannot create \(path): \(String(cString: strerror(errno))).")
        }
        try narrow(path, to: fileMode)
    }

    /// Writes `data` to a new file created 0600 (fails if it exists, so nothing is overwritten).
    public static func create(_ path: String, contents data: Data) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, fileMode)
        guard fd >= 0 else { throw StorageError("Cannot create \(path): \(String(cString: strerror(errno))).") }
        defer { close(fd) }
        let written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == data.count, fsync(fd) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(path)
            throw StorageError("Cannot write \(path): \(reason) (is the disk full?). Nothing was kept.")
        }
    }

    /// Narrows `path` to `mode` when it is wider (a file we do not own is left as it is).
    static func narrow(_ path: String, to mode: mode_t) throws {
        var info = stat()
        guard stat(path, &info) == 0 else { return }
        guard info.st_mode & 0o777 & ~mode != 0, info.st_uid == geteuid() else { return }
        guard chmod(path, mode) == 0 else { throw StorageError("Cannot restrict \(path) to mode \(String(mode, radix: 8)): \(String(cString: strerror(errno))).") }
    }

    /// A SQLite database file and its companions (-wal, -shm, -journal): created 0600 before SQLite
    /// opens it (SQLite gives its companions the database file's mode), existing ones narrowed.
    public static func sqlite(_ path: String) throws {
        try file(path)
        for suffix in ["-wal", "-shm", "-journal"] where FileManager.default.fileExists(atPath: path + suffix) {
            try narrow(path + suffix, to: fileMode)
        }
    }
}
