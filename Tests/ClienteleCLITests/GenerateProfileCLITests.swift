import ClienteleCore
import Foundation
import Testing
@testable import ClienteleCLI

@Suite struct GenerateProfileCommandTests {
    @Test func profilesAreDeterministicAndMatchTheGenerator() async throws {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        for profile in DemoProfile.allCases {
            let path = dir.appendingPathComponent("\(profile.rawValue).csv").path
            #expect(await run(["generate", "--profile", profile.rawValue, "--lines", "3000", "--seed", "9", "--out", path]).status == 0)
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            #expect(bytes == DemoDataGenerator(seed: 9, profile: profile).bytes(lines: 3_000))
        }
        // The default profile is retail.
        let plain = dir.appendingPathComponent("plain.csv").path
        #expect(await run(["generate", "--lines", "3000", "--seed", "9", "--out", plain]).status == 0)
        #expect(read(plain) == read(dir.appendingPathComponent("retail.csv").path))
        #expect(read(plain) != read(dir.appendingPathComponent("wholesale.csv").path))
        let bad = await run(["generate", "--profile", "nope"])
        #expect(bad.status == 2)
    }
}
