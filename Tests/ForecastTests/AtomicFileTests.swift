import Foundation
import Testing
import Forecast

/// Files and directories appear whole under their name or not at all; failures leave no litter.
@Suite struct AtomicFileTests {
    func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func fileIsReplacedAndNoTemporaryIsLeft() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("out.csv").path
        try AtomicFile.write(Data("old\n".utf8), to: path)
        try AtomicFile.write(Data("new\n".utf8), to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "new\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["out.csv"])
    }

    @Test func fileInAMissingFolderFailsNamingIt() throws {
        let path = "/nonexistent-\(UUID().uuidString)/out.csv"
        let error = #expect(throws: FileError.self) { try AtomicFile.write(Data("x".utf8), to: path) }
        #expect(error?.file == path)
        #expect(error?.problem.hasPrefix("cannot be written (cannot create a temporary file beside it: No such file or directory)") == true)
    }

    @Test func directoryIsSwappedWholeWithTheEarlierOne() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = folder.appendingPathComponent("model")
        try AtomicFile.writeDirectory([("a", Data("1".utf8)), ("b", Data("1".utf8))], to: model)
        try AtomicFile.writeDirectory([("a", Data("2".utf8))], to: model, mayReplace: ["b"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: model.path) == ["a"])
        #expect(try String(contentsOf: model.appendingPathComponent("a"), encoding: .utf8) == "2")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["model"])
    }

    @Test func aFileIsNotReplacedByADirectory() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let taken = folder.appendingPathComponent("taken")
        try Data("keep".utf8).write(to: taken)
        let error = #expect(throws: FileError.self) { try AtomicFile.writeDirectory([("a", Data())], to: taken) }
        #expect(error?.problem == "exists and is not a directory; not replaced")
        #expect(try String(contentsOf: taken, encoding: .utf8) == "keep")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["taken"])
    }

    @Test func aFolderHoldingOtherFilesIsNotReplaced() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let work = folder.appendingPathComponent("work")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: false)
        try Data("precious".utf8).write(to: work.appendingPathComponent("keep.txt"))
        let error = #expect(throws: FileError.self) { try AtomicFile.writeDirectory([("a", Data())], to: work) }
        #expect(error?.file == work.path)
        #expect(error?.problem == "is a folder holding other files (keep.txt); not replaced: give a new folder")
        #expect(try FileManager.default.contentsOfDirectory(atPath: work.path) == ["keep.txt"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["work"])
        // An empty folder is taken.
        let empty = folder.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: false)
        try AtomicFile.writeDirectory([("a", Data("1".utf8))], to: empty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: empty.path) == ["a"])
    }
}
