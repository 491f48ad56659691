// Runs each Lua test file in Tests/BindingsTests/lua in a fresh runtime. A file
// registers cases with the `testing` harness and ends with `return T.run()`,
// which raises an error naming every failed case; a file that registers cases
// and never runs them fails too.

import Bindings
import Foundation
import Testing

let luaTestDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("lua")

let fixturesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures")

let luaTestFiles: [String] = {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: luaTestDirectory.path)) ?? []
    return names.filter { $0.hasSuffix("_test.lua") }.sorted()
}()

@Test("Lua test files exist")
func luaTestsFound() {
    #expect(luaTestFiles.count >= 3)
}

@Test("Lua tests", arguments: luaTestFiles)
func luaTestFile(_ name: String) throws {
    let runtime = Runtime()
    try runtime.runChunk("local dir, fixtures = ...; package.path = dir .. '/?.lua;' .. package.path; FIXTURES = fixtures",
                         name: "=setup", arguments: [luaTestDirectory.path, fixturesDirectory.path])
    do {
        try runtime.runFile(luaTestDirectory.appendingPathComponent(name).path)
        // a file whose cases never ran passes silently otherwise
        try runtime.runChunk("""
            local pending, ran = require("testing").counts()
            if pending > 0 or ran == 0 then
              error(pending .. " cases registered, " .. ran .. " run: the file must end with return T.run()", 0)
            end
            """, name: "=counts", arguments: [])
    } catch {
        Issue.record("\(name):\n\(error.description)")
    }
}
