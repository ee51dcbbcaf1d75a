// Crash-safe writing: a file or a directory of files appears complete under its name, or not at all.
//
// A file is written under a temporary name in the same folder, flushed to disk (fsync), renamed over
// the target (rename(2) replaces atomically), and the folder is flushed so that the rename itself
// survives a power cut. A directory is built the same way beside the target and swapped with the old
// one in one step (Linux renameat2 RENAME_EXCHANGE, macOS renamex_np RENAME_SWAP), so that a process
// killed at any moment leaves the old directory or the new one, never neither and never a mix.

import ForecastNN
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes files and directories so that a crash, a kill or a full disk never leaves a partial one.
public enum AtomicFile {
    /// Writes `data` to `path`: a temporary file beside it, fsync, rename over `path`, fsync of the folder.
    ///
    /// - Throws: ``FileError`` naming `path` (no space left, no permission, a missing folder…); the
    ///   temporary file is removed and an earlier file at `path` is left as it was.
    public static func write(_ data: Data, to path: String) throws(FileError) {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let temporary = temporaryName(beside: url)
        removeStaleTemporaries(beside: url)
        do {
            try writeAndSync(data, to: temporary)
            pauseForKillTest()
            try check(rename(temporary, path), "cannot be put in place")
            try syncFolder(folder)
        } catch {
            unlink(temporary)
            throw FileError(file: path, problem: "cannot be written (\(error.message)); nothing was changed")
        }
    }

    /// Writes the directory `directory` holding `files` (name → contents), replacing an earlier
    /// directory there in one atomic step; missing folders above it are created.
    ///
    /// Only an empty directory or an earlier one of the same kind is replaced: one whose entries are
    /// all among the names of `files` and `mayReplace` (an earlier model, not a user's folder that
    /// happens to have the name, nor the current directory given as `.` or an empty path).
    ///
    /// - Throws: ``FileError`` naming `directory`. On failure the temporary directory is removed and
    ///   an earlier directory is left as it was; a file (not a directory) at `directory`, or a directory
    ///   holding anything else, is not replaced.
    public static func writeDirectory(_ files: [(name: String, contents: Data)], to directory: URL,
                                      mayReplace: Set<String> = []) throws(FileError) {
        let path = directory.path
        let parent = directory.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        if exists {
            guard isDirectory.boolValue else {
                throw FileError(file: path, problem: "exists and is not a directory; not replaced")
            }
            let own = mayReplace.union(files.map(\.name))
            guard let entries = try? FileManager.default.contentsOfDirectory(atPath: path) else {
                throw FileError(file: path, problem: "exists and cannot be listed; not replaced")
            }
            if let other = entries.sorted().first(where: { !own.contains($0) }) {
                throw FileError(file: path, problem: "is a folder holding other files (\(other)); not replaced: give a new folder")
            }
        }
        let temporary = temporaryName(beside: directory)
        removeStaleTemporaries(beside: directory)
        do {
            // Missing folders above the directory are created, as `mkdir -p` would.
            try? FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
            try check(mkdir(temporary, 0o755), "cannot create a folder beside it")
            for (name, contents) in files {
                try writeAndSync(contents, to: temporary + "/" + name)
                pauseForKillTest()
            }
            try syncFolder(temporary)
            if exists {
                // Swap: `path` now holds the new files, `temporary` the old ones, which are then removed.
                try check(exchange(temporary, path), "cannot be swapped with the earlier model")
                try syncFolder(parent)
                pauseForKillTest()
                try? FileManager.default.removeItem(atPath: temporary)
            } else {
                try check(rename(temporary, path), "cannot be put in place")
                try syncFolder(parent)
            }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw FileError(file: path, problem: "cannot be written (\(error.message)); nothing was changed")
        }
    }

    /// For scripts/kill_test.sh only: `FORECAST_KILL_TEST_PAUSE_MS` makes each step of a write pause
    /// that long, so that a kill at a random moment often lands inside the write. Unset, nothing pauses.
    private static let killTestPause = ProcessInfo.processInfo.environment["FORECAST_KILL_TEST_PAUSE_MS"].flatMap(UInt32.init) ?? 0

    private static func pauseForKillTest() {
        if killTestPause > 0 { usleep(killTestPause * 1000) }
    }

    // MARK: - System calls, each failure an errno message

    private struct SystemError: Error {
        var message: String
    }

    /// Throws `what: strerror(errno)` when `result` is −1.
    private static func check(_ result: Int32, _ what: String) throws(SystemError) {
        if result == -1 { throw SystemError(message: "\(what): \(String(cString: strerror(errno)))") }
    }

    /// A name in the same folder (so that the rename stays on one file system), hidden, unique.
    private static func temporaryName(beside url: URL) -> String {
        let folder = url.deletingLastPathComponent().path
        return folder + "/." + url.lastPathComponent + ".partial-\(getpid())-\(UInt32.random(in: 0 ... .max))"
    }

    /// Removes what a killed writer left beside `url`: temporaries whose process no longer runs.
    private static func removeStaleTemporaries(beside url: URL) {
        let folder = url.deletingLastPathComponent().path
        let prefix = "." + url.lastPathComponent + ".partial-"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where name.hasPrefix(prefix) {
            guard let pid = Int32(name.dropFirst(prefix.count).prefix { $0 != "-" }) else { continue }
            if kill(pid, 0) == -1 && errno == ESRCH {
                try? FileManager.default.removeItem(atPath: folder + "/" + name)
            }
        }
    }

    /// Creates `path` (which must not exist), writes all of `data`, fsyncs and closes it.
    private static func writeAndSync(_ data: Data, to path: String) throws(SystemError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        try check(descriptor, "cannot create a temporary file beside it")
        var failure: SystemError?
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < bytes.count {
                let written = Foundation.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = SystemError(message: String(cString: strerror(errno)))
                    return
                }
                offset += written
            }
        }
        if failure == nil && fsync(descriptor) == -1 { failure = SystemError(message: "fsync: \(String(cString: strerror(errno)))") }
        // close can report a delayed write error (NFS, a full disk): it counts as a failure too.
        if close(descriptor) == -1 && failure == nil { failure = SystemError(message: String(cString: strerror(errno))) }
        if let failure { throw failure }
    }

    /// fsyncs a folder, so that the names created or renamed in it are on disk.
    private static func syncFolder(_ path: String) throws(SystemError) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        try check(descriptor, "cannot open its folder")
        defer { close(descriptor) }
        // Some file systems cannot fsync a directory (EINVAL); their renames are as durable as they get.
        if fsync(descriptor) == -1 && errno != EINVAL { try check(-1, "fsync of its folder") }
    }

    /// Swaps two paths atomically.
    private static func exchange(_ first: String, _ second: String) -> Int32 {
        #if canImport(Darwin)
        return renamex_np(first, second, UInt32(RENAME_SWAP))
        #else
        // glibc's renameat2 (2.28+) is not in Swift's Glibc module: found by name at run time.
        typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "renameat2") else {
            errno = ENOSYS
            return -1
        }
        let renameAt2 = unsafeBitCast(symbol, to: RenameAt2.self)
        let exchangeFlag: UInt32 = 1 << 1  // RENAME_EXCHANGE
        return renameAt2(AT_FDCWD, first, AT_FDCWD, second, exchangeFlag)
        #endif
    }
}
