import Foundation

/// The `sspm` executable the package built, as tests run it (CLI and multi-process tests).
public enum BuiltBinary {
    public static var sspm: URL {
        // Tests run from .build/<config>/<Package>PackageTests.xctest; the executable sits beside it.
        var url = Bundle.main.bundleURL
        for _ in 0..<3 {
            let candidate = url.appendingPathComponent("sspm")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            url = url.deletingLastPathComponent()
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/sspm")
    }
}
